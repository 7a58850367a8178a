"""Search (Pagefind behind Material's search box) and listings (pages of reviews, the papers
index on a phone) in a real browser, on the seed site.

The reviews are found by what their seed input says (see test_reading.py): the Russian review
holding «нехилое», the Hebrew review of "Equivariant Contrastive Learning"."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from postdocs.model import Post
from postdocs.pipeline import Corpus
from postdocs.render.pages import body_markdown, hebrew_search_forms
from postdocs.urls.slugs import channel_path, page_url

from .conftest import (
    ARTIFACTS,
    RU_WORD,
    Server,
    Visit,
    axe_source,
    review_url,
)
from .test_reading import assert_clean

pytestmark = pytest.mark.browser

HE_CHANNEL = "MathyAIwithMike"
LINKS = ".md-search-result__item > .md-search-result__link"




def _results(visit: Visit, query: str,
             filters: dict[str, str] | None = None) -> list[dict[str, str]]:
    """Open the search with `/`, choose `filters` (select → option text prefix), type `query`;
    the shown results (href, dir, lang, title, facts) once they are all shown."""
    page = visit.page
    page.keyboard.press("/")
    page.wait_for_function("() => document.activeElement.matches('input.md-search__input')")
    page.wait_for_selector(".postdocs-search-filters:not([hidden])")
    for key, value in (filters or {}).items():
        select = page.locator(f"select[data-filter={key}]")
        options = select.locator("option").all_inner_texts()
        chosen = [o for o in options if o.startswith(value + " (")]
        assert chosen, (key, value, options)
        select.select_option(label=chosen[0])
    page.fill("input.md-search__input", query)
    # the search box marks the query whose results it has shown in full
    page.wait_for_function(
        "q => document.querySelector('[data-postdocs-search]').dataset.shown === q", arg=query)
    found: list[dict[str, str]] = page.eval_on_selector_all(
        ".md-search-result__item:not(.postdocs-search-more)",
        """els => els.map(e => ({
            href: new URL(e.querySelector('a').href).pathname,
            dir: e.getAttribute('dir'), lang: e.getAttribute('lang'),
            title: e.querySelector('h1').textContent,
            facts: (e.querySelector('.postdocs-search-facts') || {}).textContent || ''}))""")
    return found


def _all_results(visit: Visit, query: str) -> list[dict[str, str]]:
    """`_results`, then "Show more" pressed until every result is shown."""
    found = _results(visit, query)
    page = visit.page
    while page.locator(".postdocs-search-more button").count():
        page.click(".postdocs-search-more button")
        page.wait_for_function(
            "n => document.querySelectorAll("
            "'.md-search-result__item:not(.postdocs-search-more)').length > n", arg=len(found))
        found = page.eval_on_selector_all(
            ".md-search-result__item:not(.postdocs-search-more) a",
            "els => els.map(e => ({href: new URL(e.href).pathname}))")
    return found


def _path(server: Server, post: Post) -> str:
    from urllib.parse import urlsplit
    return urlsplit(server.url(review_url(post))).path


def test_nothing_of_search_loads_before_the_reader_searches(
        visit: Visit, server: Server, ru_post: Post) -> None:
    visit.goto(review_url(ru_post))
    # the search box's own small script only: no index, no worker, nothing of Pagefind
    asked = [u for u in visit.requests if "pagefind" in u or "search" in u]
    assert [u.rsplit("/", 1)[1] for u in asked] == ["postdocs-search.js"], asked
    found = _results(visit, "PPO")
    assert found and all(r["href"].startswith("/postdocs/") for r in found)
    assert any(re.search(r"/pagefind/[a-z]{2}-0/pagefind\.js", u) for u in visit.requests)
    assert not any("search_index.json" in u for u in visit.requests)
    assert_clean(visit)


def test_search_in_three_languages_with_filters(
        visit: Visit, server: Server, ru_post: Post, he_post: Post) -> None:
    visit.goto("")
    ru, he = _path(server, ru_post), _path(server, he_post)
    # Russian, narrowed to Russian reviews; nothing with Hebrew only
    found = _results(visit, RU_WORD, {"language": "Russian"})
    assert ru in [r["href"] for r in found]
    assert all(r["lang"] == "ru" and r["dir"] == "ltr" for r in found)
    visit.goto("")
    assert ru not in [r["href"] for r in _results(visit, RU_WORD, {"language": "Hebrew"})]
    # Hebrew, by channel: right-to-left results with channel, language and topics shown
    visit.goto("")
    channel = he_post.channel
    name = next(c.name for c in server_channels(visit) if c.id == channel)
    found = _results(visit, "אינווריאנטיות", {"channel": name})
    assert he in [r["href"] for r in found]
    # the Hebrew index is in shards (SHARD_PAGES): the query asked every one of them
    index = json.loads((server.root / "pagefind" / "postdocs-index.json").read_text("utf-8"))
    he_shards = index["languages"]["he"]["shards"]
    asked = {m.group(1) for u in visit.requests
             if (m := re.search(r"/pagefind/(he-\d+)/pagefind\.he_", u))}
    assert len(he_shards) >= 3 and asked == set(he_shards)
    mine = next(r for r in found if r["href"] == he)
    assert mine["dir"] == "rtl" and mine["lang"] == "he"
    assert name in mine["facts"] and "Hebrew" in mine["facts"]
    # English term across languages, by topic and by year
    visit.goto("")
    found = _results(visit, "Mamba", {"topic": "State-space models"})
    assert len(found) >= 3 and {r["lang"] for r in found} >= {"he"}
    assert all("State-space models" in r["facts"] for r in found)
    visit.goto("")
    found = _results(visit, "PPO", {"year": "2024"})
    assert found and all(re.search(r"\b2024-\d\d-\d\d\b", r["facts"]) for r in found)
    assert_clean(visit)


def server_channels(visit: Visit) -> Any:
    from postdocs.config import load_project
    return load_project(visit.server.project).channels


def test_hebrew_word_finds_reviews_that_write_it_with_a_prefix(
        visit: Visit, server: Server, site_corpus: Corpus) -> None:
    """A word the review only has with a prefix (ב/ה/ו/ל …) still finds it."""
    he_posts = [p for p in site_corpus.posts if p.lang == "he"]
    for post in he_posts:
        text = body_markdown(post)
        words = set(re.findall("[\u05d0-\u05ea]+", text))
        bare = [f for f in hebrew_search_forms(text) if f not in words and len(f) >= 6]
        if bare:
            break
    else:
        pytest.fail("no Hebrew review writes a word only with a prefix")
    visit.goto("")
    found = _all_results(visit, bare[0])  # a common word: the review may be far down
    assert _path(server, post) in [r["href"] for r in found], (bare[0], found[:5])
    assert_clean(visit)


def test_reviews_rank_above_listing_pages(visit: Visit, server: Server) -> None:
    visit.goto("")
    page = visit.page
    found = _results(visit, "diffusion")  # English: every language's index, listings too
    while page.locator(".postdocs-search-more button").count():
        page.click(".postdocs-search-more button")
        page.wait_for_timeout(300)
    hrefs = page.eval_on_selector_all(LINKS, "els => els.map(e => new URL(e.href).pathname)")
    kinds = ["/reviews/" in h for h in hrefs]
    assert found and kinds[0] and kinds == sorted(kinds, reverse=True), hrefs
    assert "/postdocs/topics/diffusion/" in hrefs, "the topic page is found, after the reviews"


def test_keyboard_opens_moves_follows_and_closes(visit: Visit, server: Server) -> None:
    visit.goto("")
    page = visit.page
    page.evaluate("() => { window.__sameDocument = true; }")
    page.keyboard.press("s")
    page.wait_for_function("() => document.activeElement.matches('input.md-search__input')")
    assert page.evaluate("() => document.getElementById('__search').checked")
    page.keyboard.press("Escape")
    assert not page.evaluate("() => document.getElementById('__search').checked")
    found = _results(visit, "Mamba")
    assert found
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("() => new URL(document.activeElement.href).pathname")
    assert focused == found[1]["href"]
    page.keyboard.press("ArrowUp")
    assert page.evaluate("() => new URL(document.activeElement.href).pathname") == found[0]["href"]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(found[0]["href"]) + "$"))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => window.__sameDocument === true")  # instant navigation
    assert not page.evaluate("() => document.getElementById('__search').checked")
    assert_clean(visit)


def test_instant_navigation_without_the_list_of_every_page(
        visit: Visit, server: Server, he_post: Post) -> None:
    """sitemap.xml, which Material's instant navigation downloads with the first page, is an
    index of sitemap-pages.xml (a few hundred bytes at any size); the site's links are still
    followed without a page load, back and forward included, and a plain page load remains
    where Material's navigation stream is missing."""
    page = visit.page
    review = _path(server, he_post)
    visit.goto(review_url(he_post))
    assert any(u.endswith("/postdocs/sitemap.xml") for u in visit.requests)
    assert not any("sitemap-pages" in u for u in visit.requests)
    size = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter(e => e.name.endsWith('/sitemap.xml')).map(e => e.decodedBodySize)""")
    assert size and size[0] < 400, size
    index = page.evaluate("() => fetch('../../../sitemap.xml').then(r => r.text())")
    assert "<sitemapindex" in index and "sitemap-pages.xml</loc>" in index
    pages = page.evaluate("() => fetch('../../../sitemap-pages.xml').then(r => r.text())")
    assert f"<loc>{server.url(review_url(he_post))}</loc>" in pages
    title = page.inner_text("article h1")
    page.evaluate("() => { window.__sameDocument = true; }")
    page.click(".postdocs-review-header a[href*='/channels/']")
    page.wait_for_url(re.compile(r"/channels/"))
    page.wait_for_selector(".postdocs-listing")  # the channel page is swapped in
    assert page.evaluate("() => window.__sameDocument === true")  # with no page load
    page.go_back()
    page.wait_for_url(re.compile(re.escape(review) + "$"))
    page.wait_for_function("t => document.querySelector('article h1').innerText === t",
                           arg=title)
    assert page.evaluate("() => window.__sameDocument === true")
    # another theme version, without the stream: links are followed by a page load
    page.add_init_script("""Object.defineProperty(window, "location$", {
        configurable: true, get: () => undefined, set: () => {}})""")
    visit.goto(review_url(he_post))
    page.evaluate("() => { window.__sameDocument = true; }")
    page.click(".postdocs-review-header a[href*='/channels/']")
    page.wait_for_url(re.compile(r"/channels/"))
    page.wait_for_selector(".postdocs-listing")
    assert page.evaluate("() => window.__sameDocument") is None  # a page load
    assert_clean(visit)


def test_search_in_dark_mode(visit: Visit) -> None:
    visit.goto("")
    page = visit.page
    page.locator("form[data-md-component=palette] label:visible").first.click()
    if page.get_attribute("body", "data-md-color-scheme") != "slate":
        page.locator("form[data-md-component=palette] label:visible").first.click()
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    assert _results(visit, "Mamba")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-dark.png"))
    background = page.eval_on_selector(
        ".md-search__output", "e => getComputedStyle(e).backgroundColor")
    rgb = [int(x) for x in re.findall(r"\d+", background)[:3]]
    assert sum(rgb) / 3 < 100, background  # a dark panel, not Material's light one
    assert_clean(visit)


def test_channel_pages_show_the_newest_and_an_archive(
        visit: Visit, server: Server, site_corpus: Corpus) -> None:
    channel = HE_CHANNEL
    total = sum(1 for p in site_corpus.posts if p.channel == channel)
    assert total > 100
    first = page_url(channel_path(channel))
    visit.goto(first)
    page = visit.page
    entries = ".postdocs-listing > ul > li"

    def shown() -> list[str]:
        texts: list[str] = page.eval_on_selector_all(entries, "els => els.map(e => e.innerText)")
        return texts

    one = shown()
    assert 25 <= len(one) < 75  # the newest: what the archive's full pages do not hold
    name = next(c.name for c in server_channels(visit) if c.id == channel)
    assert not any(name in t for t in one), "entries on a channel page repeat the channel"
    page.evaluate("() => { window.__sameDocument = true; }")
    older = page.locator(".md-content a", has_text="Older →").first
    href = older.get_attribute("href") or ""
    assert (found := re.search(r"page/(\d+)/$", href)), href
    count = int(found[1])
    assert count == (total - len(one)) // 50  # the archive: full pages of 50 from the oldest
    older.click()
    page.wait_for_url(server.url(first + f"page/{count}/"))
    page.wait_for_function(
        f"() => document.querySelector('h1').textContent.includes('page {count}')")
    two = shown()
    assert len(two) == 50 and not set(two) & set(one)
    dates = [m[0] for t in one + two if (m := re.search(r"\d{4}-\d\d-\d\d", t))]
    assert dates == sorted(dates, reverse=True)
    assert page.evaluate("() => window.__sameDocument === true")
    page.locator(".md-content a", has_text="1").filter(has_text=re.compile(r"^1$")).first.click()
    page.wait_for_url(server.url(first + "page/1/"))
    page.wait_for_function("() => document.querySelector('h1').textContent.includes('page 1')")
    oldest = [m[0] for t in shown() if (m := re.search(r"\d{4}-\d\d-\d\d", t))]
    assert oldest and max(oldest) <= min(dates)
    assert page.locator(".md-content a", has_text="2024").count() >= 1  # the archive by year
    assert_clean(visit)


def test_papers_index_on_a_phone(visit: Visit, server: Server) -> None:
    page = visit.page
    page.set_viewport_size({"width": 390, "height": 844})
    visit.goto("papers/")
    width = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], width  # no sideways scrolling
    rows = ".pd-papers tbody tr:not([hidden])"
    before = page.locator(rows).count()
    assert 50 <= before < 150 and before == page.locator(".pd-papers tbody tr").count()
    link = page.locator(f"{rows} td[data-label=Paper] a").first
    assert "/reviews/" in (link.get_attribute("href") or "")
    page.fill(".pd-filter input", "mamba")
    after = page.locator(rows).count()
    assert 0 < after < before
    assert all("mamba" in t.lower() for t in page.locator(rows).all_inner_texts())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "papers-390.png"))
    link = page.locator(f"{rows} td[data-label=Paper] a").first
    box = link.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    link.click()
    page.wait_for_url(re.compile(r"/reviews/"))
    assert_clean(visit)


@pytest.mark.parametrize("path", ["papers/", f"channels/{HE_CHANNEL}/page/2/"])
def test_listing_pages_are_accessible(visit: Visit, path: str) -> None:
    visit.goto(path)
    page = visit.page
    page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], "\n".join(bad)
    assert_clean(visit)
