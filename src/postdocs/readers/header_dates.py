"""The dates an OCR'd digest header may hold, as written: every plausible reading of each
run of digits and dots (`92.06.24` is 92.06.24 as written, or 02.06.24 and 2.06.24 with the
extra digit dropped). The reader uses them to tell a review's header from a stray copy of the
digest's name; the enrich stage (`enrich.dates.resolve`) chooses among them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# A run of digits and dots, optionally after `dd-` (a two-day post: `05-06.09.24`).
_TOKEN_RE = re.compile(r"(?<!\d)(?:(\d{1,2})-)?(\d+(?:\.\d+)+)(?!\d)")


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
