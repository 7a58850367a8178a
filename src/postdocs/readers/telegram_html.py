"""Reader for Telegram Desktop's HTML export (`messages.html`, `messages2.html`, …).

The pages are parsed with a real HTML parser (the standard library's) into a small tree. A
message is `div.message.default` (`joined` when it follows the same sender within 15 minutes;
it is still a message of its own); `div.message.service` is a service message, or a date header
when its id is negative. The date element's `title` holds the full time with the exporting
computer's UTC offset (`01.03.2024 12:00:00 UTC+03:00`; Qt writes the zone's *standard* offset,
so in summer-time zones it can be an hour off; the JSON export has the exact time). Replies link
with `#go_to_message<id>`, to another file as `messages2.html#go_to_message<id>`.

Reactions, as the exporter writes them (`HtmlWriter::Wrap::pushMessage`, after the text and
signature): `span.reactions > span.reaction` (classes `active` when the exporting user reacted,
`paid` for stars) holding `span.emoji` (the emoji; a custom emoji is an `<a>` around a stand-in
👋; paid ones ⭐), then `span.userpics` with the recent reactors when known, then `span.count`,
left out when every reactor is in the userpics (then they are the count).

Messages of all files of one export are read in order by one assembler (shared with the JSON
reader), so replies across files resolve, and the pages equal those of the JSON export.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ..errors import InputError
from ..model import ChannelConfig, ChannelMeta, Ledger, Poll, Reaction, ReadResult
from ..text_rule import clean_text
from .desktop_export import Assembler, Media, Message, iso_from_parts
from .desktop_text import TextPart
from .text import decode, regular_file

FORMAT = "telegram-html"
_VOID = {"br", "img", "meta", "link", "input", "hr", "source", "wbr", "area", "base", "col"}
_TITLE_RE = re.compile(
    r"(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})(?: UTC([+-])(\d{1,2}):?(\d{2})?)?")
_FILE_RE = re.compile(r"^messages(\d*)\.html$")
_TAGS = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "u": "underline",
         "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
         "code": "code", "pre": "pre", "blockquote": "blockquote"}
_ONCLICK = {"ShowHashtag": "hashtag", "ShowBotCommand": "bot_command",
            "ShowCashtag": "cashtag", "ShowMentionName": "mention_name",
            "ShowNotLoadedEmoji": "custom_emoji", "ShowNotAvailableEmoji": "custom_emoji"}
_MISSING = (("not included", "not-included"), ("exceeds maximum size", "too-large"),
            ("unavailable", "unavailable"))


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def find(self, *classes: str) -> Node | None:
        """The first descendant (depth first) carrying all these classes."""
        want = set(classes)
        stack = list(reversed(self.elements()))
        while stack:
            node = stack.pop()
            if want <= node.classes:
                return node
            stack.extend(reversed(node.elements()))
        return None

    def find_all(self, *classes: str) -> list[Node]:
        want = set(classes)
        out: list[Node] = []
        stack = list(reversed(self.elements()))
        while stack:
            node = stack.pop()
            if want <= node.classes:
                out.append(node)
            stack.extend(reversed(node.elements()))
        return out

    def text(self) -> str:
        """The text inside, `<br>` as a newline."""
        out: list[str] = []
        stack: list[Node | str] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
            elif item.tag == "br":
                out.append("\n")
            else:
                stack.extend(reversed(item.children))
        return "".join(out)


class _TreeBuilder(HTMLParser):
    """Builds a `Node` tree; tolerant of unclosed tags like browsers are."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, 1)
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.getpos()[0])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs},
                                            self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def sniff(head: str) -> bool:
    return "page_wrap" in head and ("history" in head or "page_header" in head) and (
        "<html" in head.lower())


def looks_like_html(head: str) -> bool:
    low = head.lstrip()[:200].lower()
    return low.startswith(("<!doctype html", "<html")) or "<html" in low


def _datetime(title: str) -> str | None:
    m = _TITLE_RE.search(title)
    if not m:
        return None
    d, mo, y, h, mi, s = (int(g) for g in m.groups()[:6])
    try:
        local = dt.datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
    if m.group(7) is None:
        return iso_from_parts(local, None)
    sign = 1 if m.group(7) == "+" else -1
    offset = dt.timedelta(hours=int(m.group(8)), minutes=int(m.group(9) or 0)) * sign
    if abs(offset) > dt.timedelta(hours=14):  # no zone is further from UTC: the local time only
        return iso_from_parts(local, None)
    return iso_from_parts(local, offset)


def _classify(node: Node) -> tuple[str, str]:
    """An inline element of a message text → (entity type, attribute)."""
    if node.tag in _TAGS:
        return _TAGS[node.tag], ""
    if node.tag == "span" and "spoiler" in node.classes:
        return "spoiler", ""
    if node.tag != "a":
        return "plain", ""
    href = node.attrs.get("href", "").strip()
    onclick = node.attrs.get("onclick", "")
    for name, kind in _ONCLICK.items():
        if name in onclick:
            return kind, ""
    text = node.text()
    if href.lower().startswith("mailto:"):
        return "email", ""
    if href.lower().startswith("tel:"):
        return "phone", ""
    if text.startswith("@") and href.lower().rstrip("/") == f"https://t.me/{text[1:]}".lower():
        return "mention", ""
    if href == text:
        return "link", ""
    if re.match(r"^https?://", href, re.I):
        return "text_link", href
    return "custom_emoji", ""  # a link to the emoji's file in the export


def _parts(node: Node) -> tuple[TextPart, ...]:
    children = list(node.children)
    # The exporter's own line breaks and indentation around the text are not part of it.
    if children and isinstance(children[0], str):
        children[0] = re.sub(r"^\n[ \t]*", "", children[0])
    if children and isinstance(children[-1], str):
        children[-1] = re.sub(r"\n[ \t]*$", "", children[-1])
    parts: list[TextPart] = []
    for child in children:
        if isinstance(child, str):
            if child:
                parts.append(TextPart("plain", child))
        elif child.tag == "br":
            parts.append(TextPart("plain", "\n"))
        else:
            kind, attr = _classify(child)
            parts.append(TextPart(kind, child.text(), attr))
    return tuple(parts)


def _missing(description: str) -> str | None:
    low = description.lower()
    return next((key for needle, key in _MISSING if needle in low), None)


def _generic_media(node: Node) -> Media | None:
    cls = node.classes
    title_node = node.find("title")
    title = title_node.text().strip() if title_node else ""
    desc_node = node.find("description")
    missing = _missing(desc_node.text()) if desc_node else None
    status_node = node.find("status")
    status = status_node.text().strip() if status_node else ""
    href = node.attrs.get("href") if node.tag == "a" else None
    path = None if missing else href
    if title == "Sticker":
        emoji = status.split(",")[0].strip()
        return Media(kind="sticker", emoji="" if re.match(r"^\d", emoji) else emoji)
    if "media_photo" in cls:
        kind = "photo"
    elif "media_file" in cls:
        return Media(kind="file", path=path, missing=missing, name=title)
    elif "media_video" in cls:
        kind = {"Animation": "animation", "Video message": "video-message"}.get(title, "video")
    elif "media_voice_message" in cls:
        kind = "voice"
    elif "media_audio_file" in cls:
        kind = "audio"
    else:
        return None  # contacts, locations, calls, games: nothing to show
    return Media(kind=kind, path=path, missing=missing)


def _poll(node: Node) -> Poll:
    question = node.find("question")
    details = node.find("details")
    answers: list[tuple[str, int]] = []
    for answer in node.find_all("answer"):
        text = "".join(c for c in answer.children if isinstance(c, str)).strip()
        count_node = answer.find("details")
        m = re.search(r"(\d+) votes?", count_node.text()) if count_node else None
        answers.append((re.sub(r"^-\s*", "", text), int(m.group(1)) if m else 0))
    total_node = node.find("total")
    total = re.search(r"(\d+)", total_node.text()) if total_node else None
    return Poll(question=question.text().strip() if question else "", answers=tuple(answers),
                total=int(total.group(1)) if total else 0,
                closed=bool(details and "Final results" in details.text()))


def _media(body: Node) -> tuple[Media | None, Poll | None]:
    wrap = body.find("media_wrap")
    if wrap is None:
        return None, None
    for node in wrap.elements():
        cls = node.classes
        href = node.attrs.get("href")
        if "photo_wrap" in cls:
            return Media(kind="photo", path=href), None
        if "sticker_wrap" in cls:
            return Media(kind="sticker"), None
        if "animated_wrap" in cls:
            return Media(kind="animation", path=href), None
        if "video_file_wrap" in cls:
            return Media(kind="video", path=href), None
        if "media_poll" in cls:
            return None, _poll(node)
        if "media" in cls:
            return _generic_media(node), None
    return None, None


def _reactions(body: Node) -> tuple[Reaction, ...]:
    box = body.find("reactions")
    if box is None:
        return ()
    out: list[Reaction] = []
    for r in box.find_all("reaction"):
        emoji_node = r.find("emoji")
        count_node = r.find("count")
        digits = re.sub(r"\D", "", count_node.text()) if count_node else ""
        count = int(digits) if digits else len(r.find_all("userpic"))
        if "paid" in r.classes:
            out.append(Reaction(emoji="⭐", count=count, kind="paid"))
        elif emoji_node is not None and any(n.tag == "a" for n in emoji_node.elements()):
            # a custom emoji: a link to its file (or to nothing) around a stand-in emoji
            out.append(Reaction(emoji="", count=count, kind="custom_emoji"))
        else:
            out.append(Reaction(emoji=emoji_node.text().strip() if emoji_node else "",
                                count=count))
    return tuple(out)


def _forwarded(body: Node, previous: str | None) -> str | None:
    fwd = body.find("forwarded", "body")
    if fwd is None:
        return None
    name_node = next((n for n in fwd.elements() if "from_name" in n.classes), None)
    if name_node is None:
        return previous  # the exporter omits the name when it repeats the previous one
    name = "".join(c for c in name_node.children if isinstance(c, str))
    return " ".join(name.split()) or previous


def _sender(node: Node, body: Node, previous: str | None) -> str | None:
    """The sender's name; a `joined` message has none and is the previous one's sender's."""
    if "joined" in node.classes:
        return previous
    name = next((n for n in body.elements() if "from_name" in n.classes), None)
    return " ".join(name.text().split()) if name is not None else None


def _message(node: Node, where: str, previous: Message | None) -> Message | None:
    m = re.fullmatch(r"message(-?\d+)", node.attrs.get("id", ""))
    if m is None:
        raise InputError(where, "a message without a valid id attribute", node.line)
    mid = int(m.group(1))
    if "service" in node.classes:
        return None if mid < 0 else Message(id=mid, service=True, where=where)
    body = next((n for n in node.elements() if "body" in n.classes), None)
    if body is None:
        raise InputError(where, f"message {mid}: no <div class=\"body\">", node.line)
    date_node = body.find("date", "details")
    text_node = body.find("text")
    reply_node = body.find("reply_to")
    reply = None
    if reply_node is not None:
        link = None
        for child in reply_node.elements():
            if child.tag == "a":
                link = child
        target = re.search(r"go_to_message(\d+)", link.attrs.get("href", "")) if link else None
        reply = int(target.group(1)) if target else None
    media, poll = _media(body)
    return Message(
        id=mid, datetime=_datetime(date_node.attrs.get("title", "")) if date_node else None,
        parts=_parts(text_node) if text_node else (), media=media, poll=poll,
        reactions=_reactions(body),
        forwarded_from=_forwarded(body, previous.forwarded_from if previous else None),
        reply_to=reply, sender=_sender(node, body, previous.sender if previous else None),
        where=where,
    )


def export_files(path: Path) -> list[Path]:
    """`messages.html` and its continuation files, in order."""
    folder = path if path.is_dir() else path.parent
    first = folder / "messages.html"
    if not path.is_dir() and path.name != "messages.html":
        raise InputError(str(path), "an HTML export is read from its folder or its "
                         "messages.html (which brings messages2.html, … along)")
    if not os.path.lexists(first):
        raise InputError(str(folder), "no messages.html in this folder")
    files = [regular_file(first, inside=folder)]
    n = 2
    while os.path.lexists(folder / f"messages{n}.html"):
        files.append(regular_file(folder / f"messages{n}.html", inside=folder))
        n += 1
    return files


def _history(path: Path) -> tuple[Node, Node]:
    regular_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    root = parse_html(decode(data, str(path)))
    history = root.find("history")
    if history is None:
        raise InputError(str(path), "an HTML page, but not a Telegram Desktop export "
                         "(no <div class=\"history\">)")
    return root, history


def read(path: Path, channel: ChannelConfig) -> ReadResult:
    files = export_files(path)
    ledger = Ledger(path=str(path))
    assembler = Assembler(channel, files[0].parent, ledger)
    name = ""
    previous: Message | None = None
    for f in files:
        root, history = _history(f)
        if not name:
            header = root.find("page_header")
            title = header.find("text", "bold") if header else None
            name = " ".join(title.text().split()) if title else ""
        for node in history.elements():
            if "message" not in node.classes:
                continue
            msg = _message(node, str(f), previous)
            if msg is None:
                ledger.count("date headers")
                continue
            ledger.total_lines += 1
            previous = msg
            assembler.add(msg)
    return ReadResult(path=str(path), format=FORMAT, posts=tuple(assembler.posts()),
                      ledger=ledger, warnings=tuple(assembler.warnings),
                      meta=ChannelMeta(name=clean_text(name)), left_out=tuple(assembler.left_out))
