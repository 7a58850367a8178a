"""Sharing a review in a real browser: link-preview meta in the page head and the "Copy link"
button, which copies the review's permalink, also after Material's instant navigation."""

from __future__ import annotations

from typing import Any

import pytest

from postdocs.pipeline import Corpus

from .conftest import Server, Visit, find_post, review_url

pytestmark = pytest.mark.browser


def _meta(page: Any, key: str) -> str:
    value = page.evaluate(
        "k => { const m = document.querySelector(`meta[property='${k}'], meta[name='${k}']`);"
        " return m ? m.content : null; }", key)
    assert value is not None, f"no <meta> {key} on {page.url}"
    return str(value)


def _canonical(page: Any) -> str:
    return str(page.evaluate("document.querySelector('link[rel=canonical]').href"))


def _copy(visit: Visit) -> str:
    page = visit.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                   origin=visit.server.url("").split("/postdocs/")[0])
    button = page.locator(".postdocs-copy-link")
    assert button.count() == 1
    button.click()
    page.wait_for_function(
        "document.querySelector('.postdocs-copy-link').textContent === 'Link copied'")
    return str(page.evaluate("navigator.clipboard.readText()"))


def test_russian_review_previews_and_copies_its_permalink(visit: Visit, server: Server,
                                                          site_corpus: Corpus) -> None:
    # 002 (gonzo_ML): "An In-depth Look at Gemini's Language Abilities … Нанообзор."
    post = find_post(site_corpus, "gonzo_ML", "Нанообзор")
    visit.goto(review_url(post))
    page = visit.page
    permalink = server.url(review_url(post))
    assert _canonical(page) == permalink
    assert _meta(page, "og:url") == permalink
    assert _meta(page, "og:locale") == "ru_RU"
    assert _meta(page, "og:type") == "article"
    assert _meta(page, "og:title") == "An In-depth Look at Gemini's Language Abilities"
    assert "Gemini Pro" in _meta(page, "og:description")
    assert _copy(visit) == permalink
    assert not visit.console_errors and not visit.foreign


def test_copy_link_follows_instant_navigation(visit: Visit, server: Server,
                                              site_corpus: Corpus) -> None:
    post = find_post(site_corpus, "gonzo_ML", "Нанообзор")
    visit.goto(review_url(post))
    page = visit.page
    page.evaluate("window.__postdocsMarker = 1")  # survives instant navigation, not a reload
    page.locator(".postdocs-review-header a[href*='channels/gonzo_ML']").click()
    page.wait_for_url("**/channels/gonzo_ML/")
    page.wait_for_selector(".postdocs-review-header", state="detached")
    assert page.locator(".postdocs-copy-link").count() == 0  # channel pages have no button
    page.locator("article a[href*='reviews/gonzo_ML/pathfinder']").first.click()
    page.wait_for_url("**/reviews/gonzo_ML/pathfinder*/")
    page.wait_for_selector(".postdocs-copy-link")
    assert page.evaluate("window.__postdocsMarker") == 1  # no full page load happened
    assert _copy(visit) == page.url == _canonical(page)
    assert not visit.console_errors and not visit.foreign


def test_hebrew_review_preview_locale(visit: Visit, site_corpus: Corpus) -> None:
    post = next(p for p in site_corpus.posts if p.channel == "MathyAIwithMike" and p.lang == "he"
                and p.date is not None)
    visit.goto(review_url(post))
    assert _meta(visit.page, "og:locale") == "he_IL"
    assert _meta(visit.page, "article:published_time") == post.date.isoformat()  # type: ignore[union-attr]


def test_copy_link_off_the_canonical_site_copies_the_address_read(
        visit: Visit, server: Server, site_corpus: Corpus) -> None:
    """A site built with a site_url it is not served at (the shipped placeholder, a copy on
    another host, `mkdocs serve`): the button copies the address that opens, not the
    placeholder. The served page is the real one with its canonical link pointed elsewhere."""
    post = find_post(site_corpus, "gonzo_ML", "Нанообзор")
    url = server.url(review_url(post))
    page = visit.page

    def elsewhere(route: Any) -> None:
        html = route.fetch().text()
        moved = html.replace(f'href="{url}"', 'href="https://example.org/postdocs/x/"')
        assert moved != html  # the page had its canonical link
        route.fulfill(body=moved, content_type="text/html; charset=utf-8")

    page.route(url, elsewhere)
    visit.goto(review_url(post))
    assert _canonical(page) == "https://example.org/postdocs/x/"
    assert _copy(visit) == url == page.url
    assert not visit.console_errors
