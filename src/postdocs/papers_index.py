"""The papers index: every paper reviewed on the site, its arXiv link and all its reviews.

One table, newest first; `overrides/assets/javascripts/sort-tables.js` sorts it by a clicked
column (dates are ISO, so text order is date order). The page is in the site search.
"""

from __future__ import annotations

from collections.abc import Sequence

from .markup import inline
from .model import Paper
from .slugs import relative

PAPERS_PAGE = "papers/index.md"


def _order(paper: Paper) -> tuple[bool, int, str, str]:
    first = paper.first_date
    return (first is None, -first.toordinal() if first else 0, paper.title.lower(), paper.key)


def papers_page(papers: Sequence[Paper]) -> str:
    reviews = sum(len(p.reviews) for p in papers)
    shared = sum(1 for p in papers if len(p.reviews) > 1)
    lines = [
        "---\ntitle: Papers\n---\n",
        "# Papers",
        "",
        f"{len(papers)} papers, {reviews} reviews; reviewed more than once: {shared}. "
        "Newest first; click a column heading to sort by it.",
        "",
        '<div class="pd-sortable" markdown>',
        "",
        "| Paper | arXiv | First review | Reviews (channel · date · language) |",
        "| --- | --- | --- | --- |",
    ]
    for p in sorted(papers, key=_order):
        arxiv = f"[{p.arxiv}](https://arxiv.org/abs/{p.arxiv})" if p.arxiv else "—"
        first = p.first_date.isoformat() if p.first_date else "—"
        cells = "<br>".join(
            f"[{inline(r.note)}]({relative(PAPERS_PAGE, r.path)})" for r in p.reviews)
        lines.append(f"| {inline(p.title)} | {arxiv} | {first} | {cells} |")
    lines += ["", "</div>"]
    return "\n".join(lines) + "\n"
