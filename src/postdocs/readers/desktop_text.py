"""Telegram message text (a flat list of typed parts) → lines, as the input marks them.

Both Desktop export formats carry the same text model: the JSON export as `text_entities`
(`{"type": "bold", "text": "…"}`), the HTML export as tags (`<strong>…</strong>`). Each part has
exactly one type (the exporter flattens nested entities). Both readers (and the preview pages'
reader) build `TextPart`s and call `to_lines`, so the inputs of one channel give the same lines;
the render stage writes them as Markdown (`render/body.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import TextBlock, TextLine, TextPart
from ..patterns import splittable

__all__ = ["TITLE_MAX", "Line", "TextPart", "safe_href", "split_title", "text_block",
           "to_lines"]

_SAFE_HREF = re.compile(r"^(?:https?://|mailto:|tel:)", re.I)
TITLE_MAX = 120


@dataclass(frozen=True)
class Line:
    """One line of a message: its plain text and its parts (`block` for pre and quotes)."""

    plain: str
    parts: tuple[TextPart, ...]
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
    return splittable(url)


def _runs(parts: list[TextPart]) -> list[TextPart]:
    """Neighbouring parts of one type and attribute as one part (the two formats split runs
    differently); pre and blockquote parts stay apart."""
    merged: list[TextPart] = []
    for part in parts:
        last = merged[-1] if merged else None
        if (last is not None and last.type == part.type and last.attr == part.attr
                and part.type not in ("pre", "blockquote")):
            merged[-1] = TextPart(part.type, last.text + part.text, part.attr)
        else:
            merged.append(part)
    return merged


def to_lines(parts: list[TextPart]) -> list[Line]:
    """Split the parts into lines; pre and blockquote parts become their own block lines."""
    parts = _runs(parts)
    out: list[Line] = []
    plain: list[str] = []
    segs: list[TextPart] = []
    texts: list[str] = []
    bold = [True]

    def flush() -> None:
        text = "".join(plain)
        out.append(Line(plain=text, parts=tuple(segs), bold=bold[0] and bool(text.strip()),
                        text="".join(texts)))
        plain.clear()
        segs.clear()
        texts.clear()
        bold[0] = True

    for part in parts:
        if part.type in ("pre", "blockquote"):
            if plain:
                flush()
            if part.text.strip():
                text = part.text.strip("\n")
                out.append(Line(plain=text, parts=(part,), block=True, text=text))
            continue
        for i, seg in enumerate(part.text.split("\n")):
            if i > 0:
                flush()
            if seg:
                plain.append(seg)
                segs.append(TextPart(part.type, seg, part.attr))
                href = safe_href(part.attr) if part.type == "text_link" else None
                texts.append(f"{seg} {href} " if href else seg)
                if seg.strip() and part.type != "bold":
                    bold[0] = False
    if plain:
        flush()
    return out


def text_block(lines: list[Line]) -> TextBlock | None:
    """The lines as a body block, or None when none has anything to show."""
    if not any(line.block or line.plain.strip() for line in lines):
        return None
    return TextBlock(tuple(TextLine(line.parts, line.block) for line in lines))


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
