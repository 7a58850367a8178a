"""The one text rule for every string any reader takes from any input (see `clean_text`). The
readers apply it where they take a string; the render side makes Markdown only from its result
(`render.markup`), and every generated page passes `render.markup.guard_page` last.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Every character that ends a line for some reader of the page: Python's universal newlines
# (MkDocs reads pages with them: `\r`, `\r\n`), `str.splitlines` (VT, FF, FS/GS/RS, NEL) and
# YAML and JavaScript (NEL, LS, PS).
LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK_RE = re.compile("\r\n|[" + LINE_BREAKS + "]")


def clean_text(text: str) -> str:
    """The one rule for every string any reader takes from any input (message text and every
    entity, poll questions and answers, sticker emoji, file, author, channel and chat names,
    forwarded-from, reply titles, web-preview and OCR text): text, never markup.

    Every line break any later reader knows (`\\r\\n`, `\\r`, VT, FF, FS/GS/RS, NEL, LS, PS)
    becomes `\\n`; other control characters (NUL, C0, C1) are dropped; the result is NFC.
    Nothing is unescaped: a reader whose format is HTML decodes character references once (its
    parser does), every other format's text is taken as written. Markdown is made from the
    result only by `render.markup` (`escape_text`, `inline`, `text_to_markdown`), and every
    generated page passes `guard_page` last.
    """
    if text.isascii() and text.isprintable():  # the common case: nothing to do
        return text
    return unicodedata.normalize("NFC", strip_controls(_LINE_BREAK_RE.sub("\n", text)))


def strip_controls(text: str) -> str:
    """Drop control characters (they are invalid in HTML and XML and can forge placeholders)."""
    return _CONTROL_RE.sub("", text)
