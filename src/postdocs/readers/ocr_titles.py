"""Titles of OCR'd digest reviews: the paper title in a header or title line, else one the post
states, else a short title derived from its first sentence.

When a review has neither, its opening sentence is a poor name for the paper ("הסקירה הזו
הולכת להיות קצרה במיוחד": this review will be short): the paper's name is then looked for where
the review gives it (`paper_title`): an English title phrase the opening paragraph gives as the
paper's (quoted, parenthesised or right after "המאמר"), a link's Latin label (`Title: URL`),
else the arXiv id of the one paper it links (`arXiv:2405.18047`); the opening sentence stays the
page's description.

Headers carry OCR debris around the title: LaTeX the OCR invented (`$\\cancel{A} \\neq .$`,
`extstyle eq arphi`, whose backslash escapes were eaten), arrows and stray emoji, repeated
fragments of the digest's name, dates. Right-to-left extraction also moves a title's final `?`
to its front (`?When Can Transformers Count to n`).
"""

from __future__ import annotations

import re

HEBREW_RE = re.compile(r"[\u0590-\u05FF]")
LATIN_RE = re.compile(r"[A-Za-z]")
URL_HINT_RE = re.compile(r"https?://|www\.|arxiv\.org/|doi\.org/", re.I)

# Fragments of "המאמר היומי של מייק" that survive OCR damage; never a longer word
# (`היומיות`, `מייקל`).
MARKER_RE = re.compile(r"(?:היומי|[מב]ייק|אמאמר|אמיק)(?![\u05D0-\u05EA])")
_MATH_RE = re.compile(r"\$[^$]*\$?")
_TEX_CMD_RE = re.compile(r"\\[A-Za-z]+(?:\[[^\]]*\])?(?:\{[^}]*\})*")
# Words left when a control character ate a LaTeX command's first letter (\t, \n, \v).
_TEX_REMNANT_RE = re.compile(r"(?<![A-Za-z])(?:extstyle|arphi|eq|ne|op)(?![A-Za-z])")
_DATE_BITS_RE = re.compile(r"-?\d+(?:[.\-]\d+)+\.?")
# Characters a title may hold; anything else (arrows, emoji, stray symbols) is debris.
_TITLE_CHARS = r"A-Za-z0-9\s:;,.!?'\"“”’&()\-–—+/=<>*%@#"
_NON_TITLE_RE = re.compile(rf"[^{_TITLE_CHARS}\u0590-\u05FF]")
_LEAD_RE = re.compile(r"^[\s.,:;\-–—*#()\d]*(?=[A-Za-z(])|^[\s.,:;\-–—*#()]+")
_STATED_RE = re.compile(
    r"(?<![\u05D0-\u05EA])[הל]מאמר\s[^.]{0,30}?(?:הנקרא|בשם|שם והוא)\s+[\"“״']?"
    r"(?P<name>[A-Za-z][\w\-.+]*(?:\s+[A-Z0-9][\w\-.+]*)*)"
)
MAX_DERIVED = 60


def _clean_latin(text: str) -> str:
    """Drop debris symbols and leading junk (digits, dashes, arrows) before a Latin title."""
    text = _NON_TITLE_RE.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    # a leading `4 .`, `9.00-`, `-`, `(` left by the header; keep digits glued to letters
    text = re.sub(r"^(?:[\d.\-–—:;,*#()]+\s+|[.\-–—:;,*#(]+)+", "", text)
    return text.strip()


def split_title(text: str) -> tuple[str, str]:
    """A line that opens with a Latin title: `(title, hebrew remainder)`; `("", text)` if none.

    The title runs up to the first Hebrew letter; a leading `?` (RTL copy) moves to its end.
    """
    s = text.strip()
    if not s or URL_HINT_RE.search(s):
        return "", text
    question = s.startswith("?")
    core = s[1:].lstrip() if question else s
    if not re.match(r"\d*[A-Za-z]", core):
        return "", text
    heb = HEBREW_RE.search(core)
    head, rest = (core[: heb.start()], core[heb.start():]) if heb else (core, "")
    title = _clean_latin(head)
    if question and not title.endswith("?"):
        title += "?"
    return title, rest.strip()


def is_title(title: str, whole_line: bool) -> bool:
    """A plausible paper title: has a capital letter; several words unless it is the whole line."""
    words = title.split()
    if not words or not re.search(r"[A-Z]", title):
        return False
    return whole_line or len(words) >= 3


def header_title(header: str) -> tuple[str, str]:
    """`(title, remainder)` from a header line: the Latin text after the digest's name.

    `remainder` is review text that follows the title on the same line (Hebrew), if any.
    """
    tail = _MATH_RE.sub(" ", header)
    tail = _TEX_CMD_RE.sub(" ", tail)
    tail = _TEX_REMNANT_RE.sub(" ", tail)
    ends = [m.end() for m in MARKER_RE.finditer(tail)]
    if ends:
        tail = tail[ends[-1]:]
    tail = _DATE_BITS_RE.sub(" ", tail)
    # skip leftover Hebrew fragments of the digest's name before the title (`א`, `המאמר`)
    m = LATIN_RE.search(tail)
    if not m:
        return "", ""
    before = tail[: m.start()]
    if HEBREW_RE.search(before) and len(HEBREW_RE.findall(before)) > 12:
        return "", ""
    while m.start() > 0 and tail[m.start() - 1].isdigit():  # `2BP`, a title opening with digits
        m = re.compile(r"\d").match(tail, m.start() - 1) or m
    start = tail.rfind("?", 0, m.start())
    # a `?` the RTL copy moved in front of the title belongs to it
    moved = start != -1 and not HEBREW_RE.search(tail[start:m.start()])
    m_start = start if moved else m.start()
    title, rest = split_title(tail[m_start:])
    if not is_title(title, whole_line=not rest):
        return "", ""
    return title.rstrip(" ."), rest


def stated_title(text: str) -> str:
    """The paper's name when the opening sentence states it (`המאמר ... הנקרא X`), else ''."""
    m = _STATED_RE.search(text)
    if not m:
        return ""
    name = m.group("name").rstrip(".,:;")
    return name if len(name) >= 3 else ""


def derived_title(text: str) -> str:
    """A short title from the first sentence of the text (at most ~60 characters)."""
    s = re.sub(r"\s+", " ", text).strip()
    s = re.sub(r"^(?:[?!.:,;\-–—•\s]+|\d{1,2}[.)]\s)+", "", s)  # list marks, RTL punctuation
    m = re.search(r"[.!?:](?=\s|$)", s)
    sentence = s[: m.start() + (1 if s[m.start()] == "?" else 0)] if m else s
    if len(sentence) <= MAX_DERIVED:
        return sentence.strip()
    cut = sentence[:MAX_DERIVED]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


# An English title phrase: three or more Latin words, at least two of them capitalised.
_PHRASE = r"[A-Z0-9][\w\-+.:']*(?:\s+[\w\-+.:']+){2,14}"
_PHRASE_RE = re.compile(
    rf"(?:[\"“”״]\s*(?P<q>{_PHRASE})\s*[\"“”״]"
    rf"|(?<![\u05D0-\u05EA])[הל]?מאמר(?:\s+(?:בשם|הנקרא|שנקרא))?\s+[(\"“”״]?\s*(?P<n>{_PHRASE}))")
# A sentence that names an earlier review's paper ("I reviewed a paper …"), not this one's.
_EARLIER_RE = re.compile(r"סקרתי|סקרנו|בסקירה הקודמת|בעבר")
_LABEL_RE = re.compile(rf"^\s*(?P<label>{_PHRASE})\s*[:\-–—]?\s*(?:https?://|(?:www\.)?arxiv\.org/)")


def _title_case(phrase: str) -> bool:
    words = [w for w in phrase.split() if re.match(r"[A-Za-z]", w)]
    return len(words) >= 3 and sum(1 for w in words if w[0].isupper()) >= 2


def phrase_title(paragraph: str) -> str:
    """An English title phrase the opening paragraph gives as the paper's name, else ''.

    Quoted (`"…"`), or right after "המאמר" (the paper), but never in a sentence about an
    earlier review (`סקרתי מאמר (Title)`: that names another paper)."""
    for sentence in re.split(r"(?<=[.!?])\s+", paragraph):
        if _EARLIER_RE.search(sentence):
            continue
        for m in _PHRASE_RE.finditer(sentence):
            phrase = (m.group("q") or m.group("n") or "").rstrip(" .,:;)")
            cut = HEBREW_RE.search(phrase)
            phrase = phrase[: cut.start()].rstrip(" .,:;(") if cut else phrase
            if _title_case(phrase) and not URL_HINT_RE.search(phrase):
                return phrase
    return ""


def label_title(lines: list[str]) -> str:
    """The Latin label of a paper link (`Attention Is All You Need: https://arxiv.org/…`)."""
    for line in lines:
        m = _LABEL_RE.match(line)
        if m and _title_case(m.group("label")):
            return m.group("label").rstrip(" :-–—")
    return ""


def arxiv_title(ids: list[str]) -> str:
    """`arXiv:<id>` when the review links exactly one arXiv paper, else ''."""
    unique = sorted(set(ids))
    return f"arXiv:{unique[0]}" if len(unique) == 1 else ""
