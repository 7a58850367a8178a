"""Reactions lines (`🔥3👍42🤔1`) to a structured list when unambiguous."""

from __future__ import annotations

import re

from ..model import Reaction

_PAIR_RE = re.compile(r"(\D+?)(\d+)")


def parse(raw: str) -> tuple[Reaction, ...] | None:
    """Structured reactions, or None when the line is ambiguous (bare counts, no emoji)."""
    s = raw.replace(" ", "")
    pairs = _PAIR_RE.findall(s)
    if not pairs or "".join(e + c for e, c in pairs) != s:
        return None
    if " " in raw.strip():
        return None  # bare counts of custom emoji lost in the copy: `🔥4❤1 1 1`
    return tuple(Reaction(emoji=e, count=int(c)) for e, c in pairs)
