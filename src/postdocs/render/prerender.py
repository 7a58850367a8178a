"""Header and cross-link lines of a review page → the HTML MkDocs would render them to.

Every review page has a header (facts and links) and cross-links (lists of links to other
reviews). As Markdown they cost about two thirds of MkDocs' Markdown time at 10× the seeds (each
link goes through Python-Markdown's inline patterns and MkDocs' link checks). Written as raw HTML
they cost almost nothing. The lines are built as Markdown first (readable, one place for the
wording); `line_html` turns the small subset postdocs writes there into HTML: `**label**`,
`[text](<https://…>)`, `[text](../page.md)` (as MkDocs resolves it, `use_directory_urls`) and
text that is already HTML (from `markup.inline`: every character Markdown could read as syntax is
a character reference). Anything else (math, a link inside a link text …) gives None and the
line stays Markdown. tests/test_prerender.py builds the seed site both ways and compares.
"""

from __future__ import annotations

import posixpath
import re

from ..urls.slugs import page_url, relative

# `[text](<url>)` or `[text](url)`; the text holds no bracket (markup.escape_text writes them as
# references), the address no space, parenthesis or angle bracket.
_LINK_RE = re.compile(r"\[([^\[\]]*)\]\((?:<([^<>\s]+)>|([^<>()\s]+))\)")
_STRONG_RE = re.compile(r"\*\*([^*\[\]<>&]+)\*\*")
# `**[text](url)**` after the link is converted: one whole link in bold.
_STRONG_LINK_RE = re.compile(r"\*\*(<a href=\"[^\"<>]*\">[^*<>]*</a>)\*\*")
# Left over after conversion, these mean Markdown syntax that is not handled here.
_LIVE_RE = re.compile(r"[\[\]$\\*`]|  |&(?![a-zA-Z]+;|#[0-9]+;|#x[0-9a-fA-F]+;)")


def _attr(value: str) -> str:
    """An attribute value escaped as Python-Markdown's serializer does."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _href(here: str, url: str) -> str:
    """The address MkDocs writes for a link in the page `here` (a docs path)."""
    if "://" in url:
        return url
    path, hash_, fragment = url.partition("#")
    if not path.endswith(".md"):
        return url
    target = posixpath.normpath(posixpath.join(posixpath.dirname(here), path))
    url = relative(page_url(here), page_url(target))
    return ("./" if url == "." else url) + hash_ + fragment


def page_href(here: str, target: str) -> str:
    """The address MkDocs writes in the page `here` for a link to the docs page `target`."""
    return _href(here, relative(here, target))


def line_html(here: str, markdown: str) -> str | None:
    """One line of postdocs' inline Markdown in the page `here` → HTML, or None if it holds
    anything else."""
    out = _LINK_RE.sub(
        lambda m: f'<a href="{_attr(_href(here, m[2] or m[3]))}">{m[1]}</a>', markdown)
    out = _STRONG_LINK_RE.sub(r"<strong>\1</strong>", _STRONG_RE.sub(r"<strong>\1</strong>", out))
    return None if _LIVE_RE.search(out) or "\n" in out else out
