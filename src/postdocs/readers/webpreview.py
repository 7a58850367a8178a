"""Reader for dumps copied from Telegram's public web preview (t.me/s/<channel>).

What such a dump looks like (seen in the rizzearch and gonzo-ML seeds):

- The first file of a channel may start with the channel header: name, counts (`1.01K
  subscribers`, `988 photos` …), description, `Авторы:` and the authors, `Download Telegram`.
- A message is its text, then its reactions line (`🔥3👍42🤔1`); some messages have no reactions
  line, and the next message's title follows directly.
- A rizzearch post is a title line, the body, `👀LINK` (a link whose address was lost in the
  copy), an optional trailer (`подслушано здесь`, `UPD: …`), and often the whole body again (the
  preview, then the full text) with its own `👀LINK` and trailer. The reader keeps both copies
  as read (`DumpMessage` parts of `Post.body`); the clean stage merges them (`clean/copies.py`).
- A gonzo-ML post is a title, an authors line, `Статья:` / `Код:` lines, the body; a long review
  goes on in further messages that have no title of their own (continuations).
- Messages with media only show a placeholder (`This media is not supported in your browser`,
  `VIEW IN TELEGRAM`) and maybe a reactions line; such lines are boilerplate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LocatedWarning
from ..model import (
    ChannelConfig,
    ChannelMeta,
    DumpMessage,
    Ledger,
    Post,
    ReadResult,
    SourceLine,
    plain_lines,
)
from ..patterns import arxiv_id, find_urls, is_reactions_line, line_key
from .text import read_lines

FORMAT = "web-preview"

BOILERPLATE = {
    "Please open Telegram to view this post": "open-in-telegram",
    "VIEW IN TELEGRAM": "view-in-telegram",
    "This media is not supported in your browser": "media-not-supported",
    "Download Telegram": "download-telegram",
}
LINK_MARKER = "👀LINK"
STATS_RE = re.compile(r"^[\d.,]+[KkMm]?\s+(subscribers?|photos?|videos?|files?|links?)$")
AUTHORS_HEADINGS = ("Авторы", "Authors")
MAX_TITLE = 200  # a first line longer than this is a paragraph, not a title
SECOND_COPY = "second copy"  # ledger: lines of a second copy, until the clean stage merges them

# Head lines of a gonzo-ML review: `Статья: <url>`, `Код: <url>`.
_LABEL_RE = re.compile(r"^(?P<label>Статья|Paper|Код|Code)\s*:\s*(?P<value>.+)$", re.I)
_NAME_WORD = r"(?:[A-ZÀ-ÞА-ЯЁ][\w'’.\-]*|de|da|di|du|la|le|van|von|der|den|dos|al|bin)"
_NAME = rf"{_NAME_WORD}(?: {_NAME_WORD}){{0,4}}"
_AUTHORS_RE = re.compile(rf"^{_NAME}(?:, (?:{_NAME}|et al\.?))*$")


def is_link_marker(line: str) -> bool:
    """`👀LINK` (also copied as `👀 LINK`)."""
    return line.strip().replace(" ", "") == LINK_MARKER


def looks_like_title(line: str) -> bool:
    """A title is one short line that does not end a sentence; a continuation message starts
    with a paragraph instead."""
    s = line.strip()
    return 0 < len(s) <= MAX_TITLE and not s.endswith((".", "…", ",", ";", ":"))


def sniff(head: str) -> bool:
    """True when the text looks like a web-preview dump."""
    return LINK_MARKER in head or any(b in head for b in BOILERPLATE) or bool(
        re.search(r"^\S+\s+subscribers$", head, re.M)
    )


def _read_header(lines: list[str], ledger: Ledger) -> tuple[int, ChannelMeta]:
    """The channel header (up to `Download Telegram`), if the dump starts with one; return the
    index of the first line after it."""
    head = lines[:40]
    end = next((i for i, line in enumerate(head) if line.strip() == "Download Telegram"), None)
    if end is None or not any(STATS_RE.match(line.strip()) for line in head[:end]):
        return 0, ChannelMeta()
    name = ""
    stats: list[tuple[str, str]] = []
    description: list[str] = []
    authors: list[str] = []
    in_authors = False
    for i in range(end):
        s = lines[i].strip()
        if not s:
            ledger.account("blank", i + 1)
            continue
        ledger.account("header", i + 1)
        page_title = s.removesuffix(" – Telegram").removesuffix(" - Telegram")
        if STATS_RE.match(s):
            value, kind = s.split(None, 1)
            stats.append((kind, value))
        elif not name:
            name = page_title
        elif page_title == name:
            continue  # the page title and the channel name say the same
        elif s.rstrip(":") in AUTHORS_HEADINGS:
            in_authors = True
        elif in_authors:
            authors.append(s)
        else:
            description.append(s)
    ledger.account("boilerplate:download-telegram", end + 1)
    meta = ChannelMeta(
        name=name, description="\n".join(description), authors=tuple(authors),
        subscribers=dict(stats).get("subscribers", ""), stats=tuple(stats),
    )
    return end + 1, meta


def _header_disagreements(meta: ChannelMeta, channel: ChannelConfig) -> list[str]:
    """Where the dump's header and channels.yml say different things (channels.yml wins)."""
    pairs = [("description", channel.description, meta.description),
             ("authors", ", ".join(channel.authors), ", ".join(meta.authors))]
    if channel.name != channel.id:  # a name left to default to the handle says nothing
        pairs.insert(0, ("name", channel.name, meta.name))
    return [f"the channel header's {what} ('{found}') differs from channels.yml's "
            f"('{configured}'); channels.yml wins"
            for what, configured, found in pairs if configured and found and configured != found]


@dataclass(frozen=True)
class _Chunk:
    """The lines between two reactions lines: text and `👀LINK` lines as (index, is_marker)."""

    entries: tuple[tuple[int, bool], ...]
    reactions: int | None  # index of the closing reactions line


@dataclass(frozen=True)
class _Message:
    """One message: the first copy (title, body, trailer), the second copy, the markers."""

    first: tuple[int, ...]
    second: tuple[int, ...]
    markers: tuple[int, ...]


def _chunks(lines: list[str], start: int, ledger: Ledger) -> list[_Chunk]:
    """Drop blank and boilerplate lines (counted) and cut the rest at reactions lines."""
    chunks: list[_Chunk] = []
    entries: list[tuple[int, bool]] = []
    after_placeholder = start > 0  # the header ends with `Download Telegram`
    for i in range(start, len(lines)):
        s = lines[i].strip()
        if not s:
            ledger.account("blank", i + 1)
            continue
        kind = BOILERPLATE.get(s)
        if kind:
            ledger.account(f"boilerplate:{kind}", i + 1)
            after_placeholder = True
            continue
        # a number alone is a reactions line only right after a media placeholder
        if is_reactions_line(s, bare_allowed=after_placeholder):
            ledger.account("reactions", i + 1)
            chunks.append(_Chunk(tuple(entries), i))
            entries = []
        else:
            entries.append((i, is_link_marker(s)))
        after_placeholder = False
    if entries:
        chunks.append(_Chunk(tuple(entries), None))
    return chunks


def _text_run(entries: tuple[tuple[int, bool], ...], pos: int) -> tuple[list[int], int]:
    """The text lines from `pos` up to the next marker (or the end); and where that is."""
    run: list[int] = []
    while pos < len(entries) and not entries[pos][1]:
        run.append(entries[pos][0])
        pos += 1
    return run, pos


def _take_message(
    entries: tuple[tuple[int, bool], ...], pos: int, keys: dict[int, str]
) -> tuple[_Message, int]:
    """Read one message from `pos`; return it and where the next one starts.

    After the first `👀LINK`: when the following lines repeat the body (the second copy) up to
    another `👀LINK`, they are the second copy, preceded by the first copy's trailer; after the
    second `👀LINK` come the second copy's trailer lines (those repeating the first trailer, or
    all remaining lines when no other message follows in this chunk). Without a second copy,
    lines after `👀LINK` are a trailer unless another `👀LINK` follows: then they are a new post.
    """
    n = len(entries)
    first, pos = _text_run(entries, pos)
    if pos == n:
        return _Message(tuple(first), (), ()), n
    markers = [entries[pos][0]]
    rest, nxt = _text_run(entries, pos + 1)
    if nxt == n:  # no further marker: the rest is this post's trailer
        return _Message(tuple(first + rest), (), tuple(markers)), n
    copy_keys = {keys[i] for i in first}
    start = next((j for j, i in enumerate(rest) if keys[i] in copy_keys), None)
    if start is None:  # no second copy: a new message starts right after the marker
        return _Message(tuple(first), (), tuple(markers)), pos + 1
    trailer, second = rest[:start], rest[start:]
    markers.append(entries[nxt][0])
    tail, after = _text_run(entries, nxt + 1)
    if after == n:
        taken = tail  # the chunk ends here: everything left is this post's
    else:
        taken = []
        for i in tail:
            if len(taken) == len(trailer) or keys[i] != keys[trailer[len(taken)]]:
                break
            taken.append(i)
    nxt_pos = nxt + 1 + len(taken)
    return _Message(tuple(first + trailer), tuple(second + taken), tuple(markers)), nxt_pos


def split_messages(lines: list[str], chunk: _Chunk) -> list[_Message]:
    """The messages of one chunk (several when reactions lines are missing)."""
    keys = {i: line_key(lines[i]) for i, _ in chunk.entries}
    out: list[_Message] = []
    pos = 0
    while pos < len(chunk.entries):
        msg, pos = _take_message(chunk.entries, pos, keys)
        out.append(msg)
    return out


@dataclass
class _Draft:
    """A post while its messages are read (mutable); frozen into a `Post` at the end."""

    line: int
    title: str
    title_source: str
    body: list[SourceLine | DumpMessage]
    reactions_raw: str | None = None
    reactions_line: int | None = None
    link_lost: bool = False
    continuations: int = 0


def split_head(body: list[SourceLine]) -> tuple[dict[str, tuple[str, ...]], list[SourceLine],
                                                 list[SourceLine]]:
    """gonzo-ML head lines right after the title: an authors line, `Статья:` and `Код:` lines
    (read by the clean stage from the merged body: each line's fullest copy).

    Returns the front-matter values, the head lines used, and the rest of the body.
    """
    values: dict[str, list[str]] = {"authors": [], "papers": [], "code": []}
    used: list[SourceLine] = []
    pos = 0

    def label(k: int) -> re.Match[str] | None:
        return _LABEL_RE.match(body[k].text.strip()) if k < len(body) else None

    if body:
        s = body[0].text.strip()
        if _AUTHORS_RE.match(s) and ("," in s or label(1)):
            values["authors"] = [a.strip() for a in s.split(",") if a.strip()]
            used.append(body[0])
            pos = 1
    while (m := label(pos)) is not None:
        urls = find_urls(m.group("value"))
        if not urls:
            break
        if m.group("label").lower() in ("статья", "paper"):
            values["papers"] += [arxiv_id(u) or u for u in urls]
        else:
            values["code"] += urls
        used.append(body[pos])
        pos += 1
    frozen = {k: tuple(dict.fromkeys(v)) for k, v in values.items()}
    return frozen, used, body[pos:]


def _derive_title(text: str) -> str:
    """A short title from a paragraph: its first sentence, cut at a word within 80 characters."""
    sentence = re.split(r"(?<=[.!?…])\s", text.strip(), maxsplit=1)[0]
    if len(sentence) <= 80:
        return sentence
    return sentence[:80].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"


@dataclass
class _Reading:
    """One dump while its messages are read: the lines, the ledger, the warnings, the posts so
    far, and what the previous message was (none | post | media)."""

    path: Path
    lines: list[str]
    ledger: Ledger
    warnings: list[LocatedWarning]
    drafts: list[_Draft] = field(default_factory=list)
    previous: str = "none"

    def warn(self, index: int, message: str, repair: str = "") -> None:
        self.warnings.append(LocatedWarning(str(self.path), index + 1, message, repair=repair))

    def message(self, msg: _Message, reactions_i: int | None) -> None:
        """One message: a media-only one, a continuation of the previous post, or a post."""
        self.ledger.account("link-marker", *(i + 1 for i in msg.markers))
        first, second = list(msg.first), list(msg.second)
        if not first:
            first, second = second, []
        if not first:
            self.ledger.count("media-only messages")
            self.previous = "media"
            return
        title_i = first[0]
        body = tuple(SourceLine(i + 1, self.lines[i]) for i in first[1:])
        copy = tuple(SourceLine(i + 1, self.lines[i]) for i in second)
        self.ledger.account(SECOND_COPY, *(sl.number for sl in copy))
        if not looks_like_title(self.lines[title_i]) and self.drafts:
            self._continuation(title_i, body, copy, bool(msg.markers))
        else:
            self._post(title_i, body, copy, bool(msg.markers), reactions_i)
        self.previous = "post"

    def _continuation(self, title_i: int, body: tuple[SourceLine, ...],
                      copy: tuple[SourceLine, ...], marked: bool) -> None:
        """A message without a title of its own goes on the previous post; its own reactions
        stay counted, not on the page."""
        draft = self.drafts[-1]
        first = SourceLine(title_i + 1, self.lines[title_i])
        draft.body.append(first)
        draft.body.append(DumpMessage(first, body, copy))
        draft.continuations += 1
        draft.link_lost = draft.link_lost or marked
        self.ledger.count("merged continuations")
        self.ledger.account("post", title_i + 1, *(sl.number for sl in body))
        if self.previous != "post":
            self.warn(title_i, f"continuation merged into '{draft.title}' across a "
                               "media-only message")

    def _post(self, title_i: int, body: tuple[SourceLine, ...], copy: tuple[SourceLine, ...],
              marked: bool, reactions_i: int | None) -> None:
        title = self.lines[title_i].strip()
        first = SourceLine(title_i + 1, self.lines[title_i])
        if looks_like_title(title):
            # the title line is the title, not the body; the head lines are read once the
            # copies are merged (clean.copies)
            draft = _Draft(line=title_i + 1, title=title, title_source="header", body=[])
            self.ledger.account("post", first.number)
        else:
            draft = _Draft(line=title_i + 1, title=_derive_title(title), title_source="derived",
                           body=[first])
            self.warn(title_i, f"message without a title; title derived: '{draft.title}'",
                      repair="derived titles")
        draft.body.append(DumpMessage(first, body, copy))
        self.ledger.account("post", *(sl.number for sl in plain_lines(tuple(draft.body))))
        draft.link_lost = marked
        if reactions_i is not None:  # read into reactions by the enrich stage
            draft.reactions_raw = self.lines[reactions_i].strip()
            draft.reactions_line = reactions_i + 1
        self.drafts.append(draft)


def read(path: Path, channel: ChannelConfig) -> ReadResult:
    warnings: list[LocatedWarning] = []
    lines = read_lines(path, warnings, channel.lang)
    reading = _Reading(path, lines, Ledger(path=str(path), total_lines=len(lines)), warnings)
    start, meta = _read_header(lines, reading.ledger)
    for problem in _header_disagreements(meta, channel):
        reading.warn(0, problem)
    for chunk in _chunks(lines, start, reading.ledger):
        # a reactions line alone is a media-only message
        messages = split_messages(lines, chunk) or [_Message((), (), ())]
        for k, msg in enumerate(messages):
            reading.message(msg, chunk.reactions if k == len(messages) - 1 else None)
    posts = tuple(
        Post(
            channel=channel.id, source_file=path.name, line=d.line, body=tuple(d.body),
            title=d.title, title_source=d.title_source,
            lang=channel.lang, dir=channel.dir,
            reactions_raw=d.reactions_raw, reactions_line=d.reactions_line, link_lost=d.link_lost,
            continuations=d.continuations,
        )
        for d in reading.drafts
    )
    return ReadResult(path=str(path), format=FORMAT, posts=posts, ledger=reading.ledger,
                      warnings=tuple(warnings), meta=meta)
