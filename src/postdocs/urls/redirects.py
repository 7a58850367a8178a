"""Pages that keep old URLs answering: redirects and reviews no longer in the inputs.

A redirect is a small static HTML file at the old URL's `index.html`: a meta refresh and a
`rel=canonical` link to the new page, and a plain link for readers whose browser ignores the
refresh (no script). MkDocs copies it into the site as it is, so it works on any static host.
A review that disappeared from the inputs keeps a page at its URL saying so, linking its channel.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Iterator, Mapping

from ..render.markup import inline, safe_href
from ..render.pages import SiteContext, channel_link, front_matter
from . import permalinks
from .slugs import channel_path, page_url


def redirect_path(url: str) -> str:
    """The file in the docs folder that answers an old URL (`<url>index.html`)."""
    return f"{url}index.html"


def redirect_html(url: str, target: str, title: str, ctx: SiteContext) -> str:
    """A page at `url` that sends readers, browsers and crawlers to `target`."""
    rel = posixpath.relpath(target or ".", url or ".")
    rel = "./" if rel == "." else rel.rstrip("/") + "/"
    canonical = ctx.site_url + target if ctx.site_url else rel
    name = html.escape(title or "this review", quote=False)
    href = html.escape(rel, quote=True)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Moved: {name}</title>\n"
        f'<link rel="canonical" href="{html.escape(canonical, quote=True)}">\n'
        f'<meta http-equiv="refresh" content="0; url={href}">\n'
        '<meta name="robots" content="noindex">\n'
        "</head>\n<body>\n"
        f'<p>This page has moved: <a href="{href}">{name}</a>.</p>\n'
        "</body>\n</html>\n"
    )


def missing_page(entry: permalinks.Entry, ctx: SiteContext) -> str:
    """The page of a review that is no longer in the inputs: what it was, where to look."""
    here = permalinks.docs_path(entry.url)
    title = entry.title or "A review no longer on this site"
    channel = entry.channel
    meta = {"title": title,
            "description": "This review is no longer in the copy of the channel this site is "
                           "built from.",
            "kind": "missing", "channel": channel, "first_seen": entry.first_seen.isoformat()}
    # a channel no longer configured has no page here to link
    name = channel_link(channel, here, ctx) if channel in ctx.channels else inline(channel)
    lines = [front_matter(meta), "", f"# {inline(title)}", "",
             f"This review was added to this site on {entry.first_seen.isoformat()} from the "
             f"channel {name}. It is no longer in the copy of the channel this site is built "
             "from: it may have been deleted or edited on Telegram.", ""]
    for tg in entry.telegram:
        lines += [f"The original post: [on Telegram](<{safe_href('https://' + tg)}>).", ""]
    lines += [f"See the [channel on Telegram](<{safe_href(ctx.channel_url(channel))}>) for "
              "its current posts.", ""]
    return "\n".join(lines)


def pages(registry: permalinks.Registry, live: set[str], renamed: Mapping[str, str],
          ctx: SiteContext) -> Iterator[tuple[str, str]]:
    """Redirect files and pages of missing reviews: docs-relative path → text."""
    for r in permalinks.redirects(registry, live):
        yield redirect_path(r.url), redirect_html(r.url, r.target, r.title, ctx)
    for entry in permalinks.missing(registry, live):
        yield permalinks.docs_path(entry.url), missing_page(entry, ctx)
    for old, new in sorted(renamed.items()):  # a renamed channel's page
        url = page_url(channel_path(old))
        yield redirect_path(url), redirect_html(url, page_url(channel_path(new)),
                                                ctx.channel_name(new), ctx)
