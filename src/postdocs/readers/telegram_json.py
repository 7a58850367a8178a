"""Reader for Telegram Desktop's JSON export (`result.json`).

Two shapes: a single-chat export (`{"name", "type", "id", "messages": [...]}`) and a full-account
export (chats under `chats.list` and `left_chats.list`; the channel is chosen by the `chat`
key of its configuration, else by its name or handle).

Dates: `date_unixtime` (seconds since the epoch) is exact; `date` is the exporting computer's
local time without an offset. With both, the offset is their difference, so pages show the local
time the HTML export shows (`2024-03-01T12:00:00+03:00`). Old exports have only `date`: it is
kept as a naive local time (the exporting computer's zone is unknown).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import ChannelConfig, ChannelMeta, Ledger, Poll, Reaction, ReadResult
from ..text_rule import clean_text
from .desktop_export import Assembler, Media, Message, iso_from_parts
from .desktop_text import TextPart
from .text import decode, regular_file

FORMAT = "telegram-json"
_ID_RE = re.compile(r'"id"\s*:\s*(-?\d+)')
_MEDIA_TYPES = {
    "sticker": "sticker", "video_file": "video", "animation": "animation",
    "voice_message": "voice", "video_message": "video-message", "audio_file": "audio",
}


def sniff(head: str) -> bool:
    """A JSON object whose first keys are an export's (`name`+`messages`, or `about`+`chats`)."""
    s = head.lstrip()
    if not s.startswith("{"):
        return False
    return ('"messages"' in s and '"type"' in s) or ('"chats"' in s and '"about"' in s)


def missing_reason(value: str) -> str | None:
    """The reason key for the exporter's placeholders such as `(File not included. …)`."""
    low = value.lower()
    if not value.startswith("("):
        return None
    if "not included" in low:
        return "not-included"
    if "exceeds maximum size" in low:
        return "too-large"
    if "unavailable" in low:
        return "unavailable"
    return None


def _when(raw: dict[str, Any], key: str, where: str) -> str | None:
    try:
        return _when_unchecked(raw, key)
    except (OverflowError, OSError, ValueError):
        raise InputError(where, f"message {raw.get('id')}: '{key}_unixtime' "
                         f"{str(raw.get(f'{key}_unixtime'))[:40]!r} is not a date between the "
                         "years 1 and 9999") from None


def _when_unchecked(raw: dict[str, Any], key: str) -> str | None:
    local_s = raw.get(key)
    unix_s = raw.get(f"{key}_unixtime")
    local = None
    if isinstance(local_s, str) and local_s:
        try:
            local = dt.datetime.fromisoformat(local_s)
        except ValueError:
            local = None
    utc = None
    if isinstance(unix_s, (str, int)) and str(unix_s).lstrip("-").isdigit():
        utc = dt.datetime.fromtimestamp(int(unix_s), dt.UTC).replace(tzinfo=None)
    if local is not None and utc is not None:
        offset = dt.timedelta(minutes=round((local - utc).total_seconds() / 60))
        if abs(offset) <= dt.timedelta(hours=14):
            return iso_from_parts(local, offset)
        return iso_from_parts(utc, dt.timedelta(0))
    if utc is not None:
        return iso_from_parts(utc, dt.timedelta(0))
    if local is not None:
        return iso_from_parts(local, None)
    return None


def _parts(raw: dict[str, Any], where: str) -> tuple[TextPart, ...]:
    items = raw.get("text_entities")
    if not isinstance(items, list):
        text = raw.get("text", "")
        items = [text] if isinstance(text, str) else text
    if not isinstance(items, list):
        raise InputError(where, f"message {raw.get('id')}: 'text' is neither a string nor a list")
    parts: list[TextPart] = []
    for item in items:
        if isinstance(item, str):
            parts.append(TextPart("plain", item))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text", ""), str):
            raise InputError(where, f"message {raw.get('id')}: a text entity is not an object "
                             "with a 'text' string")
        kind = str(item.get("type", "plain"))
        attr = ""
        if kind == "text_link":
            attr = str(item.get("href") or "")
        elif kind == "pre":
            attr = str(item.get("language") or "")
        elif kind == "blockquote" and item.get("collapsed") is True:
            attr = "collapsed"
        parts.append(TextPart(kind, item.get("text", ""), attr))
    return tuple(parts)


def _media(raw: dict[str, Any]) -> Media | None:
    if isinstance(raw.get("photo"), str):
        value = raw["photo"]
        reason = missing_reason(value)
        return Media(kind="photo", path=None if reason else value, missing=reason)
    if isinstance(raw.get("file"), str):
        value = raw["file"]
        reason = missing_reason(value)
        kind = _MEDIA_TYPES.get(str(raw.get("media_type", "")), "file")
        if kind == "sticker":
            return Media(kind="sticker", emoji=str(raw.get("sticker_emoji") or ""))
        name = raw.get("file_name") or ("" if reason else Path(value).name)
        return Media(kind=kind, path=None if reason else value, missing=reason, name=str(name))
    return None


def _int(value: Any) -> int:
    """A count from the export; anything that is not a whole number counts as 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else 0


def _poll(raw: dict[str, Any]) -> Poll | None:
    poll = raw.get("poll")
    if not isinstance(poll, dict):
        return None
    items = poll.get("answers")
    answers = tuple((str(a.get("text", "")), _int(a.get("voters")))
                    for a in (items if isinstance(items, list) else []) if isinstance(a, dict))
    return Poll(question=str(poll.get("question", "")), answers=answers,
                total=_int(poll.get("total_voters")), closed=poll.get("closed") is True)


def _reactions(raw: dict[str, Any]) -> tuple[Reaction, ...]:
    out: list[Reaction] = []
    reactions = raw.get("reactions")
    for r in reactions if isinstance(reactions, list) else []:
        if not isinstance(r, dict):
            continue
        count = _int(r.get("count"))
        kind = str(r.get("type", "emoji"))
        if kind == "emoji":
            out.append(Reaction(emoji=str(r.get("emoji", "")), count=count))
        elif kind == "paid":
            out.append(Reaction(emoji="⭐", count=count, kind="paid"))
        elif kind == "custom_emoji":
            out.append(Reaction(emoji="", count=count, kind="custom_emoji"))
    return tuple(out)


def to_message(raw: Any, k: int, where: str) -> Message:
    """One `messages[k]` item → `Message`; a malformed item is an error naming it."""
    if not isinstance(raw, dict) or type(raw.get("id")) is not int:  # not `true`, not 1.0
        raise InputError(where, f"messages[{k}] is not a message (no integer 'id')")
    mid = raw["id"]
    if raw.get("type") == "service":
        return Message(id=mid, service=True, datetime=_when(raw, "date", where), where=where)
    reply = raw.get("reply_to_message_id")
    if type(reply) is not int or "reply_to_peer_id" in raw:
        reply = None
    forwarded = raw.get("forwarded_from")
    sender = raw.get("from_id", raw.get("from"))
    return Message(
        id=mid, datetime=_when(raw, "date", where), edited=_when(raw, "edited", where),
        parts=_parts(raw, where), media=_media(raw), poll=_poll(raw),
        reactions=_reactions(raw), forwarded_from=str(forwarded) if forwarded else None,
        reply_to=reply, sender=None if sender is None else str(sender), where=where,
    )


def _describe(chat: dict[str, Any]) -> str:
    return f"{chat.get('name')!r} (id {chat.get('id')}, {chat.get('type')})"


def select_chat(data: dict[str, Any], channel: ChannelConfig, where: str) -> dict[str, Any]:
    """The channel's chat in a full-account export, or an error listing the chats there."""
    chats: list[dict[str, Any]] = []
    for key in ("chats", "left_chats"):
        block = data.get(key)
        if isinstance(block, dict) and isinstance(block.get("list"), list):
            chats += [c for c in block["list"] if isinstance(c, dict)]
    wanted = [channel.chat] if channel.chat else [channel.name, channel.id]
    for want in wanted:
        for chat in chats:
            if want in (str(chat.get("name")), str(chat.get("id"))):
                return chat
    listed = ", ".join(_describe(c) for c in chats[:30]) or "none"
    raise InputError(where, f"chat {wanted[0]!r} not found in this full-account export; set "
                     f"'chat' in channels.yml to one of: {listed}")


def _parse(path: Path) -> Any:
    regular_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    text = decode(data, str(path))
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(str(path), "JSON nested too deeply to be a Telegram export") from None
    except json.JSONDecodeError as exc:
        ids = _ID_RE.findall(text, 0, exc.pos)
        after = f" (after message {ids[-1]})" if ids else ""
        raise InputError(str(path), f"not valid JSON, the export may be truncated: {exc.msg}"
                         f"{after}", exc.lineno) from None


def read(path: Path, channel: ChannelConfig) -> ReadResult:
    configured = path
    if path.is_dir():
        path = regular_file(path / "result.json", inside=path)
    data = _parse(path)
    where = str(path)
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        chat = data
    elif isinstance(data, dict) and isinstance(data.get("chats"), dict):
        chat = select_chat(data, channel, where)
        if not isinstance(chat.get("messages"), list):
            raise InputError(where, f"chat {_describe(chat)} has no 'messages' list")
    else:
        raise InputError(where, "JSON, but not a Telegram Desktop export: expected 'messages' "
                         "(one chat) or 'chats' (full account)")
    messages = chat["messages"]
    ledger = Ledger(path=where, total_lines=len(messages))
    assembler = Assembler(channel, path.parent, ledger)
    for k, raw in enumerate(messages):
        assembler.add(to_message(raw, k, where))
    meta = ChannelMeta(name=clean_text(str(chat.get("name") or "")))
    return ReadResult(path=str(configured), format=FORMAT, posts=tuple(assembler.posts()),
                      ledger=ledger, warnings=tuple(assembler.warnings), meta=meta,
                      left_out=tuple(assembler.left_out))
