"""What a watcher keeps between the builds of one process (`postdocs watch`): `BuildState`.

A live preview rebuilds the whole site after every edit; most posts did not change, so their
enrichment, classification, list entries and feeds are looked up instead of computed again (of
a review page only its digest: pipeline.py, output.writer.KnownPage). The watcher owns one
`BuildState` and hands it to `pipeline.process`, `pipeline.iter_pages` and
`output.writer.write_pages`, which pass it on to the stages that use it; a one-off build passes
none and computes every step once.

Each `Memo` holds what the previous and the current build used and forgets the rest, so it never
grows beyond two builds' worth. Keys are the steps' full inputs (frozen, hashable values): a hit
returns exactly what the step would compute, so a rebuild gives the pages a fresh build gives
(tests/test_state.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections import Counter

    from .enrich.corrections import Overrides
    from .link.references import Mention
    from .model import Post, ReadResult
    from .topics.classifier import Classification, Matcher
    from .topics.taxonomy import Taxonomy
    from .urls.permalinks import Identity, Registry

V = TypeVar("V")
_MISSING = object()


class Memo(Generic[V]):
    """key → value of one pure step, over the current and the previous build."""

    def __init__(self) -> None:
        self._previous: dict[Hashable, V] = {}
        self._current: dict[Hashable, V] = {}
        self._context: object = _MISSING

    def within(self, context: object) -> None:
        """Results hold for one value of something every call shares (the taxonomy, the site's
        names): when it changes, nothing remembered is reused."""
        if context != self._context:
            self._previous, self._current, self._context = {}, {}, context

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        value = self._recall(key)
        if value is _MISSING:
            value = self._current[key] = compute()
        return value  # type: ignore[return-value]

    def known(self, key: Hashable) -> V | None:
        """The remembered value of `key` (kept for this build too), or None."""
        value = self._recall(key)
        return None if value is _MISSING else value  # type: ignore[return-value]

    def _recall(self, key: Hashable) -> object:
        """The value of `key` from this build or the last (then kept for this one too)."""
        value = self._current.get(key, _MISSING)
        if value is _MISSING:
            value = self._previous.get(key, _MISSING)
            if value is not _MISSING:
                self._current[key] = value  # type: ignore[assignment]
        return value

    def remember(self, key: Hashable, value: V) -> None:
        self._current[key] = value

    def __len__(self) -> int:
        """At most the number of values held (a value may be in both builds)."""
        return len(self._current) + len(self._previous)

    def next_build(self) -> None:
        self._previous, self._current = self._current, {}


def memoized(memo: Memo[V] | None, key: Hashable, compute: Callable[[], V]) -> V:
    """`compute()`, remembered in `memo` when there is one (the watcher's)."""
    return compute() if memo is None else memo.get(key, compute)


# A file's identity and change times (inode, size, mtime, ctime) and the digest read then.
FileStamp = tuple[tuple[int, int, int, int], str]


@dataclass
class BuildState:
    """Everything a watcher remembers from one build for the next, by the stage that uses it."""

    reads: Memo[ReadResult] = field(default_factory=Memo)  # cache/reads.py: reader results
    enriched: Memo[Post] = field(default_factory=Memo)  # enrich
    matcher: Memo[Matcher] = field(default_factory=Memo)  # topics/classifier.py
    classified: Memo[Classification] = field(default_factory=Memo)
    taxonomy: Memo[Taxonomy] = field(default_factory=Memo)  # topics/taxonomy.py
    overrides: Memo[Overrides] = field(default_factory=Memo)  # enrich/corrections.py
    identities: Memo[Identity] = field(default_factory=Memo)  # urls/permalinks.py
    registry: Memo[Registry] = field(default_factory=Memo)
    mentions: Memo[tuple[Mention, ...]] = field(default_factory=Memo)  # link/references.py
    terms: Memo[Counter[str]] = field(default_factory=Memo)  # link/related.py
    related: object = None  # link/related.py: the previous build's index and results
    pages: Memo[str] = field(default_factory=Memo)  # pipeline.py: review page digests
    entries: Memo[str | None] = field(default_factory=Memo)  # render/indexes.py: list HTML
    # render/indexes.py: equal HTML of entries (a review on several topic pages) held once
    same_html: dict[str, str] = field(default_factory=dict)
    feeds: Memo[str] = field(default_factory=Memo)  # render/feeds.py
    files: dict[str, FileStamp] = field(default_factory=dict)  # output/writer.py: digests of pages

    def next_build(self) -> None:
        """Start a build: what the last build used stays available, anything older is
        dropped."""
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Memo):
                value.next_build()
