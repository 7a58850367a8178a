"""Reader for an OCR'd digest (the Hebrew "המאמר היומי של מייק" PDF).

A review normally starts with a header holding the digest's name (often OCR-damaged) and a
`dd.mm.yy` date, with the English paper title on the same or the next line. Some reviews lost
their header; they are found by what precedes or opens them:

- the previous review's closing link line (a line ending with a URL), the strongest signal;
- three or more blank lines (where the header's image was);
- an opening phrase only ever used to open a review (`היום סוקרים`, `הסקירה הזו הולכת`, …).

The reader cuts the dump into reviews and keeps what each says: its header's text as written
(`extra` "header"), its title where the header or the next line gives one, its body lines. The
clean stage repairs the body (`clean.ocr`: passages read twice, wrapped lines, split links,
math delimiters, right-to-left punctuation); the enrich stage titles the reviews without a
header title, finds each one's own Telegram post and dates them from their headers, all
together: the posts are chronological (`enrich.digest`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LocatedWarning
from ..model import ChannelConfig, Ledger, Post, ReadResult, SourceLine
from . import header_dates
from . import ocr_titles as titles
from .text import read_lines

FORMAT = "ocr-digest"

# A link as the OCR gives it (the clean stage reads link lines with it too).
LINK_RE = re.compile(r"(?:https?://|(?<![\w/.])(?:www\.)?arxiv\.org/)[^\s<>|]+", re.I)
# Phrases that only ever open a review (checked on every review of the seed digest).
_OPENERS = (
    "היום סוקרים", "היום נסקור", "היום נעשה", "הסקירה הזו הולכת", "הסקירה של היום",
    "הסקירה היום", "חוזרים לסקירות", "חוזרים לסקור", "אוקיי, בסקירה הקודמת", "זהו מאמר ש",
)
_LOST_HEADER_BLANKS = 3


# An address at the end of a line, and a line that can only be the rest of one.
_ENDS_WITH_URL_RE = re.compile(r"https?://[^\s<>|]+$")
_TAIL_RE = re.compile(r"^[A-Za-z0-9\-._~/?#=&%+]{1,40}$")


def continues_url(prev: str, line: str) -> bool:
    """`line` is the end of the address `prev` ends with (not a line of its own)."""
    tail = line.strip()
    return (bool(_TAIL_RE.match(tail)) and not tail.startswith(".")
            and bool(_ENDS_WITH_URL_RE.search(prev.rstrip())))


def _has_date(text: str) -> bool:
    return bool(header_dates.candidates(text))


def is_header(line: str) -> bool:
    """A header: the digest's name near the start, and a date (or nothing else on the line)."""
    m = titles.MARKER_RE.search(line)
    if not m or m.start() > 150:
        return False
    return _has_date(line[:250]) or len(line.strip()) <= 60


def sniff(head: str) -> bool:
    return sum(1 for line in head.splitlines() if is_header(line) and _has_date(line)) >= 2


def _is_debris(line: str) -> bool:
    """A header's continuation line holding only OCR'd LaTeX debris (`eq 4$`)."""
    s = line.strip()
    return bool(s) and not titles.HEBREW_RE.search(s) and ("$" in s or "\\" in s) and len(s) < 40


def _ends_with_link(line: str) -> bool:
    """The line closes a review: it ends with a URL (RTL labels like `:מאמר` may follow)."""
    ends = [m.end() for m in LINK_RE.finditer(line)]
    return bool(ends) and len(line[ends[-1]:].strip()) <= 25


def _is_link_line(line: str) -> bool:
    """A line of links and their labels only (`טלגרם: https://t.me/…`)."""
    rest = LINK_RE.sub(" ", line).replace("<u>", " ").replace("</u>", " ")
    return bool(LINK_RE.search(line)) and len(re.sub(r"[\s:|.,]+", "", rest)) <= 20


@dataclass
class _Draft:
    start: int  # 0-based index of the first line
    header: list[int] = field(default_factory=list)  # header and title lines (0-based)
    header_text: str = ""
    title: str = ""
    body: list[SourceLine] = field(default_factory=list)
    blanks: list[int] = field(default_factory=list)  # blank lines inside the header (0-based)


def _is_stray_header(lines: list[str], i: int) -> bool:
    """A lone copy of the digest's name inside a review (a page break of the PDF): a header
    line without a date that no title follows."""
    if not is_header(lines[i]) or _has_date(lines[i]):
        return False
    nxt = next((lines[j] for j in range(i + 1, len(lines)) if lines[j].strip()), "")
    title, _ = titles.split_title(nxt)
    return not titles.is_title(title, whole_line=True)


def _starts_review(line: str, cur: _Draft | None, prev_text: str, blanks: int) -> bool:
    """A line that is not a header starts a review of its own: the first line of the dump,
    or a line after the previous review's closing link, after the blank space of a lost header
    image, or with a phrase that only ever opens a review."""
    if cur is None:
        return True
    if not cur.body:
        return False
    stripped = line.strip()
    return ((_ends_with_link(prev_text) and not _is_link_line(stripped)
             and not continues_url(prev_text, stripped))
            or blanks >= _LOST_HEADER_BLANKS
            or stripped.startswith(_OPENERS))


def _open_review(lines: list[str], i: int, draft: _Draft) -> int:
    """A review without a header: its first line is its title when it reads as one. Returns
    the index of the next line, or `i` when the line belongs to the body."""
    title, rest = titles.split_title(lines[i])
    if not titles.is_title(title, whole_line=not rest):
        return i
    draft.title = title
    draft.header.append(i)
    if rest:
        draft.body.append(SourceLine(i + 1, rest))
    return i + 1


def _split(lines: list[str], ledger: Ledger, warnings: list[LocatedWarning],
           path: str) -> list[_Draft]:
    """Cut the dump into reviews; header and title lines are not part of the body."""
    drafts: list[_Draft] = []
    cur: _Draft | None = None
    blanks = 0
    prev_text = ""  # the previous non-blank body line of the current review
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            ledger.account("blank", i + 1)
            blanks += 1
            i += 1
            continue
        debris = _is_debris(line) and i + 1 < n and is_header(lines[i + 1])
        if debris or is_header(line):
            if not debris and _is_stray_header(lines, i):
                ledger.account("header-debris", i + 1)
                warnings.append(LocatedWarning(path, i + 1, "dropped a stray digest header",
                                               repair="stray headers dropped"))
                blanks = 0
                i += 1
                continue
            # (with LaTeX debris the OCR split off the header's first line: `$\cancel{A}`)
            cur = _Draft(start=i, header=[i] if debris else [])
            drafts.append(cur)
            i = _read_header(lines, i + 1 if debris else i, cur)
            blanks, prev_text = 0, ""
            continue
        new_post = _starts_review(line, cur, prev_text, blanks)
        blanks = 0
        if new_post:
            cur = _Draft(start=i)
            drafts.append(cur)
            nxt = _open_review(lines, i, cur)
            if nxt > i:
                i, prev_text = nxt, ""
                continue
        assert cur is not None
        cur.body.append(SourceLine(i + 1, line))
        prev_text = line
        i += 1
    for d in drafts:
        ledger.account("blank", *(k + 1 for k in d.blanks))
        ledger.account("post", *(k + 1 for k in d.header), *(sl.number for sl in d.body))
    return drafts


def _read_header(lines: list[str], i: int, draft: _Draft) -> int:
    """Read a header (with its debris lines and title line); return the next line's index."""
    n = len(lines)
    draft.header.append(i)
    text = [lines[i]]
    j = i + 1
    while j < n and _is_debris(lines[j]):
        draft.header.append(j)
        text.append(lines[j])
        j += 1
    if draft.start < i:
        text.insert(0, lines[draft.start])
    draft.header_text = " ".join(t.strip() for t in text)
    title, rest = titles.header_title(draft.header_text)
    if title:
        draft.title = title
    if rest:
        draft.body.append(SourceLine(i + 1, rest))
        return j
    # the title line (a fuller copy of a title cut in the header, or the only title)
    k = j
    while k < n and not lines[k].strip():
        k += 1
    gap = list(range(j, k))
    if k < n:
        line_title, line_rest = titles.split_title(lines[k])
        if titles.is_title(line_title, whole_line=not line_rest) and not is_header(lines[k]):
            # a title broken over two lines (`… Customer Service Question` / `Answering`)
            if not line_rest and k + 1 < n and lines[k + 1].strip():
                more, more_rest = titles.split_title(lines[k + 1])
                if more and not more_rest and len(more.split()) <= 3:
                    line_title = f"{line_title} {more}"
                    draft.header.append(k + 1)
            draft.title = line_title
            draft.header.append(k)
            draft.blanks += gap
            if line_rest:
                draft.body.append(SourceLine(k + 1, line_rest))
            return max(draft.header) + 1
    return j


def read(path: Path, channel: ChannelConfig) -> ReadResult:
    """The reviews as the dump has them: header text, title (when the header or its title line
    gives one) and body lines; the clean stage repairs the OCR (`clean.ocr`), the enrich stage
    titles, links and dates the reviews (`enrich.digest`)."""
    warnings: list[LocatedWarning] = []
    lines = read_lines(path, warnings, channel.lang)
    ledger = Ledger(path=str(path), total_lines=len(lines))
    drafts = _split(lines, ledger, warnings, str(path))
    posts = tuple(
        Post(channel=channel.id, source_file=path.name, line=d.start + 1, body=tuple(d.body),
             title=d.title, lang=channel.lang, dir=channel.dir,
             extra=(("header", d.header_text.strip()),) if d.header_text else ())
        for d in drafts
    )
    return ReadResult(path=str(path), format=FORMAT, posts=posts, ledger=ledger,
                      warnings=tuple(sorted(warnings, key=lambda w: w.line or 0)))
