"""Cleaning read text: merging the two copies of a post body. Pure functions.

Telegram's web preview shows a long post twice (the preview, then the full text), and the two
copies are not always identical: one may lose a trailing custom emoji, gain an `UPD:` line or a
trailer. The merge keeps one copy, the fullest version of each line, and every line that occurs in
only one copy, in order.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import SourceLine
from ..patterns import line_key

__all__ = ["Merged", "line_key", "merge_copies"]


@dataclass(frozen=True)
class Merged:
    """The merged body, the line numbers dropped as the shorter twin of a kept line, and the
    pairs of lines that differ too much to be one line (both kept)."""

    lines: tuple[SourceLine, ...]
    duplicates: tuple[int, ...]
    divergent: tuple[tuple[int, int], ...]


def _fuller(a: SourceLine, b: SourceLine) -> tuple[SourceLine, SourceLine]:
    """(kept, dropped): the longer text wins; the first copy on a tie."""
    return (b, a) if len(b.text.strip()) > len(a.text.strip()) else (a, b)


def _same_line(a: str, b: str) -> bool:
    ka, kb = line_key(a), line_key(b)
    return ka in kb or kb in ka or difflib.SequenceMatcher(None, ka, kb).ratio() >= 0.8


def merge_copies(first: Sequence[SourceLine], second: Sequence[SourceLine]) -> Merged:
    """Order-preserving merge of two copies of one body (see the module docstring)."""
    if not second:
        return Merged(tuple(first), (), ())
    keys_a = [line_key(x.text) for x in first]
    keys_b = [line_key(x.text) for x in second]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    out: list[SourceLine] = []
    dropped: list[int] = []
    divergent: list[tuple[int, int]] = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        a, b = first[a0:a1], second[b0:b1]
        if op == "equal" or (op == "replace" and len(a) == len(b)
                             and all(_same_line(x.text, y.text) for x, y in zip(a, b,
                                                                                strict=True))):
            for x, y in zip(a, b, strict=True):
                kept, drop = _fuller(x, y)
                out.append(kept)
                dropped.append(drop.number)
        else:
            if op == "replace":
                divergent.append((a[0].number, b[0].number))
            out.extend(a)
            out.extend(b)
    return Merged(tuple(out), tuple(dropped), tuple(divergent))
