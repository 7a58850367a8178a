"""Links in a post: arXiv ids, other paper URLs, code repositories."""

from __future__ import annotations

import re

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
CODE_HOSTS = ("github.com/", "gitlab.com/", "huggingface.co/")
PAPER_HOSTS = ("openreview.net/", "aclanthology.org/", "proceedings.", "papers.nips.cc", ".pdf",
               "nature.com/articles/", "doi.org/10.")


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


def classify(urls: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`(papers, code)`: arXiv ids and paper URLs; repository URLs."""
    papers: list[str] = []
    code: list[str] = []
    for url in urls:
        aid = arxiv_id(url)
        if aid:
            if aid not in papers:
                papers.append(aid)
        elif any(h in url.lower() for h in CODE_HOSTS):
            code.append(url)
        elif any(h in url.lower() for h in PAPER_HOSTS):
            papers.append(url)
    return tuple(papers), tuple(code)
