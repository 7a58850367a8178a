"""Atom feeds of dated reviews: one for the whole site, one per topic.

Generated as files in the docs folder (not by a plugin), so any MkDocs-compatible builder
publishes them. Deterministic: entries and `updated` come from review dates, never the clock.
Undated reviews are left out: a feed entry needs a date, and inventing one would mislead readers.
A feed holds the newest `FEED_ENTRIES` reviews, as feeds do: readers poll it for what is new, and
a feed of every review of a large site would be megabytes fetched again at every poll.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from xml.etree import ElementTree as ET

from .. import memo
from ..model import Post
from ..urls.slugs import page_path, page_url
from .excerpt import excerpt
from .pages import SiteContext, display_title

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ALL_FEED = "feeds/all.xml"
FEED_ENTRIES = 50


def topic_feed_path(topic: str) -> str:
    return f"feeds/{topic}.xml"


def _url(ctx: SiteContext, rel: str) -> str:
    return ctx.site_url + rel if ctx.site_url else rel


# Characters XML 1.0 cannot hold (control characters): a title from an override or an export
# holding one would make the whole feed unreadable.
_NOT_XML_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}",
                       {k: _NOT_XML_RE.sub("", v) for k, v in attrs.items()})
    if text is not None:
        el.text = _NOT_XML_RE.sub("", text)
    return el


def newest_first(posts: Sequence[Post]) -> list[Post]:
    """Dated reviews, newest first; ties in a stable order (channel, dump position)."""
    dated = [p for p in posts if p.date is not None]
    dated.sort(key=lambda p: (p.channel, p.source_file, p.line))
    dated.sort(key=lambda p: p.date.toordinal() if p.date else 0, reverse=True)
    return dated


# The watcher writes a feed again only when its newest reviews (or its names) changed.
_FEEDS: memo.Memo[str] = memo.Memo()


def atom_feed(posts: Sequence[Post], ctx: SiteContext, title: str, path: str,
              page: str = "", allow_empty: bool = False) -> str | None:
    """The Atom XML for the dated reviews among `posts`; None when none is dated (unless
    `allow_empty`: the site-wide feed always exists, since every page links it)."""
    entries = newest_first(posts)[:FEED_ENTRIES]
    if not entries and not allow_empty:
        return None
    _FEEDS.within(ctx)
    return _FEEDS.get((tuple(entries), title, path, page),
                      functools.partial(_atom_xml, entries, ctx, title, path, page))


def _atom_xml(entries: Sequence[Post], ctx: SiteContext, title: str, path: str,
              page: str) -> str:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", title)
    _sub(feed, "id", _url(ctx, path))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=_url(ctx, path))
    _sub(feed, "link", rel="alternate", type="text/html", href=_url(ctx, page))
    newest = f"{entries[0].date}T00:00:00Z" if entries else "1970-01-01T00:00:00Z"
    _sub(feed, "updated", newest)
    if not entries:
        _sub(_sub(feed, "author"), "name", ctx.site_name)
    _sub(feed, "generator", "postdocs")
    for post in entries:
        url = _url(ctx, page_url(page_path(post)))
        entry = _sub(feed, "entry")
        _sub(entry, "title", display_title(post))
        _sub(entry, "id", url)
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        _sub(entry, "published", f"{post.date}T00:00:00Z")
        _sub(entry, "updated", f"{post.date}T00:00:00Z")
        author = _sub(entry, "author")
        _sub(author, "name", ctx.channel_name(post.channel))
        _sub(author, "uri", ctx.channel_url(post.channel))
        for topic in post.topics:
            _sub(entry, "category", term=topic, label=ctx.topic_name(topic))
        summary = excerpt(post, 400)
        if summary:
            el = _sub(entry, "summary", summary, type="text")
            if post.lang:
                el.set(XML_LANG, post.lang)
    ET.indent(feed, space=" ")
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


def feeds(posts: Sequence[Post], ctx: SiteContext, site_name: str,
          topics: Sequence[str]) -> dict[str, str]:
    """Docs-relative path → feed XML: the overall feed and one per topic with dated reviews."""
    out: dict[str, str] = {}
    overall = atom_feed(posts, ctx, f"{site_name}: latest reviews", ALL_FEED, allow_empty=True)
    if overall:
        out[ALL_FEED] = overall
    for topic in topics:
        members = [p for p in posts if topic in p.topics]
        xml = atom_feed(members, ctx, f"{site_name}: {ctx.topic_name(topic)}",
                        topic_feed_path(topic), page_url(f"topics/{topic}.md"))
        if xml:
            out[topic_feed_path(topic)] = xml
    return out
