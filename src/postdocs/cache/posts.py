"""Per-post results kept on disk between builds, so a rebuild computes only what changed.

`.postdocs-cache/` (beside the reader cache of `cache.py`) holds one table per step: `prep`
(a post's enrichment and topic classification) and `page` (the digest of a review's page). A
key is a hash of everything the step reads — the post's fields, the configuration that shapes
the result (the taxonomy; the site's names and addresses; the post's cross-links) and postdocs'
own source code — so a hit is exactly what the step would compute, in any process: a later
`postdocs build`, a CI job that restored the folder (actions/cache), another machine. A table is
loaded once per build and written back only when it changed, holding only the entries that
build used (so it never grows beyond one site). A damaged or unreadable table is ignored (and
rebuilt); deleting the folder never changes the output.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Generic, TypeVar

from .reads import code_fingerprint

V = TypeVar("V")
_FORMAT = 1


def fingerprint(*parts: object) -> str:
    """A stable digest of values whose `repr` is deterministic (frozen dataclasses, tuples,
    strings, numbers, dates: no sets) and of postdocs' code."""
    h = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        h.update(b"\0")
        h.update(repr(part).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class Table(Generic[V]):
    """key → value of one step, loaded from and saved to `<folder>/posts-<name>.pickle`."""

    def __init__(self, folder: Path | None, name: str) -> None:
        self.path = folder / f"posts-{name}.pickle" if folder is not None else None
        self._old: dict[str, V] = self._load()
        self._new: dict[str, V] = {}
        self.hits = 0
        self.misses = 0

    def _load(self) -> dict[str, V]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            with self.path.open("rb") as fh:
                data = pickle.load(fh)
            if isinstance(data, tuple) and len(data) == 2 and data[0] == _FORMAT \
                    and isinstance(data[1], dict):
                return data[1]
        except Exception:  # noqa: BLE001 - any damage means: compute again
            pass
        return {}

    def __len__(self) -> int:
        """Entries loaded from disk (0: a cold build)."""
        return len(self._old)

    def get(self, key: str) -> V | None:
        value = self._new.get(key)
        if value is None:
            value = self._old.get(key)
            if value is None:
                self.misses += 1
                return None
            self._new[key] = value
        self.hits += 1
        return value

    def put(self, key: str, value: V) -> None:
        self._new[key] = value

    def save(self) -> None:
        """Write the entries this build used, if they differ from what was loaded."""
        if self.path is None:
            return
        if self._new.keys() == self._old.keys() and not self.misses:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((_FORMAT, self._new), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)
        self._old = self._new
        self.misses = 0
