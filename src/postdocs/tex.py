"""LaTeX whose backslash escapes were read as control characters on the way into a dump.

A copy made through a tool that reads `\\n`, `\\t`, `\\r`, `\\f`, `\\v`, `\\b`, `\\a` as escapes
turns `\\nabla` into a line break and `abla`, `\\theta` into a tab and `heta`, `\\frac` into
`rac`. Inside math spans the remnants are unambiguous enough to restore; a math span broken over
lines by `\\n…` or `\\r…` is joined back with the command restored.
"""

from __future__ import annotations

import re

# remnant → the command's lost first letter (only remnants that cannot be ordinary math)
_REMNANTS = {
    "abla": "n", "eq": "n", "otin": "n",
    "heta": "t", "ext": "t", "extstyle": "t", "extbf": "t", "imes": "t", "ilde": "t",
    "rac": "f", "ight": "r", "arphi": "v", "arepsilon": "v",
    "ig": "b", "eta": "b", "oldsymbol": "b", "lpha": "a", "pprox": "a",
}
_NAMES = sorted((k for k in _REMNANTS if k.isalpha()), key=len, reverse=True)
_REMNANT_RE = re.compile(
    r"(?<![A-Za-z\\])\s?(" + "|".join(_NAMES) + r")(?![A-Za-z])"
)
# the remnants that start a continuation line when `\n…` / `\r…` became a line break
LINE_BREAK_REMNANTS = ("abla", "eq", "otin", "ight")
MAX_JOINED = 8  # an unclosed `$$` never swallows more than this many following lines


def _fix(m: re.Match[str]) -> str:
    name = m.group(1)
    lead = m.group(0)[: m.start(1) - m.start(0)]
    # `\theta` after a tab-turned-space keeps the space out; others keep what preceded them
    return ("" if lead and _REMNANTS[name] == "t" else lead) + "\\" + _REMNANTS[name] + name


def repair_math(math: str) -> str:
    """Restore commands whose backslash and first letter were eaten (`rac{` → `\\frac{`)."""
    if "\\" not in math and not _REMNANT_RE.search(math):
        return math
    return _REMNANT_RE.sub(_fix, math)


def join_broken_math(lines: list[str]) -> list[str]:
    """Join lines of a `$$…$$` span that a `\\n…`/`\\r…` command broke, restoring the command."""
    out: list[str] = []
    open_span, joined = False, 0
    for line in lines:
        if open_span and out and line.strip() and joined < MAX_JOINED:
            joined += 1
            s = line.strip()
            lead = next((r for r in LINE_BREAK_REMNANTS if s.startswith(r)), None)
            if lead is not None:
                prefix = "\\r" if lead == "ight" else "\\n"
                out[-1] = out[-1].rstrip() + " " + prefix + s
            else:
                out[-1] = out[-1].rstrip() + " " + s
        else:
            out.append(line)
            joined = 0
        open_span = out[-1].count("$$") % 2 == 1 if out else False
    return out
