"""The built site: every internal link resolves; ProperDocs renders the same site as MkDocs;
pages carry link-preview meta and feed links.

Builds the seed site once with `mkdocs build --strict` and once with `properdocs build --strict`
(the maintained MkDocs fork), each into a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from postdocs.cli import main as postdocs_main
from postdocs.config import load_project

from .conftest import ROOT

LINK_ATTRS = {"href", "src", "srcset", "poster", "data"}
GENERATOR = re.compile(r'<meta name="generator" content="[^"]*">')


def _build(tool: str, out: Path) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true")
    exe = Path(sys.executable).parent / tool
    proc = subprocess.run([str(exe), "build", "--strict", "-f", "mkdocs.yml", "-d", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{tool} build --strict failed:\n{proc.stderr[-3000:]}"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    assert postdocs_main(["--root", str(ROOT), "build", "--quiet"]) == 0
    base = tmp_path_factory.mktemp("sites")
    built = {}
    for tool in ("mkdocs", "properdocs"):
        _build(tool, base / tool)
        built[tool] = base / tool
    yield built


class _Page(HTMLParser):
    """Collects every link-like attribute and every id/name anchor of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.anchors: set[str] = set()
        self.meta: dict[str, str] = {}
        self.alternates: list[str] = []
        self.lang: str = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("id", "name"):
            if key in a and tag != "meta":
                self.anchors.add(a[key])
        if tag == "meta":
            key = a.get("property") or a.get("name") or ""
            self.meta[key] = a.get("content", "")
            return
        if tag == "link" and "alternate" in (a.get("rel") or "").split():  # as feed readers do
            self.alternates.append(a.get("href", ""))
        if tag == "link" and a.get("rel") == "canonical":
            self.meta["canonical"] = a.get("href", "")
        for key in LINK_ATTRS & a.keys():
            value = a[key]
            if key == "srcset":
                for part in value.split(","):
                    if part.strip():
                        self.links.append((tag, key, part.split()[0]))
            else:
                self.links.append((tag, key, value))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _resolve(site: Path, page: Path, url: str, site_url: str) -> tuple[Path, str] | None:
    """The file an internal URL points to (and its fragment); None for external URLs."""
    target_base = page.parent
    if site_url and url.startswith(site_url):  # canonical and Open Graph URLs
        url = url[len(site_url):]
        target_base = site
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        return page, parts.fragment
    if path.startswith("/"):  # root-relative (the 404 page): below site_url's path
        prefix = urlsplit(site_url).path or "/"
        assert path.startswith(prefix), f"{page}: {url} is outside the site's path {prefix}"
        target = site / path[len(prefix):]
    else:
        target = target_base / path
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target.resolve(), parts.fragment


def test_no_broken_internal_link(sites: dict[str, Path]) -> None:
    site = sites["mkdocs"]
    site_url = load_project(ROOT).site_url
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 150
    parsed = {p.resolve(): _parse(p) for p in pages}
    broken: list[str] = []
    checked = 0
    for path, page in parsed.items():
        for tag, attr, url in page.links:
            if url.startswith(("mailto:", "tel:", "data:", "javascript:")):
                assert not url.startswith("javascript:"), f"{path}: {url}"
                continue
            target = _resolve(site, path, url, site_url)
            if target is None:
                continue
            checked += 1
            file, fragment = target
            where = f"{path.relative_to(site)}: <{tag} {attr}={url!r}>"
            if not file.is_file():
                broken.append(f"{where} → missing {file}")
            elif fragment and file.suffix == ".html" and file in parsed and fragment not in \
                    parsed[file].anchors:
                broken.append(f"{where} → no #{fragment}")
    assert checked > 1000
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:30])


def test_properdocs_renders_the_same_site(sites: dict[str, Path]) -> None:
    mk, pd = sites["mkdocs"], sites["properdocs"]
    # the search index (Pagefind's, content-hashed file names) is compared by what it holds
    files_mk = {p.relative_to(mk).as_posix() for p in mk.rglob("*")
                if p.is_file() and not p.relative_to(mk).as_posix().startswith("pagefind/")}
    files_pd = {p.relative_to(pd).as_posix() for p in pd.rglob("*")
                if p.is_file() and not p.relative_to(pd).as_posix().startswith("pagefind/")}
    assert files_mk == files_pd

    def indexed(site: Path) -> dict[str, int]:
        index = json.loads((site / "pagefind" / "postdocs-index.json").read_text("utf-8"))
        return {lang: v["pages"] for lang, v in index["languages"].items()}

    assert indexed(mk) == indexed(pd) and indexed(mk)["he"] > 150
    pages = sorted(f for f in files_mk if f.endswith(".html"))
    assert "index.html" in pages and "topics/index.html" in pages
    assert any(f.startswith("reviews/MathyAIwithMike/") for f in pages)
    differing = [f for f in pages
                 if GENERATOR.sub("", (mk / f).read_text(encoding="utf-8"))
                 != GENERATOR.sub("", (pd / f).read_text(encoding="utf-8"))]
    assert not differing, f"pages that differ beyond the generator tag: {differing[:10]}"


def _review_html(site: Path, channel: str, lang: str) -> _Page:
    for path in sorted((site / "reviews" / channel).glob("*/index.html")):
        page = _parse(path)
        if page.meta.get("og:locale") == lang:
            return page
    raise AssertionError(f"no {lang} review in {channel}")


@pytest.mark.parametrize(("channel", "locale"), [("rizzearch", "ru_RU"),
                                                 ("MathyAIwithMike", "he_IL")])
def test_review_pages_have_link_preview_meta(sites: dict[str, Path], channel: str,
                                             locale: str) -> None:
    page = _review_html(sites["mkdocs"], channel, locale)
    site_url = load_project(ROOT).site_url
    assert page.meta["og:type"] == "article"
    assert page.meta["og:title"] and page.meta["twitter:title"] == page.meta["og:title"]
    assert len(page.meta["og:description"]) > 20
    assert page.meta["description"] == page.meta["og:description"]
    assert page.meta["og:url"] == page.meta["canonical"]
    assert page.meta["og:url"].startswith(site_url + f"reviews/{channel}/")
    # the review's preview card: an absolute address from site_url, the file in the site
    card = page.meta["og:image"]
    assert card.startswith(site_url + f"cards/{channel}/") and card.endswith(".png")
    assert page.meta["twitter:card"] == "summary_large_image"
    assert page.meta["twitter:image"] == card
    assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1200", "630")
    assert page.meta["og:image:alt"] == page.meta["og:title"]
    png = sites["mkdocs"] / card.removeprefix(site_url)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any(h.endswith("feeds/all.xml") for h in page.alternates)


def test_home_and_topic_pages_have_meta_and_feeds(sites: dict[str, Path]) -> None:
    site = sites["mkdocs"]
    home = _parse(site / "index.html")
    assert home.meta["og:type"] == "website"
    assert home.meta["og:locale"] == "en_US"
    assert home.meta["og:title"].startswith("postdocs")
    assert home.meta["og:description"].startswith("Reviews of machine-learning papers from")
    assert (site / "charts" / "reviews-per-month.svg").is_file()
    assert (site / "feeds" / "all.xml").is_file()
    for topic_page in sorted((site / "topics").glob("*/index.html")):
        parsed = _parse(topic_page)
        assert parsed.meta["og:description"]
        feeds = [h for h in parsed.alternates if not h.endswith("feeds/all.xml")]
        for href in feeds:  # a topic with dated reviews links its own feed
            assert (topic_page.parent / href).resolve().is_file()


def test_review_header_carries_the_permalink_for_copy_link(sites: dict[str, Path]) -> None:
    site = sites["mkdocs"]
    path = sorted((site / "reviews" / "gonzo_ML").glob("*/index.html"))[0]
    text = path.read_text(encoding="utf-8")
    permalink = re.search(r'class="postdocs-review-header" data-permalink="([^"]+)"', text)
    assert permalink is not None
    assert permalink.group(1) == _parse(path).meta["canonical"]
    assert "postdocs-copy-link.js" in text
    assert (site / "assets" / "javascripts" / "postdocs-copy-link.js").is_file()
