"""`search_sections.sections` cuts a page into the same search sections as Material's own
parser: on hand-made HTML, on generated HTML, and on every page of the seed site."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from material.plugins.search.plugin import Parser

from postdocs import search_sections
from postdocs.search_sections import _tokens, sections

from .conftest import copy_project
from .test_mkdocs_plugin import _site


def _shape(data: list[Any]) -> list[tuple[Any, ...]]:
    return [(s.el.tag, s.el.attrs, s.id, s.depth, s.title, s.text) for s in data]


def _material(html: str) -> list[tuple[Any, ...]]:
    parser = Parser()
    parser.feed(html)
    parser.close()
    return _shape(parser.data)


PLAIN = [
    "",
    "just text &amp; more &lt;b&gt; &#35;2",
    '<h1 id="t">Title<a class="headerlink" href="#t" title="Permanent link">&para;</a></h1>'
    "<p>Intro  text\nover lines</p>\n\n<h2 id=\"a\">A &amp; B</h2>\n<p>one <code>x &lt; y</code>"
    "</p>\n<pre><code>line 1\n  line 2\n</code></pre>\n<ul>\n<li>item</li>\n<li></li>\n</ul>",
    '<p>preface</p><h3 id="x">Not h1 first</h3><p>after</p>',
    '<h2>no id</h2><p>text</p><h2 id="y">with id</h2>',
    '<div data-search-exclude><p>hidden</p><div><p>also hidden</p></div></div><p>shown</p>',
    '<div class="linenodiv"><pre>1\n2</pre></div><p>code</p>',
    '<div><h2 id="n">nested</h2><p>in</p></div><p>out of the nested section</p>',
    '<p>a<br />b<br>c<img src="x.png" alt="&quot;q&quot;"/></p><hr>',
    '<object><p>skipped</p></object><p>kept</p><sub>1</sub><sup> </sup>',
    "<p>unclosed <em>em</p></em><li> </li><ol>\n</ol><p>  </p>",
    '<div dir="rtl" lang="he"><p>שלום עולם</p></div><p>Привет</p>',
    '<P ID="up">Upper</P><H2 Id="u2">Up</H2>',
    '<a href="#" title=\'single\' data-x=""><span class=a>bare</span></a>',
    "<p>trailing &amp",
]
# Markup HTMLParser reads in its own way: these go to Material's parser itself.
TRICKY = [
    "<!-- comment --><p>x</p>",
    "<!DOCTYPE html><p>x</p>",
    "<script>var a = '<p>not a tag</p>';</script><p>after</p>",
    "<style>p > a {}</style><h2 id=\"s\">s</h2>",
    "<p>a < b and c > d</p>",
    '<img src=x/><p>bare value</p>',
    "<my-element>custom</my-element>",
    "</>",
]


@pytest.mark.parametrize("html", PLAIN + TRICKY)
def test_hand_made_html_gives_materials_sections(html: str) -> None:
    assert _shape(sections(html)) == _material(html)


def test_plain_html_takes_the_fast_path_and_the_rest_does_not() -> None:
    assert all(_tokens(html) is not None for html in PLAIN if "span class=a" not in html)
    assert all(_tokens(html) is None for html in TRICKY)


TAGS = ["p", "h1", "h2", "h3", "div", "span", "a", "pre", "code", "ul", "ol", "li", "em",
        "sub", "sup", "object", "br", "img", "hr", "table", "td"]
ATTRS = ['', ' id="i1"', ' id="i2"', ' class="headerlink"', " data-search-exclude",
         ' class="linenodiv"', ' id="z" class="headerlink"', ' title="a &amp; b"', " id=''",
         " DATA-SEARCH-EXCLUDE", ' class="LINENODIV"', ' class="linenod&#105;v"',
         ' CLASS="headerlink"', ' Id="i3"']
TEXTS = ["x", " ", "\n", "  \n ", "a b", "&amp;", "&lt;p&gt;", "שלום", "Привет\nмир", "&#35;",
         "\t", "&nbsp;"]


@st.composite
def _html(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 2))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            slash = draw(st.sampled_from(["", "", " /", "/"]))
            parts.append(f"<{tag}{draw(st.sampled_from(ATTRS))}{slash}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(draw(st.sampled_from(TEXTS)))
    return "".join(parts)


@settings(max_examples=600, deadline=None)
@given(_html())
def test_generated_html_gives_materials_sections(html: str) -> None:
    try:
        expected = _material(html)
    except ValueError:  # Material's parser fails on some broken nesting: so must this
        with pytest.raises(ValueError):
            sections(html)
        return
    assert _tokens(html) is not None
    assert _shape(sections(html)) == expected


ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)


def test_every_seed_page_gives_materials_sections(tmp_path: Path) -> None:
    """Each built page's article (the page's content, as search sees it, plus the theme's
    few additions) cut both ways; nearly all take the fast path."""
    from postdocs.cli import main

    root = copy_project(tmp_path / "p")
    assert main(["--no-cache", "--root", str(root), "build", "-q"]) == 0
    site = _site(root, "mkdocs.yml", "site")
    articles = [m[1] for html in site.values() if (m := ARTICLE.search(html.decode()))]
    assert len(articles) > 200
    fast = sum(_tokens(a) is not None for a in articles)
    assert fast > 0.9 * len(articles)
    for article in articles:
        assert _shape(sections(article)) == _material(article)
    assert search_sections.sections is sections
