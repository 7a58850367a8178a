"""The papers index: every paper reviewed on the site, its arXiv link and all its reviews.

A table, newest first, on pages of at most `PAPERS_PER_PAGE` papers and `REVIEWS_PER_PAGE`
review links (`papers/`, then the archive `papers/page/1/` … from the oldest: no page grows
with the site, even where one paper is reviewed many times). Written as HTML so each cell
carries its column's name: on a phone (postdocs.css) every row becomes a card, read top to
bottom without sideways scrolling. The paper's title links to its first review.
`overrides/assets/javascripts/sort-tables.js` sorts the table by a clicked column (dates are
ISO, so text order is date order) and narrows it to the rows holding what is typed in the filter
box. Search skips the table (`data-pagefind-ignore`): it finds the reviews themselves.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from ..model import Paper
from ..urls.slugs import relative
from .indexes import fill_pages, listing_page_path, moved_pages, pager, stable_pages
from .markup import inline
from .pages import SiteContext
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


def _heading(papers: Sequence[Paper], number: int | None, chunk: Sequence[Paper]
             ) -> tuple[str, str, str]:
    """A page's title, front-matter and first paragraph: the front page counts every paper,
    an archive page (excluded from search) says which papers it holds."""
    if number is None:
        reviews = sum(len(p.reviews) for p in papers)
        shared = sum(1 for p in papers if len(p.reviews) > 1)
        return "Papers", "---\ntitle: Papers\n---\n", (
            f"{len(papers)} papers, {reviews} reviews; reviewed more than once: {shared}. "
            "Newest first; a paper's title opens its first review; click a column heading to "
            "sort this page by it.")
    title = f"Papers — page {number}"
    here = listing_page_path(PAPERS_PAGE, number)
    dates = [p.first_date.isoformat() for p in chunk if p.first_date]
    span = f"first reviewed {min(dates)} to {max(dates)}" if dates else (
        "first review of unknown date")
    return title, f"---\ntitle: {title}\nsearch:\n  exclude: true\n---\n", (
        f"Older papers of the [papers index]({relative(here, PAPERS_PAGE)}): {len(chunk)} "
        f"papers, {span}; newest first, the archive's page 1 holds the oldest. A paper's title "
        "opens its first review; click a column heading to sort this page by it.")


def papers_pages(papers: Sequence[Paper], ctx: SiteContext) -> dict[str, str]:
    """The papers index: the newest papers on `papers/`, the older ones on the archive's pages
    (`stable_pages`: numbered from the oldest, so one new review changes the front page and
    the page of the paper it reviews, not every page)."""
    def starts_page(page: list[Paper], paper: Paper) -> bool:
        return (len(page) == PAPERS_PER_PAGE
                or sum(len(p.reviews) for p in page) + len(paper.reviews) > REVIEWS_PER_PAGE)

    def half_full(page: list[Paper]) -> bool:
        return (2 * len(page) >= PAPERS_PER_PAGE
                or 2 * sum(len(p.reviews) for p in page) >= REVIEWS_PER_PAGE)

    newest_first = sorted(papers, key=_order)
    pages = stable_pages(newest_first, starts_page, half_full)
    archive = len(pages) - 1
    # the pages the index had when it was cut newest first, for `moved_pages`
    before = len(fill_pages(newest_first, starts_page))
    out: dict[str, str] = {}
    for number, chunk in pages:
        here = listing_page_path(PAPERS_PAGE, number)
        title, head, summary = _heading(papers, number, chunk)
        nav = pager(PAPERS_PAGE, number, archive)
        lines = [
            head,
            f"# {title}",
            "",
            summary,
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
    return out | moved_pages(PAPERS_PAGE, archive, before, "Papers", ctx)
