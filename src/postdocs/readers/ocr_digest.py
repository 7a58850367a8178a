"""Reader for an OCR'd digest (the Hebrew "המאמר היומי של מייק" PDF).

Each review normally starts with a header holding the digest's name (often OCR-damaged) and a
`dd.mm.yy` date, then the English paper title on the same line. Dates are repaired later
(`enrich.dates`); this reader only splits the text into posts and finds title candidates.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import ChannelConfig, Ledger, Post, ReadResult, SourceLine
from .text import read_lines

FORMAT = "ocr-digest"

# Fragments of "המאמר היומי של מייק" that survive OCR damage.
HEADER_RE = re.compile(r"(?:היומי|אמר היומי|המאמר|של מייק)")
DATE_RE = re.compile(r"(?<![\d])-?\d{1,3}\.\d{1,3}\.\d{2,4}(?![\d])")
_DEBRIS_RE = re.compile(
    r"\$[^$]*\$|[→←⇒⇐↑↓✓✔❌•·|]|\\[a-zA-Z]+|extstyle|arphi|eq\b"
)
_HEBREW_RE = re.compile(r"[\u0590-\u05FF]")


def is_header(line: str) -> bool:
    return bool(HEADER_RE.search(line)) and ("מייק" in line or "היומי" in line)


def sniff(head: str) -> bool:
    return sum(1 for line in head.splitlines() if is_header(line)) >= 2


def header_title(line: str) -> str:
    """The English title after the header's debris, or '' when the header has none."""
    tail = line
    # the title follows the last Hebrew word of the header
    last = max((m.end() for m in _HEBREW_RE.finditer(line)), default=0)
    tail = line[last:]
    tail = _DEBRIS_RE.sub(" ", tail)
    tail = DATE_RE.sub(" ", tail)
    tail = re.sub(r"^[\s.:\-\d]+", "", tail)
    return re.sub(r"\s+", " ", tail).strip()


def read(path: Path, channel: ChannelConfig) -> ReadResult:
    lines = read_lines(path)
    ledger = Ledger(path=str(path), total_lines=len(lines))
    starts = [i for i, line in enumerate(lines) if is_header(line) and DATE_RE.search(line)]
    if not starts or any(lines[i].strip() for i in range(starts[0])):
        starts = [0, *starts] if starts and starts[0] != 0 else starts or [0]
    posts: list[Post] = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        body: list[SourceLine] = []
        for i in range(start + 1, end):
            if lines[i].strip():
                body.append(SourceLine(i + 1, lines[i]))
            else:
                ledger.account("blank", i + 1)
        if not lines[start].strip():
            ledger.account("blank", start + 1)
        title = header_title(lines[start])
        ledger.account("post", start + 1, *(sl.number for sl in body))
        posts.append(
            Post(
                channel=channel.id, source_file=path.name, line=start + 1, lines=tuple(body),
                title=title, title_source="header" if title else "derived",
                lang=channel.lang, dir=channel.dir,
                extra=(("header", lines[start].strip()),),
            )
        )
    return ReadResult(path=str(path), format=FORMAT, posts=tuple(posts), ledger=ledger)
