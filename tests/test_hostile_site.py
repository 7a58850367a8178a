"""The hostile-input corpus (tests/fixtures/hostile/: a web-preview dump, an OCR digest and
Desktop exports in JSON and HTML, whose posts, titles, channel header, names and entities carry
scripts, event handlers, `javascript:` links, attribute lists, snippet includes, front-matter,
line separators, oversized math and bidi tricks) builds a site in which nothing runs, no file of
the machine is read, nothing is wider than the screen and every post reads as text.

Every payload that could run sets `window.__pwned` or opens a dialog; a real browser (Debian's
Chromium through Playwright) loads every generated page and checks that neither happened. The
built HTML is also checked statically: no `on…` attribute, no `javascript:`/`data:`/`vbscript:`
address, no injected element (script, iframe, object, embed, img from elsewhere)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from postdocs.cli import main
from postdocs.config import load_project
from postdocs.model import Post
from postdocs.pipeline import process

from .conftest import ROOT, project_without_channels, served

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Post]]:
    """A copy of the project with only the hostile channels, built: (site folder, posts)."""
    root = tmp_path_factory.mktemp("hostile")
    project_without_channels(root)
    shutil.copytree(HOSTILE / "channels", root / "content" / "channels")
    shutil.copy(HOSTILE / "channels.yml", root / "content" / "channels.yml")
    assert main(["--no-cache", "--root", str(root), "build", "-q"]) == 0
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                    "-d", str(root / "site")], cwd=root, env=env, check=True)
    posts = process(load_project(root), use_cache=False).posts
    return root / "site", posts


class _Scan(HTMLParser):
    """Collects what would be live markup that the site itself does not put there."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k.startswith("on"):
                self.problems.append(f"<{tag} {k}={v!r}>")
            if k in ("href", "src", "action", "formaction", "xlink:href", "data") and v and \
                    re.match(r"\s*(javascript|data|vbscript):", v, re.I):
                self.problems.append(f"<{tag} {k}={v!r}>")
        if tag in ("iframe", "object", "embed", "frame", "base"):
            self.problems.append(f"<{tag}>")
        src = dict(attrs).get("src") or ""
        if tag == "img" and not re.match(r"(\.\./)*(charts|assets|reviews)/|[\w.-]+/[\w.-]+\.",
                                         src):
            self.problems.append(f"<img src={src!r}>")
        self.in_script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self.in_script and ("__pwned" in data or "alert(" in data):
            self.problems.append(f"<script>{data[:60]}")

    def handle_endtag(self, tag: str) -> None:
        self.in_script = False


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.parts)


def test_built_html_has_no_live_markup(hostile: tuple[Path, list[Post]]) -> None:
    site, _ = hostile
    pages = _pages(site)
    assert len(pages) > 15
    for page in pages:
        scan = _Scan()
        scan.feed(page.read_text(encoding="utf-8"))
        assert scan.problems == [], page.relative_to(site)


def test_snippet_lines_include_nothing(hostile: tuple[Path, list[Post]]) -> None:
    site, _ = hostile
    passwd = Path("/etc/passwd").read_text(encoding="utf-8").split("\n")[0]
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        assert passwd not in text, page
    snippets = next((site / "reviews" / "hostile").glob("snippets*/index.html"))
    assert '--8&lt;-- "/etc/passwd"' in snippets.read_text(encoding="utf-8").replace(
        "&quot;", '"')


def _shown(text: str) -> str:
    """A title as a reader sees it: controls and bidi overrides gone, white space collapsed."""
    text = re.sub(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", "", html.unescape(text))
    text = re.sub(r"\\\((.*?)\\\)", r"$\1$", text)  # math as arithmatex hands it on
    return re.sub(r"\$+", "$", " ".join(unicodedata.normalize("NFC", text).split()))


# Payloads that must be on their page as visible text, exactly (page by the slug's start).
VISIBLE = {
    "script-window-pwned-title-script": ['<script>window.__pwned="body-script"</script>'],
    "img-src-x-onerror": ['Hello <img src=x onerror="window.__pwned=\'body-img\'"> world',
                          "<style>body { display: none !important }</style>"],
    "markdown-links": ["[click me](javascript:alert('body-link'))",
                       "[ref]: javascript:alert('refdef')"],
    "a-title-that-is-a-heading": ["## body heading", "title: injected front matter",
                                  "| table | head |"],
    "attribute-lists": ["paragraph {: onclick=\"window.__pwned='attr-body'\""],
    "snippets": ['--8<-- "/etc/passwd"'],
    "fences-footnotes": ["```html", "[^1]: footnote <script>", "!!! danger"],
    "math-x-y": ['costs $5 and <script>window.__pwned="dollars"</script> $10'],
    "urls-that-try": ["https://example.org/<script>"],
    # Desktop export (JSON): `\r`, LS, NEL… inside entities, stickers, snippet syntax in code
    "carriage-returns-in-code": ["<script>window.__pwned='code-cr'</script>",
                                 "<img src=x onerror=\"window.__pwned='sticker'\"> !!! danger"],
    "line-separators-in-entities": [
        # a line break inside an entity is a line break of the text (never markup)
        "hashtag #tag", '!!! danger "x"', "<script>window.__pwned='hashtag-cr'</script>",
        "<img src=x onerror=\"window.__pwned='emoji-ls'\">",
        "<script>window.__pwned='bot-nel'</script>", "Forwarded from Fwd !!! danger",
        "<script>window.__pwned='poll-q'</script>", "<script>window.__pwned='plain-cr'</script>"],
    "snippet-includes-in-code": ['--8<-- "/etc/passwd"\n--8<-- "home.md"',
                                 ';--8<-- "escaped"', "keep --8<-- [start:sec] this"],
    "entities-twice": ["&amp;lt;script&amp;gt;window.__pwned='twice'&amp;lt;/script&amp;gt;"],
    # Desktop export (HTML): decoded once by its parser, never twice
    "html-export-code-with-carriage-returns": [
        "<script>window.__pwned='html-code'</script>",
        "</div><script>window.__pwned='html-div'</script>",
        "&lt;script&gt;window.__pwned='html-twice'&lt;/script&gt; shows as written once",
        "<img src=x onerror=\"window.__pwned='html-sticker'\"> !!! danger"],
    "forwarded-reversed-title": ['--8<-- "/etc/passwd"',
                                 "</div><script>window.__pwned='html-pre'</script>"],
    # OCR digest
    "ocr-title-img-src": ['<img src=x onerror="window.__pwned=\'ocr-img\'">',
                          "&amp;lt;script&amp;gt;"],
}


# Event-handler attributes and script-capable addresses anywhere in the live DOM.
_LIVE_IN_DOM = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (a.name.startsWith("on")) found.push(`${el.tagName} ${a.name}`);
      const address = ["href", "src", "action", "formaction"].includes(a.name);
      if (address && /^\\s*(javascript|data|vbscript):/i.test(a.value)) {
        found.push(`${el.tagName} ${a.value}`);
      }
    }
  }
  return found;
}"""


@pytest.mark.browser
def test_browser_runs_nothing_and_every_post_reads_as_text(
        hostile: tuple[Path, list[Post]], browser: Any) -> None:
    site, posts = hostile
    dialogs: list[str] = []
    page = browser.new_page()  # the session's one Chromium (tests/conftest.py)
    try:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in _pages(site):
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            pwned = page.evaluate("() => window.__pwned")
            assert pwned is None, f"{path.relative_to(site)}: ran {pwned!r}"
            live = page.evaluate(_LIVE_IN_DOM)  # after the theme's scripts changed the DOM
            assert live == [], f"{path.relative_to(site)}: {live}"
            assert "pwned" not in page.title().lower() or "__pwned" in page.title()
        for post in posts:
            url = site / "reviews" / post.channel / post.slug / "index.html"
            page.goto(url.as_uri())
            h1 = page.inner_text("article h1")
            assert _shown(h1.replace("¶", "")) == _shown(post.title) or not post.title
            body = page.inner_text("article")
            for key, texts in VISIBLE.items():
                if post.slug.startswith(key):
                    for text in texts:
                        assert text in body, (post.slug, text)
            assert page.evaluate("() => window.__pwned") is None
    finally:
        page.close()
    assert dialogs == []


_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def test_titles_carry_no_bidi_controls(hostile: tuple[Path, list[Post]]) -> None:
    """A title with U+202E showed reversed in the review's h1 and the channel list: no title,
    heading, meta value, list entry or feed of the site holds a bidi embedding, override or
    isolate control (review bodies may: they reorder only inside their paragraph)."""
    site, posts = hostile
    assert any(_BIDI_CONTROL.search(p.title) is None and "Reversed" in p.title for p in posts)
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        places = re.findall(r"<title>.*?</title>|<h1.*?</h1>|<meta [^>]*>", text, re.S)
        if "reviews" not in page.parts:  # index pages: every entry is a title or a name
            places.append(text)
        for place in places:
            assert not _BIDI_CONTROL.search(place), (page.relative_to(site), place[:200])
    for feed in site.rglob("*.xml"):
        assert not _BIDI_CONTROL.search(feed.read_text(encoding="utf-8")), feed


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_served_hostile_site_runs_nothing_and_fits_the_screen(
        hostile: tuple[Path, list[Post]], browser: Any, width: int) -> None:
    """Every page of the hostile site (web preview, OCR digest, Desktop JSON and HTML exports)
    served over HTTP, KaTeX running: no payload runs (`window.__pwned`, dialogs), the page is
    no wider than the screen (`\\rule{1000em}{1000em}`, `\\hspace{100000em}`), and math was
    really typeset."""
    site, _ = hostile
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": 800})
    typeset = 0
    try:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        with served(site) as base:
            for path in _pages(site):
                rel = path.relative_to(site).as_posix()
                page.goto(base + rel)
                page.wait_for_load_state("load")
                assert page.evaluate("() => window.__pwned") is None, rel
                assert page.evaluate(_LIVE_IN_DOM) == [], rel
                wide = page.evaluate("() => document.scrollingElement.scrollWidth")
                assert wide <= width, f"{rel}: {wide} px wide at {width} px"
                typeset += page.evaluate("() => document.querySelectorAll('.katex').length")
    finally:
        page.close()
    assert dialogs == []
    assert typeset > 5  # KaTeX ran (the math posts of every format)
