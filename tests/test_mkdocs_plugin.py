"""The `postdocs` MkDocs plugin makes builds faster and adds the search index: apart from each
page's `<html lang>` and the index, the seed site is byte-identical with and without it, and
its inline processor renders any text as Python-Markdown's own does."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from postdocs.cli import main
from postdocs.mkdocs.search_index import SourceStore

from .conftest import ROOT, copy_project

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}


_HTML_LANG = re.compile(rb'<html lang="([^"]*)"')


def _site(root: Path, config: str, site: str, strict: bool = True) -> dict[str, bytes]:
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", config, "-d", site,
                    *(["--strict"] if strict else [])],
                   cwd=root, env=ENV, check=True, capture_output=True)
    folder = root / site
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.suffix == ".html" or (p.parent.name == "pagefind" and p.is_file())
            or (p.parent.parent.name == "pagefind" and p.is_file())}


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
    assert {"pagefind/postdocs-index.json", "pagefind/postdocs-filters.json"} <= index
    shards = json.loads(with_plugin["pagefind/postdocs-index.json"])["languages"]
    assert {"en", "ru", "he"} <= set(shards)
    for lang, entry in shards.items():  # one bundle per shard, of that language only
        for shard in entry["shards"]:
            assert {f"pagefind/{shard}/pagefind.js",
                    f"pagefind/{shard}/pagefind-entry.json"} <= index
            own = json.loads(with_plugin[f"pagefind/{shard}/pagefind-entry.json"])
            assert set(own["languages"]) == {lang}
    assert not any(k.startswith("pagefind/") for k in without)
    # every page the index reads, the home page (`./` to MkDocs) too, kept for the next build
    sources = SourceStore(root / ".postdocs-cache" / "search")
    assert {"", "about/"} <= set(sources.record)
    assert [url for url, _source in sources.sources(["", "about/"])] == ["", "about/"]
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


def test_a_plain_project_builds_the_same_with_and_without_the_plugin(tmp_path: Path) -> None:
    # Reference links, heading ids, stashed HTML, fenced code and math, with the site's
    # Markdown extensions: the plugin changes nothing of what MkDocs renders.
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


def test_a_build_indexes_search_shards_while_it_writes_pages(tmp_path: Path) -> None:
    # 24 pages in two languages, shards of 5: the shards that are whole before the last page
    # is written are indexed then; a rebuild with one page changed indexes its shard alone
    docs = tmp_path / "docs"
    for n in range(24):
        lang = "he" if n < 16 else "ru"
        page = docs / f"p{n:02d}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"---\nlang: {lang}\n---\n# Page {n}\n\nword{n} okapi\n", "utf-8")
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    # pages written as slowly as Pagefind indexes a shard (a hook waits for the shards begun)
    (tmp_path / "slow.py").write_text(
        "def on_post_page(output, page, config):\n"
        "    streaming = config.plugins['postdocs']._streaming\n"
        "    if streaming is not None:\n        streaming.wait()\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: t\ntheme:\n  name: material\n  custom_dir: {ROOT / 'overrides'}\n"
        "hooks:\n  - slow.py\n"
        "plugins:\n  - postdocs:\n      search_shard_pages: 5\n", encoding="utf-8")

    def build() -> str:
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build"], cwd=tmp_path, env=ENV,
                              check=True, capture_output=True, text=True)
        logged = [line for line in proc.stderr.splitlines() if "search index made" in line]
        assert len(logged) == 1
        return logged[0]

    first = build()
    index = json.loads((tmp_path / "site" / "pagefind" / "postdocs-index.json").read_text(
        "utf-8"))["languages"]
    assert index["he"] == {"pages": 16, "shards": ["he-0", "he-1", "he-2", "he-3"]}
    assert index["ru"]["pages"] == 8 and len(index["ru"]["shards"]) == 2
    done = re.search(r"(\d+) of (\d+) shards indexed again, (\d+) while", first)
    assert done is not None and done[1] == done[2]
    # all but perhaps the shard the last page completes (Russian, "p23"), begun as it ends
    assert int(done[3]) >= int(done[2]) - 1
    (docs / "p03.md").write_text("---\nlang: he\n---\n# Page 3\n\nzebra\n", "utf-8")
    assert "1 of" in build().split("; ")[1]
    fragments = [p for p in (tmp_path / "site" / "pagefind").glob("*/fragment/*")]
    assert len(fragments) == 25  # every page once (the home page too)


def test_every_search_source_of_the_seed_site_is_known_before_pages_are_written(
        tmp_path: Path) -> None:
    # each page's source is kept as its Markdown is rendered (content_source), so every
    # shard can be indexed while the pages are written; each written page agrees, and the
    # index is the one Pagefind makes of the whole built pages
    from postdocs.mkdocs.search_index import EXCLUDED, pagefind_executable

    from .test_search_index import _fragments

    root = copy_project(tmp_path / "p")
    assert main(["--no-cache", "--root", str(root), "build", "-q"]) == 0
    log = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-v", "--strict"], cwd=root,
                         env=ENV, check=True, capture_output=True, text=True).stderr.splitlines()
    assert "postdocs: 0 pages' search sources were not the ones foreseen" in "\n".join(log)
    whole = [n for n, line in enumerate(log) if re.search(r"search shard \S+ whole", line)]
    first_page = next(n for n, line in enumerate(log) if "Building page " in line)
    read = [n for n, line in enumerate(log) if "Reading: " in line]
    # the Hebrew reviews' shard is whole while MkDocs still reads and renders other pages
    assert min(whole) < max(read)
    shards = json.loads((root / "site" / "pagefind" / "postdocs-index.json").read_text(
        "utf-8"))["languages"]
    assert len(whole) == sum(len(entry["shards"]) for entry in shards.values()) >= 3
    assert max(whole) < first_page
    subprocess.run([str(pagefind_executable()), "--site", str(root / "site"), "--output-path",
                    str(tmp_path / "whole" / "pagefind" / "all"), "--exclude-selectors",
                    ", ".join(EXCLUDED), "--silent"], check=True)
    indexed = _fragments(root / "site")
    assert len(indexed) > 200 and indexed == _fragments(tmp_path / "whole")


def test_a_page_changed_after_its_source_was_foreseen_is_indexed_as_written(
        tmp_path: Path) -> None:
    # a plugin that changes a page's content after it is rendered (as Material's tags plugin
    # fills its listing pages): the written page's source is kept and its shard made again
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(6):
        (docs / f"p{n}.md").write_text(f"---\nlang: ru\n---\n# Page {n}\n\nword{n}\n", "utf-8")
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "late.py").write_text(
        "def on_page_context(context, page, config, nav):\n"
        "    page.content = page.content.replace('word3', 'zebra')\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: t\ntheme:\n  name: material\n  custom_dir: {ROOT / 'overrides'}\n"
        "hooks:\n  - late.py\nplugins:\n  - postdocs\n", encoding="utf-8")
    log = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-v"], cwd=tmp_path, env=ENV,
                         check=True, capture_output=True, text=True).stderr
    assert "postdocs: 1 pages' search sources were not the ones foreseen" in log
    from .test_search_index import _fragments

    texts = _fragments(tmp_path / "site")
    assert "zebra" in texts["/p3/"] and "word3" not in texts["/p3/"]
    assert "word2" in texts["/p2/"]
