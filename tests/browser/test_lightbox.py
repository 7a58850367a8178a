"""Photos of a Desktop export open in the bundled lightbox, on a page opened directly and on
one reached by Material's instant navigation (the page's own scripts do not run again then)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ..test_desktop import FIX
from .conftest import Server, Visit, serving, visiting

pytestmark = pytest.mark.browser

REVIEW = "reviews/paper_notes/attention-is-all-you-need-re-read/"
PHOTO = "2-1-photo_1-01-03-2024_12-00-00.jpg"


@pytest.fixture(scope="module")
def photo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The seed site plus the Desktop export of tests/fixtures/desktop/html (with photos)."""
    add = [str(FIX / "html"), "--name", "Paper Notes", "--handle", "paper_notes"]
    with serving(tmp_path_factory, [add]) as served:
        yield served


@pytest.fixture
def photo_visit(browser: Any, photo_site: Server) -> Iterator[Visit]:
    with visiting(browser, photo_site) as v:
        yield v


def _opens_in_the_lightbox(v: Visit) -> None:
    page = v.page
    link = page.locator(f'a.glightbox[href$="/{PHOTO}"]')
    assert link.count() == 1
    link.click()
    slide = page.locator(".glightbox-container .gslide-image img")
    slide.wait_for(state="visible", timeout=10_000)
    assert slide.get_attribute("src").endswith(PHOTO)
    page.wait_for_function(
        "() => { const i = document.querySelector('.gslide-image img');"
        " return i && i.complete && i.naturalWidth > 0; }", timeout=10_000)
    assert page.url.endswith(REVIEW)  # the link did not navigate to the bare image
    page.keyboard.press("Escape")
    page.locator(".glightbox-container").wait_for(state="detached", timeout=10_000)
    assert v.foreign == [] and v.console_errors == []


def test_a_photo_opens_in_the_lightbox(photo_visit: Visit) -> None:
    photo_visit.goto(REVIEW)
    _opens_in_the_lightbox(photo_visit)


def test_a_photo_opens_in_the_lightbox_after_instant_navigation(photo_visit: Visit) -> None:
    page = photo_visit.page
    photo_visit.goto("channels/paper_notes/")
    page.evaluate("() => { window.postdocsSamePage = true; }")
    page.locator(f'a[href$="{REVIEW.removeprefix("reviews/")}"]').first.click()
    page.wait_for_url(f"**/{REVIEW}")
    page.locator(f'a.glightbox[href$="/{PHOTO}"]').wait_for(state="visible")
    assert page.evaluate("() => window.postdocsSamePage === true")  # no full page load
    _opens_in_the_lightbox(photo_visit)
