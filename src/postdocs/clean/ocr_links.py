"""Links the OCR split: a space inside the last word of an address (`…/document/d/…/e dit`), or
the end of an address carried to the next line.

Only a split the text proves is joined: the address ends in a path segment of one to three
letters right after a `/`, and what follows is one short run of lower-case letters with
nothing but the line's end (or white space before a non-Latin word) after it; across lines, a
line that ends with an address and a next line that is one token of address characters only.
"""

from __future__ import annotations

import re

from ..model import SourceLine
from ..readers.ocr_digest import continues_url

_SPLIT_RE = re.compile(
    r"(?P<url>https?://[^\s<>|]+/[a-z]{1,3}) (?P<rest>[a-z]{1,6})(?=\s*$|\s+[^\sA-Za-z0-9])")


def rejoin_in_line(text: str) -> tuple[str, int]:
    """`text` with addresses split by a space joined again, and how many."""
    if "://" not in text:
        return text, 0
    return _SPLIT_RE.subn(lambda m: m.group("url") + m.group("rest"), text)


def rejoin_lines(lines: list[SourceLine]) -> tuple[list[SourceLine], int]:
    """Split addresses joined within each line and across consecutive lines (the tail line
    is joined into the line it continues, so its line number stays accounted there)."""
    out: list[SourceLine] = []
    joined = 0
    for sl in lines:
        text, n = rejoin_in_line(sl.text)
        joined += n
        prev = out[-1] if out else None
        if prev is not None and sl.number == prev.number + 1 and continues_url(prev.text, text):
            out[-1] = SourceLine(prev.number, prev.text.rstrip() + text.strip())
            joined += 1
            continue
        out.append(sl if text == sl.text else SourceLine(sl.number, text))
    return out, joined
