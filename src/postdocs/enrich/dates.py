"""Dates written in posts (`dd.mm.yy`, `dd.mm.yyyy`) to ISO dates."""

from __future__ import annotations

import datetime as dt
import re

DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?!\d)")


def parse_written(text: str) -> dt.date | None:
    """The first valid `dd.mm.yy(yy)` date in the text, as written."""
    for m in DATE_RE.finditer(text):
        d, mth, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if y < 100:
            y += 2000
        try:
            return dt.date(y, mth, d)
        except ValueError:
            continue
    return None
