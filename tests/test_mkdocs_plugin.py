"""The `postdocs` MkDocs plugin only makes builds faster: the seed site is byte-identical with
and without it, and its inline processor renders any text as Python-Markdown's own does."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config

from postdocs.cli import main
from postdocs.mkdocs_plugin import SkippingInlineExtension, needed_characters

from .conftest import ROOT, copy_project

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


def _site(root: Path, config: str, site: str) -> dict[str, bytes]:
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", config,
                    "-d", site], cwd=root, env=ENV, check=True, capture_output=True)
    folder = root / site
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.suffix == ".html" or p.name == "search_index.json"}


def test_seed_site_is_byte_identical_without_the_plugin(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p")
    assert main(["--no-cache", "--root", str(root), "build", "-q"]) == 0
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    assert "\n  - postdocs\n" in config
    (root / "without.yml").write_text(config.replace("\n  - postdocs\n", "\n"), encoding="utf-8")
    with_plugin = _site(root, "mkdocs.yml", "site-with")
    without = _site(root, "without.yml", "site-without")
    assert len(with_plugin) > 200 and "search/search_index.json" in with_plugin
    assert set(with_plugin) == set(without)
    assert [k for k in with_plugin if with_plugin[k] != without[k]] == []


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
