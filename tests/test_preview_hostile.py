"""Fetched preview pages are written by strangers too.

`tests/fixtures/telegram_preview/hostile.html` is a page as a hostile mirror could serve it:
scripts and event handlers as text and as live elements, `javascript:`/`data:` links, attribute
lists, snippet includes, math with `\\href`, payloads in the channel header, forwarded-from,
reply, link card, document name, poll and views. It builds a site in which nothing runs and the
payloads read as text (the checks of `tests/test_hostile_site.py`, on this channel)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from postdocs.cli import main
from postdocs.config import load_project
from postdocs.model import Post
from postdocs.pipeline import process
from postdocs.readers.telegram_preview import read
from postdocs.sources.fetch_preview import Store

from .conftest import ROOT, project_without_channels
from .test_hostile_site import _LIVE_IN_DOM, _pages, _Scan

PAGE = ROOT / "tests" / "fixtures" / "telegram_preview" / "hostile.html"
CHANNELS = """channels:
  - id: hostile_preview
    name: "<script>window.__pwned='config'</script> Hostile preview"
    lang: en
    dir: ltr
    format: telegram-preview
    files:
      - hostile_preview/preview
"""
# Shown on the page of the review whose slug starts with the key, as text.
VISIBLE = {
    "preview-script-text": ['<script>window.__pwned="preview-text"</script>',
                            "[md link](javascript:alert('md'))",
                            '--8<-- "/etc/passwd"', "## not a heading",
                            "<script>window.__pwned='site'</script>",
                            "<img src=x onerror=\"window.__pwned='card-desc'\">"],
    "poll": ["<img src=x onerror=\"window.__pwned='doc'\">.pdf",
             "<script>window.__pwned='option'</script>"],
}


@pytest.fixture(scope="module")
def hostile_preview(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Post]]:
    root = tmp_path_factory.mktemp("hostile_preview")
    project_without_channels(root)
    (root / "content" / "channels.yml").write_text(CHANNELS, encoding="utf-8")
    store = Store(root / "content" / "channels" / "hostile_preview" / "preview",
                  "hostile_preview")
    store.add_page(PAGE.read_text(encoding="utf-8"))
    store.index.complete = True
    store.save()
    assert main(["--no-cache", "--root", str(root), "build", "-q"]) == 0
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                    "-d", str(root / "site")], cwd=root, env=env, check=True)
    return root / "site", process(load_project(root), use_cache=False).posts


def test_preview_pages_build_html_without_live_markup(
        hostile_preview: tuple[Path, list[Post]]) -> None:
    site, posts = hostile_preview
    assert sorted(p.message_id or 0 for p in posts) == [1, 2]
    # the widget whose data-post is no message id is counted, and named in a warning
    store = site.parent / "content" / "channels" / "hostile_preview" / "preview"
    result = read(store, load_project(site.parent).channels[0])
    assert result.ledger.total_lines == 3 and result.ledger.accounted == {1, 2, 3}
    assert result.ledger.categories["unreadable messages"] == 1
    assert any("without a readable data-post ('../../etc/passwd')" in w.message
               for w in result.warnings)
    for page in _pages(site):
        scan = _Scan()
        scan.feed(page.read_text(encoding="utf-8"))
        assert scan.problems == [], page.relative_to(site)


@pytest.mark.browser
def test_browser_runs_nothing_from_preview_pages(hostile_preview: tuple[Path, list[Post]],
                                                 browser: Any) -> None:
    site, posts = hostile_preview
    dialogs: list[str] = []
    page = browser.new_page()
    try:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        elsewhere: list[str] = []  # the site never asks another host for anything
        page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:"))
                else elsewhere.append(r.url))
        for path in _pages(site):
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            assert page.evaluate("() => window.__pwned") is None, path
            assert page.evaluate(_LIVE_IN_DOM) == [], path
        seen = set()
        for post in posts:
            page.goto((site / "reviews" / post.channel / post.slug / "index.html").as_uri())
            body = page.inner_text("article")
            for key, texts in VISIBLE.items():
                if post.slug.startswith(key):
                    seen.add(key)
                    for text in texts:
                        assert text in body, (post.slug, text)
        assert seen == set(VISIBLE)
        assert elsewhere == []
    finally:
        page.close()
    assert dialogs == []


def _strings(value: Any) -> list[str]:
    import dataclasses
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _strings(v)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name))]
    return []


def test_every_string_of_a_preview_message_has_its_line_breaks_normalised() -> None:
    """The one text rule (`markup.clean_text`) holds for the preview reader too: a carriage
    return, NEL, line or paragraph separator, vertical tab or NUL in a message's text never
    reaches the Markdown (where MkDocs' universal newlines would start a new block)."""
    from postdocs.readers.preview_page import parse_page

    html = PAGE.read_text(encoding="utf-8").replace(
        "Preview script text",
        "Preview\r\r&lt;script&gt;x&lt;/script&gt;\u2028## h\x85- i\x0b\x00 text", 1)
    page = parse_page(html, "hostile_preview")
    texts = _strings(page.messages)
    assert any("<script>x</script>" in t for t in texts)
    bad = {"\r", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x00"}
    assert [t for t in texts if bad & set(t)] == []
