"""One review per post across inputs: a post of a channel's text dump (a copy of the web preview,
without ids, dates or links) that is also in the channel's fetched preview pages is one review;
a fetched post that the channel's Desktop export also holds (same message id) is the export's.

The fetched copy gives the review what the text copy lost: message id, exact date, permalink,
formatting, links, views, reactions. The text copy keeps what names the review: its title (the
page's URL is made from it), its source (`file:line`, which `content/overrides.yml` may name)
and what its reader found in the head lines (paper authors, `Статья:`/`Код:` links). So a
channel switched from its text dump to fetched pages keeps every URL.

Matching: within one channel, by the title and the start of the body compared on letters and
digits only (what both copies keep; emoji, spaces and punctuation differ), else by the title
alone when exactly one post on each side has it. Unmatched posts stay reviews of their own.
"""

from __future__ import annotations

import re
from collections import defaultdict

from ..model import Post, ReadResult
from ..readers import telegram_preview

_NOT_ALNUM = re.compile(r"[\W_]+")
BODY_CHARS = 160  # letters and digits of the body that must agree


def _alnum(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


def _keys(post: Post) -> tuple[str, str]:
    title = _alnum(post.title)
    return title, title + "|" + _alnum(post.text)[:BODY_CHARS]


def merge(results: list[ReadResult]) -> tuple[list[Post], list[str]]:
    """Every post of every input, a text-dump post and its fetched copy merged into one (at the
    dump post's place); notes say how many were merged per channel."""
    fetched: dict[str, list[Post]] = defaultdict(list)
    for r in results:
        if r.format == telegram_preview.FORMAT:
            for p in r.posts:
                fetched[p.channel].append(p)
    posts = [p for r in results for p in r.posts]
    if not fetched:
        return posts, []
    posts, doubles = _without_exported(results, posts, fetched)
    dumps = [p for p in posts if p.message_id is None and p.channel in fetched]
    taken, merged_of = _pairs(dumps, fetched)
    out = [merged_of.get(id(p), p) for p in posts if id(p) in merged_of or id(p) not in taken]
    return out, _notes(merged_of, doubles)


def _without_exported(results: list[ReadResult], posts: list[Post],
                      fetched: dict[str, list[Post]]) -> tuple[list[Post], dict[str, int]]:
    """A Desktop export of the same channel names its posts by id: the export's copy wins (its
    media are files, its edit times exact), the fetched one is dropped (from `posts` and
    `fetched`, which is changed in place). Returns the posts and, per channel, how many."""
    exported = {(p.channel, p.message_id) for r in results if r.format != telegram_preview.FORMAT
                for p in r.posts if p.message_id is not None}
    doubles: dict[str, int] = defaultdict(int)
    for channel in fetched:
        kept = [p for p in fetched[channel] if (channel, p.message_id) not in exported]
        doubles[channel] = len(fetched[channel]) - len(kept)
        fetched[channel] = kept
    dropped = {id(p) for r in results if r.format == telegram_preview.FORMAT for p in r.posts
               if (p.channel, p.message_id) in exported}
    return [p for p in posts if id(p) not in dropped], doubles


def _pairs(dumps: list[Post], fetched: dict[str, list[Post]]
           ) -> tuple[dict[int, Post], dict[int, Post]]:
    """Each dump post with its fetched copy (the same full text, else the only post with its
    title on both sides) as one review: by id() of the fetched post, and of the dump post."""
    by_full: dict[tuple[str, str], list[Post]] = defaultdict(list)
    by_title: dict[tuple[str, str], list[Post]] = defaultdict(list)
    for channel, items in fetched.items():
        for p in items:
            title, full = _keys(p)
            by_full[(channel, full)].append(p)
            by_title[(channel, title)].append(p)
    dump_titles: dict[tuple[str, str], int] = defaultdict(int)
    for p in dumps:
        dump_titles[(p.channel, _keys(p)[0])] += 1
    taken: dict[int, Post] = {}  # id() of a fetched post → the merged review
    merged_of: dict[int, Post] = {}  # id() of a dump post → the merged review
    for p in dumps:
        title, full = _keys(p)
        candidates = [c for c in by_full.get((p.channel, full), []) if id(c) not in taken]
        if not candidates and dump_titles[(p.channel, title)] == 1:
            same = by_title.get((p.channel, title), [])
            candidates = same if len(same) == 1 and id(same[0]) not in taken else []
        if not candidates:
            continue
        copy = candidates[0]
        review = copy.evolve(
            source_file=p.source_file, line=p.line, title=p.title,
            title_source=p.title_source,
            authors=copy.authors or p.authors, papers=copy.papers or p.papers,
            code=copy.code or p.code,
            extra=(*copy.extra, ("fetched_source", copy.source)),
        )
        taken[id(copy)] = review
        merged_of[id(p)] = review
    return taken, merged_of


def _notes(merged_of: dict[int, Post], doubles: dict[str, int]) -> list[str]:
    counts: dict[str, int] = defaultdict(int)
    for review in merged_of.values():
        counts[review.channel] += 1
    notes = [f"{channel}: {n} posts of the text dumps are one review each with their fetched "
             f"copies (id, date and permalink from the fetched pages)"
             for channel, n in sorted(counts.items())]
    notes += [f"{channel}: {n} fetched posts are in the channel's Desktop export too; the "
              "export's copy is the review" for channel, n in sorted(doubles.items()) if n]
    return notes
