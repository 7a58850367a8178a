"""Dates written in posts (`dd.mm.yy`, `dd.mm.yyyy`) to ISO dates, and repair of OCR'd dates.

An OCR'd digest mangles its header dates (`92.06.24` for 02.06.24, `9.709.24` for 07.09.24,
`1502.25` for 15.02.25, a second, different date in the same header). Its posts are in
chronological order, so each header's candidates (the date as written and a few readings of the
damaged digits) are resolved together: the chosen dates form the best non-decreasing sequence,
preferring, in this order, more posts dated, dates read as written, and a header's first date.
A header whose candidates all break the order, or that has no date at all, stays undated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the readers import the render side, which imports enrich.papers
    from ..readers.header_dates import Candidate


# Weights of the sequence repair: being dated outweighs everything, then "as written", then
# the order of appearance in the header (the first date of a header is its own date).
_DATED, _WRITTEN, _ORDER_BONUS = 1000, 10, 3


def _score(c: Candidate, order: int) -> int:
    return _DATED + (_WRITTEN if c.written else 0) + max(0, _ORDER_BONUS - order)


class _PrefixMax:
    """Fenwick tree over date ranks: best (score, node) among dates ≤ a rank, in O(log n)."""

    def __init__(self, size: int) -> None:
        self.tree: list[tuple[int, int]] = [(0, -1)] * (size + 1)

    def update(self, rank: int, value: tuple[int, int]) -> None:
        i = rank + 1
        while i < len(self.tree):
            if value > self.tree[i]:
                self.tree[i] = value
            i += i & -i

    def query(self, rank: int) -> tuple[int, int]:
        best = (0, -1)
        i = rank + 1
        while i > 0:
            if self.tree[i] > best:
                best = self.tree[i]
            i -= i & -i
        return best


def resolve(headers: Sequence[Sequence[Candidate]]) -> list[Candidate | None]:
    """Choose at most one candidate per post so the dates never go back in time.

    A weighted longest non-decreasing subsequence over all candidates (O(n log n)): candidates
    of one post are scored before any of them is inserted, so a post never follows itself.
    """
    ranks = {d: i for i, d in enumerate(sorted({c.date for cs in headers for c in cs}))}
    tree = _PrefixMax(len(ranks))
    nodes: list[tuple[int, Candidate, int]] = []  # (post index, candidate, previous node)
    best_total: tuple[int, int] = (0, -1)
    for post, cands in enumerate(headers):
        pending: list[tuple[int, tuple[int, int]]] = []
        for order, c in enumerate(cands):
            prev_score, prev_node = tree.query(ranks[c.date])
            nodes.append((post, c, prev_node))
            pending.append((ranks[c.date], (prev_score + _score(c, order), len(nodes) - 1)))
        for rank, value in pending:  # deterministic ties: the later node wins
            tree.update(rank, value)
            best_total = max(best_total, value)
    chosen: list[Candidate | None] = [None] * len(headers)
    node = best_total[1]
    while node >= 0:
        post, cand, node = nodes[node]
        chosen[post] = cand
    return chosen
