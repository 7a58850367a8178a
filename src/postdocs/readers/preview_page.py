"""One page of Telegram's public web preview (`https://t.me/s/<handle>`) → its messages.

Used by the fetcher (which messages a page brings, where the older page is) and by the reader.
Odd markup never raises: what cannot be read is reported per message.

The markup, as the service serves it (and as public parsers of it read it):

- `section.tgme_channel_history` holds `div.tgme_widget_message_wrap`, oldest first; each holds
  `div.tgme_widget_message[data-post="<handle>/<id>"]` (class `service_message` for "channel
  created", "pinned" …). An album is one widget under the id of its first message; the ids of
  its other items never appear.
- In `div.tgme_widget_message_bubble`: `tgme_widget_message_forwarded_from` (with
  `a.tgme_widget_message_forwarded_from_name`), `a.tgme_widget_message_reply` (its `href` is the
  answered post), media (`a.tgme_widget_message_photo_wrap` with the image in its `style`, in a
  `tgme_widget_message_grouped_wrap` for albums; `tgme_widget_message_video_player`;
  `a.tgme_widget_message_document_wrap` with `_document_title`/`_document_extra`;
  `tgme_widget_message_poll` with `_poll_question`, `_poll_type`, `_poll_option` (`_percent`,
  `_text`); `tgme_widget_message_sticker`; `message_media_not_supported` with "Please open
  Telegram to view this post" and a "VIEW IN TELEGRAM" link), `div.tgme_widget_message_text`
  (the text: `<b> <i> <u> <s> <tg-spoiler> <code> <pre> <blockquote> <a>`, `<br>` for line ends,
  emoji as `<i class="emoji"><b>🔥</b></i>`), `a.tgme_widget_message_link_preview`
  (`link_preview_site_name`, `_title`, `_description`), `tgme_widget_message_reactions`
  (`span.tgme_reaction`: an emoji then the count), and the footer: `tgme_widget_message_views`
  (`1.2K`), `tgme_widget_message_meta` (the text "edited" before the date link) and
  `a.tgme_widget_message_date` (the permalink) around `<time datetime="…+00:00">`.
- The link to older messages: `a.tme_messages_more[data-before]` (and `link rel="prev"`); at the
  first message of the channel there is none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..model import Attachment, ChannelMeta, LinkCard, Poll, Reaction
from ..text_rule import clean_text
from .desktop_text import TextPart

# Classes of a message the reader knows; any other `tgme_widget_message_*` or `message_media_*`
# class is reported (the service changed its markup, or a kind nobody has seen yet).
KNOWN_CLASSES = frozenset({
    "tgme_widget_message", "tgme_widget_message_user", "tgme_widget_message_user_photo",
    "tgme_widget_message_bubble", "tgme_widget_message_bubble_tail",
    "tgme_widget_message_author", "tgme_widget_message_owner_name",
    "tgme_widget_message_from_author", "tgme_widget_message_author_name",
    "tgme_widget_message_text", "tgme_widget_message_footer", "tgme_widget_message_info",
    "tgme_widget_message_views", "tgme_widget_message_meta", "tgme_widget_message_date",
    "tgme_widget_message_edited", "tgme_widget_message_reactions",
    "tgme_widget_message_forwarded_from", "tgme_widget_message_forwarded_from_name",
    "tgme_widget_message_forwarded_from_author", "tgme_widget_message_via_bot",
    "tgme_widget_message_reply", "tgme_widget_message_reply_thumb",
    "tgme_widget_message_metatext",
    "tgme_widget_message_photo_wrap", "tgme_widget_message_photo",
    "tgme_widget_message_grouped_wrap", "tgme_widget_message_grouped",
    "tgme_widget_message_grouped_layer",
    "tgme_widget_message_video_player", "tgme_widget_message_video_thumb",
    "tgme_widget_message_video_wrap", "tgme_widget_message_video",
    "tgme_widget_message_roundvideo_player", "tgme_widget_message_roundvideo_wrap",
    "tgme_widget_message_roundvideo", "tgme_widget_message_roundvideo_thumb",
    "tgme_widget_message_document_wrap", "tgme_widget_message_document",
    "tgme_widget_message_document_icon", "tgme_widget_message_document_title",
    "tgme_widget_message_document_extra",
    "tgme_widget_message_voice_player", "tgme_widget_message_voice",
    "tgme_widget_message_voice_duration",
    "tgme_widget_message_poll", "tgme_widget_message_poll_question",
    "tgme_widget_message_poll_type", "tgme_widget_message_poll_options",
    "tgme_widget_message_poll_option", "tgme_widget_message_poll_option_percent",
    "tgme_widget_message_poll_option_value", "tgme_widget_message_poll_option_text",
    "tgme_widget_message_poll_option_bar", "tgme_widget_message_poll_votes",
    "tgme_widget_message_voters",
    "tgme_widget_message_sticker_wrap", "tgme_widget_message_sticker",
    "tgme_widget_message_tgsticker", "tgme_widget_message_videosticker",
    "tgme_widget_message_link_preview", "tgme_widget_message_location_wrap",
    "tgme_widget_message_location", "tgme_widget_message_location_info",
    "tgme_widget_message_venue_wrap", "tgme_widget_message_venue",
    "tgme_widget_message_venue_title", "tgme_widget_message_venue_address",
    "tgme_widget_message_contact_wrap", "tgme_widget_message_contact",
    "tgme_widget_message_contact_name", "tgme_widget_message_contact_phone",
    "tgme_widget_message_inline_keyboard", "tgme_widget_message_inline_row",
    "tgme_widget_message_inline_button", "tgme_widget_message_inline_button_text",
    "tgme_widget_message_service_photo", "tgme_widget_message_text_expandable",
    "message_media_not_supported_wrap", "message_media_not_supported",
    "message_media_not_supported_label", "message_media_view_in_telegram",
    "message_media_not_supported_spacer",
})
_CLASS_RE = re.compile(r"^(?:tgme_widget_message_[a-z_]+|message_media_[a-z_]+)$")
_URL_IN_STYLE = re.compile(r"url\(['\"]?([^'\")]+)['\"]?\)")
_POST_RE = re.compile(r"^([A-Za-z0-9_]{1,64})/(\d{1,12})$")
_TAG_TYPES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic",
              "u": "underline", "ins": "underline", "s": "strikethrough",
              "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
              "code": "code"}
# Which kind wins when formats nest (a part has one type): links first, then code, then looks.
_PRIORITY = ("text_link", "link", "mention", "hashtag", "cashtag", "bot_command", "email",
             "code", "spoiler", "bold", "italic", "underline", "strikethrough")


@dataclass(frozen=True)
class PreviewMessage:
    """One message of a preview page, as the page shows it."""

    id: int
    handle: str
    datetime: str | None = None  # ISO 8601 with offset, as in `<time datetime>`
    service: bool = False
    parts: tuple[TextPart, ...] = ()
    views: str = ""  # as shown: `1.2K`
    edited: bool = False
    reactions: tuple[Reaction, ...] = ()
    forwarded_from: str = ""
    forwarded_link: str = ""
    reply_to: int | None = None
    reply_to_handle: str = ""
    reply_text: str = ""
    attachments: tuple[Attachment, ...] = ()
    poll: Poll | None = None
    card: LinkCard | None = None
    not_supported: bool = False  # "Please open Telegram to view this post"
    unknown: tuple[str, ...] = ()  # classes the reader does not know

    @property
    def permalink(self) -> str:
        return f"https://t.me/{self.handle}/{self.id}"

    def content_key(self) -> str:
        """What an edit changes (text, media, poll, card); views and reactions change daily."""
        return json.dumps([[p.type, p.text, p.attr] for p in self.parts]
                          + [[a.kind, a.name, a.detail] for a in self.attachments]
                          + [repr(self.poll), repr(self.card), self.service],
                          ensure_ascii=False)


@dataclass(frozen=True)
class PreviewPage:
    """A page of the preview: its messages (oldest first), the pointer to older messages, the
    channel's header."""

    messages: tuple[PreviewMessage, ...]
    before: int | None  # `?before=` of the next older page; None at the first message
    has_history: bool  # the page is a channel's preview (not a redirect target, not an error)
    meta: ChannelMeta = ChannelMeta()
    problems: tuple[str, ...] = ()  # located by message id: "message 12: …"
    skipped: int = 0  # message widgets that could not be read (reported in `problems`)


def _classes(node: LexborNode) -> list[str]:
    return (node.attributes.get("class") or "").split()


def _has_class(node: LexborNode, name: str) -> bool:
    return name in _classes(node)


def _text(node: LexborNode | None) -> str:
    """The node's text, `<br>` as a line end, white space runs inside a line kept as written."""
    if node is None:
        return ""
    out: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            out.append(child.text(deep=False) or "")
        elif child.tag == "br":
            out.append("\n")
        else:
            out.append(_text(child))
    return "".join(out)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _href(node: LexborNode) -> str:
    href = (node.attributes.get("href") or "").strip()
    if node.attributes.get("onclick") is not None:
        # The service writes `&` in the addresses of text links as `&amp;` (decoded once by the
        # HTML parser, so `&amp;` is left); public parsers undo it the same way.
        href = href.replace("&amp;", "&")
    return href


def _link_kind(node: LexborNode, text: str) -> tuple[str, str]:
    href = _href(node)
    low = href.lower()
    stripped = text.strip()
    if low.startswith("?q=%23") or (stripped.startswith("#") and low.startswith("?q=")):
        return "hashtag", ""
    if low.startswith("?q=%24"):
        return "cashtag", ""
    if low.startswith("mailto:"):
        return "email", ""
    if stripped.startswith("@") and re.match(r"^https?://t\.me/", low):
        return "mention", ""
    if _one_line(stripped).rstrip("/") in (href.rstrip("/"), re.sub(r"^https?://", "",
                                                                     href).rstrip("/")):
        return "link", ""
    if re.match(r"^https?://", low):
        return "text_link", href
    return "plain", ""


def text_parts(root: LexborNode) -> tuple[TextPart, ...]:
    """A message text element → flat typed parts (`desktop_text.TextPart`), one type each: where
    formats nest, the link or the code wins, then spoiler, bold, italic, underline, strike."""
    parts: list[TextPart] = []

    def add(text: str, kinds: dict[str, str]) -> None:
        if not text:
            return
        kind = next((k for k in _PRIORITY if k in kinds), "plain")
        parts.append(TextPart(kind, text, kinds.get(kind, "")))

    def walk(node: LexborNode, kinds: dict[str, str]) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                add(child.text(deep=False) or "", kinds)
            elif tag == "br":
                add("\n", {})
            elif tag == "i" and _has_class(child, "emoji") or tag == "tg-emoji":
                add(_text(child), kinds)  # an emoji picture around the emoji itself
            elif tag in ("pre", "blockquote"):
                parts.append(_block_part(child))
            else:
                walk(child, _inner_kinds(child, kinds))

    walk(root, {})
    return tuple(parts)


def _block_part(node: LexborNode) -> TextPart:
    """A `pre` (with its code's language) or a quote (collapsed or not) as one part."""
    if node.tag == "blockquote":
        collapsed = "collapsed" if node.attributes.get("expandable") is not None or (
            _has_class(node, "expandable")) else ""
        return TextPart("blockquote", _text(node), collapsed)
    code = node.css_first("code")
    lang = ""
    if code is not None:
        m = re.search(r"language-([A-Za-z0-9_+#.\-]+)", code.attributes.get("class") or "")
        lang = m.group(1) if m else ""
    return TextPart("pre", _text(node), lang)


def _inner_kinds(node: LexborNode, kinds: dict[str, str]) -> dict[str, str]:
    """The formats in force inside an element: a link's, a spoiler's, a formatting tag's."""
    tag = node.tag
    if tag == "a":
        kind, attr = _link_kind(node, _text(node))
        return {**kinds, kind: attr} if kind != "plain" else kinds
    if tag == "span" and _has_class(node, "tg-spoiler"):
        return {**kinds, "spoiler": ""}
    if tag in _TAG_TYPES:
        return {**kinds, _TAG_TYPES[tag]: ""}
    return kinds


def _views(text: str) -> str:
    return _one_line(text)


def _reaction_count(text: str) -> int:
    m = re.search(r"(\d+(?:[.,]\d+)?)\s*([KkMm]?)", text)
    if not m:
        return 0
    value = float(m.group(1).replace(",", "."))
    return int(round(value * {"k": 1000, "m": 1_000_000}.get(m.group(2).lower(), 1)))


def _reactions(box: LexborNode | None) -> tuple[Reaction, ...]:
    if box is None:
        return ()
    out: list[Reaction] = []
    for r in box.css("span.tgme_reaction"):
        emoji_node = r.css_first("i.emoji") or r.css_first("b")
        custom = r.css_first("tg-emoji")
        count_text = "".join((c.text(deep=False) or "") for c in r.iter(include_text=True)
                             if c.tag == "-text")
        count = _reaction_count(count_text)
        if _has_class(r, "tgme_reaction_paid"):
            out.append(Reaction(emoji="⭐", count=count, kind="paid"))
        elif custom is not None and not _text(custom).strip():
            out.append(Reaction(emoji="", count=count, kind="custom_emoji"))
        else:
            emoji = _text(emoji_node).strip() if emoji_node is not None else ""
            if not emoji and custom is not None:
                emoji = _text(custom).strip()
            out.append(Reaction(emoji=emoji, count=count))
    return tuple(out)


def _style_url(node: LexborNode) -> str:
    m = _URL_IN_STYLE.search(node.attributes.get("style") or "")
    return m.group(1) if m else ""


def _attachments(bubble: LexborNode) -> tuple[Attachment, ...]:
    out: list[Attachment] = []
    seen: set[int] = set()
    for node in bubble.traverse():
        if node.tag == "-text" or node.mem_id in seen:
            continue
        if any(p.tag == "a" and _has_class(p, "tgme_widget_message_link_preview")
               for p in _parents(node)):
            continue  # a link card's image belongs to the card
        if any(_has_class(p, "tgme_widget_message_reply") for p in _parents(node)):
            continue  # the answered message's thumbnail
        attachment = _attachment(node, _classes(node))
        if attachment is None:
            continue
        out.append(attachment)
        for inner in node.traverse():
            seen.add(inner.mem_id)
    return tuple(out)


def _attachment(node: LexborNode, cls: list[str]) -> Attachment | None:
    """The attachment an element of the message bubble shows, if it is one."""
    if "tgme_widget_message_photo_wrap" in cls:
        return Attachment("photo", url=_style_url(node))
    if "tgme_widget_message_video_player" in cls or (
            "tgme_widget_message_roundvideo_player" in cls):
        return Attachment("video", name=_one_line(_text(node.css_first("time"))))
    if "tgme_widget_message_document_wrap" in cls:
        title = node.css_first(".tgme_widget_message_document_title")
        extra = node.css_first(".tgme_widget_message_document_extra")
        kind = "audio" if node.css_first(".audio") is not None else "document"
        return Attachment(kind, name=_one_line(_text(title)), detail=_one_line(_text(extra)))
    if "tgme_widget_message_voice_player" in cls:
        duration = node.css_first(".tgme_widget_message_voice_duration")
        return Attachment("voice", name=_one_line(_text(duration)))
    if cls and cls[0] in ("tgme_widget_message_sticker", "tgme_widget_message_tgsticker",
                          "tgme_widget_message_videosticker"):
        return Attachment("sticker", name=_one_line(node.attributes.get("alt") or ""))
    if "tgme_widget_message_location_wrap" in cls:
        return Attachment("location", url=_href(node))
    if "tgme_widget_message_contact_wrap" in cls:
        name = node.css_first(".tgme_widget_message_contact_name")
        return Attachment("contact", name=_one_line(_text(name)))
    return None


def _parents(node: LexborNode) -> Iterator[LexborNode]:
    p = node.parent
    while p is not None:
        yield p
        p = p.parent


def _poll(node: LexborNode | None) -> Poll | None:
    if node is None:
        return None
    question = _one_line(_text(node.css_first(".tgme_widget_message_poll_question")))
    answers: list[tuple[str, int]] = []
    for option in node.css(".tgme_widget_message_poll_option"):
        text = _one_line(_text(option.css_first(".tgme_widget_message_poll_option_text")))
        percent = _one_line(_text(option.css_first(".tgme_widget_message_poll_option_percent")))
        digits = re.sub(r"\D", "", percent)
        answers.append((text, int(digits) if digits else 0))
    kind = _one_line(_text(node.css_first(".tgme_widget_message_poll_type")))
    return Poll(question=question, answers=tuple(answers), total=-1,
                closed="final" in kind.lower() or "closed" in kind.lower())


def _card(node: LexborNode | None) -> LinkCard | None:
    if node is None:
        return None
    return LinkCard(url=_href(node),
                    site=_one_line(_text(node.css_first(".link_preview_site_name"))),
                    title=_one_line(_text(node.css_first(".link_preview_title"))),
                    description=_text(node.css_first(".link_preview_description")).strip())


def _reply(node: LexborNode | None) -> tuple[int | None, str, str]:
    if node is None:
        return None, "", ""
    m = re.search(r"t\.me/([A-Za-z0-9_]{1,64})/(\d+)", node.attributes.get("href") or "")
    text_node = node.css_first(".tgme_widget_message_metatext") or node.css_first(
        ".tgme_widget_message_text")
    text = _one_line(_text(text_node))
    return (int(m.group(2)) if m else None), (m.group(1) if m else ""), text


def _message(widget: LexborNode, handle: str) -> tuple[PreviewMessage | None, str]:
    """One widget → a message, or None and the problem (located by the caller)."""
    post = (widget.attributes.get("data-post") or "").strip()
    m = _POST_RE.match(post)
    if m is None:
        return None, f"a message without a readable data-post ({post!r}); skipped"
    mid = int(m.group(2))
    unknown = sorted({c for n in widget.traverse() if n.tag != "-text" for c in _classes(n)
                      if _CLASS_RE.match(c) and c not in KNOWN_CLASSES})
    time_node = widget.css_first(".tgme_widget_message_date time") or widget.css_first(
        "time[datetime]")
    when = (time_node.attributes.get("datetime") or "").strip() if time_node else ""
    iso: str | None = None
    if when:
        try:
            iso = dt.datetime.fromisoformat(when).isoformat()
        except ValueError:
            unknown.append(f"datetime {when!r}")
    bubble = widget.css_first(".tgme_widget_message_bubble") or widget
    text_node = next((n for n in bubble.css(".tgme_widget_message_text")
                      if not any(_has_class(p, "tgme_widget_message_reply")
                                 or _has_class(p, "tgme_widget_message_link_preview")
                                 for p in _parents(n))), None)
    meta = widget.css_first(".tgme_widget_message_meta")
    edited = meta is not None and (meta.css_first(".tgme_widget_message_edited") is not None
                                   or "edited" in _text(meta).lower())
    fwd = widget.css_first(".tgme_widget_message_forwarded_from")
    fwd_name = fwd.css_first(".tgme_widget_message_forwarded_from_name") if fwd else None
    reply_to, reply_handle, reply_text = _reply(widget.css_first(".tgme_widget_message_reply"))
    return PreviewMessage(
        id=mid, handle=m.group(1), datetime=iso,
        service=_has_class(widget, "service_message"),
        parts=text_parts(text_node) if text_node is not None else (),
        views=_views(_text(widget.css_first(".tgme_widget_message_views"))),
        edited=edited, reactions=_reactions(widget.css_first(".tgme_widget_message_reactions")),
        forwarded_from=_one_line(_text(fwd_name) if fwd_name else _text(fwd).replace(
            "Forwarded from", "")) if fwd else "",
        forwarded_link=_href(fwd_name) if fwd_name is not None and fwd_name.tag == "a" else "",
        reply_to=reply_to, reply_to_handle=reply_handle, reply_text=reply_text,
        attachments=_attachments(bubble), poll=_poll(widget.css_first(".tgme_widget_message_poll")),
        card=_card(widget.css_first(".tgme_widget_message_link_preview")),
        not_supported=widget.css_first(".message_media_not_supported") is not None,
        unknown=tuple(unknown),
    ), ""


def _channel_meta(tree: LexborHTMLParser) -> ChannelMeta:
    name = _one_line(_text(tree.css_first(".tgme_channel_info_header_title")))
    description = _text(tree.css_first(".tgme_channel_info_description")).strip()
    stats: list[tuple[str, str]] = []
    for counter in tree.css(".tgme_channel_info_counter"):
        value = _one_line(_text(counter.css_first(".counter_value")))
        kind = _one_line(_text(counter.css_first(".counter_type")))
        if value and kind:
            stats.append((kind, value))
    return ChannelMeta(name=name, description=description,
                       subscribers=dict(stats).get("subscribers", ""), stats=tuple(stats))


def _cleaned(value: Any) -> Any:
    """Every string of a message (text parts, names, captions, poll, card, forwarded-from,
    reply …) through `markup.clean_text`, the one rule for input text: line separators
    normalised, control characters dropped."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple):
        return tuple(_cleaned(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _cleaned(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value


def parse_page(html: str, handle: str) -> PreviewPage:
    """A preview page → its messages and the pointer to older ones. Never raises on odd markup:
    what cannot be read is in `problems` ("message <id>: …")."""
    tree = LexborHTMLParser(html)
    history = tree.css_first(".tgme_channel_history")
    problems: list[str] = []
    messages: list[PreviewMessage] = []
    skipped = 0
    for widget in tree.css(".tgme_widget_message_wrap .tgme_widget_message"):
        if not (widget.attributes.get("data-post") or "") and (
                widget.css_first(".tme_no_messages_found") is not None):
            continue
        try:
            msg, problem = _message(widget, handle)
        except Exception as exc:  # noqa: BLE001 - odd markup must never stop a fetch or a build
            post = widget.attributes.get("data-post") or "?"
            msg, problem = None, f"message {post}: unreadable ({type(exc).__name__}: {exc})"
        if msg is None:
            problems.append(problem)
            skipped += 1
            continue
        if msg.handle.lower() != handle.lower():
            problems.append(f"message {msg.handle}/{msg.id}: from another channel; skipped")
            skipped += 1
            continue
        if msg.unknown:
            problems.append(f"message {msg.id}: markup not recognised: {', '.join(msg.unknown)}")
        messages.append(_cleaned(msg))
    before: int | None = None
    more = tree.css_first("a.tme_messages_more[data-before]")
    if more is not None and (more.attributes.get("data-before") or "").isdigit():
        before = int(more.attributes.get("data-before") or "0")
    else:
        prev = tree.css_first('link[rel="prev"]')
        m = re.search(r"[?&]before=(\d+)", prev.attributes.get("href") or "") if prev else None
        before = int(m.group(1)) if m else None
    messages.sort(key=lambda x: x.id)
    return PreviewPage(messages=tuple(messages), before=before, has_history=history is not None,
                       meta=_channel_meta(tree), problems=tuple(problems), skipped=skipped)
