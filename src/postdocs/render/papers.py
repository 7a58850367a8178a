"""The papers index: every paper reviewed on the site, its arXiv link and all its reviews.

A table, newest first, on pages of at most `PAPERS_PER_PAGE` papers and `REVIEWS_PER_PAGE`
review links (`papers/`, `papers/page/2/` …: no page grows with the site, even where one paper
is reviewed many times). Written as HTML so each cell carries its column's name: on a phone
(postdocs.css) every row becomes a card, read top to bottom without sideways scrolling. The
paper's title links to its first review. `overrides/assets/javascripts/sort-tables.js` sorts the
table by a clicked column (dates are ISO, so text order is date order) and narrows it to the
rows holding what is typed in the filter box. Search skips the table (`data-pagefind-ignore`):
it finds the reviews themselves.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from ..model import Paper
from .indexes import listing_page_path, pager
from .markup import inline
from .prerender import page_href

PAPERS_PAGE = "papers/index.md"
PAPERS_PER_PAGE = 100
REVIEWS_PER_PAGE = 200  # a page closes before this many review links (one paper at least)


def _order(paper: Paper) -> tuple[bool, int, str, str]:
    first = paper.first_date
    return (first is None, -first.toordinal() if first else 0, paper.title.lower(), paper.key)


def _row(paper: Paper, here: str) -> str:
    def cell(label: str, content: str) -> str:
        return f'<td data-label="{label}">{content}</td>'

    title = inline(paper.title, links=False)
    if paper.reviews:
        title = f'<a href="{html.escape(page_href(here, paper.reviews[0].path))}">{title}</a>'
    arxiv = (f'<a href="https://arxiv.org/abs/{html.escape(paper.arxiv)}">'
             f"{html.escape(paper.arxiv)}</a>" if paper.arxiv else "—")
    first = paper.first_date.isoformat() if paper.first_date else "—"
    reviews = "<br>".join(
        f'<a href="{html.escape(page_href(here, r.path))}">{inline(r.note, links=False)}</a>'
        for r in paper.reviews)
    return ("<tr>" + cell("Paper", title) + cell("arXiv", arxiv) + cell("First review", first)
            + cell("Reviews", reviews) + "</tr>")


def papers_pages(papers: Sequence[Paper]) -> dict[str, str]:
    reviews = sum(len(p.reviews) for p in papers)
    shared = sum(1 for p in papers if len(p.reviews) > 1)
    ordered = sorted(papers, key=_order)
    chunks: list[list[Paper]] = [[]]
    links = 0
    for paper in ordered:
        if chunks[-1] and (len(chunks[-1]) == PAPERS_PER_PAGE
                           or links + len(paper.reviews) > REVIEWS_PER_PAGE):
            chunks.append([])
            links = 0
        chunks[-1].append(paper)
        links += len(paper.reviews)
    out: dict[str, str] = {}
    for number, chunk in enumerate(chunks, start=1):
        here = listing_page_path(PAPERS_PAGE, number)
        title = "Papers" if number == 1 else f"Papers — page {number}"
        head = (f"---\ntitle: {title}\n---\n" if number == 1
                else f"---\ntitle: {title}\nsearch:\n  exclude: true\n---\n")
        nav = pager(PAPERS_PAGE, number, len(chunks))
        lines = [
            head,
            f"# {title}",
            "",
            f"{len(papers)} papers, {reviews} reviews; reviewed more than once: {shared}. "
            "Newest first; a paper's title opens its first review; click a column heading to "
            "sort this page by it.",
            "",
            *nav,
            '<div class="pd-sortable pd-papers" data-pagefind-ignore>',
            '<p class="pd-filter"><label>Filter this page: <input type="search" '
            'placeholder="title, arXiv id, channel, date" autocomplete="off"></label></p>',
            "<table>",
            "<thead><tr><th>Paper</th><th>arXiv</th><th>First review</th>"
            "<th>Reviews (channel · date · language)</th></tr></thead>",
            "<tbody>",
            *(_row(p, here) for p in chunk),
            "</tbody>",
            "</table>",
            "</div>",
            "",
            *nav,
        ]
        out[here] = "\n".join(lines).rstrip("\n") + "\n"
    return out
