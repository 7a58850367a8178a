"""Results of pure per-post steps kept between builds of one process (`postdocs watch`).

A live preview rebuilds the whole site after every edit; most posts did not change, so their
enrichment, classification, list entries and feeds are looked up instead of computed again (of
a review page only its digest: pipeline.py, write.KnownPage). A memo holds
what the previous and the current build used and forgets the rest, so it never grows beyond
two builds' worth. Keys are the steps' full inputs (frozen, hashable values): a hit returns
exactly what the step would compute. Off unless `enable()` was called (by the watcher): a
one-off build computes every step once anyway, and would only hold more in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
_MISSING = object()
_ALL: list[Memo[object]] = []
_enabled = False


def enabled() -> bool:
    return _enabled


def enable(on: bool = True) -> None:
    """Keep results between builds of this process (a long-running watcher)."""
    global _enabled
    _enabled = on
    for memo in _ALL:
        memo.clear()


class Memo(Generic[V]):
    """key → value of one pure step, over the current and the previous build."""

    def __init__(self) -> None:
        self._previous: dict[Hashable, V] = {}
        self._current: dict[Hashable, V] = {}
        self._context: object = _MISSING
        _ALL.append(self)  # type: ignore[arg-type]

    def within(self, context: object) -> None:
        """Results hold for one value of something every call shares (the taxonomy, the site's
        names): when it changes, nothing remembered is reused."""
        if _enabled and context != self._context:
            self._previous, self._current, self._context = {}, {}, context

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        if not _enabled:
            return compute()
        value = self._current.get(key, _MISSING)
        if value is _MISSING:
            value = self._previous.get(key, _MISSING)
            if value is _MISSING:
                value = compute()
            self._current[key] = value  # type: ignore[assignment]
        return value  # type: ignore[return-value]

    def known(self, key: Hashable) -> V | None:
        """The remembered value of `key` (kept for this build too), or None."""
        if not _enabled:
            return None
        value = self._current.get(key, _MISSING)
        if value is _MISSING:
            value = self._previous.get(key, _MISSING)
            if value is _MISSING:
                return None
            self._current[key] = value  # type: ignore[assignment]
        return value  # type: ignore[return-value]

    def remember(self, key: Hashable, value: V) -> None:
        if _enabled:
            self._current[key] = value

    def __len__(self) -> int:
        """At most the number of values held (a value may be in both builds)."""
        return len(self._current) + len(self._previous)

    def clear(self) -> None:
        self._previous, self._current, self._context = {}, {}, _MISSING

    def next_build(self) -> None:
        self._previous, self._current = self._current, {}


def next_build() -> None:
    """Start a build: what the last build used stays available, anything older is dropped."""
    for memo in _ALL:
        memo.next_build()
