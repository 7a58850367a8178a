"""The hostile-input corpus (tests/fixtures/hostile/: a web-preview dump and a Desktop export
whose posts, titles, channel header, names and entities carry scripts, event handlers,
`javascript:` links, attribute lists, snippet includes, front-matter, math and bidi tricks) builds
a site in which nothing runs and every post reads as text.

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

from .conftest import ROOT

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Post]]:
    """A copy of the project with only the hostile channels, built: (site folder, posts)."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", root / "overrides")
    (root / "content" / "docs").mkdir(parents=True)
    for f in (ROOT / "content").glob("*.yml"):
        if f.name != "channels.yml":
            shutil.copy(f, root / "content" / f.name)
    for f in (ROOT / "content" / "docs").glob("*.md"):
        shutil.copy(f, root / "content" / "docs" / f.name)
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
