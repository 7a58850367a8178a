"""The search index (search_index.py): Pagefind over a small built site, each page's language
on `<html lang>`, the filter choices, Hebrew words without their prefixes (render.py)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from postdocs.errors import OutputError
from postdocs.mkdocs.search_index import (
    filter_choices,
    page_filters,
    run_pagefind,
    with_page_language,
)
from postdocs.render.pages import hebrew_search_forms

PAGE = """<!doctype html>
<html lang="en" class="no-js"><head><title>{title}</title></head><body>
<nav>navigation words everywhere</nav>
<article data-pagefind-body><h1>{title}</h1>
<div hidden><span data-pagefind-filter="channel[data-value]" data-value="{channel}"></span></div>
<p>{text}</p></article></body></html>"""


def _page(site: Path, path: str, lang: str, title: str, channel: str, text: str) -> None:
    html = PAGE.format(title=title, channel=channel, text=text)
    out = site / path / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(with_page_language(html, lang), encoding="utf-8")


def _fragments(site: Path) -> dict[str, str]:
    """Indexed page URL → its indexed text (Pagefind's fragment files are gzip'd JSON)."""
    out = {}
    for f in (site / "pagefind" / "fragment").iterdir():
        data = json.loads(gzip.decompress(f.read_bytes()).removeprefix(b"pagefind_dcd"))
        out[data["url"]] = data["content"]
    return out


def test_page_language_goes_on_html_lang_and_nothing_else_does() -> None:
    html = '<html lang="en" class="no-js"><body lang="en">'
    assert with_page_language(html, "he") == '<html lang="he" class="no-js"><body lang="en">'
    for bad in (None, "", 3, 'he" onload="x', "HE", "hebrew-language-tag-too-long-x"):
        assert with_page_language(html, bad) == html


def test_filters_are_read_from_attributes_and_counted() -> None:
    html = ('<span data-pagefind-filter="channel[data-value]" data-value="A &amp; B"></span>'
            '<span data-pagefind-filter="year[data-value]" data-value="2024"></span>'
            '<span data-pagefind-meta="channel[data-value]" data-value="ignored"></span>')
    assert page_filters(html) == (("channel", "A & B"), ("year", "2024"))
    choices = filter_choices([(("year", "2023"),), (("year", "2024"), ("channel", "b")),
                              (("year", "2024"), ("channel", "a"))])
    assert choices == {"channel": [["a", 1], ["b", 1]], "year": [["2024", 2], ["2023", 1]]}


def test_pagefind_indexes_each_language_apart_and_the_article_only(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _page(site, "reviews/ru/one", "ru", "Первый", "канал", "Модели диффузии учатся быстро.")
    _page(site, "reviews/he/two", "he", "שני", "ערוץ", "מודלים בדיפוזיה לומדים מהר.")
    _page(site, "about", "en", "About", "none", "Plain English words.")
    filters = {url: page_filters((site / url / "index.html").read_text("utf-8"))
               for url in ("reviews/ru/one", "reviews/he/two")}
    seconds = run_pagefind(site, filters)
    assert seconds > 0
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    assert {k: v["page_count"] for k, v in entry["languages"].items()} == {
        "ru": 1, "he": 1, "en": 1}
    fragments = _fragments(site)
    assert set(fragments) == {"/reviews/ru/one/", "/reviews/he/two/", "/about/"}
    assert "диффузии" in fragments["/reviews/ru/one/"]
    assert not any("navigation" in text for text in fragments.values())
    choices = json.loads((site / "pagefind" / "postdocs-filters.json").read_text("utf-8"))
    assert choices == {"channel": [["канал", 1], ["ערוץ", 1]]}
    # Pagefind's own ready-made interfaces are not shipped; indexing again replaces the index
    assert not (site / "pagefind" / "pagefind-ui.js").exists()
    run_pagefind(site)
    assert json.loads((site / "pagefind" / "postdocs-filters.json").read_text("utf-8")) == choices
    assert not (site / "pagefind.new").exists() and not (site / "pagefind.old").exists()


def test_a_site_pagefind_cannot_index_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="the search index could not be made"):
        run_pagefind(tmp_path / "no-such-site")


def test_hebrew_words_lose_their_prefixes_for_the_index() -> None:
    text = "ובדיפוזיה הדיפוזיה לדיפוזיה במודל מקורית של הם"
    forms = hebrew_search_forms(text)
    assert forms[:2] == ["בדיפוזיה", "דיפוזיה"]  # ו, then ו+ב
    assert "מודל" in forms  # ב
    assert "קורית" not in forms  # מ is not taken off
    assert "ל" not in forms and "ם" not in forms  # at least three letters are left
    assert len(forms) == len(set(forms))
