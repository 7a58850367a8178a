"""The clean stage of an OCR'd digest: each review's body repaired where the OCR damaged it.

Wrapped lines joined, links split by a space or a line end rejoined, passages read twice
dropped (`ocr_repeats`), math atoms that lost their `$` delimited again (`tex.restore_math`),
a Hebrew line's final `:` or `?` put back at its end, link labels put back before their links,
and links to the channel's own posts spelled with its handle. Each repair is counted in the
input's ledger; a dropped passage is also a warning at its line.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..errors import LocatedWarning
from ..model import Ledger, Post, ReadResult, SourceLine
from ..readers.ocr_digest import LINK_RE
from . import ocr_links, ocr_repeats
from .tex import restore_math

REPEATS = "repeated OCR passages"  # a ledger event: a second copy dropped
SHORT_REPEATS = "short repeated OCR passages"  # … of four words, or proven by a cut word
MATH = "math delimiters restored"  # a ledger event: `n_{l-1}` → `$n_{l-1}$`
SPLIT_URLS = "split links rejoined"  # a ledger event: `…/e dit` → `…/edit`
# A list item (a bullet, or a number and `.`/`)`), as markup reads one.
_ITEM_RE = re.compile(r"^\s*(?:[-•*–]|\d{1,3}[.)])\s")
# `:label` — a leading `:`/`?` before Hebrew, and the line ends in a letter (nothing to swap with)
_MOVED_PUNCT_RE = re.compile(
    r"^\s*(?P<punct>[:?])\s*(?P<text>[\u05D0-\u05EA][^:?!.,;]*?[\w\u05D0-\u05EA)])\s*$")
# `URL label:` (a link line in visual order: the label a right-to-left reader reads first was
# extracted after its URL), `| label:` and `:label:` too; the URL may be underlined.
_URL_LABEL_RE = re.compile(
    rf"(?P<url>(?:<u>)?(?:{LINK_RE.pattern})(?:</u>)?)\s*(?:\|\s*)?:?"
    r"(?P<label>[\u05D0-\u05EA][\u05D0-\u05EA ]{0,20}?):(?=\s|$)", re.I)
_TME_HANDLE_RE = re.compile(r"(?<=\bt\.me/)\w+")


def ocr_handle(handle: str) -> str:
    """A handle as OCR reads it: capital I and small l are one letter (`MathyAlwithMike`)."""
    return handle.lower().replace("l", "i")


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
        return handle if ocr_handle(m.group(0)) == ocr_handle(handle) else m.group(0)
    text = _TME_HANDLE_RE.sub(fix, sl.text)
    return sl if text == sl.text else SourceLine(sl.number, text)


def clean_digest(result: ReadResult) -> ReadResult:
    """Every review of an OCR'd digest with its body repaired (see the module docstring)."""
    ledger = Ledger(path=result.ledger.path, total_lines=result.ledger.total_lines,
                    categories=result.ledger.categories.copy(),
                    accounted=set(result.ledger.accounted), where=dict(result.ledger.where))
    warnings = list(result.warnings)
    posts = tuple(_clean_post(p, ledger, warnings, result.path) for p in result.posts)
    return replace(result, posts=posts, ledger=ledger,
                   warnings=tuple(sorted(warnings, key=lambda w: w.line or 0)))


def _clean_post(post: Post, ledger: Ledger, warnings: list[LocatedWarning], path: str) -> Post:
    joined, split = ocr_links.rejoin_lines(_join_wrapped(list(post.lines)))
    ledger.count(SPLIT_URLS, split)
    body = [_restore_math(_without_repeats(sl, ledger, warnings, path), ledger) for sl in joined]
    return post.evolve(body=tuple(_own_handle(_label_first(_rtl_punctuation(sl)), post.channel)
                                  for sl in body))
