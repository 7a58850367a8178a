"""The clean stage over one input, right after it is read (what the read cache keeps)."""

from __future__ import annotations

from ..model import ReadResult
from ..readers.ocr_digest import FORMAT as DIGEST_FORMAT
from ..readers.webpreview import FORMAT as PREVIEW_FORMAT
from .copies import clean_preview
from .ocr import clean_digest


def clean_input(result: ReadResult) -> ReadResult:
    """The input's posts with what its format damages repaired: an OCR'd digest's bodies
    (`clean.ocr`), a web-preview dump's messages shown twice (`clean.copies`). Other inputs are
    returned as they are."""
    if result.format == DIGEST_FORMAT:
        return clean_digest(result)
    if result.format == PREVIEW_FORMAT:
        return clean_preview(result)
    return result
