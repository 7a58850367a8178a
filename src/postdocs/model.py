"""The domain model: frozen dataclasses, no I/O.

Data flows one way: readers build `Post`s from a dump, then clean, enrich and link stages return
new `Post`s (``dataclasses.replace``); render turns a `Post` into page text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Literal

from .errors import LocatedWarning

Direction = Literal["ltr", "rtl"]


@dataclass(frozen=True, slots=True)
class SourceLine:
    """One line of an input, with its 1-based line number in that input."""

    number: int
    text: str

    def __reduce__(self) -> tuple[type[SourceLine], tuple[int, str]]:
        # pickled by the thousand (read cache, worker processes): the constructor is faster
        # than the dataclass' per-field state
        return SourceLine, (self.number, self.text)


@dataclass(frozen=True, slots=True)
class Reaction:
    emoji: str
    count: int
    kind: str = "emoji"  # emoji | custom_emoji | paid (Desktop exports)


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A file of a Desktop export shown on a post's page (photos) or linked from it."""

    kind: str  # photo | file | video | animation | audio | voice | video-message | sticker
    source: str  # absolute path of the file inside the export
    target: str  # file name in the page's media folder (safe, unique within the post)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a topic was given: which term matched where, with which weight."""

    topic: str
    term: str
    where: str  # "title" | "body" | "override"
    weight: float  # what the term added to the topic's score
    count: int = 1  # how often the term was found there

    def explained(self) -> str:
        """`body: backprop ×2 (+2)`: where the term was found, how often, what it added (the
        lines of `postdocs topics --explain`; a page's front-matter has them too)."""
        times = f" ×{self.count}" if self.count > 1 else ""
        return f"{self.where}: {self.term}{times} (+{self.weight:g})"

    def __reduce__(self) -> tuple[type[Evidence], tuple[str, str, str, float, int]]:
        # as SourceLine: a few per post, pickled by the hundred thousand at 100x
        return Evidence, (self.topic, self.term, self.where, self.weight, self.count)


@dataclass(frozen=True)
class ChannelConfig:
    """One channel as configured in `content/channels.yml`."""

    id: str  # Telegram handle, e.g. "rizzearch"; also the URL folder
    name: str
    url: str
    lang: str
    dir: Direction
    format: str  # "auto" or a reader name
    files: tuple[str, ...]  # paths relative to the channels folder
    description: str = ""
    authors: tuple[str, ...] = ()
    chat: str | None = None  # full-account Desktop exports: which chat (name or id)
    formerly: tuple[str, ...] = ()  # former ids of a renamed channel (their URLs redirect)


@dataclass(frozen=True)
class ChannelMeta:
    """What a dump says about its channel (web-preview header, export name)."""

    name: str = ""
    description: str = ""
    authors: tuple[str, ...] = ()
    subscribers: str = ""
    stats: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PageRef:
    """A link from one generated page to another: the target's docs-relative path (e.g.
    ``reviews/rizzearch/some-title.md``), the link text, and a short note (channel · date)."""

    path: str
    title: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Reference:
    """A span of a review's text that points at another review on the site."""

    kind: str  # "telegram" (a t.me post link) | "arxiv" (a paper reviewed there) | "date"
    text: str  # the URL or the date exactly as written in the review
    target: PageRef


@dataclass(frozen=True, slots=True)
class PageLinks:
    """The cross-links shown in a review page's footer, computed after every post is read.

    The link stage fills these; `render.render_post(post, links)` prints each non-empty slot.
    """

    same_paper: tuple[PageRef, ...] = ()  # the same paper reviewed elsewhere
    related: tuple[PageRef, ...] = ()  # related reviews, best first
    referenced_by: tuple[PageRef, ...] = ()  # reviews that link to this one (backlinks)
    previous: PageRef | None = None  # previous review in the same channel
    next: PageRef | None = None  # next review in the same channel
    references: tuple[Reference, ...] = ()  # links in the review's text to other reviews
    paper: str = ""  # the reviewed paper's `Paper.key`


@dataclass(frozen=True)
class Paper:
    """One paper reviewed on the site, with every review of it (oldest first)."""

    key: str  # "arxiv:<id>", "title:<normalized-title>" or "post:<source>"
    title: str
    arxiv: str | None
    reviews: tuple[PageRef, ...]  # note: "channel · date · language"
    first_date: dt.date | None = None  # of the earliest dated review


@dataclass(frozen=True)
class TextPart:
    """One run of a message's text with one entity kind (`plain`, `bold`, `text_link`, `pre`
    …), as the input marks it."""

    type: str
    text: str
    attr: str = ""  # text_link: href; pre: language; blockquote: "collapsed" when collapsed


@dataclass(frozen=True)
class Poll:
    question: str
    answers: tuple[tuple[str, int], ...]  # (answer, votes); the web preview: (answer, percent)
    total: int  # voters; -1 when the input does not say
    closed: bool


@dataclass(frozen=True)
class LinkCard:
    url: str
    site: str = ""
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class Attachment:
    """A media item of a message: photo, video, document, sticker, voice, location, contact."""

    kind: str
    url: str = ""  # the image (photos) on Telegram's servers; never linked from the site
    name: str = ""  # documents: file name; stickers: emoji; videos: duration
    detail: str = ""  # documents: size


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of a message's text, as its parts; `block`: a code block or a quote (one part,
    its whole text)."""

    parts: tuple[TextPart, ...]
    block: bool = False

    def __reduce__(self) -> tuple[type[TextLine], tuple[tuple[TextPart, ...], bool]]:
        # as SourceLine: one per line of a Desktop export's or fetched post's text
        return TextLine, (self.parts, self.block)

    @property
    def plain(self) -> str:
        if self.block:
            return self.parts[0].text.strip("\n")
        return "".join(p.text for p in self.parts)


@dataclass(frozen=True, slots=True)
class TextBlock:
    """A message's text (its title taken out), line by line."""

    lines: tuple[TextLine, ...]


@dataclass(frozen=True, slots=True)
class PollBlock:
    poll: Poll
    shares: bool = False  # the answers' numbers are percentages (the web preview)


@dataclass(frozen=True, slots=True)
class CardBlock:
    """The preview of a link a message shows."""

    card: LinkCard


@dataclass(frozen=True, slots=True)
class AttachmentBlock:
    """A medium the site does not show, and the post on Telegram that has it."""

    attachment: Attachment
    permalink: str


@dataclass(frozen=True, slots=True)
class Remark:
    """A line the page adds about the message: `rule` (between merged messages), `forwarded`
    (from `text`, linked to `url`), `reply` (to the post at `url`, quoting `text`), `sticker`
    (its emoji `text`), `media-note` (a medium not shown: `text` says why), `unsupported` (media
    the preview does not show, the post at `url`), `deleted`, `footer` (`text`: views, edited)."""

    kind: str
    text: str = ""
    url: str = ""


# A formatted body part (Desktop exports, fetched preview pages): what the render stage writes
# as Markdown (`render/body.py`).
Block = TextBlock | PollBlock | CardBlock | AttachmentBlock | Remark


@dataclass(frozen=True, slots=True)
class PlainText:
    """The plain text of a formatted message (its text, link targets included, and its poll's
    or card's words), for the stages that read text; the page shows the message's blocks."""

    lines: tuple[SourceLine, ...]


@dataclass(frozen=True, slots=True)
class DumpMessage:
    """One message of a web-preview dump's post, as read: `lines` is its body (its first
    copy), `second` the second copy the preview shows of it (empty when shown once), `first`
    the message's first line (a second copy may repeat it). The clean stage merges the copies
    into plain lines (`clean/copies.py`)."""

    first: SourceLine
    lines: tuple[SourceLine, ...]
    second: tuple[SourceLine, ...]


# One part of a post's body: a plain line of a text dump, a formatted block, the plain text of
# formatted messages, or (until the clean stage) a web-preview message with both its copies.
BodyPart = SourceLine | Block | PlainText | DumpMessage


def plain_lines(body: tuple[BodyPart, ...]) -> tuple[SourceLine, ...]:
    """A body's plain text, line by line: its plain lines, the plain text of its formatted
    messages, a web-preview message's first copy."""
    out: list[SourceLine] = []
    for part in body:
        if isinstance(part, SourceLine):
            out.append(part)
        elif isinstance(part, (PlainText, DumpMessage)):
            out += part.lines
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Post:
    """One review as read from an input, enriched stage by stage."""

    channel: str
    source_file: str  # the input file's name, e.g. "000_6219d51e455967f7.txt"
    line: int  # 1-based line where the post begins in its input
    # The body (title line excluded), as read: plain lines (text dumps), formatted blocks with
    # each message's plain text beside them (Desktop exports, fetched preview pages), web-preview
    # messages with both copies (merged into plain lines by the clean stage)
    body: tuple[BodyPart, ...] = ()
    title: str = ""
    # header | stated | phrase | label | arxiv | derived | export | override
    title_source: str = "header"
    # The title the page path is derived from, when it is not `title`: an OCR'd review renamed
    # after its paper (`title_source` phrase/label/arxiv) keeps the path its opening sentence
    # gave it, until the permalink registry moves it deliberately (with a redirect).
    path_title: str = ""
    date: dt.date | None = None
    # written | repaired | unknown | export | override | first-seen (no date in the input: the
    # date the permalink registry first saw the review)
    date_source: str | None = None
    datetime: str | None = None  # full ISO timestamp when the export has one
    lang: str = ""
    dir: Direction = "ltr"
    papers: tuple[str, ...] = ()  # arXiv ids ("2405.18047") or paper URLs
    code: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    reactions: tuple[Reaction, ...] = ()
    reactions_raw: str | None = None  # the reactions line as the input has it
    reactions_line: int | None = None  # its line in the input (for the enrich stage's warning)
    message_id: int | None = None
    permalink: str | None = None  # the original Telegram post
    reply_to: int | None = None  # Desktop exports: the channel post this one answers
    media: tuple[MediaFile, ...] = ()  # Desktop exports: files copied next to the page
    link_lost: bool = False  # the dump had a placeholder where the post's link was
    continuations: int = 0  # messages merged into this review
    topics: tuple[str, ...] = ()
    primary_topic: str | None = None
    evidence: tuple[Evidence, ...] = ()
    tags: tuple[str, ...] = ()
    slug: str = ""
    extra: tuple[tuple[str, str], ...] = ()  # reader-specific front-matter (e.g. forwarded_from)
    # `text` and `lines`, once computed (slots, not a `__dict__`: ~20,000 posts × the stages'
    # copies)
    _text: str | None = field(default=None, init=False, repr=False, compare=False)
    _lines: tuple[SourceLine, ...] | None = field(default=None, init=False, repr=False,
                                                  compare=False)
    _hash: int | None = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> list[object]:
        """For pickle (the read cache): every field, but not the hash, which depends on the
        process (string hashes are salted per process)."""
        return _state_without_hash(self)

    def __hash__(self) -> int:
        """The dataclass hash (of every compared field), computed once: posts are the keys of
        the watcher's memos, and hashing one walks all its lines."""
        h = self._hash
        if h is None:
            h = hash(_compared_fields(self))
            object.__setattr__(self, "_hash", h)
        return h

    @property
    def source(self) -> str:
        """`<dump file name>:<first line>`: the post's stable identity across builds."""
        return f"{self.source_file}:{self.line}"

    @property
    def shown_date(self) -> str:
        """The date as lists and notes show it: a first-seen date (`permalinks.py`) is not the
        post's own date and says so ("added 2026-12-07")."""
        if self.date is None:
            return "date unknown"
        if self.date_source == "first-seen":
            return f"added {self.date.isoformat()}"
        return self.date.isoformat()

    @property
    def lines(self) -> tuple[SourceLine, ...]:
        """The body's plain text, line by line (`plain_lines`); computed once."""
        lines = self._lines
        if lines is None:
            lines = plain_lines(self.body)
            object.__setattr__(self, "_lines", lines)
        return lines

    @property
    def blocks(self) -> tuple[Block, ...]:
        """The body's formatted blocks (none in a text dump's post)."""
        return tuple(p for p in self.body
                     if not isinstance(p, (SourceLine, PlainText, DumpMessage)))

    @property
    def text(self) -> str:
        """The body as plain text (for classification, excerpts, similarity); computed once."""
        text = self._text
        if text is None:
            text = "\n".join(line.text for line in self.lines)
            object.__setattr__(self, "_text", text)
        return text

    def evolve(self, **changes: object) -> Post:
        """`dataclasses.replace`, keeping the computed `text` and `lines` when the body is
        unchanged: the stages make a new Post each, and each would join (and hold) the body
        once more."""
        new = replace(self, **changes)  # type: ignore[arg-type]
        if "body" not in changes:
            object.__setattr__(new, "_text", self._text)
            object.__setattr__(new, "_lines", self._lines)
        return new


def _state_without_hash(post: Post) -> list[object]:
    # `_lines` too: derived from `body`, it would store the body's lines twice
    return [None if f.name in ("_hash", "_lines") else getattr(post, f.name)
            for f in fields(post)]


# Early Python 3.11 releases (Debian 12 has 3.11.2; 3.11.7 does not) let
# `dataclass(frozen=True, slots=True)` replace a class's own __getstate__ with one that pickles
# every field, the process's hash included. Set it again, so that the read cache never carries a
# stale hash (tests/test_cache.py fails on 3.11.2 without this line).
setattr(Post, "__getstate__", _state_without_hash)  # noqa: B010 (mypy: no method assignment)


@dataclass
class Ledger:
    """Where every line of one input went. Mutable while a reader fills it, then reported."""

    path: str
    total_lines: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    accounted: set[int] = field(default_factory=set)
    where: dict[int, str] = field(default_factory=dict)  # line number → its (last) category

    def account(self, category: str, *numbers: int) -> None:
        if not numbers:
            return
        self.categories[category] += len(numbers)
        self.accounted.update(numbers)
        for n in numbers:
            self.where[n] = category

    def reaccount(self, category: str, *numbers: int) -> None:
        """Move lines a reader accounted to another category (the clean stage: a line read as
        part of a second copy found to be a duplicate, or a post line)."""
        for n in numbers:
            old = self.where.get(n)
            if old is not None:
                self.categories[old] -= 1
                if not self.categories[old]:
                    del self.categories[old]
        self.account(category, *numbers)

    def count(self, category: str, n: int = 1) -> None:
        """Count an event (a merged continuation, a media-only message) without lines."""
        self.categories[category] += n


@dataclass(frozen=True)
class ReadResult:
    """What a reader returns for one input file."""

    path: str
    format: str
    posts: tuple[Post, ...]
    ledger: Ledger
    warnings: tuple[LocatedWarning, ...] = ()
    meta: ChannelMeta = ChannelMeta()
    sniffed: bool = False  # the format was recognised from the content, not configured
    left_out: tuple[str, ...] = ()  # Desktop exports: media files of messages without a page


# Post's compared fields as a tuple, in declaration order (what the dataclass hash covers).
_compared_fields = operator.attrgetter(*(f.name for f in fields(Post) if f.compare))


@dataclass(frozen=True)
class KnownPage:
    """A page the caller rendered before and can render again: the digest of its UTF-8 bytes,
    and how to make its text. The writer needs the text only if the file on disk differs, so
    a long-running watcher need not hold every page's text between builds."""

    digest: str
    render: Callable[[], str]

    def text(self) -> str:
        return self.render()


PageText = str | KnownPage


def page_digest(text: str) -> str:
    """The SHA-256 of a page's UTF-8 bytes (what the writer's manifest records)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
