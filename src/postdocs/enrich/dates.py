"""Dates written in posts (`dd.mm.yy`, `dd.mm.yyyy`) to ISO dates, and repair of OCR'd dates.

An OCR'd digest mangles its header dates (`92.06.24` for 02.06.24, `9.709.24` for 07.09.24,
`1502.25` for 15.02.25, a second, different date in the same header). Its posts are in
chronological order, so each header's candidates (the date as written and a few readings of the
damaged digits) are resolved together: the chosen dates form the best non-decreasing sequence,
preferring, in this order, more posts dated, dates read as written, and a header's first date.
A header whose candidates all break the order, or that has no date at all, stays undated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

# A run of digits and dots, optionally after `dd-` (a two-day post: `05-06.09.24`).
_TOKEN_RE = re.compile(r"(?<!\d)(?:(\d{1,2})-)?(\d+(?:\.\d+)+)(?!\d)")

# Weights of the sequence repair: being dated outweighs everything, then "as written", then
# the order of appearance in the header (the first date of a header is its own date).
_DATED, _WRITTEN, _ORDER_BONUS = 1000, 10, 3


@dataclass(frozen=True)
class Candidate:
    """One reading of a header date: the date, whether it is read as written, the text."""

    date: dt.date
    written: bool
    text: str


def _make(day: str, month: str, year: str) -> dt.date | None:
    if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) not in (2, 4):
        return None
    y = int(year) + (2000 if len(year) == 2 else 0)
    if not 2000 <= y <= 2099:
        return None
    try:
        return dt.date(y, int(month), int(day))
    except ValueError:
        return None


def _readings(prefix: str | None, token: str) -> list[tuple[str, str, str, bool]]:
    """(day, month, year, as_written) readings of one token, most literal first."""
    groups = token.split(".")
    out: list[tuple[str, str, str, bool]] = []
    if len(groups) == 2 and len(groups[0]) == 4:  # `1502.25`: the dot between day and month lost
        g = groups[0]
        return [(g[:2], g[2:], groups[1], False)]
    if len(groups) < 3:
        return out  # `12.07`, `-10.24`: no year, not a date
    extra = len(groups) > 3  # `2.04.07.24`: junk digits before the date
    d, m, y = groups[-3:]
    literal = not extra and len(d) <= 2 and len(m) <= 2
    if prefix:
        out.append((prefix, m, y, literal))
    out.append((d, m, y, literal))
    # an extra leading digit (`92.06.24`, `203.06.24`) or a misread tens digit (`64.09.24`)
    for cut in (d[-2:], d[-1:]):
        if cut != d:
            out.append((cut, m, y, False))
    if len(d) == 2:
        out.append((d[-1:], m, y, False))
    if len(m) == 3:  # `9.709.24`: the dot inside the month lost; the day is its first digit
        out.append((m[0], m[1:], y, False))
        out.append((d, m[1:], y, False))
    return out


def candidates(header: str) -> list[Candidate]:
    """Every plausible reading of the dates in a header, most literal and earliest first."""
    out: list[Candidate] = []
    seen: set[dt.date] = set()
    for m in _TOKEN_RE.finditer(header):
        for day, month, year, written in _readings(m.group(1), m.group(2)):
            date = _make(day, month, year)
            if date is None:
                continue
            if date in seen:
                if written:  # the same date read literally elsewhere in the header
                    out = [Candidate(c.date, True, c.text) if c.date == date else c for c in out]
                continue
            seen.add(date)
            out.append(Candidate(date, written, m.group(0)))
    return out


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
