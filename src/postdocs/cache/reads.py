"""Reader results cached on disk, so unchanged inputs are not parsed again.

An entry's key hashes the input's bytes, its channel's configuration and the postdocs source
code itself, so any change to one of them misses the cache. Entries not used by a run are
removed at its end; a damaged entry is ignored and re-parsed. The cache is a speed-up only:
deleting `.postdocs-cache/` never changes the output.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import memo
from ..model import ChannelConfig, ReadResult

CACHE_DIR = ".postdocs-cache"
_PACKAGE = Path(__file__).resolve().parent.parent  # the whole postdocs package


@functools.cache
def code_fingerprint() -> str:
    """A hash of postdocs' own source: a new version never reuses an old version's results."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def input_key(path: Path, channel: ChannelConfig) -> str:
    h = hashlib.sha256()
    h.update(code_fingerprint().encode())
    h.update(repr(channel).encode())
    h.update(str(path).encode())
    if path.name in ("result.json", "messages.html"):
        path = path.parent  # a Desktop export: its media (and messages2.html …) count too
    # regular files only (`is_file`): opening a FIFO would block; the reader refuses it
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else (
        [path] if path.is_file() else [])
    for f in files:
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


# In a watcher's process, results of unchanged inputs stay in memory between rebuilds
# (unpickling them was a good part of a one-post rebuild).
_READ: memo.Memo[ReadResult] = memo.Memo()


class ReadCache:
    """`get(path, channel, read)`: a cached `ReadResult`, or `read()` stored for next time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def get(self, path: Path, channel: ChannelConfig,
            read: Callable[[], ReadResult]) -> ReadResult:
        try:
            key = input_key(path, channel)
        except OSError:
            return read()  # the reader reports the unreadable file properly
        self.used.add(key)
        return _READ.get(key, lambda: self._load(key, read))

    def lookup(self, path: Path, channel: ChannelConfig) -> tuple[str | None, ReadResult | None]:
        """The input's key (None if it cannot be read: the reader reports that) and its cached
        result, if any; a miss is read by the caller (in a worker) and handed to `store`."""
        try:
            key = input_key(path, channel)
        except OSError:
            return None, None
        self.used.add(key)
        return key, self._cached(key)

    def store(self, key: str, result: ReadResult) -> None:
        self._store(self.folder / f"{key}.pickle", result)

    def _cached(self, key: str) -> ReadResult | None:
        """The stored result of `key`, counted as a hit or a miss; None if absent or damaged."""
        entry = self.folder / f"{key}.pickle"
        if entry.is_file():
            try:
                with entry.open("rb") as fh:
                    cached = pickle.load(fh)
                if isinstance(cached, ReadResult):
                    self.hits += 1
                    return cached
            except Exception:  # noqa: BLE001 - any damage means: parse again
                pass
        self.misses += 1
        return None

    def _load(self, key: str, read: Callable[[], ReadResult]) -> ReadResult:
        cached = self._cached(key)
        if cached is not None:
            return cached
        result = read()
        self.store(key, result)
        return result

    def _store(self, entry: Path, result: ReadResult) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
        except OSError:
            pass  # a read-only or full disk only costs speed

    def prune(self) -> None:
        """Remove the entries this run did not use (inputs changed or gone)."""
        if not self.folder.is_dir():
            return
        for entry in self.folder.iterdir():
            if entry.is_dir():  # another cache's folder (cards/)
                continue
            if entry.name.startswith(("posts-", "site-")):
                continue  # per-post tables (postcache.py), the site's record (incremental)
            if entry.stem not in self.used or entry.name.startswith(".tmp-"):
                with contextlib.suppress(OSError):
                    entry.unlink()
