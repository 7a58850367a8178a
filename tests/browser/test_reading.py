"""The built site in a real browser: direction, search, navigation, math, offline, a11y.

The reviews looked at are found by phrases read in the seed dumps:
- rizzearch, 000_6219d51e455967f7.txt lines 12-33: "Same Task, More Tokens …", a Russian review
  holding the word «нехилое» (no other seed has it);
- MathyAIwithMike, 004_71cc8ab0bbd831e0.txt lines 1645-1663: the Hebrew review of
  "Equivariant Contrastive Learning" (OCR: "FQUIVARIANT"), with the display formula
  `$$p(T(I)) = I_T(p(I))$$`, the word "אינווריאנטיות" and the paper arXiv:2111.00899.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from postdocs.model import Post
from postdocs.pipeline import Corpus
from postdocs.render.pages import render_post
from postdocs.urls.slugs import channel_path, page_url, topic_path

from .conftest import (
    ARTIFACTS,
    HE_FORMULA,
    RU_WORD,
    Server,
    Visit,
    axe_source,
    review_url,
)

pytestmark = pytest.mark.browser

HE_WORD = "אינווריאנטיות"
HE_PAPER = "2111.00899"




def listing_for(post: Post, built_site: Path) -> str:
    """The page that lists `post` for a reader: its primary topic's page (the channel page
    for a review without a topic)."""
    if post.primary_topic:
        url = page_url(topic_path(post.primary_topic))
        assert (built_site / url / "index.html").is_file(), f"no topic page {url}"
        return url
    return page_url(channel_path(post.channel))


def assert_clean(visit: Visit) -> None:
    assert visit.console_errors == [], visit.console_errors
    assert visit.foreign == [], f"requests to other hosts: {visit.foreign}"
    assert all(visit.local(u) for u in visit.requests)


def computed(visit: Visit, selector: str, prop: str) -> str:
    value: str = visit.page.eval_on_selector(
        selector, "(el, p) => getComputedStyle(el).getPropertyValue(p)", prop)
    return value


RTL_TEXT = ".md-typeset [dir=rtl]"  # the review's text, wrapped by postdocs


def test_hebrew_review_reads_right_to_left_in_left_to_right_chrome(
        visit: Visit, he_post: Post) -> None:
    visit.goto(review_url(he_post))
    page = visit.page
    assert page.eval_on_selector("html", "el => el.lang") == "he"
    assert page.get_attribute(".md-content", "lang") == "he"
    assert page.get_attribute(RTL_TEXT, "lang") == "he"
    assert computed(visit, RTL_TEXT, "direction") == "rtl"
    assert computed(visit, f"{RTL_TEXT} p", "direction") == "rtl"
    # The chrome, and the review's header of English labels, keep the site's direction: the
    # static <html dir="rtl"> is turned back by the head's script, so nothing is mirrored.
    for chrome in ("html", "body", ".md-header", ".md-tabs", ".md-content", ".md-content h1"):
        assert computed(visit, chrome, "direction") == "ltr", chrome
    header = page.eval_on_selector(".md-header__inner", "el => el.getBoundingClientRect().toJSON()")
    title = page.eval_on_selector(".md-header__title", "el => el.getBoundingClientRect().toJSON()")
    logo = page.eval_on_selector(".md-header__button.md-logo",
                                 "el => el.getBoundingClientRect().toJSON()")
    assert logo["x"] < header["x"] + header["width"] / 4, (logo, header)  # logo on the left
    assert title["x"] > logo["x"], (title, logo)  # the site's name follows it to the right
    if page.locator(".postdocs-review-header").count():
        assert computed(visit, ".postdocs-review-header", "direction") == "ltr"
    # Display math is a left-to-right block inside the right-to-left text.
    assert computed(visit, f"{RTL_TEXT} div.arithmatex", "direction") == "ltr"
    # Paragraphs really lie right-aligned: their lines end at the column's right edge.
    gaps = page.evaluate("""sel => {
        const col = document.querySelector('.md-content__inner').getBoundingClientRect();
        return [...document.querySelectorAll(sel + ' > p')].slice(0, 4).map(p => {
            const r = document.createRange(); r.selectNodeContents(p);
            return col.right - Math.max(...[...r.getClientRects()].map(x => x.right));
        });
    }""", RTL_TEXT)
    assert gaps and all(gap < 4 for gap in gaps), gaps
    assert_clean(visit)


def test_hebrew_review_without_javascript_is_a_right_to_left_document(
        browser: Any, server: Server, he_post: Post) -> None:
    """What a reader without JavaScript (and a link-preview bot) gets: the static HTML's
    `<html lang="he" dir="rtl">`, the whole page right to left."""
    context = browser.new_context(java_script_enabled=False, service_workers="block")
    try:
        page = context.new_page()
        page.goto(server.url(review_url(he_post)), wait_until="load")
        assert page.evaluate("() => document.documentElement.getAttribute('dir')") == "rtl"
        assert page.eval_on_selector("html", "el => el.lang") == "he"
        for selector in ("html", RTL_TEXT, f"{RTL_TEXT} p"):
            assert page.eval_on_selector(
                selector, "el => getComputedStyle(el).direction") == "rtl", selector
    finally:
        context.close()


def test_hebrew_lists_are_mirrored(visit: Visit, site_corpus: Corpus) -> None:
    """Material mirrors lists only under an ancestor [dir=rtl]; postdocs.css does it inside
    the review's own right-to-left block: bullets and indent on the right."""
    with_list = [p for p in site_corpus.posts if p.channel == "MathyAIwithMike"
                 and "\n- " in render_post(p).split('<div dir="rtl"', 1)[-1]]
    assert with_list, "the Hebrew digest has list items (e.g. seed line 584)"
    visit.goto(review_url(with_list[0]))
    li = f"{RTL_TEXT} ul > li"
    assert computed(visit, li, "direction") == "rtl"
    assert computed(visit, li, "margin-left") == "0px"
    assert float(computed(visit, li, "margin-right").removesuffix("px")) > 0
    assert_clean(visit)


def test_english_title_on_a_hebrew_page_keeps_its_punctuation(
        visit: Visit, site_corpus: Corpus) -> None:
    """"Scaling and evaluating sparse autoencoders?" must not show as "?Scaling …"."""
    titled = [p for p in site_corpus.posts if p.channel == "MathyAIwithMike"
              and re.fullmatch(r"[A-Za-z][A-Za-z0-9 ,:'\-]+\?", p.title)]
    assert titled, "the Hebrew digest has English titles ending with '?' (seed lines 51, 1446)"
    visit.goto(review_url(titled[0]))
    order = visit.page.evaluate("""() => {
        const h = document.querySelector('.md-typeset h1');
        const t = h.firstChild;
        const at = i => { const r = document.createRange(); r.setStart(t, i);
                          r.setEnd(t, i + 1); return r.getBoundingClientRect().left; };
        return [at(0), at(t.length - 1)];
    }""")
    first, question_mark = order
    assert question_mark > first, "the '?' of an English title must stay at its end (right)"
    assert_clean(visit)


def test_russian_review_is_ltr_with_russian_language(visit: Visit, ru_post: Post) -> None:
    visit.goto(review_url(ru_post))
    assert visit.page.eval_on_selector("html", "el => el.lang") == "ru"
    assert visit.page.get_attribute(".md-content", "lang") == "ru"
    assert visit.page.locator("[dir=rtl]").count() == 0
    assert computed(visit, ".md-content", "direction") == "ltr"
    assert computed(visit, ".md-typeset p", "direction") == "ltr"
    assert_clean(visit)


_RESULTS = """wanted => {
    const links = [...document.querySelectorAll(
        ".md-search-result__item > .md-search-result__link")];
    const hrefs = links.map(e => e.origin + e.pathname);  // without ?h=<highlight> and #anchor
    return links.length > 0 && (wanted === null || hrefs.includes(wanted)) ? hrefs : null;
}"""


def _search(visit: Visit, query: str, wanted: str | None = None) -> list[str]:
    """The result links of `query` typed into the search box: once `wanted` is among them (or
    once there are results, without `wanted`); whatever is listed after 15 s otherwise. A
    result list can show a moment before the last keystroke's results replace it."""
    page = visit.page
    page.locator("input.md-search__input").click()  # the header's search box (desktop)
    # keyboard.type inserts Hebrew without key events; Material listens to keys: press End.
    page.keyboard.type(query)
    page.keyboard.press("End")
    try:
        handle = page.wait_for_function(_RESULTS, arg=wanted, timeout=15_000)
        hrefs: list[str] = handle.json_value()
    except PlaywrightTimeout:
        hrefs = page.eval_on_selector_all(
            ".md-search-result__item > .md-search-result__link",
            "els => els.map(e => e.origin + e.pathname)")
    return hrefs


@pytest.mark.parametrize("lang", ["ru", "he"])
def test_search_finds_the_review_by_a_word_of_its_language(
        visit: Visit, server: Server, ru_post: Post, he_post: Post, lang: str) -> None:
    post, word = (ru_post, RU_WORD) if lang == "ru" else (he_post, HE_WORD)
    visit.goto("")
    wanted = server.url(review_url(post))
    hrefs = _search(visit, word, wanted)
    assert wanted in hrefs, (wanted, hrefs)
    assert_clean(visit)


def test_search_finds_an_english_term(visit: Visit, server: Server, ru_post: Post) -> None:
    visit.goto("")
    wanted = server.url(review_url(ru_post))
    hrefs = _search(visit, "FlenQA", wanted)  # the data set named in the rizzearch review
    assert wanted in hrefs, hrefs
    assert_clean(visit)


def test_listing_to_review_to_paper_with_instant_navigation(
        open_visit: Any, built_site: Path, server: Server, he_post: Post) -> None:
    assert he_post.primary_topic, "the review has a topic (equivariant contrastive learning)"
    visit: Visit = open_visit({"https://arxiv.org/": "<title>paper</title><p>stub</p>"})
    page = visit.page
    visit.goto(listing_for(he_post, built_site))
    page.evaluate("() => { window.__sameDocument = true; }")
    page.locator(f'.md-content a[href$="/{he_post.slug}/"]').first.click()
    page.wait_for_url(server.url(review_url(he_post)))
    # Material swaps the content in after changing the address: wait for the swap.
    page.wait_for_function("() => document.documentElement.lang === 'he'", timeout=15_000)
    page.wait_for_load_state("networkidle")
    # Instant navigation: the review replaced the listing without a full page load.
    assert page.evaluate("() => window.__sameDocument === true")
    assert page.eval_on_selector("html", "el => el.lang") == "he"
    assert computed(visit, RTL_TEXT, "direction") == "rtl"
    assert computed(visit, "html", "direction") == "ltr"  # the chrome stays left to right
    assert page.locator("div.arithmatex .katex-display").count() == 1  # math after a swap too
    paper = page.locator(f'.md-content a[href^="https://arxiv.org/"][href*="{HE_PAPER}"]').first
    href = paper.get_attribute("href")
    assert href is not None
    with page.expect_navigation():
        paper.click()
    assert page.url == href
    assert visit.console_errors == [], visit.console_errors
    assert len(visit.foreign) == 1 and HE_PAPER in visit.foreign[0], visit.foreign


def test_math_is_typeset_by_the_bundled_katex(visit: Visit, he_post: Post) -> None:
    visit.goto(review_url(he_post))
    page = visit.page
    block = page.locator("div.arithmatex").first
    assert block.locator(".katex-display .katex-html").count() == 1
    assert block.locator(".katex-error").count() == 0
    annotation = block.locator("annotation[encoding='application/x-tex']").text_content()
    assert annotation is not None and annotation.strip() == HE_FORMULA
    assert "\\[" not in block.inner_text()  # the source delimiters are gone
    fonts = [u for u in visit.requests if "/assets/vendor/katex/fonts/" in u]
    assert fonts and all(u.endswith(".woff2") for u in fonts)
    assert_clean(visit)


def test_dark_and_light_toggle(visit: Visit) -> None:
    visit.goto("")
    page = visit.page
    before = page.get_attribute("body", "data-md-color-scheme")
    page.locator("form[data-md-component=palette] label:visible").first.click()
    after = page.get_attribute("body", "data-md-color-scheme")
    assert {before, after} == {"default", "slate"}
    assert_clean(visit)


def test_missing_page_gets_a_useful_404(visit: Visit, server: Server) -> None:
    response = visit.goto("reviews/no-such-channel/no-such-review/")
    assert response is not None and response.status == 404
    page = visit.page
    assert "Page not found" in page.inner_text("h1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "404.png"))
    home = page.locator(".md-content a", has_text="Home").first
    assert home.evaluate("a => a.href") == server.url("")
    home.click()
    page.wait_for_load_state("networkidle")
    assert page.url == server.url("")
    # The 404 page's own assets load from the site (absolute paths work at any depth).
    assert computed(visit, ".md-header", "position") in ("sticky", "fixed")


PAGES = {
    "home": lambda built_site, ru, he: "",
    "topic": lambda built_site, ru, he: listing_for(ru, built_site),
    "review-ru": lambda built_site, ru, he: review_url(ru),
    "review-he": lambda built_site, ru, he: review_url(he),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_self_contained_and_clean(
        visit: Visit, built_site: Path, ru_post: Post, he_post: Post, name: str) -> None:
    visit.goto(PAGES[name](built_site, ru_post, he_post))
    page = visit.page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                    for n in v["nodes"][:3])
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], "\n".join(bad)
    assert_clean(visit)
