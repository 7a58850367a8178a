"""Dating an OCR'd digest's reviews from their headers: a stage over one whole input (the
reviews are in chronological order, so each header's dates are read with its neighbours')."""

from __future__ import annotations

from dataclasses import replace

from ..errors import LocatedWarning
from ..model import ReadResult
from ..readers.header_dates import candidates
from ..readers.ocr_digest import FORMAT as DIGEST_FORMAT
from .dates import resolve


def date_digest(result: ReadResult) -> ReadResult:
    """An OCR'd digest's reviews dated from their headers (`extra` "header", the text as
    written), resolved together: the posts are in chronological order. Every other input is
    returned as it is (its readers give the dates their input states)."""
    if result.format != DIGEST_FORMAT:
        return result
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
