"""Passages the OCR read twice within one paragraph.

The OCR of the Hebrew digest often emits a run of words, a few words more, then the same run
again (`A X A Y`; in the seed digest about 270 times, in one review of six): two overlapping
readings of one printed line. Which copy sits in the sentence as written varies; the first is
kept and the second dropped, so the paragraph reads each passage once and no word is lost (the
copy is the same words). No review writes five or more words again within a dozen words (none
of the Russian channels' ~1,000 paragraphs does). Only runs of real words count (at least three
words of letters, no LaTeX), so a repeated formula or list of symbols stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MIN_RUN = 5  # words in the repeated run
MAX_GAP = 12  # words between the end of the first copy and the start of the second
_MIN_WORDS = 3  # words of letters only in the run
_TOKEN_RE = re.compile(r"\S+")
_WORD_RE = re.compile(r"[^\W\d_]{2,}[.,:;!?)]*")  # a word of letters (trailing punctuation)


@dataclass(frozen=True, slots=True)
class Repeat:
    """A dropped second copy: its text and its character span in the line it was cut from."""

    text: str
    start: int
    end: int


def find(tokens: list[str], min_run: int = MIN_RUN,
         proof: Callable[[list[str], int, int, int], bool] | None = None
         ) -> Iterator[tuple[int, int]]:
    """(start, words) of every second copy in `tokens`, in order, never overlapping. Linear:
    each window of `min_run` words is looked up in a table of where it last began.

    The copy a second one is matched with is kept whole or lies within one dropped copy (a
    third reading, `A X A Y A`): never partly in a dropped one, or the words of the sentence
    it sits in would be lost with it. `proof(tokens, i, j, run)`, when given, must also hold
    (shorter runs are dropped only where the text proves them OCR doubling)."""
    last: dict[tuple[str, ...], int] = {}
    copy_of = [-1] * len(tokens)  # the number of the dropped copy a token is in, or -1
    copies = 0
    j = 0
    while j <= len(tokens) - min_run:
        key = tuple(tokens[j:j + min_run])
        i = last.get(key)
        if i is not None and j - i >= min_run:
            run = 0
            while (j + run < len(tokens) and i + run < j and tokens[i + run] == tokens[j + run]
                   and copy_of[i + run] == copy_of[i]):
                run += 1
            if (run >= min_run and j - i - run <= MAX_GAP and _is_prose(tokens[j:j + run])
                    and (proof is None or proof(tokens, i, j, run))):
                yield j, run
                copies += 1
                # the copy is dropped and scanning goes on after it; a third copy within a
                # dozen words of this one is a copy too
                for k in range(j, j + run):
                    copy_of[k] = copies
                for k in range(j, j + run - min_run + 1):
                    last[tuple(tokens[k:k + min_run])] = k
                j += run
                continue
        if i is None or j - i >= min_run:  # keep the earlier start while the copies overlap
            last[key] = j
        j += 1


def _is_prose(words: list[str]) -> bool:
    if any("$" in w or "\\" in w for w in words):
        return False
    return sum(1 for w in words if _WORD_RE.fullmatch(w)) >= _MIN_WORDS


def drop_repeats(text: str) -> tuple[str, tuple[Repeat, ...]]:
    """`text` without the second copies of repeated runs (found in the text as given, so one
    cut never makes a new repeat), and what was dropped."""
    words = text.split()
    if _all_distinct(words, MIN_RUN):  # most lines: no run of words twice at all
        return text, ()
    return _cut(text, words, list(find(words)))


def _all_distinct(words: list[str], k: int) -> bool:
    windows = list(zip(*(words[m:] for m in range(k)), strict=False))  # shorter ones end
    return len(set(windows)) == len(windows)


def _cut(text: str, words: list[str], copies: list[tuple[int, int]]
         ) -> tuple[str, tuple[Repeat, ...]]:
    """`text` without the words `copies` name (start, count), white space elsewhere kept."""
    if not copies:
        return text, ()
    spans = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]  # where each word is
    dropped: list[Repeat] = []
    taken = 0  # words before this are already cut
    for j, run in copies:
        if j < taken:
            continue
        taken = j + run
        start = spans[j][0]
        end = spans[j + run][0] if j + run < len(spans) else len(text)
        if j + run == len(spans):  # the line ends with the copy: drop the space before it
            start = spans[j - 1][1]
        dropped.append(Repeat(text[start:end].strip(), start, end))
    out, at = [], 0
    for r in dropped:
        out.append(text[at:r.start])
        at = r.end
    out.append(text[at:])
    return "".join(out), tuple(dropped)


SHORT_RUN = 4  # a run this long (or any run the first pass kept) goes only with proof
CLOSE = 3  # words of a parenthesised gloss between two copies
_PREFIX = 3  # letters a cut word shares with the word it was cut from


def _cut_from(part: str, whole: str) -> bool:
    """`part` is `whole` cut short or misread at its end by the OCR (`לשיפ`, `LLM2` for `LLMs`)."""
    a, b = part.strip(".,:;!?()"), whole.strip(".,:;!?()")
    return a != b and len(a) >= _PREFIX and b.startswith(a[:_PREFIX]) and (
        b.startswith(a) or len(a) == len(b))


def _suffix_of(part: str, whole: str) -> bool:
    """`part` is `whole` with its start cut off by the OCR (`נוקציות` for `פונקציות`)."""
    a, b = part.strip(".,:;!?()-"), whole.strip(".,:;!?()-")
    return a != b and len(a) >= _PREFIX and b.endswith(a)


def proven_doubling(tokens: list[str], i: int, j: int, run: int) -> bool:
    """The text proves a run of words (first copy at `i`, second at `j`) an OCR doubling, not a
    deliberate repetition (`אז הטעות כנראה בחצי הראשון ואם … אז הטעות כנראה בחצי השני` stays):

    - the copies touch, or only a parenthesised gloss lies between them (`A A`,
      `A (Gradient Descent) A`): prose repeats a phrase after a clause, not right after itself
      (`ואת זה של טוקן ה-i ואת זה של טוקן i+n`, a parallel, stays);
    - the line ends with the second copy (the OCR read a line's end again);
    - a third copy follows within a dozen words;
    - the second reading broke off: the word after it is the word after the first copy cut
      short or misread (`… ביצועי LLMs מסגרת חדשנית לשיפור ביצועי LLM2`), or the word before
      it is the word before the first copy with its start cut off (`פונקציות` … `נוקציות`)."""
    gap = j - i - run
    end = j + run
    between = " ".join(tokens[i + run:j])
    if gap == 0 or end == len(tokens) or (
            gap <= CLOSE and between.startswith("(") and between.endswith(")")
            and between.count("(") == 1):
        return True
    copy = tokens[j:end]
    if any(tokens[k:k + run] == copy for k in range(end, min(len(tokens), end + MAX_GAP + 1))):
        return True
    if end < len(tokens) and _cut_from(tokens[end], tokens[i + run]):
        return True
    return i > 0 and _suffix_of(tokens[j - 1], tokens[i - 1])


def drop_short_repeats(text: str) -> tuple[str, tuple[Repeat, ...]]:
    """The second pass: runs of `SHORT_RUN` words or more that the text proves OCR doubling
    (`proven_doubling`); a cut word right before or after a dropped copy goes with it."""
    words = text.split()
    if _all_distinct(words, SHORT_RUN):
        return text, ()
    copies = []
    for j, run in find(words, SHORT_RUN, proven_doubling):
        i = next(k for k in range(j - run, -1, -1) if words[k:k + run] == words[j:j + run])
        start, end = j, j + run
        if end < len(words) and i + run < j and _cut_from(words[end], words[i + run]):
            end += 1
        if i > 0 and start - 1 > i + run and _suffix_of(words[start - 1], words[i - 1]):
            start -= 1
        copies.append((start, end - start))
    return _cut(text, words, copies)
