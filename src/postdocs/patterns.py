"""The parts of a post's text that every stage recognises: URLs (with arXiv ids and mirrors of
Telegram posts), reactions lines (`🔥3👍42`), what two copies of a line share (`line_key`).
Patterns only, no stage of their own: the readers tell a line's role by them; clean, enrich,
link and render read them.
"""

from __future__ import annotations

import re
import urllib.parse

URL_RE = re.compile(
    r"(?:https?://|(?<![\w/.@-])(?=(?:www\.)?arxiv\.org/))[^\s<>()\"'|]+", re.I
)
def strip_urls(text: str) -> str:
    """`URL_RE.sub(" ", text)`, with the pattern run only on the lines that hold a `/`: every
    URL has one, and no URL crosses a line break (a line's start reads as one after `\n`)."""
    if "/" not in text:
        return text
    return "\n".join(URL_RE.sub(" ", line) if "/" in line else line
                     for line in text.split("\n"))


ARXIV_RE = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/(?P<id>\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})"
    r"(?:v\d+)?(?:\.pdf)?",
    re.I,
)


# A right-to-left label glued to a URL by the copy (`…/2405.17927:מאמר`, `…/abs/x:`).
_GLUED_LABEL_RE = re.compile(r"[:|]+[\u0590-\u05FF\u200e\u200f]+[:.]*$")


def trim_url(url: str) -> str:
    """A URL without the punctuation or right-to-left label that follows it in the text."""
    return _GLUED_LABEL_RE.sub("", url).rstrip(".,;:!?»”’)]}*_")


# A mirror of Telegram's public posts (`https://news.1rj.ru/str/gonzo_ML/1885`): another host,
# `/str/`, then the channel's handle and the message id, as Telegram's own `t.me/<handle>/<id>`.
_MIRROR_RE = re.compile(
    r"^https?://(?:www\.)?(?!(?:t\.me|telegram\.me|telegram\.dog)/)[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
    r"/str/(?P<handle>[A-Za-z][A-Za-z0-9_]{3,})/(?P<id>\d+)/?$")


def telegram_mirror(url: str) -> str | None:
    """`https://t.me/<handle>/<id>` for a mirror's copy of a Telegram post, else None."""
    m = _MIRROR_RE.match(url)
    return f"https://t.me/{m.group('handle')}/{m.group('id')}" if m else None


def find_urls(text: str) -> list[str]:
    """Every URL in the text, trailing punctuation trimmed, in order, without repeats."""
    out: list[str] = []
    for m in URL_RE.finditer(text):
        url = trim_url(m.group(0))
        if url not in out:
            out.append(url)
    return out


def arxiv_id(url: str) -> str | None:
    """The arXiv id of an abstract, PDF or HTML link, without its version (`2306.08543`);
    None for an id cut short (`2405.2044`: since 2015 the number after the dot has five digits)."""
    m = ARXIV_RE.search(url)
    if not m:
        return None
    aid = m.group("id")
    yymm, _, number = aid.partition(".")
    if number and yymm.isdigit() and int(yymm) >= 1501 and len(number) != 5:
        return None
    return aid


# One emoji: a pictograph (or symbol) with optional variation selectors, skin tones and ZWJ parts.
_PICTO = (
    r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u2190-\u21FF"
    r"\u203C\u2049\u2122\u2139\u3030\u303D\u3297\u3299\u00A9\u00AE]"
)
_EMOJI = rf"(?:{_PICTO}[\uFE0F\u200D\U0001F3FB-\U0001F3FF]*)+"
_COUNT = r"\d+(?:[.,]\d+)?[KkMm]?"
REACTION_TOKEN_RE = re.compile(rf"(?P<emoji>{_EMOJI})?(?P<count>{_COUNT})")
REACTIONS_LINE_RE = re.compile(rf"^(?:(?:{_EMOJI})?{_COUNT}\s*)+$")
_HAS_EMOJI_RE = re.compile(_PICTO)


def is_reactions_line(line: str, *, bare_allowed: bool = False) -> bool:
    """True for a reactions line. Bare counts alone (`20`) only where `bare_allowed` (right after
    a media placeholder), since a number alone may also be a line of a post."""
    s = line.strip()
    if not s or REACTIONS_LINE_RE.match(s) is None:
        return False
    return bare_allowed or _HAS_EMOJI_RE.search(s) is not None


_NOT_ALNUM_RE = re.compile(r"[\W_]+")  # what is not `str.isalnum` (\w is alnum and `_`)


def line_key(text: str) -> str:
    """What two copies of a line share: letters and digits, case-folded (emoji, spaces and
    punctuation are what the copies lose). A line of symbols only is its own key."""
    key = _NOT_ALNUM_RE.sub("", text.casefold())
    return key or text.strip()


def splittable(url: str) -> str:
    """The URL with its square brackets percent-encoded when they do not enclose an IP address.
    MkDocs splits the URL of every link on a page (`urllib.parse.urlsplit`), which raises on a
    bracketed host that is no IPv6 address (`https://[start:x]`): one such link in a post would
    stop every build."""
    try:
        urllib.parse.urlsplit(url)
    except ValueError:
        return url.replace("[", "%5B").replace("]", "%5D")
    return url

