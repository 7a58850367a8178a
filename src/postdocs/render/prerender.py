"""Header and cross-link lines of a review page → the HTML MkDocs would render them to.

Every review page has a header (facts and links) and cross-links (lists of links to other
reviews). As Markdown they were most of MkDocs' Markdown work on a review page (each link goes
through Python-Markdown's inline patterns and MkDocs' link checks). Written as raw HTML they cost
almost nothing. The lines are built as Markdown first (readable, one place for the
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
# Left over after conversion, these mean Markdown syntax that is not handled here: one of
# these characters (a line break: more than one line), two spaces, or an `&` that begins no
# character reference.
_LIVE_CHAR_RE = re.compile(r"[\[\]$\\*`\n]")
_BARE_AMP_RE = re.compile(r"&(?![a-zA-Z]+;|#[0-9]+;|#x[0-9a-fA-F]+;)")


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
    url = relative(page_url(here), page_url(_resolve(here, path)))
    return ("./" if url == "." else url) + hash_ + fragment


def _resolve(here: str, path: str) -> str:
    """`path`, relative to the folder of the page `here`, as a docs path: what
    `posixpath.normpath(posixpath.join(posixpath.dirname(here), path))` gives, in string work
    for the relative paths postdocs writes (it runs for every link of every page)."""
    if path.startswith("/") or here.startswith("/"):
        return posixpath.normpath(posixpath.join(posixpath.dirname(here), path))
    parts: list[str] = []
    for seg in (*here.split("/")[:-1], *path.split("/")):
        if seg == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append(seg)
        elif seg and seg != ".":
            parts.append(seg)
    return "/".join(parts) or "."


def page_href(here: str, target: str) -> str:
    """The address MkDocs writes in the page `here` for a link to the docs page `target`."""
    return _href(here, relative(here, target))


def line_html(here: str, markdown: str) -> str | None:
    """One line of postdocs' inline Markdown in the page `here` → HTML, or None if it holds
    anything else."""
    out = markdown
    if "](" in out:  # a link needs both; most lines of a listing hold none
        out = _LINK_RE.sub(
            lambda m: f'<a href="{_attr(_href(here, m[2] or m[3]))}">{m[1]}</a>', out)
    if "**" in out:
        out = _STRONG_LINK_RE.sub(r"<strong>\1</strong>",
                                  _STRONG_RE.sub(r"<strong>\1</strong>", out))
    live = "  " in out or _LIVE_CHAR_RE.search(out) is not None or (
        "&" in out and _BARE_AMP_RE.search(out) is not None)
    return None if live else out
