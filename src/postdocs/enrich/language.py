"""Language and text direction from the script a post is written in."""

from __future__ import annotations

import re

from ..model import Direction
from .papers import strip_urls

_HEBREW = re.compile(r"[\u0590-\u05FF]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z]")
SAMPLE = 1500  # characters that decide; a review's language shows in its first paragraphs


def detect(text: str, default: str) -> tuple[str, Direction]:
    """`(lang, dir)`: Hebrew wins with a modest share (reviews embed many English terms).

    The first characters decide: enough for a language, and linear work stays small.
    URLs are not words: a short Hebrew review that is mostly a link is still Hebrew.
    """
    text = strip_urls(text[:SAMPLE])
    he = len(_HEBREW.findall(text))
    ru = len(_CYRILLIC.findall(text))
    en = len(_LATIN.findall(text))
    total = he + ru + en
    if total == 0:
        return default, "rtl" if default == "he" else "ltr"
    if he >= 0.2 * total:
        return "he", "rtl"
    if ru >= 0.2 * total:
        return "ru", "ltr"
    return "en", "ltr"
