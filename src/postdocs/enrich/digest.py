"""An OCR'd digest's reviews enriched, once cleaned: titled from their opening when the header
gives no title (`readers.ocr_titles`), linked to their own Telegram post where the review
links it, and dated from their headers, all together (the reviews are in chronological order,
so each header's dates are read with its neighbours': `enrich.dates.resolve`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from ..clean.ocr import ocr_handle
from ..errors import LocatedWarning
from ..model import Post, ReadResult
from ..patterns import arxiv_id, find_urls
from ..readers import ocr_titles as titles
from ..readers.header_dates import candidates
from .dates import resolve

_TME_RE = re.compile(r"https?://t\.me/(?P<handle>\w+)/(?P<id>\d+)")


def enrich_digest(result: ReadResult) -> ReadResult:
    """Titles, permalinks and dates of a digest's reviews (see the module docstring)."""
    handle = result.posts[0].channel if result.posts else ""
    warnings = list(result.warnings)
    posts = []
    for post, permalink in zip(result.posts, _permalinks(result.posts, handle), strict=True):
        title, source, path_title = _title_for(post)
        if source != "header":
            warnings.append(LocatedWarning(result.path, post.line, f"title {source}: {title!r}",
                                           repair=f"{source} titles"))
        posts.append(post.evolve(title=title, title_source=source, path_title=path_title,
                                 permalink=permalink))
    return date_digest(replace(result, posts=tuple(posts), warnings=tuple(warnings)))


def _title_for(post: Post) -> tuple[str, str, str]:
    """`(title, title_source, path_title)` for a review.

    Without a header title: the name the opening states (`stated`), else the paper's name where
    the review gives it (`phrase`, `label`, `arxiv`: see `ocr_titles`), else a title derived
    from the opening sentence. A review named after its paper keeps the path its derived title
    gave it (`path_title`): its URL is published; the permalink registry moves it, not this."""
    if post.title:
        return post.title, "header", ""
    # skip short headings (`:PeFT :רקע`): the first real paragraph speaks for the review
    texts = [sl.text for sl in post.lines if sl.text.strip()]
    first = next((t for t in texts if len(t.strip()) >= 30), texts[0] if texts else "")
    stated = titles.stated_title(first[:300])
    if stated:
        return stated, "stated", ""
    derived = titles.derived_title(first) or "Untitled review"
    ids = [aid for t in texts for url in find_urls(t) if (aid := arxiv_id(url))]
    for source, name in (("phrase", titles.phrase_title(first)),
                         ("label", titles.label_title(texts)),
                         ("arxiv", titles.arxiv_title(ids))):
        if name:
            return name, source, derived
    return derived, "derived", ""


def _permalinks(posts: tuple[Post, ...], handle: str) -> list[str | None]:
    """Each review's own post on Telegram, when it links it (`טלגרם: https://t.me/<handle>/60`).

    The handle is written as configured (OCR misreads `I` as `l`); a message id that two reviews
    claim (an OCR copy error) links neither.
    """
    found: list[str | None] = []
    for p in posts:
        ids = {m.group("id") for sl in p.lines for m in _TME_RE.finditer(sl.text)
               if ocr_handle(m.group("handle")) == ocr_handle(handle)}
        found.append(ids.pop() if len(ids) == 1 else None)
    claimed = Counter(i for i in found if i)
    return [f"https://t.me/{handle}/{i}" if i and claimed[i] == 1 else None for i in found]


def date_digest(result: ReadResult) -> ReadResult:
    """The reviews dated from their headers (`extra` "header", the text as written), resolved
    together: the posts are in chronological order."""
    cands = [candidates(dict(p.extra).get("header", "")) for p in result.posts]
    posts = []
    warnings = list(result.warnings)
    for post, cs, pick in zip(result.posts, cands, resolve(cands), strict=True):
        if pick is None:
            posts.append(post.evolve(date_source="unknown"))
            if cs:
                warnings.append(LocatedWarning(
                    result.path, post.line,
                    "header date breaks the chronological order; left unknown"))
            continue
        posts.append(post.evolve(date=pick.date,
                                 date_source="written" if pick.written else "repaired"))
        if not pick.written:
            warnings.append(LocatedWarning(
                result.path, post.line,
                f"date repaired: header reads {pick.text!r}, read as {pick.date.isoformat()}",
                repair="repaired dates"))
    return replace(result, posts=tuple(posts),
                   warnings=tuple(sorted(warnings, key=lambda w: w.line or 0)))
