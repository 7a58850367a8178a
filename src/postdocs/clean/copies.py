"""Cleaning a web-preview dump: a message the preview shows twice becomes one body.

The reader keeps each message as read (a `DumpMessage` in `Post.body`: its first copy, the
second copy beside it). Here the two copies are merged (`doubled.merge_copies`: the fullest
version of each line, every line found in one copy only), a second copy's repeat of the
message's first line is dropped, and then a review's head lines (authors, `Статья:`, `Код:`)
are read from the merged body, so from each line's fullest copy. The lines dropped are counted
as duplicates in a copy of the input's ledger, the head lines as front-matter; where the copies
differ too much to be one line both are kept, with a warning at the line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import LocatedWarning
from ..model import DumpMessage, Ledger, Post, ReadResult, SourceLine
from ..patterns import line_key
from ..readers.webpreview import SECOND_COPY, split_head
from .doubled import merge_copies


@dataclass(frozen=True)
class _Note:
    """A warning of this stage, placed among the reader's: `rank` 0 before the reader's
    warnings at the message's first line `anchor`, 2 after them."""

    anchor: int
    rank: int
    warning: LocatedWarning


def clean_preview(result: ReadResult) -> ReadResult:
    """Every post of a web-preview dump with its messages' copies merged and its head read."""
    ledger = Ledger(path=result.ledger.path, total_lines=result.ledger.total_lines,
                    categories=result.ledger.categories.copy(),
                    accounted=set(result.ledger.accounted), where=dict(result.ledger.where))
    notes: list[_Note] = []
    posts = tuple(_clean_post(p, ledger, notes, result.path) for p in result.posts)
    return replace(result, posts=posts, ledger=ledger,
                   warnings=_placed(result.warnings, notes))


def _placed(read: tuple[LocatedWarning, ...], notes: list[_Note]) -> tuple[LocatedWarning, ...]:
    """The reader's warnings with this stage's among them, in the order of the messages."""
    out: list[LocatedWarning] = []
    pending = sorted(notes, key=lambda n: (n.anchor, n.rank))
    k = 0
    for w in read:
        while k < len(pending) and (pending[k].anchor, pending[k].rank) < (w.line or 0, 1):
            out.append(pending[k].warning)
            k += 1
        out.append(w)
    out.extend(n.warning for n in pending[k:])
    return tuple(out)


def _clean_post(post: Post, ledger: Ledger, notes: list[_Note], path: str) -> Post:
    if not any(isinstance(part, DumpMessage) for part in post.body):
        return post
    body: list[SourceLine] = []
    head_end = -1  # the end of the first message's merged body: where head lines may be
    for part in post.body:
        if isinstance(part, DumpMessage):
            body += _merged(part.lines, part.second, part.first, ledger, notes, path)
            if head_end < 0:
                head_end = len(body)
        elif isinstance(part, SourceLine):
            body.append(part)
    if post.title_source != "header":
        return post.evolve(body=tuple(body))
    head, used, rest = split_head(body[:head_end])
    ledger.reaccount("front-matter", *(sl.number for sl in used))
    if not rest:  # the first message has no body (continuations may follow)
        notes.append(_Note(post.line, 2, LocatedWarning(
            path, post.line, f"post '{post.title}' has no body")))
    return post.evolve(body=tuple(rest + body[head_end:]),
                       authors=head["authors"], papers=head["papers"], code=head["code"])


def _merged(first: tuple[SourceLine, ...], second: tuple[SourceLine, ...], opening: SourceLine,
            ledger: Ledger, notes: list[_Note], path: str) -> tuple[SourceLine, ...]:
    """One message's body once: its second copy merged into the first."""
    if second and line_key(second[0].text) == line_key(opening.text):
        ledger.reaccount("duplicate", second[0].number)  # the second copy repeats the title
        second = second[1:]
    merged = merge_copies(first, second)
    ledger.reaccount("duplicate", *merged.duplicates)
    ledger.reaccount("post", *(sl.number for sl in merged.lines
                               if ledger.where.get(sl.number) == SECOND_COPY))
    for a, b in merged.divergent:
        notes.append(_Note(opening.number, 0, LocatedWarning(
            path, a, f"the two copies differ here and at line {b}; both kept")))
    return merged.lines
