"""The `postdocs` MkDocs plugin makes builds faster and adds the search index: apart from each
page's `<html lang>` and the index, the seed site is byte-identical with and without it, and
its inline processor renders any text as Python-Markdown's own does."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config
from mkdocs.structure import pages

from postdocs.cli import main
from postdocs.config import Project
from postdocs.mkdocs.plugin import (
    _MAY_NAME_ANCHOR,
    SkippingInlineExtension,
    _AnchorIdsPreprocessor,
    needed_characters,
)
from postdocs.pipeline import Corpus, render_site

from .conftest import ROOT, copy_project

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


_HTML_LANG = re.compile(rb'<html lang="([^"]*)"')


def _site(root: Path, config: str, site: str, strict: bool = True) -> dict[str, bytes]:
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", config, "-d", site,
                    *(["--strict"] if strict else [])],
                   cwd=root, env=ENV, check=True, capture_output=True)
    folder = root / site
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.suffix == ".html" or (p.parent.name == "pagefind" and p.is_file())}


def test_seed_site_is_byte_identical_without_the_plugin(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p")
    assert main(["--no-cache", "--root", str(root), "build", "-q"]) == 0
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    assert "\n  - postdocs\n" in config
    (root / "without.yml").write_text(config.replace("\n  - postdocs\n", "\n"), encoding="utf-8")
    with_plugin = _site(root, "mkdocs.yml", "site-with")
    without = _site(root, "without.yml", "site-without")
    # the search index is the plugin's (Pagefind, one index per language)
    index = {k for k in with_plugin if k.startswith("pagefind/")}
    assert {"pagefind/pagefind.js", "pagefind/pagefind-entry.json",
            "pagefind/postdocs-filters.json"} <= index
    entry = json.loads(with_plugin["pagefind/pagefind-entry.json"])
    assert {"en", "ru", "he"} <= set(entry["languages"])
    assert not any(k.startswith("pagefind/") for k in without)
    pages = sorted(k for k in with_plugin if not k.startswith("pagefind/"))
    assert len(pages) > 200 and set(pages) == set(without)
    # each page's language on <html lang> (the template's language partial writes it, the
    # plugin agrees); the redirects left at former addresses are plain pages of their own
    langs = {k: _HTML_LANG.search(with_plugin[k]) for k in pages}
    assert all(m is not None for m in langs.values())
    he = [k for k in pages if k.startswith("reviews/MathyAIwithMike/")
          and b'http-equiv="refresh"' not in with_plugin[k]]
    assert he and all(langs[k][1] == b"he" for k in he)  # type: ignore[index]
    assert all(_HTML_LANG.search(without[k])[1] == b"he" for k in he)  # type: ignore[index]
    assert langs["index.html"][1] == b"en"  # type: ignore[index]

    def same_lang(html: bytes) -> bytes:
        return _HTML_LANG.sub(b'<html lang="xx"', html, count=1)

    assert [k for k in pages if same_lang(with_plugin[k]) != same_lang(without[k])] == []


@functools.lru_cache(maxsize=1)
def _site_config() -> tuple[list[str], dict[str, dict[str, object]]]:
    config = load_config(str(ROOT / "mkdocs.yml"))
    names = [n for n in config.markdown_extensions if n != "pymdownx.snippets"]
    return names, dict(config.mdx_configs)


def _site_markdown(*extra: object) -> markdown.Markdown:
    """Python-Markdown configured as mkdocs.yml configures it (plus `extra` extensions)."""
    names, configs = _site_config()
    return markdown.Markdown(extensions=[*names, *extra], extension_configs=configs)


def test_every_inline_pattern_of_the_site_is_known() -> None:
    md = _site_markdown()
    unknown = [type(p).__name__ for p in md.inlinePatterns if needed_characters(p) is None]
    assert unknown == []


# Text made of the pieces inline syntax is built from, and a few words.
_PIECES = ["ab", " ", "\n", "  \n", "$", "\\", "`", "*", "**", "_", "[", "]", "(", ")", "!",
           "<", ">", "&", "&amp;", "&#35;", "<u>", "</u>", "<a@b.c>", "<https://a.b/>", "#",
           ":", "{", "}", "|", "~", "^", '"', "'", ".", "-", "[ab](c.md)", "![i](j.png)",
           "[ab][]", "\\(x\\)", "$x$", "`c`"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=25).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=4))
def test_skipping_inline_processor_renders_as_python_markdown(paragraphs: list[str]) -> None:
    text = "\n\n".join(paragraphs)
    assert (_site_markdown(SkippingInlineExtension()).convert(text)
            == _site_markdown().convert(text))


def test_one_markdown_instance_carries_nothing_from_page_to_page(tmp_path: Path) -> None:
    # Reference links, heading ids, stashed HTML and fenced code of one page must not show in
    # the next (the plugin renders every page with one Python-Markdown instance).
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(
        "# Intro\n\n[x]: https://example.org/a\n\nSee [x].\n\n<div>raw</div>\n\n"
        "```python\nprint(1)\n```\n\n$$\na^2\n$$\n\n## Intro\n", encoding="utf-8")
    (docs / "b.md").write_text("# Intro\n\nSee [x] and [y].\n\n## Intro\n", encoding="utf-8")
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    # the site's Markdown extensions, in a plain project
    site_config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    extensions = site_config.split("\nmarkdown_extensions:")[1].split("\nvalidation:")[0]
    body = ("site_name: t\ntheme:\n  name: material\nplugins:\n  - search\n  - postdocs\n"
            "markdown_extensions:" + extensions.replace("content/docs/_snippets", "docs"))
    (tmp_path / "with.yml").write_text(body, encoding="utf-8")
    (tmp_path / "without.yml").write_text(body.replace("  - postdocs\n", ""), encoding="utf-8")
    built = [{k: v for k, v in _site(tmp_path, cfg, site, strict=False).items()
              if not k.startswith("pagefind/")}  # the search index: the plugin's own
             for cfg, site in [("with.yml", "s1"), ("without.yml", "s2")]]
    assert built[0] == built[1]
    page_b = built[0]["b/index.html"].decode()
    assert "See [x] and [y]." in page_b and 'id="intro_1"' in page_b


# Markdown with raw HTML: tags with and without `id`/`name` attributes, in the spellings an
# HTML parser accepts, and the same words as plain text.
_HTML_PIECES = ["ab", " ", "\n", "<div>", "</div>", '<div id="x">', "<div ID=y>", "<div id>",
                "<a name=n>", "<A NAME='m' >", '<p class="c" id="z"/>', "<br/>", "<img/id=q>",
                "<span data-id=1>", 'the id is <b id = "w">', "name", " id ", "id=", "<",
                ">", "/", '"', "'", "<x idx=1>", "<x nameid=2>", "İd", "<p İd=3>", "`<i id=c>`",
                "<!-- <i id=h> -->", "\t", "=", "&amp;", "<p iD=4>", "<a NaMe=5>"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_HTML_PIECES), max_size=30).map("".join))
def test_anchor_ids_are_mkdocs_own(text: str) -> None:
    """The plugin's anchor-id preprocessor finds exactly the ids MkDocs' own finds (its skip
    only happens where no id can be); MkDocs checks links to anchors with them."""
    lines = text.split("\n")
    mine, theirs = _AnchorIdsPreprocessor(), pages._RawHTMLPreprocessor()
    assert mine.run(lines) == theirs.run(lines) == lines
    assert mine.present_anchor_ids == theirs.present_anchor_ids


def test_review_pages_are_not_parsed_for_anchor_ids(project: Project, corpus: Corpus) -> None:
    reviews = [text.split("\n---\n", 1)[1] for path, text in render_site(project, corpus).items()
               if path.startswith("reviews/") and path.endswith(".md")]
    assert len(reviews) > 200
    assert not any(_MAY_NAME_ANCHOR.search(text) for text in reviews)
