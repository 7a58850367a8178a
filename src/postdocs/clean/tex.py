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


# A math atom whose `$` the OCR lost: one letter with a subscript or superscript (`n_{l-1}`,
# `s_t`, `h^2`); a longer unbraced subscript (`N_voc`, `u_oov`) may be an identifier and stays
# text.
_SCRIPT = r"(?:\{[^{}\s$\\]{1,20}\}|[A-Za-z0-9](?![A-Za-z0-9]))"
_ATOM_RE = re.compile(
    rf"(?<![\w\\$/{{}}.'])(?<![A-Za-z0-9_]-)[A-Za-z](?:[_^]{_SCRIPT}){{1,2}}(?![\w$/{{}}'(])")
_SPAN_RE = re.compile(r"\$\$?[^$]*\$\$?")
_LINK_RE = re.compile(r"(?:https?://|www\.)\S+", re.I)


def restore_math(line: str) -> tuple[str, int]:
    """`line` with the math atoms that lost their `$` delimited again (`n_{l-1}` →
    `$n_{l-1}$`), and how many. A line whose `$` do not pair up is left alone (which side of
    it is math is not known), and so is a line with TeX commands outside math or a `$$` (a
    piece of display math that a line break cut, which `join_broken_math` joins); text inside
    math spans and links is never touched."""
    if "_" not in line and "^" not in line:
        return line, 0
    if line.count("$") % 2 or "$$" in line or "\\" in _SPAN_RE.sub("", line):
        return line, 0
    keep = [(m.start(), m.end()) for m in _SPAN_RE.finditer(line)]
    keep += [(m.start(), m.end()) for m in _LINK_RE.finditer(line)]
    out, at, n = [], 0, 0
    for m in _ATOM_RE.finditer(line):
        if any(a <= m.start() < b for a, b in keep):
            continue
        out.append(line[at:m.start()] + f"${m.group(0)}$")
        at = m.end()
        n += 1
    return "".join(out) + line[at:], n
