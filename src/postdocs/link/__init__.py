"""Link stage: cross-links computed once every post of every channel is known (two phases).

Runs after enrich and slug assignment, before render, and is pure: posts in, the cross-links of
every review (keyed by its page path, unique on the site) and the papers of the site out.
Everything is computed from the whole set of posts, so links stay right when a channel is added
or a post disappears (the watcher recomputes only the related reviews an edit can change).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from ..model import PageLinks, PageRef, Paper, Post, Reference
from ..parallel import Workers
from ..state import BuildState
from ..urls.slugs import page_path
from . import identity, references, related

_WORDY = re.compile(r"\w{2,}")
# A page lists at most this many other reviews of its paper (the papers index lists all): a
# paper reviewed k times would otherwise cost k² links.
MAX_SAME_PAPER = 12


def post_ref(post: Post) -> PageRef:
    """A link to the review: its title (or channel and date when OCR left no usable title)."""
    when = post.shown_date
    title = post.title if _WORDY.search(post.title) else (
        f"{post.channel} review of {post.date.isoformat() if post.date else post.source}")
    return PageRef(path=page_path(post), title=title,
                   note=f"{post.channel} · {when} · {post.lang or 'language unknown'}")


def channel_sequence(posts: Sequence[Post]) -> dict[str, list[int]]:
    """Each channel's posts in reading order: by date where dated, else in dump order.

    An undated post keeps its place after the nearest dated post before it in the dump; so does
    a post dated only by when it was first seen (not its own date).
    """
    by_channel: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(posts):
        by_channel[p.channel].append(i)
    out: dict[str, list[int]] = {}
    for channel, members in by_channel.items():
        keys: dict[int, tuple[dt.date, int]] = {}
        last = dt.date.min
        for i in members:
            if posts[i].date_source != "first-seen":
                last = posts[i].date or last
            keys[i] = (last, i)
        out[channel] = sorted(members, key=keys.__getitem__)
    return out


_DateKey = tuple[bool, dt.date, str, str, int]


def _by_date(posts: Sequence[Post]) -> Callable[[int], _DateKey]:
    """Sort key for post indices: oldest first, undated (or dated only by when they were first
    seen) last, then channel and dump order."""

    def key(i: int) -> _DateKey:
        p = posts[i]
        own = p.date if p.date_source != "first-seen" else None
        return (own is None, own or dt.date.min, p.channel, p.source_file, p.line)
    return key


def _papers(posts: Sequence[Post], groups: list[list[int]],
            refs: list[PageRef]) -> list[Paper]:
    papers: list[Paper] = []
    used: set[str] = set()
    order = _by_date(posts)
    for members in groups:
        aid = identity.paper_arxiv(posts, members)
        title = identity.paper_title(posts, members)
        tokens = identity.title_tokens(title)
        if aid:
            key = f"arxiv:{aid}"
        elif tokens:
            key = "title:" + "-".join(tokens)
        else:
            key = f"post:{posts[members[0]].source}"
        while key in used:  # cannot happen with the rules above; keep keys unique regardless
            key += "+"
        used.add(key)
        ordered = sorted(members, key=order)
        # a first-seen date is no publication date
        dates = [d for i in members if (d := posts[i].date) is not None
                 and posts[i].date_source != "first-seen"]
        shown = title if _WORDY.search(title) else refs[ordered[0]].title
        papers.append(Paper(key=key, title=shown, arxiv=aid,
                            reviews=tuple(refs[i] for i in ordered),
                            first_date=min(dates) if dates else None))
    return papers


def link(posts: Sequence[Post], state: BuildState | None = None,
         workers: Workers | None = None) -> tuple[dict[str, PageLinks], tuple[Paper, ...]]:
    """The cross-links of every review and every paper on the site. Keyed by the review's page
    path: `Post.source` (file:line) is not unique when two channels' dumps share a file name
    (every Telegram Desktop export is a `result.json`). `state`: the watcher's (`state.py`);
    `workers`: related reviews are scored on them (`related.related`)."""
    refs = [post_ref(p) for p in posts]
    order = _by_date(posts)
    groups = identity.group(posts)
    papers = _papers(posts, groups, refs)
    paper_of = [0] * len(posts)
    for g, members in enumerate(groups):
        for i in members:
            paper_of[i] = g
    reviews_of_arxiv = {p.arxiv: groups[g] for g, p in enumerate(papers) if p.arxiv}
    found = references.find(posts, paper_of, reviews_of_arxiv, state)
    same_paper = [frozenset(m) for m in groups]
    near = related.related(posts, [same_paper[paper_of[i]] for i in range(len(posts))], state,
                           workers)

    backlinks: dict[int, set[int]] = defaultdict(set)
    for i, fs in enumerate(found):
        for f in fs:
            backlinks[f.target].add(i)
    previous: dict[int, int] = {}
    following: dict[int, int] = {}
    for seq in channel_sequence(posts).values():
        for a, b in zip(seq, seq[1:], strict=False):
            following[a], previous[b] = b, a

    out: dict[str, PageLinks] = {}
    ordered_groups = [sorted(members, key=order) for members in groups]
    for i, post in enumerate(posts):
        others = [j for j in ordered_groups[paper_of[i]][:MAX_SAME_PAPER + 1] if j != i]
        out[page_path(post)] = PageLinks(
            same_paper=tuple(refs[j] for j in others[:MAX_SAME_PAPER]),
            related=tuple(refs[j] for j in near[i]),
            referenced_by=tuple(refs[j] for j in sorted(backlinks[i], key=order)),
            previous=refs[previous[i]] if i in previous else None,
            next=refs[following[i]] if i in following else None,
            references=tuple(Reference(f.kind, f.text, refs[f.target]) for f in found[i]),
            paper=papers[paper_of[i]].key,
        )
    return out, tuple(papers)
