"""Index pages: topics, channels, the home page's generated part. Posts are listed here, never
in the global navigation (every page carries the navigation: listing posts there is quadratic)."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from ..model import ChannelConfig, ChannelMeta, Post
from ..state import BuildState
from ..urls.redirects import redirect_html, redirect_path
from ..urls.slugs import channel_path, page_path, page_url, relative, topic_path
from . import chart
from .excerpt import excerpt
from .feeds import ALL_FEED, newest_first, topic_feed_path
from .markup import block_safe, inline, link, text_to_markdown
from .pages import SiteContext, bdi, channel_link, display_title, front_matter, language_name
from .prerender import line_html

CHART = "charts/reviews-per-month.svg"
EXCERPT_LIMIT = 220
LATEST = 10
UNTOPICED = "without-a-topic"  # anchor of the list of reviews without a topic (topics index)
UNTOPICED_PAGE = "topics/without-a-topic.md"  # all of them, when more than a page
PAGE_SIZE = 50  # reviews on one page of a listing (topic, channel): no page grows with the site

T = TypeVar("T")


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def in_reading_order(posts: Sequence[Post]) -> list[Post]:
    """Newest first; undated reviews after the dated ones, in dump order."""
    undated = sorted((p for p in posts if p.date is None),
                     key=lambda p: (p.channel, p.source_file, p.line))
    return newest_first(posts) + undated


def _link(post: Post, here: str) -> str:
    return f"[{inline(display_title(post), links=False)}]({relative(here, page_path(post))})"


def _entry(post: Post, here: str, ctx: SiteContext, with_excerpt: bool = True) -> str:
    """One list item: linked title, then date · channel · language, then a short excerpt. On
    the channel's own pages the channel is not repeated."""
    on_channel = here == channel_path(post.channel) or here.startswith(
        channel_path(post.channel).removesuffix(".md") + "/")
    channel = "" if on_channel else f" · {channel_link(post.channel, here, ctx)}"
    facts = f"{post.shown_date}{channel} · {language_name(post.lang)}"
    lines = [f"- **{_link(post, here)}**  ", f"  {facts}"]
    text = excerpt(post, EXCERPT_LIMIT) if with_excerpt else ""
    if text:
        lines[-1] += "  "
        lines.append(f'  <span class="postdocs-excerpt" lang="{post.lang}" dir="{post.dir}">'
                     f"{inline(text)}</span>")
    return "\n".join(lines)


def _entry_html(post: Post, here: str, ctx: SiteContext,
                state: BuildState | None) -> str | None:
    """`_entry` as the HTML MkDocs makes of it (prerender.py), or None if a line is not in the
    subset that converter knows. The watcher converts each entry once: (page, post) → its HTML,
    for one site context (set by `_entries`)."""
    if state is None:
        return _html_of_entry(here, _entry(post, here, ctx))
    return state.entries.get((here, post),
                             functools.partial(_shared_html_of_entry, post, here, ctx, state))


def _shared_html_of_entry(post: Post, here: str, ctx: SiteContext,
                          state: BuildState) -> str | None:
    """The entry's HTML; equal HTML (a review on several topic pages) is held once."""
    html = _html_of_entry(here, _entry(post, here, ctx))
    if html is None:
        return None
    same = state.same_html
    if len(same) > 4 * len(state.entries):  # forget HTML no entry holds any more
        same.clear()
    return same.setdefault(html, html)


def _html_of_entry(here: str, entry: str) -> str | None:
    lines = [line.strip() for line in entry.removeprefix("- ").split("\n")]
    done = [line_html(here, line) for line in lines]
    if not all(done):
        return None
    return "<li>" + "<br />\n  ".join(d for d in done if d is not None) + "</li>"


def _entries(ordered: Sequence[Post], here: str, ctx: SiteContext,
             state: BuildState | None) -> list[str]:
    """The list of reviews on a topic or channel page, in the order given. Written as HTML when
    it can be and `ctx.prerender` (a long list is much Markdown work, done again each time a
    review on it changes); the site is the same byte for byte (tests/test_prerender.py).
    The search index skips it (`data-pagefind-ignore`): search finds the reviews themselves."""
    head, tail = '<div class="postdocs-listing" data-pagefind-ignore markdown>', "</div>"
    if ctx.prerender:
        if state is not None:
            state.entries.within(ctx)
        items = [_entry_html(p, here, ctx, state) for p in ordered]
        if items and all(items):
            return [head, "", "<ul>", *(i for i in items if i is not None), "</ul>", "",
                    tail, ""]
    return [head, "", "\n".join(_entry(p, here, ctx) for p in ordered), "", tail, ""]


def listing_page_path(first: str, number: int | None = None) -> str:
    """The docs path of a listing's page: its front page `first` (number None) or page
    `number` of its archive: `channels/<id>.md`, then `channels/<id>/page/1.md` (URL
    `channels/<id>/page/1/`, the oldest reviews) …; `papers/index.md`, then `papers/page/1.md`."""
    if number is None:
        return first
    folder = first.removesuffix("index.md").rstrip("/") if first.endswith("/index.md") else (
        first.removesuffix(".md"))
    return f"{folder}/page/{number}.md"


def fill_pages(items: Sequence[T], starts_page: Callable[[list[T], T], bool]) -> list[list[T]]:
    """`items` cut into pages in their order (`starts_page(page, item)`: the item opens the
    next page)."""
    pages: list[list[T]] = [[]]
    for item in items:
        if pages[-1] and starts_page(pages[-1], item):
            pages.append([])
        pages[-1].append(item)
    return pages


def stable_pages(newest_first: Sequence[T], starts_page: Callable[[list[T], T], bool],
                 half_full: Callable[[list[T]], bool]) -> list[tuple[int | None, list[T]]]:
    """A listing cut into its front page and its archive pages, so that a new item changes the
    front page only: the items fill pages from the oldest; the last page, still filling, is
    the front page, and takes the page before it too while it is not `half_full` (so it never
    shows only a few items). Archive page k (from 1, the oldest) keeps its items as the
    listing grows. Returns the pages in reading order, each newest first: the front page
    (number None), then the archive's pages from the newest."""
    pages = fill_pages(newest_first[::-1], starts_page)
    if len(pages) > 1 and not half_full(pages[-1]):
        pages[-2:] = [pages[-2] + pages[-1]]
    return [(None, pages[-1][::-1])] + [
        (number, pages[number - 1][::-1]) for number in range(len(pages) - 1, 0, -1)]


def pager(first: str, number: int | None, count: int) -> list[str]:
    """Links between a listing's pages, newest first: the front page ("Latest"), the archive's
    pages near this one, its oldest page (1), newer and older. An archive page links to no
    page more than two newer than itself, so a page the archive gains later changes only the
    two pages before it; the front page links the newest pages of the archive."""
    if count == 0:
        return []
    here = listing_page_path(first, number)

    def to(n: int | None, text: str) -> str:
        return f"[{text}]({relative(here, listing_page_path(first, n))})"

    near = count if number is None else number
    shown = sorted({1, *range(max(1, near - 2), min(count, near + 2) + 1)}, reverse=True)
    links = ["**Latest**" if number is None else to(None, "Latest")]
    for i, n in enumerate(shown):
        if i and n != shown[i - 1] - 1:
            links.append("…")
        links.append(f"**{n}**" if n == number else to(n, str(n)))
    newer = None if number is None else (
        to(None, "← Newer") if number == count else to(number + 1, "← Newer"))
    older = to(count if number is None else number - 1, "Older →") if (
        number is None or number > 1) else None
    steps = [s for s in (newer, older) if s]
    label = "Pages, newest first" if number is None else f"Page {number} of the archive"
    return [f"{label}: " + " ".join(links) + (" · " + " · ".join(steps) if steps else ""), ""]


def _year(post: Post) -> str:
    return f"{post.date.year:04d}" if post.date else "date unknown"


def _year_starts(pages: Sequence[tuple[int | None, Sequence[Post]]]
                 ) -> list[tuple[str, int | None, int]]:
    """Each year (and the undated reviews) of a listing, newest first: the page holding its
    newest review and its number of reviews (none for a listing of one page). `pages` in
    reading order: the front page (None), then the archive's pages from the newest."""
    starts: dict[str, int | None] = {}
    counts: Counter[str] = Counter()
    for number, page in pages:
        for p in page:
            year = _year(p)
            starts.setdefault(year, number)
            counts[year] += 1
    if len(pages) <= 1:
        return []
    return [(year, n, counts[year]) for year, n in starts.items()]


def _years(first: str, years: Sequence[tuple[str, int | None, int]],
           number: int | None) -> list[str]:
    """The archive by year: each year linked to the page holding its newest review; on the
    front page with its number of reviews (an archive page leaves the counts out, so a new
    review does not change it)."""
    if not years:
        return []
    here = listing_page_path(first, number)
    links = [f"[{year}]({relative(here, listing_page_path(first, n))})"
             + (f" ({count})" if number is None else "") for year, n, count in years]
    return ["By year: " + " · ".join(links), ""]


def moved_pages(first: str, archive: int, before: int, title: str,
                ctx: SiteContext) -> dict[str, str]:
    """Redirects to the front page from the page numbers a listing of `before` pages had when
    it was cut newest first (postdocs before the archive: `…/page/2/` to `…/page/<before>/`)
    and its archive of `archive` pages does not have yet: a link to one of them keeps
    answering. (An archive page of that number replaces the redirect when the archive grows.)"""
    out: dict[str, str] = {}
    for number in range(max(2, archive + 1), before + 1):
        url = page_url(listing_page_path(first, number))
        out[redirect_path(url)] = redirect_html(url, page_url(first), title, ctx)
    return out


def _span(members: Sequence[Post]) -> str:
    dates = sorted(p.date for p in members if p.date)
    if not dates:
        return "date unknown"
    span = (dates[0].isoformat() if dates[0] == dates[-1]
            else f"{dates[0].isoformat()} to {dates[-1].isoformat()}")
    return span + (", and some of unknown date" if len(dates) < len(members) else "")


def listing_pages(first: str, meta: Mapping[str, object], intro: Sequence[str],
                  posts: Sequence[Post], ctx: SiteContext,
                  state: BuildState | None = None) -> dict[str, str]:
    """A listing of reviews, newest first (undated after), on pages of about `PAGE_SIZE`
    (`stable_pages`): the newest at `first` with `meta` and `intro` (heading, description …),
    the older ones on the archive's pages `<first>/page/<n>`, numbered from the oldest so that
    each keeps its reviews as the listing grows, with a heading and excluded from search."""
    ordered = in_reading_order(posts)
    pages = stable_pages(ordered, lambda page, _: len(page) == PAGE_SIZE,
                         lambda page: len(page) >= PAGE_SIZE // 2)
    archive = len(pages) - 1
    title = str(meta.get("title", ""))
    years = _year_starts(pages)
    out: dict[str, str] = {}
    for number, members in pages:
        here = listing_page_path(first, number)
        nav = [*pager(first, number, archive), *_years(first, years, number)]
        entries = _entries(members, here, ctx, state)
        if number is None:
            body = [front_matter(dict(meta)), *intro, *nav, *entries, *nav]
        else:
            page_meta: dict[str, object] = {
                "title": f"{title} — page {number}",
                "description": f"{title}: {plural(len(members), 'review')}, {_span(members)}.",
                "search": {"exclude": True},
            }
            heading = f"# {inline(title)} — page {number}"
            back = (f"Older reviews of [{inline(title)}]({relative(here, first)}), newest "
                    "first; the archive's page 1 holds the oldest.")
            body = [front_matter(page_meta), heading, "", back, "", *nav, *entries, *nav]
        out[here] = "\n".join(body).rstrip("\n") + "\n"
    return out | moved_pages(first, archive, -(-len(ordered) // PAGE_SIZE), title, ctx)


def topic_pages(posts: Sequence[Post], ctx: SiteContext,
                state: BuildState | None = None) -> dict[str, str]:
    """A page per topic that has reviews, and the topics index."""
    by_topic: dict[str, list[Post]] = defaultdict(list)
    for p in posts:
        for t in p.topics:
            by_topic[t].append(p)
    pages: dict[str, str] = {}
    order = ctx.topics_in_order(set(by_topic))
    index = [front_matter({"title": "Topics",
                           "description": "Every topic with its number of reviews."}),
             "# Topics", ""]
    for topic in order:
        here = topic_path(topic)
        members = by_topic[topic]
        name = ctx.topic_name(topic)
        description = ctx.topic_descriptions.get(topic, "")
        dated = sum(1 for p in members if p.date)
        meta: dict[str, object] = {
            "title": name,
            "description": description or f"{plural(len(members), 'review')} about {name}.",
            "topic": topic,
        }
        if dated:
            meta["feed"] = topic_feed_path(topic)
        body = [f"# {inline(name)}", ""]
        if description:
            body += [text_to_markdown(description.split("\n")).rstrip("\n"), ""]
        added = sum(1 for p in members if p.date_source == "first-seen")
        summary = (f"{plural(len(members), 'review')}, {dated - added} dated"
                   + (f", {added} by the date they were added" if added else "")
                   + ", newest first.")
        if dated:
            summary += f" [Atom feed]({relative(here, topic_feed_path(topic))})"
        body += [summary, ""]
        pages.update(listing_pages(here, meta, body, members, ctx, state))
        count = plural(len(members), "review")
        line = f"- [{inline(name)}]({relative('topics/index.md', here)}) — {count}"
        index.append(line + (f": {inline(description)}" if description else ""))
    if not order:
        index.append("No review has a topic yet.")
    untopiced = [p for p in posts if not p.topics]
    if untopiced:  # still on their channel's page; listed here so that they have a home
        index += ["", f"## Without a topic ({len(untopiced)}) {{#{UNTOPICED}}}", "",
                  "No topic matched these reviews; each is also on its channel's page.", ""]
        ordered = in_reading_order(untopiced)
        if len(ordered) > PAGE_SIZE:  # the newest here, all of them on pages of their own
            title = "Reviews without a topic"
            index += [f"The newest {PAGE_SIZE}; [all {len(ordered)}]"
                      f"({relative('topics/index.md', UNTOPICED_PAGE)}).", ""]
            pages.update(listing_pages(
                UNTOPICED_PAGE, {"title": title, "description": "Reviews no topic matched."},
                [f"# {title}", "", f"{plural(len(ordered), 'review')}, newest first.", ""],
                ordered, ctx, state))
        index += _entries(ordered[:PAGE_SIZE], "topics/index.md", ctx, state)
    pages["topics/index.md"] = "\n".join(index).rstrip("\n") + "\n"
    return pages


def channel_pages(
    channels: tuple[ChannelConfig, ...], metas: dict[str, ChannelMeta], posts: Sequence[Post],
    ctx: SiteContext, state: BuildState | None = None,
) -> dict[str, str]:
    by_channel: dict[str, list[Post]] = defaultdict(list)
    for p in posts:
        by_channel[p.channel].append(p)
    pages: dict[str, str] = {}
    lines = [front_matter({"title": "Channels",
                           "description": "The Telegram channels whose reviews are on this site."}),
             "# Channels", ""]
    for ch in channels:
        here = channel_path(ch.id)
        n = len(by_channel[ch.id])
        meta = metas.get(ch.id, ChannelMeta())
        description = ch.description or meta.description
        authors = ch.authors or meta.authors
        lines.append(f"- [{bdi(ch.name)}]({ch.id}.md) — {plural(n, 'review')}"
                     f" ({language_name(ch.lang)})")
        fallback = f"{plural(n, 'review')} from the Telegram channel {ch.name}."
        head = {"title": ch.name, "channel": ch.id, "description": description or fallback}
        body = [f"# {inline(ch.name)}", ""]
        if description:
            # `markdown`: the paragraph's text is Markdown (a raw HTML block would not be).
            body += [f'<div lang="{ch.lang}" dir="{ch.dir}" markdown>', "",
                     text_to_markdown(description.split("\n")).rstrip("\n"), "", "</div>", ""]
        if authors:
            # One author a line: header entries are often whole sentences ("…, ныне CTO …").
            body += ["**Authors:**", "", *(f"- {block_safe(inline(a))}" for a in authors), ""]
        telegram = f"**On Telegram:** {link(ch.url)}"
        if meta.subscribers:  # as the channel's header said when the dump was made
            telegram += f" · {inline(meta.subscribers)} subscribers"
        body += [telegram, "", f"## Reviews ({n})", ""]
        pages.update(listing_pages(here, head, body, by_channel[ch.id], ctx, state))
    pages["channels/index.md"] = "\n".join(lines) + "\n"
    return pages


def home_snippet(channels: tuple[ChannelConfig, ...], posts: Sequence[Post], ctx: SiteContext,
                 has_chart: bool) -> str:
    """The generated part of the home page (included by the hand-written `index.md`)."""
    here = "index.md"
    dated = newest_first(posts)
    topic_counts = Counter(t for p in posts for t in p.topics)
    order = ctx.topics_in_order(set(topic_counts))
    untopiced = sum(1 for p in posts if not p.topics)
    langs = Counter(p.lang for p in posts)
    named = ", ".join(language_name(lang) for lang in sorted(langs, key=lambda x: (-langs[x], x)))
    lines = [
        f"**{len(posts)} reviews** from **{len(channels)} channels** in "
        f"**{plural(len(langs), 'language')}**{f' ({named})' if langs else ''}, "
        f"{sum(1 for p in dated if p.date_source != 'first-seen')} of them dated, "
        f"in **{len(order)} topics**.",
        "",
    ]
    if order:
        lines += ["## Topics", "", '<div class="grid cards postdocs-topics" markdown>', ""]
        for t in order:
            lines.append(f"- [**{inline(ctx.topic_name(t))}**]({relative(here, topic_path(t))})"
                         f"  \n  {plural(topic_counts[t], 'review')}")
        lines += ["", "</div>", ""]
        if untopiced:
            lines += [f"[{plural(untopiced, 'review')} without a topic]"
                      f"({relative(here, 'topics/index.md')}#{UNTOPICED}).", ""]
    if has_chart:
        shown = set(chart.months(posts))
        outside = sum(1 for p in dated if p.date and chart.month_label(p.date) not in shown)
        added = [p for p in dated if chart.first_seen(p) and p.date
                 and chart.month_label(p.date) in shown]
        striped = ", striped where a review is dated by when it was added" if added else ""
        lines += ["## Reviews per month", "",
                  f"![Bar chart: dated reviews per month, stacked by topic{striped}]({CHART})",
                  ""]
        if added:  # e.g. an archive added long after it was written: after a break of the axis
            one = len(added) == 1
            spans = sorted({chart.month_label(p.date) for p in added if p.date})
            when = spans[0] if len(spans) == 1 else f"{spans[0]} to {spans[-1]}"
            lines += [f"Striped: {plural(len(added), 'review')} without a date of "
                      f"{'its' if one else 'their'} own, counted in the month "
                      f"{'it was' if one else 'they were'} added to this site ({when}).", ""]
        if outside:
            lines += [f"{plural(outside, 'dated review')} far outside this range "
                      f"{'is' if outside == 1 else 'are'} not shown.", ""]
    if dated:
        lines += ["## Latest reviews", "",
                  "\n".join(_entry(p, here, ctx, with_excerpt=False) for p in dated[:LATEST]),
                  "", f"All dated reviews as an [Atom feed]({ALL_FEED}).", ""]
    lines += ["## Channels", ""]
    counts = Counter(p.channel for p in posts)
    for ch in channels:
        lines.append(f"- [{bdi(ch.name)}]({channel_path(ch.id)}) — "
                     f"{plural(counts[ch.id], 'review')}, "
                     f"{language_name(ch.lang)} · [on Telegram](<{ch.url}>)")
    return "\n".join(lines) + "\n"
