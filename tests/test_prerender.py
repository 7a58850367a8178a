"""Review headers and cross-links written as HTML (prerender.py) build the same site, byte for
byte, as the Markdown they replace; lines the converter does not know stay Markdown."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from postdocs import pipeline
from postdocs.cli import main
from postdocs.model import ChannelConfig, PageLinks, PageRef, Post, SourceLine
from postdocs.render.pages import SiteContext, render_post
from postdocs.render.prerender import line_html

from .conftest import copy_project

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def _build(root: Path, monkeypatch: pytest.MonkeyPatch, prerender: bool) -> dict[str, bytes]:
    """Pages and site of the seed project copied into `root`: generated Markdown by name, and
    every HTML page (the search index is made from them)."""
    copy_project(root)
    site_context = pipeline.site_context
    monkeypatch.setattr(pipeline, "site_context", lambda *a, **k: dataclasses.replace(
        site_context(*a, **k), prerender=prerender))
    # one process: the site context is replaced here (a spawned worker would not see it)
    assert main(["--no-cache", "--root", str(root), "-j", "1", "build", "-q"]) == 0
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=root,
                   env=ENV, check=True, capture_output=True)
    docs, site = root / "content" / "docs", root / "site"
    files = {f"md:{p.relative_to(docs)}": p.read_bytes() for p in docs.rglob("*.md")}
    files.update({str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*")
                  if p.suffix == ".html"})
    return files


def test_seed_site_is_byte_identical_with_and_without_prerendered_html(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    markdown = _build(tmp_path / "markdown", monkeypatch, prerender=False)
    html = _build(tmp_path / "html", monkeypatch, prerender=True)
    assert set(markdown) == set(html)
    built = sorted(k for k in html if not k.startswith("md:"))
    assert len(built) > 200 and "reviews/rizzearch/index.html" not in built
    assert [k for k in built if markdown[k] != html[k]] == []
    # the fast form was used: every review's header is a raw block, every footer list HTML
    reviews = [k for k in html if k.startswith("md:reviews/")]
    assert len(reviews) > 200
    header = re.compile(rb'<div class="postdocs-review-header"[^>\n]* markdown>')
    for k in reviews:
        assert header.search(markdown[k]) and not header.search(html[k]), k
        assert (b"\n- [" in markdown[k]) == (b"\n<ul>\n<li><a href=" in html[k]), k
    assert sum(b"<li><a href=" in html[k] for k in reviews) > 150
    # topic and channel pages list their reviews as HTML too
    lists = [k for k in html if k.startswith(("md:topics/", "md:channels/"))
             and not k.endswith("index.md")]
    assert len(lists) > 15
    for k in lists:
        assert b"\n- **[" in markdown[k] and b"\n- **[" not in html[k], k
        assert b"<ul>\n<li><strong><a href=" in html[k], k


CHANNEL = ChannelConfig(id="chan", name="Chan #1", url="https://t.me/chan", lang="ru",
                        dir="ltr", format="auto", files=("x.txt",))
CTX = SiteContext(site_url="https://example.net/", channels={"chan": CHANNEL})


def _post(**kw: object) -> Post:
    base: dict[str, object] = dict(channel="chan", source_file="x.txt", line=3, title="T",
                                   slug="some", body=(SourceLine(4, "text"),), lang="ru")
    base.update(kw)
    return Post(**base)  # type: ignore[arg-type]


def test_line_html_resolves_links_as_mkdocs_does() -> None:
    here = "reviews/chan/some.md"
    assert line_html(here, "**Channel:** [<bdi>Chan &#35;1</bdi>](../../channels/chan.md)") == (
        '<strong>Channel:</strong> <a href="../../../channels/chan/"><bdi>Chan &#35;1</bdi></a>')
    assert line_html(here, "[A](other.md) — b") == '<a href="../other/">A</a> — b'
    assert line_html(here, "[Self](some.md)") == '<a href="./">Self</a>'
    assert line_html(here, "[T](../../tags.md#tag:x)") == '<a href="../../../tags/#tag:x">T</a>'
    assert line_html(here, "[x](<https://a.b/?q=1&r=2>)") == (
        '<a href="https://a.b/?q=1&amp;r=2">x</a>')


@pytest.mark.parametrize("markdown", [
    "[$x^2$](a.md)",              # math: arithmatex renders it
    "[a](b.md) *em*",             # emphasis
    "`code`",                     # code span
    "[a [b]](c.md)",              # a link inside a link text
    "text \\[not a link]",        # a backslash escape
    "a & b",                      # a bare ampersand
])
def test_line_html_leaves_other_markdown_alone(markdown: str) -> None:
    assert line_html("reviews/chan/some.md", markdown) is None


def test_a_title_with_math_keeps_its_list_in_markdown() -> None:
    links = PageLinks(related=(PageRef("reviews/chan/m.md", "Scaling $n^2$ laws"),),
                      referenced_by=(PageRef("reviews/chan/b.md", "Backlink"),))
    page = render_post(_post(topics=()), links, CTX)
    footer = page.split('<div class="postdocs-crosslinks" markdown>')[1]
    assert "- [Scaling $n^2$ laws](m.md)" in footer
    assert '<li><a href="../b/">Backlink</a></li>' in footer
    assert '<a href="../../../channels/chan/"><bdi>Chan &#35;1</bdi></a>' in page
