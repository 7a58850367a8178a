"""What the two Desktop export readers share: one message model, and messages → posts.

The JSON and HTML readers only translate their format into `Message`s; everything that decides
what a page looks like (titles, continuations, replies, media, notes) happens here, once, so the
two exports of one channel give the same pages.

Rules:
- a service message (channel created, pinned, …) makes no page and is counted;
- a message without text (a lone photo, sticker, poll) that replies to a channel post continues
  that post;
- a message without text and without a reply that follows a message of a post at once (nothing
  in between, same sender, at most `ALBUM_SECONDS` apart) belongs to that post: the other photos
  and files of an album are separate messages after the one with the caption, sent in the same
  second. Its media join the post's media ("album media" in the ledger);
- any other message without text (the first message, after a service message, another sender,
  more than a minute later) makes no page and is counted ("media-only messages"); the files it
  names are listed in `Assembler.left_out`;
- a reply by the channel to one of its posts continues that post's page, unless its first line is
  bold all through (a title of its own): then it gets its own page, linked to the one it answers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import InputError, LocatedWarning
from ..model import (
    Block,
    BodyPart,
    ChannelConfig,
    Ledger,
    MediaFile,
    PlainText,
    Poll,
    PollBlock,
    Post,
    Reaction,
    Remark,
    SourceLine,
)
from ..text_rule import clean_text
from .desktop_text import Line, TextPart, split_title, text_block, to_lines

# Items of one album are sent together; the exporter gives them the same second. A minute leaves
# room for slow uploads without taking in a photo posted later on its own.
ALBUM_SECONDS = 60

# Why a file is missing, as both exports word it.
MISSING_NOTES = {
    "not-included": "not included in the export (its data exporting settings left it out)",
    "too-large": "not included in the export (larger than the export's size limit)",
    "unavailable": "unavailable when the export was made",
}
KIND_LABELS = {
    "photo": "Photo", "file": "File", "video": "Video", "animation": "Animation",
    "audio": "Audio file", "voice": "Voice message", "video-message": "Video message",
    "sticker": "Sticker",
}


@dataclass(frozen=True)
class Media:
    """A message's media as the export describes it (before checking the file exists)."""

    kind: str  # see KIND_LABELS
    path: str | None = None  # relative to the export file's folder, when included
    name: str = ""  # file name (files only)
    missing: str | None = None  # a key of MISSING_NOTES
    emoji: str = ""  # stickers


@dataclass(frozen=True)
class Message:
    """One message of an export, format-independent."""

    id: int
    service: bool = False
    datetime: str | None = None  # ISO 8601; with an offset when the export gives one
    edited: str | None = None
    parts: tuple[TextPart, ...] = ()
    media: Media | None = None
    poll: Poll | None = None
    reactions: tuple[Reaction, ...] = ()
    forwarded_from: str | None = None
    reply_to: int | None = None
    sender: str | None = None  # JSON: `from_id`; HTML: the `from_name` (kept over `joined` ones)
    where: str = ""  # the file the message was read from (for warnings)


@dataclass
class _Draft:
    """A post being assembled (mutable until frozen into a `Post`)."""

    message: Message
    title: str
    body: list[BodyPart]  # each message's blocks, then its plain text (for enrich/link)
    tags: list[str]
    media: list[MediaFile] = field(default_factory=list)
    continuations: int = 0
    reply_to: int | None = None


def _plain_text(lines: list[SourceLine]) -> list[PlainText]:
    """A message's plain text as a body part (none when it has no text)."""
    return [PlainText(tuple(lines))] if lines else []


def iso_from_parts(local: dt.datetime, offset: dt.timedelta | None) -> str:
    """`2024-03-01T12:00:00+03:00`, or without an offset when the export gave none."""
    if offset is None:
        return local.replace(tzinfo=None).isoformat()
    return local.replace(tzinfo=dt.timezone(offset)).isoformat()


def _clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def clean_message(m: Message) -> Message:
    """Every string of a message through `markup.clean_text` (the one rule for input text):
    text and entities, media file names and sticker emoji, poll, reactions, forwarded-from and
    sender. Both Desktop readers' messages pass here, so no field can skip the rule."""
    media = m.media and replace(m.media, name=clean_text(m.media.name),
                                emoji=clean_text(m.media.emoji),
                                path=_clean_optional(m.media.path))
    poll = m.poll and replace(m.poll, question=clean_text(m.poll.question),
                              answers=tuple((clean_text(a), n) for a, n in m.poll.answers))
    return replace(
        m, parts=tuple(TextPart(p.type, clean_text(p.text), clean_text(p.attr))
                       for p in m.parts),
        media=media, poll=poll,
        reactions=tuple(replace(r, emoji=clean_text(r.emoji)) for r in m.reactions),
        forwarded_from=_clean_optional(m.forwarded_from), sender=_clean_optional(m.sender))


def _hashtags(parts: tuple[TextPart, ...]) -> list[str]:
    tags = []
    for p in parts:
        if p.type == "hashtag":
            tag = p.text.strip().lstrip("#")
            if tag and tag not in tags:
                tags.append(tag)
    return tags


def _note(text: str) -> Remark:
    return Remark("media-note", text)


def _seconds_apart(a: str | None, b: str | None) -> float | None:
    """Seconds between two ISO timestamps of one export; None when either is unknown."""
    if a is None or b is None:
        return None
    try:
        return abs((dt.datetime.fromisoformat(a) - dt.datetime.fromisoformat(b)).total_seconds())
    except (ValueError, TypeError):  # unreadable, or one naive and one with an offset
        return None


def _safe_name(message_id: int, index: int, path: str) -> str:
    name = Path(path).name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60] or "file"
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:8].lower()
    return f"{message_id}-{index}-{stem}" + (f".{ext}" if ext else "")


class Assembler:
    """Turns the messages of one export (in order) into posts, filling the ledger."""

    def __init__(self, channel: ChannelConfig, base: Path, ledger: Ledger) -> None:
        self.channel = channel
        self.base = base.resolve()  # the folder media paths are relative to
        self.ledger = ledger
        self.drafts: dict[int, _Draft] = {}
        self.root_of: dict[int, int] = {}  # message id → id of the post it belongs to
        self.warnings: list[LocatedWarning] = []
        self.left_out: list[str] = []  # media files of messages that make no page
        self.index = 0
        self.seen: set[int] = set()  # message ids read so far (each is one message)
        self.previous: Message | None = None  # the message before, unless a service message

    def _resolve_media(self, m: Message, blocks: list[Block], files: list[MediaFile]) -> None:
        media = m.media
        if media is None:
            return
        label = KIND_LABELS.get(media.kind, "File")
        if media.kind == "sticker":
            blocks.append(Remark("sticker", media.emoji))
            return
        if media.missing:
            what = f"{label} {media.name!r}" if media.kind == "file" and media.name else label
            blocks.append(_note(f"{what} {MISSING_NOTES[media.missing]}."))
            return
        if not media.path:
            return
        source = (self.base / media.path).resolve()
        if self.base not in source.parents:
            self.warnings.append(LocatedWarning(
                m.where, None, f"message {m.id}: media path {media.path!r} leaves the export "
                "folder; ignored"))
            blocks.append(_note(f"{label} not shown: its path leaves the export folder."))
            return
        if not source.is_file():
            self.warnings.append(LocatedWarning(
                m.where, None, f"message {m.id}: media file {media.path!r} is missing from the "
                "export folder; the page shows a note instead"))
            blocks.append(_note(f"{label} missing from the export folder."))
            return
        files.append(MediaFile(kind=media.kind, source=str(source),
                               target=_safe_name(m.id, len(files) + 1, media.path)))

    @staticmethod
    def _plain(m: Message, lines: list[Line]) -> list[SourceLine]:
        """The message's body as plain lines (numbered with its message id)."""
        out = [SourceLine(m.id, t) for line in lines for t in line.text.split("\n")]
        if m.poll is not None:
            out += [SourceLine(m.id, m.poll.question)]
            out += [SourceLine(m.id, f"- {a}") for a, _ in m.poll.answers]
        return out

    def _body(self, m: Message, lines: list[Line]) -> tuple[list[Block], list[MediaFile]]:
        blocks: list[Block] = []
        if m.forwarded_from:
            blocks.append(Remark("forwarded", m.forwarded_from))
        text = text_block(lines)
        if text is not None:
            blocks.append(text)
        files: list[MediaFile] = []
        self._resolve_media(m, blocks, files)
        if m.poll is not None:
            blocks.append(PollBlock(m.poll))
        return blocks, files

    def _album_post(self, m: Message, prev: Message | None) -> int | None:
        """The post a message without text and reply belongs to as an album item, if any."""
        if prev is None or prev.id not in self.root_of:
            return None
        if (prev.sender, prev.forwarded_from) != (m.sender, m.forwarded_from):
            return None
        gap = _seconds_apart(prev.datetime, m.datetime)
        if gap is None or gap > ALBUM_SECONDS:
            return None
        return self.root_of[prev.id]

    def _leave_out(self, m: Message) -> None:
        """Note the file of a message that makes no page (so `add` can say why it is left)."""
        if m.media is None or not m.media.path:
            return
        source = (self.base / m.media.path).resolve()
        if self.base in source.parents and source.is_file():
            self.left_out.append(str(source))

    def add(self, m: Message) -> None:
        if m.id in self.seen:
            raise InputError(m.where, f"two messages with the id {m.id}: an export holds each "
                             "message once (two exports merged into one file?)")
        self.seen.add(m.id)
        m = clean_message(m)
        previous, self.previous = self.previous, (None if m.service else m)
        self.index += 1
        n = self.index
        if m.service:
            self.ledger.account("service messages", n)
            return
        lines = to_lines(list(m.parts))
        has_text = any(line.plain.strip() for line in lines)
        parent = self.root_of.get(m.reply_to) if m.reply_to is not None else None
        own_title = has_text and next(
            (line.bold for line in lines if line.plain.strip()), False)
        if parent is not None and not own_title:
            draft = self.drafts[parent]
            blocks, files = self._body(m, lines)
            draft.body += [Remark("rule"), *blocks,
                           PlainText((SourceLine(m.id, ""), *self._plain(m, lines)))]
            draft.media += files
            for tag in _hashtags(m.parts):
                if tag not in draft.tags:
                    draft.tags.append(tag)
            draft.continuations += 1
            self.root_of[m.id] = parent
            self.ledger.account("merged continuations", n)
            return
        if not has_text:
            album = self._album_post(m, previous) if m.reply_to is None else None
            blocks, files = self._body(m, lines) if album is not None else ([], [])
            if album is None or not (blocks or files):
                self._leave_out(m)
                self.ledger.account("media-only messages", n)
                return
            draft = self.drafts[album]
            draft.body += [*blocks, *_plain_text(self._plain(m, lines))]
            draft.media += files
            self.root_of[m.id] = album
            self.ledger.account("album media", n)
            return
        title, body_lines = split_title(lines)
        blocks, files = self._body(m, body_lines)
        self.drafts[m.id] = _Draft(message=m, title=title,
                                   body=[*blocks, *_plain_text(self._plain(m, body_lines))],
                                   tags=_hashtags(m.parts), media=files, reply_to=parent)
        self.root_of[m.id] = m.id
        self.ledger.account("posts", n)

    def posts(self) -> list[Post]:
        ch = self.channel
        out: list[Post] = []
        for mid, d in self.drafts.items():
            m = d.message
            extra: list[tuple[str, str]] = []
            if m.forwarded_from:
                extra.append(("forwarded_from", m.forwarded_from))
            if m.edited:
                extra.append(("edited", m.edited))
            date = dt.date.fromisoformat(m.datetime[:10]) if m.datetime else None
            out.append(Post(
                channel=ch.id, source_file=f"t.me/{ch.id}", line=mid,
                body=tuple(d.body),
                title=d.title, title_source="export",
                date=date, date_source="export" if date else None, datetime=m.datetime,
                lang=ch.lang, dir=ch.dir, reactions=m.reactions,
                message_id=mid, permalink=f"https://t.me/{ch.id}/{mid}",
                reply_to=d.reply_to, media=tuple(d.media), continuations=d.continuations,
                tags=tuple(d.tags), extra=tuple(extra),
            ))
        return out
