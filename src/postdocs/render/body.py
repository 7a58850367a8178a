"""A post's formatted blocks (`Post.blocks`: Desktop exports, fetched preview pages) → Markdown.

The readers give the text as Telegram marks it (parts with one entity kind each, line by line)
and the polls, link cards, media and notes a message has; every string passed the one text rule
there. Here every string is escaped as text; only the markup written here is live: inline HTML
tags for bold/italic/underline/strike/spoiler (Markdown inside them is still processed), code
spans and fenced blocks, links with a checked scheme, quotes. Both Desktop export formats and
the preview pages give the same parts, so one channel's inputs give the same Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..model import (
    Attachment,
    AttachmentBlock,
    Block,
    CardBlock,
    LinkCard,
    Poll,
    PollBlock,
    Remark,
    TextBlock,
    TextLine,
    TextPart,
)
from ..readers.desktop_text import safe_href
from .markup import block_safe, escape_text, inline, link

_WRAP_TAGS = {
    "bold": ("<strong>", "</strong>"),
    "italic": ("<em>", "</em>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="tg-spoiler">', "</span>"),
}
_HANDLE = re.compile(r"^@([A-Za-z][A-Za-z0-9_]{3,63})$")
_EMAIL = re.compile(r"^[^\s@<>()\[\]]+@[^\s@<>()\[\]]+\.[A-Za-z]{2,}$")
_LANG = re.compile(r"^[A-Za-z0-9_+#.\-]{1,30}$")
_LIST_LINE = re.compile(r"^\s*(?:[-+]|\d{1,3}\.)\s+\S")


def _link(label_md: str, href: str | None, plain: str) -> str:
    if href is None:
        return escape_text(plain)
    return f"[{label_md}](<{href}>)"


def _code_span(text: str) -> str:
    runs = [len(r) for r in re.findall(r"`+", text)]
    ticks = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _inline_part(part: TextPart) -> str:
    """One line's piece of a part (no newline inside) → inline Markdown."""
    kind, seg = part.type, part.text
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


def line_markdown(line: TextLine) -> str:
    """One line: a code block or quote, else its parts inline."""
    if line.block:
        part = line.parts[0]
        return (_fence(part.text, part.attr) if part.type == "pre"
                else _quote(part.text, part.attr == "collapsed"))
    return "".join(_inline_part(p) for p in line.parts)


def join_lines(lines: Sequence[TextLine]) -> str:
    """Lines → Markdown blocks: a line is a paragraph; consecutive list lines stay one list."""
    blocks: list[str] = []
    prev_list = False
    for line in lines:
        if line.block:
            blocks.append(line_markdown(line))
            prev_list = False
            continue
        plain = line.plain
        if not plain.strip():
            prev_list = False
            continue
        md = line_markdown(line).strip()
        is_list = bool(_LIST_LINE.match(plain))
        text = block_safe(md) if not is_list else md
        if is_list and prev_list:
            blocks[-1] += "\n" + text
        else:
            blocks.append(text)
        prev_list = is_list
    return "\n\n".join(b for b in blocks if b)


def _votes_md(poll: Poll) -> str:
    state = " (final results)" if poll.closed else ""
    items = [f"- {block_safe(inline(text))} — {votes} vote{'s' if votes != 1 else ''}"
             for text, votes in poll.answers]
    return "\n\n".join([f"**Poll{state}:** {inline(poll.question)}", "\n".join(items),
                        f"Total voters: {poll.total}"])


def _shares_md(poll: Poll) -> str:
    state = " (final results)" if poll.closed else ""
    items = [f"- {inline(text)} — {share}%" for text, share in poll.answers]
    return "\n\n".join(b for b in [f"**Poll{state}:** {inline(poll.question)}",
                                   "\n".join(items)] if b)


def _card_md(card: LinkCard) -> str:
    lines: list[str] = []
    if card.site:
        lines.append(f"**{inline(card.site, links=False)}**")
    if card.title:
        lines.append(link(card.url, card.title) if safe_href(card.url) else inline(card.title))
    elif safe_href(card.url):
        lines.append(link(card.url))
    for par in card.description.split("\n"):
        if par.strip():
            lines.append(inline(par.strip()))
    return "\n>\n".join(f"> {line}" for line in lines)


_SEE = "see [the post on Telegram](<{href}>)"


def _attachment_md(permalink: str, att: Attachment) -> str:
    """A medium the site does not show: named, and the post on Telegram linked."""
    see = _SEE.format(href=safe_href(permalink))
    if att.kind == "photo":
        return f"🖼 Photo: {see}"
    if att.kind == "video":
        length = f" ({escape_text(att.name)})" if att.name else ""
        return f"🎬 Video{length}: {see}"
    if att.kind in ("document", "audio"):
        what = "🎵 Audio" if att.kind == "audio" else "📄 File"
        name = f" {escape_text(att.name)}" if att.name else ""
        size = f" ({escape_text(att.detail)})" if att.detail else ""
        return f"{what}{name}{size}: {see}"
    if att.kind == "sticker":
        return f"Sticker {escape_text(att.name)}".rstrip()
    if att.kind == "voice":
        return f"🎙 Voice message: {see}"
    if att.kind == "location":
        return f"📍 Location: {see}"
    if att.kind == "contact":
        return f"📱 Contact {escape_text(att.name)}".rstrip()
    return f"Attachment: {see}"


def _forwarded_md(r: Remark) -> str:
    who = escape_text(r.text)
    href = safe_href(r.url) if r.url else None
    return f"*Forwarded from [{who}](<{href}>)*" if href else f"*Forwarded from {who}*"


def _reply_md(r: Remark) -> str:
    return (f"↩ In reply to [a post](<{safe_href(r.url)}>)"
            + (f": {escape_text(r.text)}" if r.text else ""))


_REMARKS: dict[str, Callable[[Remark], str]] = {
    "rule": lambda r: "* * *",
    "forwarded": _forwarded_md,
    "reply": _reply_md,
    "sticker": lambda r: block_safe(escape_text(r.text)) if r.text else "(sticker)",
    "media-note": lambda r: f'!!! note "Media not shown"\n    {escape_text(r.text)}',
    "unsupported": lambda r: ("Media the preview does not show: "
                              + _SEE.format(href=safe_href(r.url))),
    "deleted": lambda r: ('!!! warning "Deleted on Telegram"\n    This post is no longer in '
                          "the channel's preview; the copy fetched before is kept here."),
    "footer": lambda r: f"<small>{escape_text(r.text)}</small>" if r.text else "",
}


def block_markdown(block: Block) -> str:
    """One block → Markdown ("" for nothing to show)."""
    if isinstance(block, TextBlock):
        return join_lines(block.lines)
    if isinstance(block, PollBlock):
        return _shares_md(block.poll) if block.shares else _votes_md(block.poll)
    if isinstance(block, CardBlock):
        return _card_md(block.card)
    if isinstance(block, AttachmentBlock):
        return _attachment_md(block.permalink, block.attachment)
    return _REMARKS[block.kind](block)


def blocks_markdown(blocks: tuple[Block, ...]) -> str:
    """The body: its blocks as Markdown, a blank line apart, ending with a newline."""
    return "\n\n".join(b for b in map(block_markdown, blocks) if b) + "\n"
