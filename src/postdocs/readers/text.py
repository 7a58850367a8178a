"""Reading text inputs: decode once at the boundary (NFC, `\\n` line ends, no control characters).

Line ends of a text dump (`read_lines`): `\\r\\n`, `\\r` and the other line breaks of
`markup.clean_text`'s rule (VT, FF, NEL, LS, PS) all end a line, as they would for some later
reader of the text.

Encodings: UTF-8 (with or without BOM), UTF-16/UTF-32 with a BOM, UTF-16 without one when the
bytes say so plainly, and the legacy code pages channels in our languages were saved in —
Windows-1251 and KOI8-R (Russian), Windows-1255 (Hebrew) — chosen by which reads as real words
(lower-case Cyrillic; Hebrew letters without vowel points), with the channel's language breaking
ties. A guessed encoding is reported as a warning. (charset-normalizer was tried: it misreads
short Russian text and Windows-1255 Hebrew as other code pages, so it is not used.)

What is refused, with the file (and line) named: binary files (PDF, images, archives, NUL
bytes), files over `MAX_TEXT_BYTES`, lines over `MAX_LINE` characters, bytes no encoding above
explains. A file cut inside its last character (a truncated copy) loses that character, with a
warning.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import unicodedata
from pathlib import Path

from ..errors import InputError, LocatedWarning

MAX_TEXT_BYTES = 50 * 1024 * 1024  # the largest seed dump is 0.7 MB
MAX_LINE = 100_000  # characters; a Telegram message has at most 4,096
_MAGIC = {
    b"%PDF": "a PDF document", b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image", b"PK\x03\x04": "a ZIP archive", b"\x1f\x8b": "a gzip archive",
    b"RIFF": "a media file", b"\x7fELF": "a program",
}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LEGACY = {"cp1251": "Windows-1251", "koi8_r": "KOI8-R", "cp1255": "Windows-1255"}
# Controls other than tab, line ends and form feed: text dumps have (almost) none.
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_LINE_BREAK_RE = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# C0/C1 controls that survive decoding: dropped (invalid in HTML and XML).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CYRILLIC_LOWER = re.compile(r"[а-яё]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_CYRILLIC_LATE = re.compile(r"[ыьэюя]")
_HEBREW_LETTER = re.compile(r"[\u05d0-\u05ea]")


def regular_file(path: Path, inside: Path | None = None) -> Path:
    """`path`, once `os.stat` says it is a regular file whose real path (symbolic links
    followed) is inside `inside` (when given); else an `InputError`. Checked before anything
    opens the file: a FIFO or a device would block a read forever, and a link could publish
    any file of the machine."""
    try:
        real = path.resolve(strict=True)
        mode = os.stat(real).st_mode
    except (OSError, RuntimeError) as exc:  # missing, unreadable, a loop of links
        raise InputError(str(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}"
                         ) from None
    if inside is not None:
        base = inside.resolve()
        if base not in real.parents:
            raise InputError(str(path), f"leads to {real}, outside {inside} (a symbolic link?): "
                             "not read")
    if not stat.S_ISREG(mode):
        raise InputError(str(path), "not a regular file (a FIFO, device or socket): not read")
    return path


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, pos) + 1


def _legacy_score(text: str, encoding: str) -> float:
    """How much a decoding reads like words of its script (0 … 1)."""
    high = [c for c in text if ord(c) > 127]
    if not high:
        return 0.0
    if encoding == "cp1255":
        return len(_HEBREW_LETTER.findall(text)) / len(high)
    cyrillic = _CYRILLIC.findall(text)
    if len(cyrillic) < 0.8 * len(high):
        return 0.0
    score = len(_CYRILLIC_LOWER.findall(text)) / len(high)
    # Russian uses ы ь э ю я all the time; Hebrew read as Windows-1251 gives only а…ъ.
    if len(cyrillic) >= 50 and not _CYRILLIC_LATE.search(text):
        score /= 2
    return score


def _guess_legacy(data: bytes, lang: str) -> str | None:
    """The legacy code page that reads best (channel language first on a tie), or None."""
    order = ["cp1255", "cp1251", "koi8_r"] if lang == "he" else ["cp1251", "koi8_r", "cp1255"]
    best, best_score = None, 0.6  # below this, none reads like text
    for encoding in order:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _legacy_score(text, encoding)
        if score > best_score + 0.02:
            best, best_score = encoding, score
    return best


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 when one byte of most pairs is NUL on the same side (ASCII, Cyrillic, Hebrew)."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even = sample[0::2].count(0) / (len(sample) / 2)
    odd = sample[1::2].count(0) / (len(sample) / 2)
    encoding = "utf-16-le" if odd > 0.3 and even < 0.05 else (
        "utf-16-be" if even > 0.3 and odd < 0.05 else None)
    if encoding is None:
        return None
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return encoding


def _decoded(data: bytes, encoding: str, path: str, lang: str,
             warnings: list[LocatedWarning]) -> str:
    """The bytes as text in `encoding`; UTF-8 that is not UTF-8 is read in a legacy encoding
    of the channel's language, and a character cut at the end of the file is dropped."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            raise InputError(path, f"not valid {encoding.upper()} text",
                             _line_of(data, exc.start)) from None
        tail = data[exc.start:]
        if exc.reason == "unexpected end of data" and len(tail) < 4:
            warnings.append(LocatedWarning(
                path, _line_of(data, exc.start),
                "the file ends inside a character (a truncated copy?); that character is lost"))
            return data[: exc.start].decode("utf-8")
        legacy = _guess_legacy(data, lang)
        if legacy is None:
            raise InputError(path, "not valid UTF-8 text, and no known legacy encoding "
                             "(Windows-1251, KOI8-R, Windows-1255) reads it as text",
                             _line_of(data, exc.start)) from None
        warnings.append(LocatedWarning(path, None, f"not UTF-8; read as {_LEGACY[legacy]}"))
        return data.decode(legacy)


def decode_report(data: bytes, path: str, lang: str = "",
                  line_breaks: bool = False) -> tuple[str, list[LocatedWarning]]:
    """Decode an input's bytes to clean text; return it with what had to be guessed or dropped.

    Raises `InputError` for what is not text (naming the file, and the line where it applies).
    """
    warnings: list[LocatedWarning] = []
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(path, f"binary file ({what}), not a text dump or export")
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is not None:
        data = data[len(next(b for b, e in _BOMS if e == encoding)):]
    elif b"\x00" in data[:65536]:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            raise InputError(path, "binary file (contains NUL bytes), not a text dump",
                             _line_of(data, data.index(b"\x00")))
        warnings.append(LocatedWarning(path, None, f"no byte-order mark; read as {encoding}"))
    else:
        head = data[:65536]
        if head and len(_BINARY_BYTES.findall(head)) > max(8, len(head) // 100):
            raise InputError(path, "binary file (control bytes), not a text dump")
        encoding = "utf-8"
    text = _decoded(data, encoding, path, lang, warnings)
    if line_breaks:  # a text dump: every line break any later reader knows ends a line
        text = _LINE_BREAK_RE.sub("\n", text)
    else:  # inside a JSON string a raw LS is text, a raw newline invalid
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL_RE.search(text):
        first = _CONTROL_RE.search(text)
        assert first is not None
        warnings.append(LocatedWarning(path, text.count("\n", 0, first.start()) + 1,
                                       "control characters dropped"))
        text = _CONTROL_RE.sub("", text)
    return unicodedata.normalize("NFC", text), warnings


def decode(data: bytes, path: str, warnings: list[LocatedWarning] | None = None,
           lang: str = "", line_breaks: bool = False) -> str:
    """`decode_report`'s text; its warnings are appended to `warnings` when given."""
    text, found = decode_report(data, path, lang, line_breaks)
    if warnings is not None:
        warnings.extend(found)
    return text


def read_lines(path: Path, warnings: list[LocatedWarning] | None = None,
               lang: str = "") -> list[str]:
    """The lines of a text dump (no line-end characters), size and line length checked."""
    regular_file(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise InputError(str(path), f"{size / 1e6:.1f} MB: text dumps over "
                             f"{MAX_TEXT_BYTES // 2**20} MB are not read (split the dump)")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror}") from None
    text = decode(data, str(path), warnings, lang, line_breaks=True)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for i, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE:
            raise InputError(str(path), f"a line of {len(line):,} characters (the limit is "
                             f"{MAX_LINE:,}): not a text dump?", i)
    return lines
