"""The whole preprocessing run: read → clean → enrich → link → render. No writing here."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

from . import enrich, link
from .cache.posts import Table, fingerprint
from .cache.reads import CACHE_DIR, ReadCache
from .clean.inputs import clean_input
from .config import Project
from .enrich import corrections
from .enrich.inputs import enrich_input
from .errors import LocatedWarning
from .link import replies, same_post
from .model import (
    ChannelConfig,
    ChannelMeta,
    KnownPage,
    PageLinks,
    PageText,
    Paper,
    Post,
    ReadResult,
    page_digest,
)
from .parallel import Workers
from .readers import read_input
from .render import cards, chart, feeds, indexes
from .render.markup import clean_title, guard_page
from .render.pages import SiteContext, media_path, render_post
from .render.papers import papers_pages
from .state import BuildState, Memo
from .topics import classifier
from .topics.taxonomy import Taxonomy, load_taxonomy
from .urls import permalinks, redirects, slugs


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
    cache: Path | None = None  # the per-post cache's folder (postcache.py), if used
    # The permalink registry after this build (`permalinks.py`) and what the build changed in it
    registry: permalinks.Registry = field(default_factory=permalinks.Registry)
    permalinks: permalinks.Report = field(default_factory=permalinks.Report)
    renamed: dict[str, str] = field(default_factory=dict)  # former channel id → current one
    registry_changed: bool = False  # `registry` differs from content/permalinks.yml


# What enrichment and classification give one post: the fields enrichment changed, and the
# post's topics before the cross-post tag filter. Per post, so computed in the workers.
Prepared = tuple[dict[str, object], classifier.Classification]
# The taxonomy and its compiled matcher, made in each worker (`Workers.map`'s `setup`).
Classifier = tuple[Taxonomy, classifier.Matcher]
_ENRICHED_FIELDS = tuple(f.name for f in fields(Post) if f.compare)


def _classifier(taxonomy: Taxonomy | None) -> Classifier | None:
    return None if taxonomy is None else (taxonomy, classifier.build_matcher(taxonomy))


def _prepare_one(post: Post, tools: Classifier) -> Prepared:
    taxonomy, matcher = tools
    enriched = enrich.enrich_post(post)
    changes = {name: value for name in _ENRICHED_FIELDS
               if (value := getattr(enriched, name)) != getattr(post, name)}
    return changes, classifier.classify(enriched.title, enriched.text, matcher, taxonomy)


def read_one(path: Path, channel: ChannelConfig) -> ReadResult:
    """One input through the per-input stages: read, cleaned, then enriched where the whole
    input is needed or a line is located (an OCR'd digest's titles and dates, reactions
    lines). What the read cache stores."""
    return enrich_input(clean_input(read_input(path, channel)))


def _read_one(item: tuple[Path, ChannelConfig],
              tools: Classifier | None) -> tuple[ReadResult, list[Prepared]]:
    """One input read, and (given the taxonomy) its posts enriched and classified in the same
    worker: the posts then never travel to a worker, only their results back."""
    result = read_one(*item)
    if tools is None:
        return result, []
    return result, [_prepare_one(p, tools) for p in result.posts]


def _post_key(post: Post) -> tuple[object, ...]:
    return tuple(getattr(post, name) for name in _ENRICHED_FIELDS)


def _read(project: Project, use_cache: bool, workers: Workers,
          taxonomy: Taxonomy | None, state: BuildState | None,
          ) -> tuple[list[ReadResult], dict[int, list[Prepared]]]:
    """The inputs' results, and the enrichment and classification of the posts of the inputs
    read now (by index of the input), made in the same workers."""
    inputs = [(project.channels_dir / f, ch) for ch in project.channels for f in ch.files]
    if state is not None and use_cache:  # the watcher: unchanged inputs stay in its memory
        memory = ReadCache(project.root / CACHE_DIR, state.reads)
        results = [memory.get(path, ch, functools.partial(read_one, path, ch))
                   for path, ch in inputs]
        memory.prune()
        return results, {}
    cache = ReadCache(project.root / CACHE_DIR) if use_cache else None
    found = ([cache.lookup(path, ch) for path, ch in inputs] if cache is not None
             else [(None, None)] * len(inputs))
    missing = [i for i, (_key, result) in enumerate(found) if result is None]
    # the largest inputs first, so that no worker is left with a big one at the end
    missing.sort(key=lambda i: -_size(inputs[i][0]))
    fresh = dict(zip(missing, workers.map(_read_one, [inputs[i] for i in missing], taxonomy,
                                          min_items=2, setup=_classifier), strict=True))
    out: list[ReadResult] = []
    prepared: dict[int, list[Prepared]] = {}
    for i, (key, result) in enumerate(found):
        if result is None:
            result, prepared[i] = fresh[i]
            if key is not None and cache is not None:
                cache.store(key, result)
        out.append(result)
    if cache is not None:
        cache.prune()
    return out, prepared


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def prepare(posts: list[Post], taxonomy: Taxonomy, workers: Workers,
            table: Table[Prepared], done: dict[int, Prepared] | None = None,
            state: BuildState | None = None) -> list[Post]:
    """Enrichment and topics of every post: given (`done`, by index: made by the workers that
    read it), from the per-post cache (`postcache.py`), else computed in the workers; then
    the cross-post tag filter (`classifier.apply`). The watcher (`state`) keeps them in memory."""
    if state is not None:
        return classifier.assign(enrich.enrich(posts, state), taxonomy, state)
    done = done or {}
    tax_key = fingerprint("prep", taxonomy)
    keys = [fingerprint(tax_key, _post_key(p)) for p in posts]
    prepared: list[Prepared | None] = [done.get(i) or table.get(k) for i, k in enumerate(keys)]
    missing = [i for i, value in enumerate(prepared) if value is None]
    computed = workers.map(_prepare_one, [posts[i] for i in missing], taxonomy,
                           setup=_classifier)
    for i, value in zip(missing, computed, strict=True):
        prepared[i] = value
    for i, made in enumerate(prepared):
        if made is not None:
            table.put(keys[i], made)
    table.save()
    results = [p for p in prepared if p is not None]
    enriched = [p.evolve(**changes) if changes else p
                for p, (changes, _c) in zip(posts, results, strict=True)]
    if not taxonomy.topics and not taxonomy.tags:
        return enriched
    return classifier.apply(enriched, [c for _changes, c in results], taxonomy)


def _registered(post: Post, entry: permalinks.Entry) -> Post:
    """The post with its registered URL, and its first-seen date when its input gives none."""
    if post.date is None:
        return post.evolve(slug=entry.slug, date=entry.first_seen, date_source="first-seen")
    return post.evolve(slug=entry.slug)


def process(project: Project, use_cache: bool = True,
            first_seen: dt.date | None = None, jobs: int | None = 1,
            state: BuildState | None = None) -> Corpus:
    """Every stage but writing. `first_seen`: the date new reviews are first seen (default:
    `permalinks.today()`). Per-input and per-post stages run on `jobs` processes (None: every
    core); the cross-post ones (overrides, the permalink registry, replies, links) here; the
    result is the same for any number. `state`: what a watcher keeps between its builds
    (`state.py`); the pages are the same with or without it."""
    if state is not None:
        state.next_build()
    with Workers(jobs) as workers:
        return _process(project, use_cache, first_seen, workers, state)


def _process(project: Project, use_cache: bool, first_seen: dt.date | None,
             workers: Workers, state: BuildState | None) -> Corpus:
    taxonomy = load_taxonomy(project.content, state)
    # the watcher keeps the posts' results in memory (`prepare`): its table stays unread
    table: Table[Prepared] = Table(
        project.root / CACHE_DIR if use_cache and state is None else None, "prep")
    # A cold build enriches and classifies the posts of each input in the worker that reads
    # it; a rebuild (the per-post cache filled) reads changed inputs there, and computes only
    # the posts that are not in the cache.
    results, fresh = _read(project, use_cache, workers,
                           None if state is not None or len(table) else taxonomy, state)
    metas: dict[str, ChannelMeta] = {}
    made: dict[int, Prepared] = {}  # by the identity of a post read now
    by_path = {str(project.channels_dir / f): ch.id for ch in project.channels for f in ch.files}
    for i, r in enumerate(results):
        if r.meta.name and by_path[r.path] not in metas:
            metas[by_path[r.path]] = r.meta
        made.update((id(post), prep) for post, prep in zip(r.posts, fresh.get(i, ()),
                                                            strict=False))
    posts, merged = same_post.merge(results)  # a dumped post and its fetched copy: one review
    done = {i: made[id(post)] for i, post in enumerate(posts) if id(post) in made}
    posts = prepare(posts, taxonomy, workers, table, done, state)
    registry = permalinks.load(project.content, state,
                               project.root / CACHE_DIR if use_cache else None)
    renamed = {old: ch.id for ch in project.channels for old in ch.formerly}
    fixes = corrections.load_overrides(project.content, taxonomy, state)
    # each post's identity read once (the watcher's memo keeps them across its builds)
    identities = state.identities if state is not None else Memo[permalinks.Identity]()
    urls = permalinks.known_urls(posts, registry, renamed, identities) if fixes.entries else []
    posts, warnings = corrections.apply(posts, fixes, urls)
    posts = [p if clean_title(p.title) == p.title else p.evolve(title=clean_title(p.title))
             for p in posts]
    assignment = permalinks.assign(posts, registry, first_seen or permalinks.today(), renamed,
                                   identities)
    posts = [_registered(p, e) for p, e in zip(posts, assignment.entries, strict=True)]
    notes = merged + list(assignment.notes)
    posts = replies.resolve(posts)
    links, papers = link.link(posts, state, workers)
    return Corpus(posts=posts, results=results, metas=metas, notes=notes, links=links,
                  papers=papers, taxonomy=taxonomy, warnings=warnings,
                  cache=project.root / CACHE_DIR if use_cache else None,
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


def render_site(project: Project, corpus: Corpus, jobs: int | None = 1) -> dict[str, str]:
    """Every generated page: relative path in the docs folder → text."""
    pages: dict[str, str] = {}
    for path, text in iter_pages(project, corpus, jobs):
        if path in pages:  # slugs.assign makes this impossible; guard the invariant anyway
            raise AssertionError(f"two pages map to {path}")
        pages[path] = text.text() if isinstance(text, KnownPage) else text
    return pages


def _review_page(post: Post, links: PageLinks | None, ctx: SiteContext,
                 state: BuildState) -> PageText:
    """A review's page: its text, or, when the watcher rendered the same inputs before, a
    `KnownPage` that the writer renders again only if the file on disk is not that page. The
    watcher keeps (post, links) → the page's digest, not its text: it would otherwise hold
    every page's text."""
    render = functools.partial(render_post, post, links, ctx)
    digest = state.pages.known((post, links))
    if digest is not None:
        return KnownPage(digest, render)
    text = render()
    state.pages.remember((post, links), page_digest(text))
    return text


def _render_one(item: tuple[Post, PageLinks | None], ctx: SiteContext) -> str:
    return render_post(item[0], item[1], ctx)


def _review_pages(corpus: Corpus, ctx: SiteContext, jobs: int | None,
                  state: BuildState | None) -> Iterator[tuple[str, PageText]]:
    """Review pages in the corpus' order. A page whose inputs (post, cross-links, site
    context, code) a previous build rendered is a `KnownPage` with that build's digest (the
    writer renders it only if its file is not that page); the others are rendered by the
    workers, a few chunks ahead of the writer."""
    items = [(p, corpus.links.get(slugs.page_path(p))) for p in corpus.posts]
    if state is not None:  # the watcher remembers digests in memory
        state.pages.within(ctx)
        for post, links in items:
            yield slugs.page_path(post), _review_page(post, links, ctx, state)
        return
    table: Table[str] = Table(corpus.cache, "page")
    ctx_key = fingerprint("page", ctx)
    keys = [fingerprint(ctx_key, _post_key(p), links) for p, links in items]
    digests = [table.get(k) for k in keys]
    missing = [i for i, d in enumerate(digests) if d is None]
    with Workers(jobs) as workers:
        rendered = workers.imap(_render_one, [items[i] for i in missing], ctx)
        for i, ((post, links), digest) in enumerate(zip(items, digests, strict=True)):
            if digest is not None:
                yield slugs.page_path(post), KnownPage(
                    digest, functools.partial(render_post, post, links, ctx))
                continue
            text = next(rendered)
            table.put(keys[i], page_digest(text))
            yield slugs.page_path(post), text
    table.save()


def iter_pages(project: Project, corpus: Corpus, jobs: int | None = 1,
               state: BuildState | None = None) -> Iterator[tuple[str, PageText]]:
    """Every generated page as (relative path in the docs folder, text), one at a time: the
    writer stages each and lets it go, so a large site is never held in memory whole. Review
    pages are rendered on `jobs` processes (None: every core). `state`: the watcher's, as
    given to `process`."""
    ctx = site_context(project, corpus.taxonomy)
    yield from _review_pages(corpus, ctx, jobs, state)
    yield from _guarded(_other_pages(project, corpus, ctx, state))


def _guarded(pages: Iterator[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Every Markdown page passes `markup.guard_page` (review pages in `render_post`)."""
    for path, text in pages:
        yield path, guard_page(text) if path.endswith(".md") else text


def _other_pages(project: Project, corpus: Corpus, ctx: SiteContext,
                 state: BuildState | None) -> Iterator[tuple[str, str]]:
    """Redirects and pages of reviews gone from the inputs, channel, topic, papers and home
    pages, feeds and the chart."""
    live = {permalinks.url_of(p.channel, p.slug) for p in corpus.posts}
    yield from redirects.pages(corpus.registry, live, corpus.renamed, ctx)
    yield from indexes.channel_pages(project.channels, corpus.metas, corpus.posts, ctx,
                                     state).items()
    yield from indexes.topic_pages(corpus.posts, ctx, state).items()
    topics = ctx.topics_in_order({t for p in corpus.posts for t in p.topics})
    yield from feeds.feeds(corpus.posts, ctx, ctx.site_name, topics, state).items()
    named = tuple(t.id for t in corpus.taxonomy.ordered() if t.featured)
    svg = chart.reviews_per_month_svg(corpus.posts, named, ctx.topic_name)
    if svg:
        yield indexes.CHART, svg
    yield from papers_pages(corpus.papers, ctx).items()
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
