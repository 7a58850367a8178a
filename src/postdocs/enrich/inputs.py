"""The enrich work over one whole input, right after it is cleaned (what the read cache keeps):
an OCR'd digest's reviews titled, linked to their own posts and dated (`enrich.digest`), and
reactions lines read into reactions, each with a warning located at its line when it is kept
raw."""

from __future__ import annotations

from dataclasses import replace

from ..errors import LocatedWarning
from ..model import ReadResult
from ..readers.ocr_digest import FORMAT as DIGEST_FORMAT
from . import reactions
from .digest import enrich_digest


def enrich_input(result: ReadResult) -> ReadResult:
    """Titles, permalinks and dates of a digest's reviews, and every post's reactions (see
    the module docstring)."""
    if result.format == DIGEST_FORMAT:
        result = enrich_digest(result)
    return read_reactions(result)


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
