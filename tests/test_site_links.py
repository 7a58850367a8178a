"""The built site: every internal link resolves, cross-links and the papers index are there.

The site is built from a copy of the project in a temporary folder (`postdocs build`, then
`mkdocs build --strict`), so the test never writes into the working tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from postdocs.cli import main
from postdocs.write import load_manifest

from .conftest import ROOT


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value and tag in ("a", "link", "script", "img"):
                self.hrefs.append(value)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", root / "overrides")
    docs = ROOT / "content" / "docs"
    generated = {str(docs / p) for p in load_manifest(docs)}  # pages of earlier builds

    def skip(folder: str, names: list[str]) -> list[str]:
        return [n for n in names
                if n.startswith(".postdocs") or str(Path(folder) / n) in generated]

    shutil.copytree(ROOT / "content", root / "content", ignore=skip)
    assert main(["--root", str(root), "build", "-q"]) == 0
    # Served from the root of its host, absolute links (404 page) start at the site folder.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true",
           "POSTDOCS_SITE_URL": "https://example.org/"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                    "-d", str(root / "site")], cwd=root, env=env, check=True)
    return root / "site"


def _target(site: Path, page: Path, href: str) -> Path | None:
    """The file an internal link points at (None for external links and in-page anchors)."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    base = site if path.startswith("/") else page.parent
    target = (base / path.lstrip("/")).resolve()
    return target / "index.html" if path.endswith("/") or target.is_dir() else target


def test_no_internal_link_of_the_built_site_is_broken(site: Path) -> None:
    broken: list[str] = []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 150
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href in parser.hrefs:
            target = _target(site, page, href)
            if target is not None and not target.exists():
                broken.append(f"{page.relative_to(site)} → {href}")
    assert not broken, "\n".join(broken[:20])


def test_review_pages_link_to_other_reviews(site: Path) -> None:
    reviews = sorted((site / "reviews").rglob("index.html"))
    assert reviews
    for page in reviews:
        text = page.read_text(encoding="utf-8")
        assert "Related reviews" in text, page


def test_papers_index_is_built_in_nav_and_search(site: Path) -> None:
    papers = (site / "papers" / "index.html").read_text(encoding="utf-8")
    assert "Scaling and evaluating sparse autoencoders" in papers
    assert "sort-tables.js" in papers and (site / "assets/javascripts/sort-tables.js").exists()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="papers/"' in home  # in the navigation
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert '"location":"papers/"' in index.replace(" ", "")


@pytest.mark.browser
def test_papers_table_sorts_by_clicked_column(site: Path) -> None:
    from playwright.sync_api import sync_playwright

    def first_dates(page: object) -> list[str]:
        return page.eval_on_selector_all(  # type: ignore[attr-defined, no-any-return]
            ".pd-sortable tbody tr", "rows => rows.map(r => r.cells[2].textContent.trim())")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM",
                                                                     "/usr/bin/chromium"))
        try:
            page = browser.new_page()
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
            browser.close()
