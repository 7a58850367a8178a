"""Readers: one module per input format, and a registry that sniffs and reports the format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..model import ChannelConfig, ReadResult
from . import ocr_digest, webpreview
from .text import decode

Reader = Callable[[Path, ChannelConfig], ReadResult]

READERS: dict[str, Reader] = {
    webpreview.FORMAT: webpreview.read,
    ocr_digest.FORMAT: ocr_digest.read,
}


def sniff(path: Path) -> str:
    """Recognise an input's format by its content; raise `InputError` when nothing fits."""
    if path.is_dir():
        raise InputError(str(path), "no reader for a folder")
    try:
        with path.open("rb") as fh:
            head_bytes = fh.read(65536)
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    head = decode(head_bytes, str(path)) if head_bytes else ""
    if ocr_digest.sniff(head):
        return ocr_digest.FORMAT
    if webpreview.sniff(head):
        return webpreview.FORMAT
    raise InputError(str(path), "unrecognised input format (set 'format' in channels.yml)")


def read_input(path: Path, channel: ChannelConfig) -> ReadResult:
    fmt = channel.format if channel.format != "auto" else sniff(path)
    reader = READERS.get(fmt)
    if reader is None:
        raise InputError(str(path), f"no reader for format '{fmt}'")
    return reader(path, channel)
