"""Reader for an OCR'd digest (the Hebrew "המאמר היומי של מייק" PDF).

A review normally starts with a header holding the digest's name (often OCR-damaged) and a
`dd.mm.yy` date, with the English paper title on the same or the next line. Some reviews lost
their header; they are found by what precedes or opens them:

- the previous review's closing link line (a line ending with a URL), the strongest signal;
- three or more blank lines (where the header's image was);
- an opening phrase only ever used to open a review (`היום סוקרים`, `הסקירה הזו הולכת`, …).

A review keeps its header's text as written (`extra` "header"); the enrich stage dates the
reviews from it (`enrich.inputs`), all together: the posts are chronological.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..clean.tex import restore_math
from ..errors import LocatedWarning
from ..model import ChannelConfig, Ledger, Post, ReadResult, SourceLine
from ..patterns import arxiv_id, find_urls
from . import header_dates, ocr_links, ocr_repeats
from . import ocr_titles as titles
from .text import read_lines

FORMAT = "ocr-digest"
REPEATS = "repeated OCR passages"  # a ledger event: a second copy dropped
SHORT_REPEATS = "short repeated OCR passages"  # … of four words, or proven by a cut word
MATH = "math delimiters restored"  # a ledger event: `n_{l-1}` → `$n_{l-1}$`
SPLIT_URLS = "split links rejoined"  # a ledger event: `…/e dit` → `…/edit`

_URL_RE = re.compile(r"(?:https?://|(?<![\w/.])(?:www\.)?arxiv\.org/)[^\s<>|]+", re.I)
# Phrases that only ever open a review (checked on every review of the seed digest).
_OPENERS = (
    "היום סוקרים", "היום נסקור", "היום נעשה", "הסקירה הזו הולכת", "הסקירה של היום",
    "הסקירה היום", "חוזרים לסקירות", "חוזרים לסקור", "אוקיי, בסקירה הקודמת", "זהו מאמר ש",
)
_LOST_HEADER_BLANKS = 3
# A list item (a bullet, or a number and `.`/`)`), as markup reads one.
_ITEM_RE = re.compile(r"^\s*(?:[-•*–]|\d{1,3}[.)])\s")
# `:label` — a leading `:`/`?` before Hebrew, and the line ends in a letter (nothing to swap with)
_MOVED_PUNCT_RE = re.compile(
    r"^\s*(?P<punct>[:?])\s*(?P<text>[\u05D0-\u05EA][^:?!.,;]*?[\w\u05D0-\u05EA)])\s*$")
# `URL label:` (a link line in visual order: the label a right-to-left reader reads first was
# extracted after its URL), `| label:` and `:label:` too; the URL may be underlined.
_URL_LABEL_RE = re.compile(
    rf"(?P<url>(?:<u>)?(?:{_URL_RE.pattern})(?:</u>)?)\s*(?:\|\s*)?:?"
    r"(?P<label>[\u05D0-\u05EA][\u05D0-\u05EA ]{0,20}?):(?=\s|$)", re.I)
_TME_RE = re.compile(r"https?://t\.me/(?P<handle>\w+)/(?P<id>\d+)")
_TME_HANDLE_RE = re.compile(r"(?<=\bt\.me/)\w+")


def _ocr_handle(handle: str) -> str:
    """A handle as OCR reads it: capital I and small l are one letter (`MathyAlwithMike`)."""
    return handle.lower().replace("l", "i")


def _permalinks(drafts: list[_Draft], handle: str) -> list[str | None]:
    """Each review's own post on Telegram, when it links it (`טלגרם: https://t.me/<handle>/60`).

    The handle is written as configured (OCR misreads `I` as `l`); a message id that two reviews
    claim (an OCR copy error) links neither.
    """
    found: list[str | None] = []
    for d in drafts:
        ids = {m.group("id") for sl in d.body for m in _TME_RE.finditer(sl.text)
               if _ocr_handle(m.group("handle")) == _ocr_handle(handle)}
        found.append(ids.pop() if len(ids) == 1 else None)
    claimed = Counter(i for i in found if i)
    return [f"https://t.me/{handle}/{i}" if i and claimed[i] == 1 else None for i in found]


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
    ends = [m.end() for m in _URL_RE.finditer(line)]
    return bool(ends) and len(line[ends[-1]:].strip()) <= 25


def _is_link_line(line: str) -> bool:
    """A line of links and their labels only (`טלגרם: https://t.me/…`)."""
    rest = _URL_RE.sub(" ", line).replace("<u>", " ").replace("</u>", " ")
    return bool(_URL_RE.search(line)) and len(re.sub(r"[\s:|.,]+", "", rest)) <= 20


def _join_wrapped(body: list[SourceLine]) -> list[SourceLine]:
    """Join the lines the OCR wrapped: a line indented by white space right under a body line
    (no blank line between) continues that paragraph or list item, unless it is an item of its
    own (` - 3. …`). Display math is left to `tex.join_broken_math`."""
    out: list[SourceLine] = []
    last = 0  # the dump line number of the last line joined into out[-1]
    for sl in body:
        prev = out[-1] if out else None
        if (prev is not None and sl.number == last + 1 and sl.text[:1].isspace()
                and not _ITEM_RE.match(sl.text) and "$$" not in sl.text + prev.text):
            out[-1] = SourceLine(prev.number, prev.text.rstrip() + " " + sl.text.strip())
        else:
            out.append(sl)
        last = sl.number
    return out


def _without_repeats(sl: SourceLine, ledger: Ledger, warnings: list[LocatedWarning],
                     path: str) -> SourceLine:
    """The line without the passages the OCR read twice (`ocr_repeats`: runs of five words or
    more, then shorter ones the text proves doubled), each counted and reported where it was."""
    text, dropped = ocr_repeats.drop_repeats(sl.text)
    text, short = ocr_repeats.drop_short_repeats(text)
    if not dropped and not short:
        return sl
    for kind, found, what, repair in (
            (REPEATS, dropped, "a passage", "OCR repeats dropped"),
            (SHORT_REPEATS, short, "a short passage", "OCR short repeats dropped")):
        ledger.count(kind, len(found))
        for r in found:
            shown = r.text if len(r.text) <= 60 else r.text[:59] + "…"
            warnings.append(LocatedWarning(path, sl.number,
                                           f"dropped {what} the OCR read twice: {shown!r}",
                                           fold="dropped {n} passages the OCR read twice",
                                           repair=repair))
    return SourceLine(sl.number, text)


def _restore_math(sl: SourceLine, ledger: Ledger) -> SourceLine:
    """Math atoms that lost their `$` (`n_{l-1}`) delimited again (`tex.restore_math`)."""
    text, n = restore_math(sl.text)
    if not n:
        return sl
    ledger.count(MATH, n)
    return SourceLine(sl.number, text)


def _rtl_punctuation(sl: SourceLine) -> SourceLine:
    """A Hebrew line whose final `:` or `?` the right-to-left extraction moved to its front
    (`:מבוא`, a section label) gets it back at its end, where a right-to-left reader expects it."""
    m = _MOVED_PUNCT_RE.match(sl.text)
    if not m:
        return sl
    return SourceLine(sl.number, m.group("text") + m.group("punct"))


def _label_first(sl: SourceLine) -> SourceLine:
    """A line of links each followed by its Hebrew label (`URL מאמר: URL טלגרם:`) gets each label
    back before its link (`מאמר: URL טלגרם: URL`), in the order a right-to-left reader reads."""
    text = sl.text.strip()
    pairs = list(_URL_LABEL_RE.finditer(text))
    if not pairs or re.sub(r"\s+", "", _URL_LABEL_RE.sub("", text)):
        return sl  # not links and labels only
    return SourceLine(sl.number, " ".join(f"{m.group('label').strip()}: {m.group('url')}"
                                          for m in pairs))


def _own_handle(sl: SourceLine, handle: str) -> SourceLine:
    """Links to the channel's own posts with the handle as configured: OCR read its `I` as `l`
    (`t.me/MathyAlwithMike/69`), which links a channel that is not this one."""
    def fix(m: re.Match[str]) -> str:
        return handle if _ocr_handle(m.group(0)) == _ocr_handle(handle) else m.group(0)
    text = _TME_HANDLE_RE.sub(fix, sl.text)
    return sl if text == sl.text else SourceLine(sl.number, text)


@dataclass
class _Draft:
    start: int  # 0-based index of the first line
    header: list[int] = field(default_factory=list)  # header and title lines (0-based)
    header_text: str = ""
    title: str = ""
    title_line: int | None = None  # 0-based; the line the title was read from
    body: list[SourceLine] = field(default_factory=list)
    blanks: list[int] = field(default_factory=list)  # blank lines inside the header (0-based)


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
        if _is_debris(line) and i + 1 < n and is_header(lines[i + 1]):
            # LaTeX debris the OCR split off the header's first line (`$\cancel{A}`)
            blanks, prev_text = 0, ""
            cur = _Draft(start=i, header=[i])
            drafts.append(cur)
            i = _read_header(lines, i + 1, cur)
            continue
        header = is_header(line)
        if header and not _has_date(line):
            nxt = next((lines[j] for j in range(i + 1, n) if lines[j].strip()), "")
            title, _ = titles.split_title(nxt)
            if not titles.is_title(title, whole_line=True):
                # a lone copy of the digest's name inside a review (a page break of the PDF)
                ledger.account("header-debris", i + 1)
                warnings.append(LocatedWarning(path, i + 1, "dropped a stray digest header",
                                               repair="stray headers dropped"))
                blanks = 0
                i += 1
                continue
        new_post = header
        if not header and cur is not None and cur.body:
            stripped = line.strip()
            new_post = (
                (_ends_with_link(prev_text) and not _is_link_line(stripped)
                 and not ocr_links.continues_url(prev_text, stripped))
                or blanks >= _LOST_HEADER_BLANKS
                or stripped.startswith(_OPENERS)
            )
        if cur is None and not header:
            new_post = True
        blanks = 0
        if new_post:
            cur = _Draft(start=i)
            drafts.append(cur)
            if header:
                i = _read_header(lines, i, cur)
                prev_text = ""
                continue
            title, rest = titles.split_title(line)
            if titles.is_title(title, whole_line=not rest):
                cur.title, cur.title_line = title, i
                cur.header.append(i)
                if rest:
                    cur.body.append(SourceLine(i + 1, rest))
                i += 1
                prev_text = ""
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
        draft.title, draft.title_line = title, i
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
            draft.title, draft.title_line = line_title, k
            draft.header.append(k)
            draft.blanks += gap
            if line_rest:
                draft.body.append(SourceLine(k + 1, line_rest))
            return max(draft.header) + 1
    return j


def _title_for(draft: _Draft) -> tuple[str, str, str]:
    """`(title, title_source, path_title)` for a review.

    Without a header title: the name the opening states (`stated`), else the paper's name where
    the review gives it (`phrase`, `label`, `arxiv`: see `ocr_titles`), else a title derived
    from the opening sentence. A review named after its paper keeps the path its derived title
    gave it (`path_title`): its URL is published; the permalink registry moves it, not this."""
    if draft.title:
        return draft.title, "header", ""
    # skip short headings (`:PeFT :רקע`): the first real paragraph speaks for the review
    texts = [sl.text for sl in draft.body if sl.text.strip()]
    first = next((t for t in texts if len(t.strip()) >= 30), texts[0] if texts else "")
    stated = titles.stated_title(first[:300])
    if stated:
        return stated, "stated", ""
    derived = titles.derived_title(first) or "Untitled review"
    ids = [aid for t in texts for url in find_urls(t) if (aid := arxiv_id(url))]
    for source, name in (("phrase", titles.phrase_title(first)),
                         ("label", titles.label_title(texts)),
                         ("arxiv", titles.arxiv_title(ids))):
        if name:
            return name, source, derived
    return derived, "derived", ""


def read(path: Path, channel: ChannelConfig) -> ReadResult:
    warnings: list[LocatedWarning] = []
    lines = read_lines(path, warnings, channel.lang)
    ledger = Ledger(path=str(path), total_lines=len(lines))
    drafts = _split(lines, ledger, warnings, str(path))
    for d in drafts:
        joined, split = ocr_links.rejoin_lines(_join_wrapped(d.body))
        ledger.count(SPLIT_URLS, split)
        body = [_restore_math(_without_repeats(sl, ledger, warnings, str(path)), ledger)
                for sl in joined]
        d.body = [_own_handle(_label_first(_rtl_punctuation(sl)), channel.id) for sl in body]
    links = _permalinks(drafts, channel.id)
    posts: list[Post] = []
    for d, permalink in zip(drafts, links, strict=True):
        line = d.start + 1
        title, source, path_title = _title_for(d)
        if source != "header":
            warnings.append(LocatedWarning(str(path), line, f"title {source}: {title!r}",
                                           repair=f"{source} titles"))
        posts.append(
            Post(
                channel=channel.id, source_file=path.name, line=line, lines=tuple(d.body),
                title=title, title_source=source, path_title=path_title,
                lang=channel.lang, dir=channel.dir, permalink=permalink,
                extra=(("header", d.header_text.strip()),) if d.header_text else (),
            )
        )
    return ReadResult(path=str(path), format=FORMAT, posts=tuple(posts), ledger=ledger,
                      warnings=tuple(sorted(warnings, key=lambda w: w.line or 0)))
