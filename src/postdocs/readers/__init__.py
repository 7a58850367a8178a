"""Readers: one module per input format, and a registry that sniffs and reports the format."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..errors import InputError, LocatedWarning
from ..model import ChannelConfig, Ledger, ReadResult
from . import ocr_digest, telegram_html, telegram_json, telegram_preview, webpreview
from .text import decode, regular_file

Reader = Callable[[Path, ChannelConfig], ReadResult]

READERS: dict[str, Reader] = {
    webpreview.FORMAT: webpreview.read,
    ocr_digest.FORMAT: ocr_digest.read,
    telegram_json.FORMAT: telegram_json.read,
    telegram_html.FORMAT: telegram_html.read,
    telegram_preview.FORMAT: telegram_preview.read,
}


def _sniff_folder(path: Path) -> str:
    """A Desktop export folder: `result.json` (JSON) or `messages.html` (HTML); a store of
    fetched preview pages: `index.json`."""
    if telegram_preview.is_store(path):
        return telegram_preview.FORMAT
    if os.path.lexists(path / "result.json"):
        regular_file(path / "result.json", inside=path)
        return telegram_json.FORMAT
    if os.path.lexists(path / "messages.html"):
        regular_file(path / "messages.html", inside=path)
        return telegram_html.FORMAT
    if (path / "export_results.html").is_file():
        raise InputError(str(path), "a full-account HTML export: list the channel's own folder "
                         "(chats/chat_NNN/, the one whose messages.html shows the channel)")
    raise InputError(str(path), "a folder without result.json or messages.html: not a "
                     "Telegram Desktop export")


def sniff(path: Path, lang: str = "") -> str:
    """Recognise an input's format by its content; raise `InputError` when nothing fits."""
    if path.is_dir():
        return _sniff_folder(path)
    regular_file(path)
    try:
        with path.open("rb") as fh:
            head_bytes = fh.read(65536)
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    if len(head_bytes) == 65536:  # end the sample at a line end, never inside a character
        cut = head_bytes.rfind(b"\n")
        if cut > 0:
            head_bytes = head_bytes[: cut + (2 if head_bytes.startswith(b"\xff\xfe") else 1)]
    head = decode(head_bytes, str(path), lang=lang) if head_bytes else ""
    if telegram_json.sniff(head):
        return telegram_json.FORMAT
    if head.lstrip().startswith(("{", "[")):
        raise InputError(str(path), "JSON, but not a Telegram Desktop export (no 'messages' "
                         "or 'chats'); set 'format' in channels.yml if it is one")
    if telegram_html.sniff(head):
        return telegram_html.FORMAT
    if telegram_html.looks_like_html(head):
        raise InputError(str(path), "an HTML page, but not a Telegram Desktop export")
    if ocr_digest.sniff(head):
        return ocr_digest.FORMAT
    if webpreview.sniff(head):
        return webpreview.FORMAT
    raise InputError(str(path), "unrecognised input format (set 'format' in channels.yml)")


def read_input(path: Path, channel: ChannelConfig) -> ReadResult:
    """Read one configured input; an explicit `format` wins over sniffing. An empty file gives
    no posts and a warning (an export still being copied, a placeholder)."""
    if path.is_file() and path.stat().st_size == 0:
        fmt = channel.format if channel.format != "auto" else "empty"
        return ReadResult(path=str(path), format=fmt, posts=(), ledger=Ledger(path=str(path)),
                          warnings=(LocatedWarning(str(path), None, "empty file: no posts"),))
    sniffed = channel.format == "auto"
    fmt = sniff(path, channel.lang) if sniffed else channel.format
    if telegram_preview.is_store(path):
        # fetched pages sit beside a channel's other inputs (a text dump of the same channel)
        # whatever the channel's format says
        sniffed, fmt = False, telegram_preview.FORMAT
    reader = READERS.get(fmt)
    if reader is None:
        raise InputError(str(path), f"no reader for format '{fmt}'")
    result = reader(path, channel)
    return replace(result, sniffed=True) if sniffed else result
