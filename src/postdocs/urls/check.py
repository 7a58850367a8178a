"""`postdocs check`: would a URL of the previous build stop answering?

The previous build's URLs come from the manifest of the docs folder (every page postdocs wrote)
or from a published `sitemap.xml`; the new build's from the pipeline (pages, redirect files,
pages of reviews no longer in the inputs) and the hand-written pages of the docs folder. A URL
the permalink registry marks withdrawn may go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from ..errors import InputError
from ..output.writer import MANIFEST, load_manifest
from . import permalinks
from .slugs import page_url

_LOC_RE = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>")


@dataclass(frozen=True)
class KnownUrl:
    url: str  # relative to site_url: "" (home), "reviews/<channel>/<slug>/", "feeds/all.xml"
    path: str  # the file it was read from
    line: int | None = None


def url_of_file(path: str) -> str | None:
    """The URL a docs file answers at (pages, redirect files, feeds); None for other files."""
    if path.endswith(".md"):
        return page_url(path)
    if path == "index.html" or path.endswith("/index.html"):
        return path[: -len("index.html")]
    if path.startswith("feeds/") and path.endswith(".xml"):
        return path
    return None


def from_manifest(docs: Path) -> list[KnownUrl]:
    where = str(docs / MANIFEST)
    urls = {url_of_file(p) for p in load_manifest(docs)}
    return [KnownUrl(u, where) for u in sorted(u for u in urls if u is not None)]


def from_sitemap(path: Path, site_url: str) -> list[KnownUrl]:
    """The URLs of a `sitemap.xml`, relative to the site's address (`site_url`, else the
    shortest URL listed, which is the home page)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read the sitemap: {exc.strerror}") from None
    try:
        ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(str(path), f"not a valid sitemap: {exc}", exc.position[0]) from None
    found: list[tuple[str, int]] = []
    for n, text_line in enumerate(text.splitlines(), start=1):
        found += [(m.group(1), n) for m in _LOC_RE.finditer(text_line)]
    if not found:
        raise InputError(str(path), "no <loc> in the sitemap")
    locs = [loc for loc, _ in found]
    base = site_url if site_url and all(loc.startswith(site_url) for loc in locs) else min(
        locs, key=len)
    if not base.endswith("/"):
        base = base.rsplit("/", 1)[0] + "/"
    out = []
    for loc, line in found:
        if not loc.startswith(base):
            raise InputError(str(path), f"{loc} is not under {base}", line)
        out.append(KnownUrl(loc[len(base):], str(path), line))
    return out


def hand_written(docs: Path) -> set[str]:
    """URLs of the docs folder's own pages (postdocs' manifest does not own them)."""
    owned = set(load_manifest(docs))
    urls = set()
    for p in docs.rglob("*.md"):
        rel = p.relative_to(docs).as_posix()
        if rel not in owned and not rel.startswith(("_snippets/", ".postdocs")):
            urls.add(page_url(rel))
    return urls


def lost(previous: Iterable[KnownUrl], current: set[str],
         registry: permalinks.Registry) -> list[KnownUrl]:
    """The previous URLs that would not answer any more (withdrawn reviews' URLs may go)."""
    withdrawn = {u for e in registry.entries if e.withdrawn for u in (e.url, *e.redirects)}
    return [k for k in previous if k.url not in current and k.url not in withdrawn]
