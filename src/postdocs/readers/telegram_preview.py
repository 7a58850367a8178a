"""Reader for pages fetched from Telegram's public web preview (`https://t.me/s/<handle>`).

`postdocs add`/`fetch` (`preview_fetch.py`) keep the pages as served in a store folder
(`preview_store.py`); `preview_page.py` reads one page into messages; this module turns the
messages of a store into posts. It never touches the network.

A message without a title line continues the post before it (long reviews span several messages,
as in the text copies); media sent within a minute after a post, without text, join it; service
messages and messages with nothing to read (a lone sticker, a "not supported" box) make no page
and are counted. Text goes through the Desktop exports' conversion (`desktop_text.to_lines`),
so it is escaped the same way; the rest through `markup`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..errors import LocatedWarning
from ..model import (
    AttachmentBlock,
    Block,
    BodyPart,
    CardBlock,
    ChannelConfig,
    Ledger,
    MediaFile,
    PlainText,
    PollBlock,
    Post,
    ReadResult,
    Remark,
    SourceLine,
)
from .desktop_text import Line, split_title, text_block, to_lines
from .preview_page import PreviewMessage
from .preview_store import (
    FORMAT,
    INDEX,
    STORE_DIR,
    StoreIndex,
    is_store,
    load_index,
    stored_messages,
)
from .webpreview import looks_like_title

__all__ = ["FORMAT", "INDEX", "STORE_DIR", "is_store", "read"]


ALBUM_SECONDS = 60  # media sent this soon after a post, without text, belong to it


def _follows(draft: _Draft, msg: PreviewMessage) -> bool:
    """A message without text that was sent with the post before it (photos, videos, files)."""
    if msg.forwarded_from or not msg.attachments or any(
            a.kind in ("sticker", "contact", "location") for a in msg.attachments):
        return False
    last = draft.last or draft.first
    if last.datetime is None or msg.datetime is None:
        return False
    gap = dt.datetime.fromisoformat(msg.datetime) - dt.datetime.fromisoformat(last.datetime)
    return 0 <= gap.total_seconds() <= ALBUM_SECONDS


@dataclass
class _Draft:
    first: PreviewMessage
    title: str
    body: list[BodyPart]  # each message's blocks, then its plain text (for enrich/link)
    media: list[MediaFile]
    continuations: int = 0
    edited: bool = False
    deleted: bool = False
    last: PreviewMessage | None = None  # the draft's latest message (None: the first)


def _plain_text(lines: list[SourceLine]) -> list[PlainText]:
    """A message's plain text as a body part (none when it has no text)."""
    return [PlainText(tuple(lines))] if lines else []


def _message_blocks(msg: PreviewMessage, lines: list[Line], media: list[MediaFile],
                    store: Path, index: StoreIndex) -> list[Block]:
    blocks: list[Block] = []
    if msg.forwarded_from:
        blocks.append(Remark("forwarded", msg.forwarded_from, msg.forwarded_link or ""))
    if msg.reply_to is not None and msg.reply_to_handle.lower() != msg.handle.lower():
        blocks.append(Remark("reply", msg.reply_text,
                             f"https://t.me/{msg.reply_to_handle}/{msg.reply_to}"))
    text = text_block(lines)
    if text is not None:
        blocks.append(text)
    for n, att in enumerate(msg.attachments, start=1):
        stored = index.media.get(f"{msg.id}-{n}") if att.kind == "photo" else None
        if stored and (store / stored).is_file():
            media.append(MediaFile(kind="photo", source=str((store / stored).resolve()),
                                   target=Path(stored).name))
            continue
        blocks.append(AttachmentBlock(att, msg.permalink))
    if msg.poll is not None:
        blocks.append(PollBlock(msg.poll, shares=True))
    if msg.card is not None:
        blocks.append(CardBlock(msg.card))
    if msg.not_supported and not msg.attachments:
        blocks.append(Remark("unsupported", url=msg.permalink))
    return blocks


def _card_text(msg: PreviewMessage) -> list[SourceLine]:
    """A link card's title and address as plain text (the paper it names is found there)."""
    card = msg.card
    if card is None or not (card.title or card.url):
        return []
    return [SourceLine(msg.id, " ".join(x for x in (card.title, card.url) if x))]


def _footer(d: _Draft) -> Remark | None:
    facts = []
    if d.first.views:
        facts.append(f"{d.first.views} views")
    if d.edited:
        facts.append("edited")
    return Remark("footer", " · ".join(facts)) if facts else None


def read(path: Path, channel: ChannelConfig) -> ReadResult:
    """A store folder → posts. A message without a title line continues the post before it
    (long reviews span several messages, as in the text copies); service messages and messages
    with nothing to read (a lone sticker, photo or "not supported" box) make no page and are
    counted."""
    folder = path
    index = load_index(folder)
    handle = index.handle or channel.id
    problems: list[tuple[str, str]] = []
    unreadable: list[str] = []
    messages, meta = stored_messages(folder, index, problems, unreadable)
    warnings = [LocatedWarning(where, None, p) for where, p in problems]
    ledger = Ledger(path=str(path), total_lines=len(messages) + len(unreadable))
    # widgets that are no readable message still count (a warning names each)
    ledger.account("unreadable messages", *range(len(messages) + 1, ledger.total_lines + 1))
    store = _Store(folder, index, set(index.edited), set(index.deleted))
    drafts: list[_Draft] = []
    for n, mid in enumerate(sorted(messages), start=1):
        category = _add_message(drafts, messages[mid], store)
        ledger.account(category, n)
    posts = tuple(_post(d, channel, handle) for d in drafts)
    return ReadResult(path=str(path), format=FORMAT, posts=posts, ledger=ledger,
                      warnings=tuple(warnings), meta=meta)


@dataclass(frozen=True)
class _Store:
    """The store a channel's messages are read from, and which of them Telegram changed."""

    folder: Path
    index: StoreIndex
    edited: set[int]
    deleted: set[int]

    def draft(self, msg: PreviewMessage, title: str, blocks: list[Block],
              text: list[SourceLine], media: list[MediaFile]) -> _Draft:
        return _Draft(msg, title, [*blocks, *_plain_text(text)], media,
                      edited=msg.id in self.edited or msg.edited, deleted=msg.id in self.deleted)


def _add_message(drafts: list[_Draft], msg: PreviewMessage, store: _Store) -> str:
    """One message into the drafts: a post of its own, or a continuation of the last post, or
    nothing to read; returns the ledger category the message is counted in."""
    if msg.service:
        return "service messages"
    lines = to_lines(list(msg.parts))
    if not any(line.plain.strip() for line in lines):
        return _add_textless(drafts, msg, lines, store)
    first_plain = next(line.plain for line in lines if line.plain.strip())
    if drafts and not looks_like_title(first_plain) and not msg.forwarded_from:
        draft = drafts[-1]
        draft.body += _message_blocks(msg, lines, draft.media, store.folder, store.index)
        draft.body += _plain_text([SourceLine(msg.id, line.text) for line in lines if line.text]
                                  + _card_text(msg))
        draft.continuations += 1
        draft.last = msg
        draft.edited = draft.edited or msg.id in store.edited or msg.edited
        return "merged continuations"
    title, body = split_title(lines)
    media: list[MediaFile] = []
    blocks = _message_blocks(msg, body, media, store.folder, store.index)
    drafts.append(store.draft(msg, title, blocks,
                              [SourceLine(msg.id, line.text) for line in body if line.text]
                              + _card_text(msg), media))
    return "posts"


def _add_textless(drafts: list[_Draft], msg: PreviewMessage, lines: list[Line],
                  store: _Store) -> str:
    """A message without text: a poll or a link card is a post; photos sent right after a
    post, apart from its album, go on that post; anything else is counted only."""
    if msg.poll is not None or msg.card is not None:
        title = msg.poll.question if msg.poll else (msg.card.title if msg.card else "")
        media: list[MediaFile] = []
        blocks = _message_blocks(msg, lines, media, store.folder, store.index)
        drafts.append(store.draft(msg, title or f"Message {msg.id}", blocks,
                                  [SourceLine(msg.id, title)], media))
        return "posts"
    if drafts and _follows(drafts[-1], msg):
        draft = drafts[-1]
        draft.body += _message_blocks(msg, lines, draft.media, store.folder, store.index)
        draft.continuations += 1
        draft.last = msg
        return "album media"
    return "media-only messages"


def _post(d: _Draft, channel: ChannelConfig, handle: str) -> Post:
    m = d.first
    extra: list[tuple[str, str]] = []
    if m.forwarded_from:
        extra.append(("forwarded_from", m.forwarded_from))
    if m.views:
        extra.append(("views", m.views))
    if d.deleted:
        extra.append(("deleted", "true"))
    body = list(d.body)
    if d.deleted:
        body.insert(0, Remark("deleted"))
    footer = _footer(d)
    if footer is not None:
        body.append(footer)
    date = dt.date.fromisoformat(m.datetime[:10]) if m.datetime else None
    reply = m.reply_to if m.reply_to_handle.lower() == handle.lower() else None
    return Post(
        channel=channel.id, source_file=f"t.me/{handle}", line=m.id,
        body=tuple(body),
        title=d.title, title_source="export", date=date,
        date_source="export" if date else None, datetime=m.datetime,
        lang=channel.lang, dir=channel.dir, reactions=m.reactions, message_id=m.id,
        permalink=m.permalink, reply_to=reply, media=tuple(d.media),
        continuations=d.continuations, extra=tuple(extra),
    )
