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
from collections.abc import Iterator
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


def find(tokens: list[str]) -> Iterator[tuple[int, int]]:
    """(start, words) of every second copy in `tokens`, in order, never overlapping. Linear:
    each window of `MIN_RUN` words is looked up in a table of where it last began.

    The copy a second one is matched with is kept whole or lies within one dropped copy (a
    third reading, `A X A Y A`): never partly in a dropped one, or the words of the sentence
    it sits in would be lost with it."""
    last: dict[tuple[str, ...], int] = {}
    copy_of = [-1] * len(tokens)  # the number of the dropped copy a token is in, or -1
    copies = 0
    j = 0
    while j <= len(tokens) - MIN_RUN:
        key = tuple(tokens[j:j + MIN_RUN])
        i = last.get(key)
        if i is not None and j - i >= MIN_RUN:
            run = 0
            while (j + run < len(tokens) and i + run < j and tokens[i + run] == tokens[j + run]
                   and copy_of[i + run] == copy_of[i]):
                run += 1
            if run >= MIN_RUN and j - i - run <= MAX_GAP and _is_prose(tokens[j:j + run]):
                yield j, run
                copies += 1
                # the copy is dropped and scanning goes on after it; a third copy within a
                # dozen words of this one is a copy too
                for k in range(j, j + run):
                    copy_of[k] = copies
                for k in range(j, j + run - MIN_RUN + 1):
                    last[tuple(tokens[k:k + MIN_RUN])] = k
                j += run
                continue
        if i is None or j - i >= MIN_RUN:  # keep the earlier start while the copies overlap
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
    windows = list(zip(*(words[k:] for k in range(MIN_RUN)), strict=False))  # shorter ones end
    if len(set(windows)) == len(windows):  # most lines: no run of words twice at all
        return text, ()
    spans = [(m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]  # where each word is
    dropped: list[Repeat] = []
    for j, run in find(words):
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
