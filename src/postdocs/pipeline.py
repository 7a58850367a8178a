"""The whole preprocessing run: read → clean → enrich → link → render. No writing here."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import (
    cards,
    chart,
    enrich,
    feeds,
    indexes,
    link,
    memo,
    moved,
    overrides,
    permalinks,
    replies,
    same_post,
    slugs,
)
from .cache import CACHE_DIR, ReadCache
from .config import Project
from .enrich import topics
from .errors import LocatedWarning
from .markup import clean_title, guard_page
from .model import ChannelMeta, PageLinks, Paper, Post, ReadResult
from .papers_index import papers_pages
from .readers import read_input
from .render import SiteContext, media_path, render_post
from .topics_config import Taxonomy, load_overrides, load_taxonomy
from .write import KnownPage, PageText, page_digest


@dataclass
class Corpus:
    """Every post of every channel, after all stages, plus what the readers reported."""

    posts: list[Post]
    results: list[ReadResult]
    metas: dict[str, ChannelMeta]
    notes: list[str] = field(default_factory=list)
    # Cross-links per review, keyed by its page path; filled by the link stage.
    links: dict[str, PageLinks] = field(default_factory=dict)
    papers: tuple[Paper, ...] = ()  # every paper reviewed on the site (link stage)
    taxonomy: Taxonomy = field(default_factory=Taxonomy)
    warnings: list[LocatedWarning] = field(default_factory=list)  # e.g. stale overrides
    # The permalink registry after this build (`permalinks.py`) and what the build changed in it
    registry: permalinks.Registry = field(default_factory=permalinks.Registry)
    permalinks: permalinks.Report = field(default_factory=permalinks.Report)
    renamed: dict[str, str] = field(default_factory=dict)  # former channel id → current one
    registry_changed: bool = False  # `registry` differs from content/permalinks.yml


def read_all(project: Project, use_cache: bool = True) -> list[ReadResult]:
    """Every input read by its reader; unchanged inputs come from the cache (`cache.py`)."""
    cache = ReadCache(project.root / CACHE_DIR) if use_cache else None
    results: list[ReadResult] = []
    for ch in project.channels:
        for f in ch.files:
            path = project.channels_dir / f
            if cache is None:
                results.append(read_input(path, ch))
            else:
                results.append(cache.get(path, ch, functools.partial(read_input, path, ch)))
    if cache is not None:
        cache.prune()
    return results


def _registered(post: Post, entry: permalinks.Entry) -> Post:
    """The post with its registered URL, and its first-seen date when its input gives none."""
    if post.date is None:
        return post.evolve(slug=entry.slug, date=entry.first_seen, date_source="first-seen")
    return post.evolve(slug=entry.slug)


def process(project: Project, use_cache: bool = True,
            first_seen: dt.date | None = None) -> Corpus:
    """Every stage but writing. `first_seen`: the date new reviews are first seen (default:
    `permalinks.today()`)."""
    memo.next_build()
    results = read_all(project, use_cache)
    metas: dict[str, ChannelMeta] = {}
    by_path = {str(project.channels_dir / f): ch.id for ch in project.channels for f in ch.files}
    for r in results:
        if r.meta.name and by_path[r.path] not in metas:
            metas[by_path[r.path]] = r.meta
    posts, merged = same_post.merge(results)  # a dumped post and its fetched copy: one review
    posts = enrich.enrich(posts)
    taxonomy = load_taxonomy(project.content)
    posts = topics.assign(posts, taxonomy)
    registry = permalinks.load(project.content)
    renamed = {old: ch.id for ch in project.channels for old in ch.formerly}
    fixes = load_overrides(project.content, taxonomy)
    urls = permalinks.known_urls(posts, registry, renamed) if fixes.entries else []
    posts, warnings = overrides.apply(posts, fixes, urls)
    posts = [p if clean_title(p.title) == p.title else p.evolve(title=clean_title(p.title))
             for p in posts]
    assignment = permalinks.assign(posts, registry, first_seen or permalinks.today(), renamed)
    posts = [_registered(p, e) for p, e in zip(posts, assignment.entries, strict=True)]
    notes = merged + list(assignment.notes)
    posts = replies.resolve(posts)
    links, papers = link.link(posts)
    return Corpus(posts=posts, results=results, metas=metas, notes=notes, links=links,
                  papers=papers, taxonomy=taxonomy, warnings=warnings,
                  registry=assignment.registry, permalinks=assignment.report, renamed=renamed,
                  registry_changed=assignment.changed)


def site_context(project: Project, taxonomy: Taxonomy | None = None) -> SiteContext:
    """Names and order of channels and topics (the taxonomy: the four named topics first)."""
    tax = taxonomy if taxonomy is not None else load_taxonomy(project.content)
    ordered = tax.ordered()
    return SiteContext(site_url=project.site_url, cards=True,
                       channels={ch.id: ch for ch in project.channels},
                       topic_names={t.id: t.name for t in ordered},
                       topic_descriptions={t.id: t.description for t in ordered},
                       topic_order=tuple(t.id for t in ordered))


# (post, links) → the digest of its review page, for one site context. Only the digest: the
# watcher would otherwise hold every page's text (at 100× the seeds, about 320 MB).
_PAGES: memo.Memo[str] = memo.Memo()


def render_site(project: Project, corpus: Corpus) -> dict[str, str]:
    """Every generated page: relative path in the docs folder → text."""
    pages: dict[str, str] = {}
    for path, text in iter_pages(project, corpus):
        if path in pages:  # slugs.assign makes this impossible; guard the invariant anyway
            raise AssertionError(f"two pages map to {path}")
        pages[path] = text.text() if isinstance(text, KnownPage) else text
    return pages


def _review_page(post: Post, links: PageLinks | None, ctx: SiteContext) -> PageText:
    """A review's page: its text, or, when the watcher rendered the same inputs before, a
    `KnownPage` that the writer renders again only if the file on disk is not that page."""
    render = functools.partial(render_post, post, links, ctx)
    digest = _PAGES.known((post, links))
    if digest is not None:
        return KnownPage(digest, render)
    text = render()
    _PAGES.remember((post, links), page_digest(text))
    return text


def iter_pages(project: Project, corpus: Corpus) -> Iterator[tuple[str, PageText]]:
    """Every generated page as (relative path in the docs folder, text), one at a time: the
    writer stages each and lets it go, so a large site is never held in memory whole."""
    ctx = site_context(project, corpus.taxonomy)
    _PAGES.within(ctx)
    for post in corpus.posts:
        yield slugs.page_path(post), _review_page(
            post, corpus.links.get(slugs.page_path(post)), ctx)
    yield from _guarded(_other_pages(project, corpus, ctx))


def _guarded(pages: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Every Markdown page passes `markup.guard_page` (review pages in `render_post`)."""
    for path, text in pages:
        yield path, guard_page(text) if path.endswith(".md") else text


def _other_pages(project: Project, corpus: Corpus,
                 ctx: SiteContext) -> Iterator[tuple[str, str]]:
    """Redirects and pages of reviews gone from the inputs, channel, topic, papers and home
    pages, feeds and the chart."""
    live = {permalinks.url_of(p.channel, p.slug) for p in corpus.posts}
    yield from moved.pages(corpus.registry, live, corpus.renamed, ctx)
    yield from indexes.channel_pages(project.channels, corpus.metas, corpus.posts, ctx).items()
    yield from indexes.topic_pages(corpus.posts, ctx).items()
    topics = ctx.topics_in_order({t for p in corpus.posts for t in p.topics})
    yield from feeds.feeds(corpus.posts, ctx, ctx.site_name, topics).items()
    named = tuple(t.id for t in corpus.taxonomy.ordered() if t.featured)
    svg = chart.reviews_per_month_svg(corpus.posts, named, ctx.topic_name)
    if svg:
        yield indexes.CHART, svg
    yield from papers_pages(corpus.papers).items()
    yield "_snippets/home.md", indexes.home_snippet(project.channels, corpus.posts, ctx,
                                                    has_chart=svg is not None)


def site_assets(corpus: Corpus) -> dict[str, str]:
    """Media files to copy next to their pages: path in the docs folder → source file."""
    assets: dict[str, str] = {}
    for post in corpus.posts:
        for media in post.media:
            assets[media_path(post, media.target)] = media.source
    return assets


CARDS_NOT_DRAWN = "link-preview images not drawn"


def site_cards(project: Project, corpus: Corpus, use_cache: bool = True
               ) -> tuple[dict[str, str], str]:
    """Link-preview cards to copy into the docs folder (path → drawn PNG in the cache) and a
    note on what was done; no cards, and a note saying why, without the vendored fonts."""
    fonts = cards.find_fonts(project.root)
    if fonts is None:
        return {}, (f"{CARDS_NOT_DRAWN}: no fonts in {cards.FONTS_DIR}/ "
                    "(run `make vendor`)")
    ctx = site_context(project, corpus.taxonomy)
    specs = cards.specs(corpus.posts, ctx.channel_name, ctx.topic_name, ctx.site_name)
    cache = cards.CardCache(project.root / CACHE_DIR / "cards", fonts, reuse=use_cache)
    files = cache.files(specs)
    cache.prune()
    return files, f"link-preview images: {cache.drawn} drawn, {len(files) - cache.drawn} reused"
