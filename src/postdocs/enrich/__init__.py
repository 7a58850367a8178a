"""Enrich stage: language, links, dates, reactions. Pure functions over posts."""

from __future__ import annotations

import functools

from ..memo import Memo
from ..model import Post
from . import dates, language, papers


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
    if post.date is None and post.date_source is None:
        header = dict(post.extra).get("header")
        if header:
            written = dates.parse_written(header)
            if written:
                changes["date"] = written
                changes["date_source"] = "written"
    return post.evolve(**changes)


_ENRICHED: Memo[Post] = Memo()


def enrich(posts: list[Post]) -> list[Post]:
    return [_ENRICHED.get(p, functools.partial(enrich_post, p)) for p in posts]
