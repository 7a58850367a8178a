"""Reading text inputs: decode once at the boundary (UTF-8/UTF-16 BOM, NFC, `\\n` line ends)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from ..errors import InputError


def decode(data: bytes, path: str) -> str:
    """Decode an input's bytes to NFC text with `\\n` line endings, or raise `InputError`."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        encoding = "utf-8"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    if encoding == "utf-8" and b"\x00" in data:
        raise InputError(path, "binary file (contains NUL bytes), not a text dump")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, f"not valid {encoding.upper()} text", line) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def read_lines(path: Path) -> list[str]:
    """The lines of a text input (no line-end characters)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    text = decode(data, str(path))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
