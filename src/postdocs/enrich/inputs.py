"""The enrich work over one whole input, right after it is read (what the read cache keeps):
an OCR'd digest's reviews dated from their headers (the reviews are in chronological order, so
each header's dates are read with its neighbours'), and reactions lines read into reactions,
each with a warning located at its line when it is kept raw."""

from __future__ import annotations

from dataclasses import replace

from ..errors import LocatedWarning
from ..model import ReadResult
from ..readers.header_dates import candidates
from ..readers.ocr_digest import FORMAT as DIGEST_FORMAT
from . import reactions
from .dates import resolve


def enrich_input(result: ReadResult) -> ReadResult:
    """Dates and reactions of one input's posts (see the module docstring)."""
    return read_reactions(date_digest(result))


def read_reactions(result: ReadResult) -> ReadResult:
    """Every post's reactions line (`reactions_raw`, as the reader found it) read once; an
    ambiguous line stays raw only, with a warning at its line."""
    if not any(p.reactions_raw and not p.reactions for p in result.posts):
        return result
    posts = []
    warnings = list(result.warnings)
    for post in result.posts:
        if not post.reactions_raw or post.reactions:
            posts.append(post)
            continue
        reading = reactions.read(post.reactions_raw)
        posts.append(post.evolve(reactions=reading.reactions) if reading.reactions else post)
        if reading.problem:
            warnings.append(LocatedWarning(
                result.path, post.reactions_line,
                f"reactions '{post.reactions_raw}' kept raw only: {reading.problem}",
                repair="reactions kept raw"))
    return replace(result, posts=tuple(posts),
                   warnings=tuple(sorted(warnings, key=lambda w: w.line or 0)))


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
