"""Short plain-text excerpts of a review: for index rows, page descriptions and link previews."""

from __future__ import annotations

import functools
import re

from ..enrich.papers import URL_RE
from ..model import Post
from .body import blocks_markdown
from .markup import strip_bidi

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"[*_`#>|~]+")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
# a short inline math span (`$D_s$`): its text, as an excerpt is plain text
_INLINE_MATH = re.compile(r"(?<!\$)\$([^$\s]{1,40})\$(?!\$)")


def plain(text: str, markdown: bool = False) -> str:
    """Text without URLs, brackets a removed URL left empty, or repeated whitespace; Markdown
    links and marks are removed only from Markdown (`*`, `_` are text in a plain post: `Q*`).

    Each pattern runs only on text holding a character it needs (a URL has a `/`, math a `$`):
    most lines hold none, and this runs for every line of an excerpt."""
    if markdown and "](" in text:
        text = _MD_LINK.sub(r"\1", text)
    if "/" in text:
        text = URL_RE.sub(" ", text)
    if "$" in text:
        text = _INLINE_MATH.sub(r"\1", text)
    if "(" in text or "[" in text:
        text = _EMPTY_BRACKETS.sub(" ", text)
    if markdown:
        text = _MD_MARKS.sub(" ", text)
    # an excerpt stands in lists, descriptions and feeds next to titles: no bidi controls
    # (whitespace runs as one space: str.split and re's \s both mean str.isspace)
    return " ".join(strip_bidi(text).split())


def excerpt(post: Post, limit: int = 200) -> str:
    """The review's first words, cut at a word boundary near `limit` characters.

    The title is skipped when the body repeats it; an empty body yields an empty string.
    """
    if post.lines:  # the body's plain text (of plain lines, or of formatted messages)
        return _excerpt(post.text, post.title, limit, False)
    # formatted blocks without plain text (remarks only): their Markdown, marks stripped
    return _excerpt(blocks_markdown(post.blocks), post.title, limit, True)


# A pure function of its arguments (no build state): a cached value is what a call computes.
@functools.lru_cache(maxsize=1 << 14)
def _excerpt(text: str, title: str, limit: int, markdown: bool) -> str:
    """Cached: a review's excerpt appears on its page, index pages and feeds."""
    words: list[str] = []
    size = 0
    plain_title = plain(title)
    for line in text.splitlines():
        cleaned = plain(line, markdown)
        if not cleaned or cleaned == plain_title:
            continue
        for word in cleaned.split(" "):
            if size + len(word) + 1 > limit:
                return " ".join(words).rstrip(",;:—-") + "…" if words else word[:limit] + "…"
            words.append(word)
            size += len(word) + 1
    return " ".join(words)
