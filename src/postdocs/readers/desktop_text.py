"""Telegram message text (a flat list of typed parts) → safe Markdown lines.

Both Desktop export formats carry the same text model: the JSON export as `text_entities`
(`{"type": "bold", "text": "…"}`), the HTML export as tags (`<strong>…</strong>`). Each part has
exactly one type (the exporter flattens nested entities). Both readers build `TextPart`s and
call `to_lines`, so the two exports of one channel give the same Markdown.

Every string from the export is escaped as text; only the markup generated here is live: inline
HTML tags for bold/italic/underline/strike/spoiler (Markdown inside them is still processed),
code spans and fenced blocks, links with a checked scheme, quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..render.markup import block_safe, escape_text, inline

_WRAP_TAGS = {
    "bold": ("<strong>", "</strong>"),
    "italic": ("<em>", "</em>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="tg-spoiler">', "</span>"),
}
_SAFE_HREF = re.compile(r"^(?:https?://|mailto:|tel:)", re.I)
_HANDLE = re.compile(r"^@([A-Za-z][A-Za-z0-9_]{3,63})$")
_EMAIL = re.compile(r"^[^\s@<>()\[\]]+@[^\s@<>()\[\]]+\.[A-Za-z]{2,}$")
_LANG = re.compile(r"^[A-Za-z0-9_+#.\-]{1,30}$")
_LIST_LINE = re.compile(r"^\s*(?:[-+]|\d{1,3}\.)\s+\S")
TITLE_MAX = 120


@dataclass(frozen=True)
class TextPart:
    """One run of text with one entity type (`plain`, `bold`, `text_link` …)."""

    type: str
    text: str
    attr: str = ""  # text_link: href; pre: language; blockquote: "collapsed" when collapsed


@dataclass(frozen=True)
class Line:
    """One line of a message: its plain text and its Markdown (`block` for pre and quotes)."""

    plain: str
    md: str
    block: bool = False
    bold: bool = False  # every visible character of the line is bold (a title by formatting)
    text: str = ""  # plain text with the targets of text links after them (for finding URLs)


def safe_href(url: str) -> str | None:
    """The URL ready for a Markdown `<…>` destination, or None when its scheme is not safe."""
    url = url.strip()
    if not _SAFE_HREF.match(url):
        return None
    for ch, enc in (("\\", "%5C"), (" ", "%20"), ("<", "%3C"), (">", "%3E"), ('"', "%22"),
                    ("\n", ""), ("\r", ""), ("\t", "")):
        url = url.replace(ch, enc)
    return url


def _link(label_md: str, href: str | None, plain: str) -> str:
    if href is None:
        return escape_text(plain)
    return f"[{label_md}](<{href}>)"


def _code_span(text: str) -> str:
    runs = [len(r) for r in re.findall(r"`+", text)]
    ticks = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _inline_part(part: TextPart, seg: str) -> str:
    """One line's piece of a part (no newline inside) → inline Markdown."""
    kind = part.type
    if kind in _WRAP_TAGS:
        core = seg.strip()
        if not core:
            return escape_text(seg)
        lead = seg[: len(seg) - len(seg.lstrip())]
        trail = seg[len(seg.rstrip()):]
        start, end = _WRAP_TAGS[kind]
        return f"{lead}{start}{inline(core)}{end}{trail}"
    if kind == "code":
        return _code_span(seg) if seg.strip() else seg
    if kind == "text_link":
        return _link(escape_text(seg), safe_href(part.attr), seg)
    if kind == "link":
        url = seg.strip()
        href = url if re.match(r"^https?://", url, re.I) else "https://" + url
        return _link(escape_text(seg), safe_href(href), seg)
    if kind == "mention":
        m = _HANDLE.match(seg.strip())
        return _link(escape_text(seg), f"https://t.me/{m.group(1)}" if m else None, seg)
    if kind == "email":
        ok = _EMAIL.match(seg.strip())
        return _link(escape_text(seg), safe_href("mailto:" + seg.strip()) if ok else None, seg)
    if kind == "phone":
        digits = re.sub(r"[^\d+]", "", seg)
        return _link(escape_text(seg), f"tel:{digits}" if len(digits) >= 5 else None, seg)
    if kind in ("hashtag", "cashtag", "bot_command", "mention_name", "custom_emoji",
                "bank_card"):
        return escape_text(seg)
    return inline(seg)  # plain, unknown and types added to Telegram later: text, URLs linked


def _fence(text: str, language: str) -> str:
    runs = [len(r) for r in re.findall(r"`{3,}", text)]
    ticks = "`" * max(3, max(runs, default=0) + 1)
    lang = language if _LANG.match(language) else ""
    return f"{ticks}{lang}\n{text.strip(chr(10))}\n{ticks}"


def _quote(text: str, collapsed: bool) -> str:
    raw = text.strip("\n").split("\n")
    lines = [block_safe(inline(s.strip())) if s.strip() else "" for s in raw]
    if collapsed:
        body = "\n\n".join("    " + s for s in lines if s)
        return f'??? quote "Quote"\n\n{body}'
    return "\n>\n".join(f"> {s}" for s in lines if s)


def to_lines(parts: list[TextPart]) -> list[Line]:
    """Split the parts into lines; pre and blockquote parts become their own block lines."""
    merged: list[TextPart] = []  # runs split differently by the two formats become one
    for part in parts:
        last = merged[-1] if merged else None
        if (last is not None and last.type == part.type and last.attr == part.attr
                and part.type not in ("pre", "blockquote")):
            merged[-1] = TextPart(part.type, last.text + part.text, part.attr)
        else:
            merged.append(part)
    parts = merged
    out: list[Line] = []
    plain: list[str] = []
    md: list[str] = []
    texts: list[str] = []
    bold = [True]

    def flush() -> None:
        text = "".join(plain)
        out.append(Line(plain=text, md="".join(md), bold=bold[0] and bool(text.strip()),
                        text="".join(texts)))
        plain.clear()
        md.clear()
        texts.clear()
        bold[0] = True

    for part in parts:
        if part.type in ("pre", "blockquote"):
            if plain:
                flush()
            if part.text.strip():
                md_block = (_fence(part.text, part.attr) if part.type == "pre"
                            else _quote(part.text, part.attr == "collapsed"))
                text = part.text.strip("\n")
                out.append(Line(plain=text, md=md_block, block=True, text=text))
            continue
        for i, seg in enumerate(part.text.split("\n")):
            if i > 0:
                flush()
            if seg:
                plain.append(seg)
                md.append(_inline_part(part, seg))
                href = safe_href(part.attr) if part.type == "text_link" else None
                texts.append(f"{seg} {href} " if href else seg)
                if seg.strip() and part.type != "bold":
                    bold[0] = False
    if plain:
        flush()
    return out


def join_lines(lines: list[Line]) -> str:
    """Lines → Markdown blocks: a line is a paragraph; consecutive list lines stay one list."""
    blocks: list[str] = []
    prev_list = False
    for line in lines:
        if line.block:
            blocks.append(line.md)
            prev_list = False
            continue
        if not line.plain.strip():
            prev_list = False
            continue
        is_list = bool(_LIST_LINE.match(line.plain))
        text = block_safe(line.md.strip()) if not is_list else line.md.strip()
        if is_list and prev_list:
            blocks[-1] += "\n" + text
        else:
            blocks.append(text)
        prev_list = is_list
    return "\n\n".join(b for b in blocks if b)


def split_title(lines: list[Line]) -> tuple[str, list[Line]]:
    """The title (first non-empty line, shortened if long) and the lines of the body.

    A long first line is cut at a word for the title and kept whole in the body.
    """
    for i, line in enumerate(lines):
        if not line.plain.strip():
            continue
        first = " ".join(line.plain.split())
        if line.block or len(first) > TITLE_MAX:
            head = first[:TITLE_MAX]
            cut = head.rsplit(" ", 1)[0] if " " in head else head
            return cut.rstrip(" ,.;:-") + "…", lines[i:]
        return first, lines[i + 1:]
    return "", []
