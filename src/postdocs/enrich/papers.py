"""Links in a post: arXiv ids, other paper URLs, code repositories."""

from __future__ import annotations

from ..patterns import URL_RE as URL_RE
from ..patterns import arxiv_id as arxiv_id
from ..patterns import find_urls as find_urls
from ..patterns import strip_urls as strip_urls
from ..patterns import telegram_mirror as telegram_mirror
from ..patterns import trim_url as trim_url

CODE_HOSTS = ("github.com/", "gitlab.com/", "huggingface.co/")
PAPER_HOSTS = ("openreview.net/", "aclanthology.org/", "proceedings.", "papers.nips.cc", ".pdf",
               "nature.com/articles/", "doi.org/10.")


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
