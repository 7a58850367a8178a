"""References from one review to another: Telegram post links, arXiv links, dates.

Three kinds of references are resolved once every post is known:
- a link to a post of a channel on the site (`t.me/<handle>/<id>`, or a mirror of such a link),
  when that post's message id is known (web-preview copies have none: those stay unresolved);
- a link to an arXiv paper that another review on the site is about;
- an explicit date next to a "reviewed" verb, as the Hebrew digest writes it
  ("לפני יומיים (27.06) סקרתי מאמר …": two days ago (27.06) I reviewed a paper …), resolved to the
  review of that date in the same channel.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..enrich.papers import arxiv_id
from ..model import Post
from ..state import BuildState, memoized

_TELEGRAM_RE = re.compile(
    r"^(?:https?://)?(?:www\.)?(?P<host>[^/]+)/(?P<prefix>s/|str/)?"
    r"(?P<handle>[A-Za-z][A-Za-z0-9_]{3,})/(?P<id>\d+)/?(?:[?#].*)?$"
)
_TELEGRAM_HOSTS = ("t.me", "telegram.me", "telegram.dog")
# Not a version number: no Latin letter, digit, dot or hyphen before ("GPT-3.5", "v1.5").
_DATE_RE = re.compile(
    r"(?<![A-Za-z0-9.\-])(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2}))?(?!\.?\d)")
# "reviewed" or "review" in Hebrew (סקרתי, שסקרנו; סקירה: "קראו סקירה מ 18.11.24", "לסקירה של
# אתמול (26.09.24)"), English and Russian, near the date.
_REVIEWED_RE = re.compile(r"סקר|סקיר|\breviewed\b|разбирал", re.I)
_NEAR = 40  # characters between the date and the verb


@dataclass(frozen=True)
class Found:
    """A resolved reference: `source` index refers to `target` index through `text`."""

    kind: str
    text: str
    target: int


def telegram_post(url: str, handles: dict[str, str]) -> tuple[str, int] | None:
    """`(channel id, message id)` when the URL points at a post of a channel on the site.

    `handles` maps folded handles to channel ids. OCR turns the capital I of "MathyAIwithMike"
    into an l, so handles are compared case-folded and with l/I folded.
    """
    m = _TELEGRAM_RE.match(url)
    if not m:
        return None
    host = m.group("host").lower()
    if host not in _TELEGRAM_HOSTS and m.group("prefix") != "str/":
        return None
    channel = handles.get(fold_handle(m.group("handle")))
    return (channel, int(m.group("id"))) if channel else None


def fold_handle(handle: str) -> str:
    return handle.lower().replace("l", "i")


Mention = tuple[str, int, int, int | None]
def date_mentions(post: Post, state: BuildState | None = None) -> list[Mention]:
    """`(text, day, month, year or None)` for every date written next to "reviewed". The
    watcher (`state`) keeps them by body: they are found in the body's lines (a body without
    lines, a Desktop export's Markdown, has none; with lines, its text is their texts joined)."""
    found: tuple[Mention, ...] = memoized(state.mentions if state else None,
                                          (bool(post.lines), post.text),
                                          lambda: tuple(_date_mentions(post)))
    return list(found)


def _date_mentions(post: Post) -> list[Mention]:
    out: list[Mention] = []
    if not _REVIEWED_RE.search(post.text):
        return out
    for line in post.lines:
        for m in _DATE_RE.finditer(line.text):
            window = line.text[max(0, m.start() - _NEAR):m.end() + _NEAR]
            if not _REVIEWED_RE.search(window):
                continue
            year = int(m.group(3)) if m.group(3) else None
            if year is not None and year < 100:
                year += 2000
            out.append((m.group(0), int(m.group(1)), int(m.group(2)), year))
    return out


def _resolve_date(post: Post, day: int, month: int, year: int | None,
                  dates: dict[tuple[int, int], list[dt.date]]) -> dt.date | None:
    """The date a mention means: as written, else the latest such day not after the post."""
    known = dates.get((day, month), [])
    if year is not None:
        try:
            when = dt.date(year, month, day)
        except ValueError:
            return None
        return when if when in known else None
    if post.date is not None:
        earlier = [d for d in known if d <= post.date]
        return max(earlier) if earlier else None
    return known[0] if len(known) == 1 else None


def find(posts: Sequence[Post], paper_of: Sequence[int],
         reviews_of_arxiv: dict[str, list[int]],
         state: BuildState | None = None) -> list[list[Found]]:
    """Resolved references of every post (indices into `posts`), in text order, no self-links.

    `paper_of[i]` is the paper group of post i; `reviews_of_arxiv` maps an arXiv id to the posts
    whose paper it is.
    """
    handles: dict[str, str] = {}
    for p in posts:
        handles.setdefault(fold_handle(p.channel), p.channel)
    by_message: dict[tuple[str, int], int] = {}
    by_date: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
    days: dict[str, dict[tuple[int, int], list[dt.date]]] = defaultdict(dict)
    for i, p in enumerate(posts):
        if p.message_id is not None:
            by_message.setdefault((p.channel, p.message_id), i)
        if p.date is not None:
            if not by_date[(p.channel, p.date)]:
                days[p.channel].setdefault((p.date.day, p.date.month), []).append(p.date)
            by_date[(p.channel, p.date)].append(i)

    out: list[list[Found]] = []
    for i, p in enumerate(posts):
        found = _linked(p, i, handles, by_message, paper_of, reviews_of_arxiv)
        for text, day, month, year in date_mentions(p, state):
            when = _resolve_date(p, day, month, year, days[p.channel])
            if when is not None:
                found.extend(Found("date", text, j) for j in by_date[(p.channel, when)])
        seen: set[tuple[str, int]] = set()
        unique = []
        for f in found:
            if f.target != i and (f.text, f.target) not in seen:
                seen.add((f.text, f.target))
                unique.append(f)
        out.append(unique)
    return out


def _linked(p: Post, i: int, handles: dict[str, str], by_message: dict[tuple[str, int], int],
            paper_of: Sequence[int], reviews_of_arxiv: dict[str, list[int]]) -> list[Found]:
    """The reviews post `i` links to: a Telegram post on the site, else reviews of the arXiv
    paper it links (of another paper than its own)."""
    found: list[Found] = []
    for url in p.links:
        tg = telegram_post(url, handles)
        if tg and tg in by_message:
            found.append(Found("telegram", url, by_message[tg]))
            continue
        aid = arxiv_id(url)
        for j in reviews_of_arxiv.get(aid or "", []):
            if paper_of[j] != paper_of[i]:
                found.append(Found("arxiv", url, j))
    return found
