"""Plain text from a dump → safe Markdown: text stays text, never live markup.

Telegram text has no Markdown of its own: a dump line is a paragraph or a list item. Anything
Markdown or HTML would read as syntax (headings, HTML, link definitions, tables, `---`) is escaped,
LaTeX spans (`$…$`, `$$…$$`) are kept for the math renderer, and URLs become links.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from .enrich.papers import URL_RE, trim_url
from .tex import join_broken_math, repair_math

_LIST_RE = re.compile(r"^\s*(?:[-•*–]|\d{1,3}[.)])\s+")
# `- 1. text`: an OCR'd numbered item behind a bullet (else it renders as a list in a list)
_NUMBER_BEHIND_BULLET_RE = re.compile(r"(\d{1,3})[.)]\s+")
_MATH_RE = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$")
_UNDERLINE_RE = re.compile(r"&lt;u&gt;(.*?)&lt;/u&gt;")
# Markdown punctuation that could start syntax in the middle of a line.
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>!|~^{}])")
_SAFE_SCHEMES = ("http://", "https://")


def _escape_plain(text: str) -> str:
    """Escape a run of text that holds no URL and no math."""
    text = html.unescape(text) if "&" in text and ";" in text else text
    out = html.escape(text, quote=False)
    out = _INLINE_SPECIALS.sub(lambda m: "\\" + m.group(1) if m.group(1) not in "<>" else
                               m.group(1), out)
    return out


def _link(url: str) -> str:
    if not url.lower().startswith(_SAFE_SCHEMES):
        url = "https://" + url
    shown = _escape_plain(url)
    href = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("<", "%3C")
    href = href.replace(">", "%3E").replace('"', "%22")
    return f"[{shown}](<{href}>)"


def _ref_pattern(refs: Mapping[str, str]) -> re.Pattern[str] | None:
    """Non-URL texts that link to another review (dates), longest first, not inside numbers."""
    texts = sorted((t for t in refs if not URL_RE.match(t)), key=lambda t: (-len(t), t))
    if not texts:
        return None
    return re.compile(r"(?<![\d.])(?:" + "|".join(map(re.escape, texts)) + r")(?!\.?\d)")


def inline(text: str, refs: Mapping[str, str] | None = None) -> str:
    """One line of text → inline Markdown: URLs as links, math kept, the rest escaped.

    `refs` maps texts to relative links of other reviews on the site: a URL keeps its own link and
    gets a link to the review after it; any other text (a date) becomes the link.
    """
    parts: list[str] = []
    pos = 0
    refs = refs or {}
    pattern = _ref_pattern(refs)
    tokens = sorted(
        [(m.start(), m.end(), "math") for m in _MATH_RE.finditer(text)]
        + [(m.start(), m.end(), "url") for m in URL_RE.finditer(text)]
        + ([(m.start(), m.end(), "ref") for m in pattern.finditer(text)] if pattern else [])
    )
    for start, end, kind in tokens:
        if start < pos:
            continue
        parts.append(_escape_plain(text[pos:start]))
        chunk = text[start:end]
        if kind == "math":
            parts.append(repair_math(chunk))
        elif kind == "ref":
            parts.append(f"[{_escape_plain(chunk)}]({refs[chunk]})")
        else:
            url = trim_url(chunk)
            parts.append(_link(url))
            if url in refs:
                parts.append(f" ([review on this site]({refs[url]}))")
            end = start + len(url)
        pos = end
    parts.append(_escape_plain(text[pos:]))
    out = "".join(parts)
    out = _UNDERLINE_RE.sub(r"<u>\1</u>", out)
    return out


def _block_safe(line: str) -> str:
    """Neutralise what would make a block: headings, quotes, rules, tables, code, HTML, defs."""
    stripped = line.lstrip()
    if not stripped:
        return ""
    if stripped[0] in "#>=+" or stripped.startswith(("---", "___", "***", "```", "~~~")):
        return "\\" + stripped
    if re.match(r"^\d{1,9}[.)]\s", stripped) and not _LIST_RE.match(line):
        return stripped.replace(".", "\\.", 1).replace(")", "\\)", 1)
    return stripped


def text_to_markdown(lines: list[str], refs: Mapping[str, str] | None = None) -> str:
    """Dump lines → Markdown: one paragraph per line, consecutive list items kept as one list."""
    blocks: list[str] = []
    prev_list = False
    for raw in join_broken_math(lines):
        if not raw.strip():
            prev_list = False
            continue
        m = _LIST_RE.match(raw)
        if m:
            marker = m.group(0).strip()
            rest = raw[m.end():].strip()
            number = None if marker[0].isdigit() else _NUMBER_BEHIND_BULLET_RE.match(rest)
            if number:
                marker, rest = number.group(1) + ".", rest[number.end():]
            item = inline(rest, refs)
            bullet = marker if marker[0].isdigit() else "-"
            if bullet[0].isdigit():
                bullet = bullet.rstrip(")") .rstrip(".") + "."
            entry = f"{bullet} {item}"
            if prev_list:
                blocks[-1] += "\n" + entry
            else:
                blocks.append(entry)
            prev_list = True
        else:
            blocks.append(_block_safe(inline(raw.strip(), refs)))
            prev_list = False
    return "\n\n".join(b for b in blocks if b) + "\n"


def escape_text(text: str) -> str:
    """Text → Markdown that shows exactly this text (no links, no math): for link labels."""
    return _escape_plain(text)


def block_safe(line: str) -> str:
    """One line of inline Markdown that must not start a block (heading, quote, rule …)."""
    return _block_safe(line)
