"""Any title, author, tag or channel name round-trips through front-matter, read the way MkDocs
reads it, and cannot add a key; titles reach the theme as HTML text."""

from __future__ import annotations

import html
import importlib
import re

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils import meta

from postdocs.model import Post, SourceLine
from postdocs.render.pages import front_matter, html_text, html_title, render_post

from .conftest import ROOT

NASTY = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "---", "...", "a\n---\nb: 1", "x: y", "&anchor *anchor", "!!python/object:os.system",
        "!!python/object/apply:os.system ['echo pwned']", "'\"", "\u202eevil\u202c", "a\x07b",
        "\x85\u2028\u2029\ufeff", "yes", "2024-01-01", "~", "null", "{a: 1}", "[1, 2]", "#c",
        "x" * 5000 + " " + "y" * 20000, "<script>alert(1)</script>", "Q&A &amp;",
    ]),
)


@settings(max_examples=200, deadline=None)
@given(NASTY, NASTY, NASTY)
def test_front_matter_round_trips_and_injects_nothing(title: str, author: str, tag: str) -> None:
    data = {"title": title, "channel": "c", "authors": [author], "tags": [tag]}
    markdown, parsed = meta.get_data(front_matter(data) + "\n# body\n")
    assert parsed.get("title_text", html.unescape(parsed["title"])) == title
    assert parsed["authors"] == [author]
    # tag names are shown by the theme as HTML: HTML text, white space and controls normalised
    assert [html.unescape(t) for t in parsed["tags"]] == [html.unescape(html_text(tag))]
    assert "<" not in parsed["tags"][0] and '"' not in parsed["tags"][0]
    assert set(parsed) <= {"title", "title_text", "channel", "authors", "tags"}
    assert markdown.strip() == "# body"


@settings(max_examples=200, deadline=None)
@given(NASTY)
def test_title_is_html_text_without_controls(title: str) -> None:
    shown = html_title(title)
    assert "<" not in shown and ">" not in shown and '"' not in shown
    assert not any(c in shown for c in "\x00\x07\x1b\u202e\u2066\n")
    assert shown.strip()


def test_rendered_post_heading_and_front_matter_are_inert() -> None:
    post = Post(channel="c", source_file="f.txt", line=1,
                title='<img src=x onerror="window.__pwned=1"> --- title: x', lang="he", dir="rtl",
                slug="x")
    page = render_post(post)
    _, parsed = meta.get_data(page)
    assert parsed["title"] == "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt; --- title: x"
    assert "\n# &lt;img src=x onerror=\"window.&#95;&#95;pwned=1\"&gt; --- title: x\n" in page


def test_yaml_is_only_loaded_with_safe_loaders() -> None:
    """Every YAML load in postdocs uses a safe loader (SafeLoader or a subclass of it). MkDocs
    reads page front-matter with its SafeLoader; only the project's own mkdocs.yml goes through
    MkDocs' full loader."""
    calls = 0
    for path in sorted((ROOT / "src" / "postdocs").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"yaml\.(unsafe_load|full_load|load_all)\(", text), path
        for m in re.finditer(r"(?<!\w)yaml\.load\((?P<args>[^\n]*)", text):
            calls += 1
            loader = re.search(r"Loader=(\w+)", m.group("args"))
            assert loader, f"{path}: yaml.load without an explicit Loader"
            module = importlib.import_module(
                "postdocs." + ".".join(path.relative_to(ROOT / "src" / "postdocs")
                                       .with_suffix("").parts))
            cls = getattr(module, loader.group(1))
            assert issubclass(cls, (yaml.SafeLoader, yaml.CSafeLoader)), f"{path}: {cls}"
    # configuration files go through safe_yaml.load, whose loaders are safe ones
    from postdocs import safe_yaml
    assert issubclass(safe_yaml.BoundedLoader, (yaml.SafeLoader, yaml.CSafeLoader))
    assert calls + sum(p.read_text(encoding="utf-8").count("yaml.safe_load(") for p in
                       (ROOT / "src" / "postdocs").rglob("*.py")) > 0


def test_feed_stays_valid_xml_with_hostile_titles() -> None:
    import datetime as dt
    from xml.etree import ElementTree as ET

    from postdocs.render.feeds import atom_feed
    from postdocs.render.pages import SiteContext

    post = Post(channel="c", source_file="f.txt", line=1, slug="x", date=dt.date(2024, 1, 2),
                title="a\x07b <script>alert(1)</script> & \u202e\x00",
                body=(SourceLine(2, "body \x1b text"),))
    xml = atom_feed([post], SiteContext(site_url="https://example.org/"), "T\x0c", "feeds/x.xml")
    assert xml is not None
    root = ET.fromstring(xml)
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert titles == ["T", "ab <script>alert(1)</script> & \u202e"]
