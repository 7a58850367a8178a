"""Enrich stage: language, links, dates, reactions. Pure functions over posts."""

from __future__ import annotations

import functools

from ..model import Post
from ..state import BuildState
from . import language, papers


def enrich_post(post: Post) -> Post:
    text = post.title + "\n" + post.text
    lang, direction = language.detect(post.text or post.title, post.lang)
    urls = papers.find_urls(text)
    found_papers, code = papers.classify(urls)
    changes: dict[str, object] = {
        "lang": lang,
        "dir": direction,
        "links": tuple(urls),
        # A post that states its paper (`Статья:`) cites others in its body: those stay links.
        "papers": post.papers or found_papers,
        "code": tuple(dict.fromkeys((*post.code, *code))),
    }
    return post.evolve(**changes)


def enrich(posts: list[Post], state: BuildState | None = None) -> list[Post]:
    """Every post enriched; the watcher (`state`) enriches only posts it has not seen."""
    if state is None:
        return [enrich_post(p) for p in posts]
    return [state.enriched.get(p, functools.partial(enrich_post, p)) for p in posts]
