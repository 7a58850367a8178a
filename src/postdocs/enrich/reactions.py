"""Reactions lines (`🔥3👍42🤔1`) to a structured list when unambiguous.

A copied reactions line is a run of `<emoji><count>` pairs. Custom emoji do not survive the copy:
their counts stay behind as bare numbers, sometimes separated by a space (`🔥4❤1 1 1`), sometimes
glued to the neighbouring count (`5👍3`, and maybe `👍2010` = `👍20` + a custom emoji's `10`).
Telegram lists reactions by count, largest first, so a multi-digit count that splits into two
counts still in that order may hide a glued count: such lines are kept raw only, never guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..model import Reaction
from ..patterns import REACTION_TOKEN_RE, REACTIONS_LINE_RE
from ..patterns import is_reactions_line as is_reactions_line


@dataclass(frozen=True)
class ReactionsReading:
    """A reactions line read: the structured list (None when ambiguous) and why it is ambiguous."""

    raw: str
    reactions: tuple[Reaction, ...] | None
    problem: str | None


def _value(count: str) -> float:
    scale = {"k": 1e3, "m": 1e6}.get(count[-1].lower(), 1.0)
    number = count.rstrip("KkMm").replace(",", ".")
    return float(number) * scale


def _glued_split(count: str, before: float, after: float) -> tuple[str, str] | None:
    """A split of `count` into two counts that would still be in Telegram's descending order."""
    if not count.isdigit():
        return None
    for cut in range(1, len(count)):
        a, b = count[:cut], count[cut:]
        if b.startswith("0"):
            continue
        if before >= int(a) >= int(b) >= after:
            return a, b
    return None


def read(raw: str) -> ReactionsReading:
    """Read one reactions line; `reactions` is None when the line cannot be read unambiguously."""
    s = raw.strip()
    tokens = [(m.group("emoji"), m.group("count")) for m in REACTION_TOKEN_RE.finditer(s)]
    if not tokens or REACTIONS_LINE_RE.match(s) is None:
        return ReactionsReading(raw, None, "not a reactions line")
    bare = sum(1 for emoji, _ in tokens if emoji is None)
    if bare:
        noun = "count" if bare == 1 else "counts"
        return ReactionsReading(
            raw, None, f"{bare} {noun} without an emoji (custom emoji lost in the copy)"
        )
    values = [_value(c) for _, c in tokens]
    for i, (emoji, count) in enumerate(tokens):
        before = values[i - 1] if i else math.inf
        after = values[i + 1] if i + 1 < len(values) else 0.0
        split = _glued_split(count, before, after)
        if split:
            return ReactionsReading(
                raw, None,
                f"'{emoji}{count}' may be '{emoji}{split[0]}' followed by a custom emoji's "
                f"count {split[1]} (counts glued in the copy)",
            )
    if any(a < b for a, b in zip(values, values[1:], strict=False)):
        return ReactionsReading(raw, None, "counts are not in Telegram's descending order")
    return ReactionsReading(
        raw, tuple(Reaction(emoji=e or "", count=int(v)) for (e, _), v in zip(tokens, values,
                                                                             strict=True)), None
    )


def parse(raw: str) -> tuple[Reaction, ...] | None:
    """Structured reactions, or None when the line is ambiguous."""
    return read(raw).reactions
