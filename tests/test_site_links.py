"""The built site: cross-links on review pages, the papers index in the nav, the search and sorting.

The site is built from a copy of the project in a temporary folder (`postdocs build`, then
`mkdocs build --strict`, which also fails on a broken relative `.md` link), so the test never
writes into the working tree. Every internal link of the built HTML, cross-links included, is
checked by tests/test_pages_site.py::test_no_broken_internal_link.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from postdocs.cli import main

from .conftest import copy_project


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("project"))
    assert main(["--root", str(root), "build", "-q"]) == 0
    # Served from the root of its host, absolute links (404 page) start at the site folder.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true",
           "POSTDOCS_SITE_URL": "https://example.org/"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                    "-d", str(root / "site")], cwd=root, env=env, check=True)
    return root / "site"


def test_review_pages_link_to_other_reviews(site: Path) -> None:
    reviews = sorted((site / "reviews").rglob("index.html"))
    assert reviews
    without = []
    for page in reviews:
        text = page.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text:  # a former address, redirecting to its review
            continue
        if "<strong>Topics:</strong>" in text:  # a review with a topic has related reviews
            assert "Related reviews" in text, page
        elif "Related reviews" not in text:  # one without may have none (never coincidences)
            without.append(page)
    assert len(without) <= 6, without


def test_same_paper_and_date_reference_are_links_in_the_html(site: Path) -> None:
    mathy = site / "reviews" / "MathyAIwithMike"
    sae = (mathy / "scaling-and-evaluating-sparse-autoencoders" / "index.html").read_text(
        encoding="utf-8")
    assert "Also reviewed in" in sae
    assert 'href="../../rizzearch/scaling-and-evaluating-sparse-autoencoders/"' in sae
    odds = next(p for p in mathy.glob("what-are-the-odds*/index.html"))
    assert '<a href="../probing-the-decision-boundaries-of-in-context-learning-in-large-' \
           'language-models/">27.06</a>' in odds.read_text(encoding="utf-8")


def test_papers_index_is_built_in_nav_and_search(site: Path) -> None:
    papers = (site / "papers" / "index.html").read_text(encoding="utf-8")
    every = "".join(p.read_text(encoding="utf-8") for p in (site / "papers").rglob("*.html"))
    assert "Scaling and evaluating sparse autoencoders" in every
    assert "sort-tables.js" in papers and (site / "assets/javascripts/sort-tables.js").exists()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="papers/"' in home  # in the navigation
    # the page is searchable; its table is not (search finds the reviews themselves)
    assert 'data-pagefind-body' in papers
    assert '<div class="pd-sortable pd-papers" data-pagefind-ignore>' in papers
    assert (site / "pagefind" / "postdocs-index.json").is_file()


@pytest.mark.browser
def test_papers_table_sorts_by_clicked_column(site: Path, browser: Any) -> None:
    def first_dates(page: Any) -> list[str]:
        dates: list[str] = page.eval_on_selector_all(
            ".pd-sortable tbody tr", "rows => rows.map(r => r.cells[2].textContent.trim())")
        return dates

    page = browser.new_page()
    try:
        page.goto((site / "papers" / "index.html").as_uri())
        page.wait_for_selector(".pd-sortable table[data-pd-sortable]")
        shown = first_dates(page)
        dated = [d for d in shown if d != "—"]
        assert dated == sorted(dated, reverse=True)  # newest first as generated
        page.click(".pd-sortable th:nth-child(3)")
        ascending = first_dates(page)
        dated = [d for d in ascending if d != "—"]
        assert dated == sorted(dated) and dated[0] < shown[0]
        assert ascending[len(dated):] == ["—"] * (len(ascending) - len(dated))
        page.click(".pd-sortable th:nth-child(3)")
        assert [d for d in first_dates(page) if d != "—"] == sorted(dated, reverse=True)
    finally:
        page.close()
