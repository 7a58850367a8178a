"""Reader for dumps copied from Telegram's public web preview (t.me/s/<channel>).

A message in such a dump is: a title line, the body, `👀LINK` (where a link was lost in the
copy), often the whole body a second time, then a reactions line (`🔥3👍42🤔1`). Preview
boilerplate (`VIEW IN TELEGRAM` …) sits between messages. The first file of a channel may start
with the channel header (name, subscribers, description, authors, `Download Telegram`).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import ChannelConfig, ChannelMeta, Ledger, Post, ReadResult, SourceLine
from .text import read_lines

FORMAT = "web-preview"

BOILERPLATE = {
    "Please open Telegram to view this post": "open-in-telegram",
    "VIEW IN TELEGRAM": "view-in-telegram",
    "This media is not supported in your browser": "media-not-supported",
    "Download Telegram": "download-telegram",
}
LINK_MARKER = "👀LINK"
# A reactions line: emoji each followed by a count, possibly with bare counts (custom emoji lost
# in the copy), and nothing else. `20` alone after a media placeholder is a bare count too.
_EMOJI = r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]+"
REACTIONS_RE = re.compile(rf"^(?:(?:{_EMOJI})?\d+(?:[.,]\d+)?K?\s*)+$")
STATS_RE = re.compile(r"^[\d.,]+K?\s+(subscribers?|photos?|videos?|files?|links?)$")


def is_reactions(line: str) -> bool:
    s = line.strip()
    return bool(s) and REACTIONS_RE.match(s) is not None


def sniff(head: str) -> bool:
    """True when the text looks like a web-preview dump."""
    return LINK_MARKER in head or any(b in head for b in BOILERPLATE) or bool(
        re.search(r"^\S+\s+subscribers$", head, re.M)
    )


def _read_header(lines: list[str], ledger: Ledger) -> tuple[int, ChannelMeta]:
    """Find the channel header; return the index of the first line after it."""
    head = lines[:40]
    if not any(STATS_RE.match(line.strip()) for line in head):
        return 0, ChannelMeta()
    end = next((i for i, line in enumerate(head) if line.strip() == "Download Telegram"), None)
    if end is None:
        return 0, ChannelMeta()
    name = ""
    stats: list[tuple[str, str]] = []
    description: list[str] = []
    authors: list[str] = []
    in_authors = False
    for i in range(end):
        s = lines[i].strip()
        m = STATS_RE.match(s)
        if not s:
            continue
        if m:
            value, kind = s.split(None, 1)
            stats.append((kind, value))
        elif not name or (s == name.split(" – ")[0]):
            name = name or s.split(" – ")[0]
        elif s.rstrip(":") in ("Авторы", "Authors"):
            in_authors = True
        elif in_authors:
            authors.append(s)
        else:
            description.append(s)
    ledger.account("header", *range(1, end + 1))
    ledger.account("boilerplate:download-telegram", end + 1)
    subscribers = dict(stats).get("subscribers", "")
    meta = ChannelMeta(
        name=name, description="\n".join(description), authors=tuple(authors),
        subscribers=subscribers, stats=tuple(stats),
    )
    return end + 1, meta


def read(path: Path, channel: ChannelConfig) -> ReadResult:
    lines = read_lines(path)
    ledger = Ledger(path=str(path), total_lines=len(lines))
    start, meta = _read_header(lines, ledger)

    # Split into messages: a message ends with its reactions line.
    messages: list[list[int]] = []  # indices into lines
    current: list[int] = []
    for i in range(start, len(lines)):
        s = lines[i].strip()
        n = i + 1
        if not s:
            ledger.account("blank", n)
            continue
        if s in BOILERPLATE:
            ledger.account(f"boilerplate:{BOILERPLATE[s]}", n)
            continue
        current.append(i)
        if is_reactions(s):
            messages.append(current)
            current = []
    if current:
        messages.append(current)

    posts: list[Post] = []
    for msg in messages:
        text_idx = [i for i in msg if not is_reactions(lines[i])]
        reactions_idx = [i for i in msg if is_reactions(lines[i])]
        for i in reactions_idx:
            ledger.account("reactions", i + 1)
        body_idx = [i for i in text_idx if lines[i].strip() != LINK_MARKER]
        if not body_idx:
            ledger.count("media-only messages")
            for i in text_idx:
                ledger.account("link-marker", i + 1)
            continue
        for i in text_idx:
            if lines[i].strip() == LINK_MARKER:
                ledger.account("link-marker", i + 1)
        title_i = body_idx[0]
        seen: set[str] = set()
        body: list[SourceLine] = []
        for i in body_idx[1:]:
            s = lines[i].strip()
            if s in seen:
                ledger.account("duplicate", i + 1)
                continue
            seen.add(s)
            body.append(SourceLine(i + 1, lines[i]))
        ledger.account("post", title_i + 1, *(sl.number for sl in body))
        raw = " ".join(lines[i].strip() for i in reactions_idx) or None
        posts.append(
            Post(
                channel=channel.id, source_file=path.name, line=title_i + 1,
                lines=tuple(body), title=lines[title_i].strip(), title_source="header",
                reactions_raw=raw, link_lost=any(lines[i].strip() == LINK_MARKER for i in msg),
                lang=channel.lang, dir=channel.dir,
            )
        )
    return ReadResult(path=str(path), format=FORMAT, posts=tuple(posts), ledger=ledger, meta=meta)
