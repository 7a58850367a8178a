"""Incremental site builds (`postdocs site --incremental`): with the previous site, pages and
caches kept, one new post is rendered with what it changes, and the site equals a clean build's
byte for byte (mkdocs_incremental.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from postdocs.cli import main
from postdocs.config import load_project
from postdocs.readers import read_input

from .conftest import copy_project


def _site(root: Path) -> dict[str, bytes]:
    """Every file of the built site but Pagefind's own index files, which are not
    byte-identical even between two clean builds (their hashed names and the order inside
    them vary with Pagefind's threads); the search box's filter choices are compared."""
    folder = root / "site"
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and (not p.relative_to(folder).as_posix().startswith("pagefind/")
                                or p.name == "postdocs-filters.json")}


def _mtimes(root: Path) -> dict[str, int]:
    folder = root / "site"
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*.html")}


def _hold_back_last_post(root: Path) -> tuple[Path, str]:
    """The last post of a dump removed (as if it was not written yet); returns the dump and
    its full text."""
    project = load_project(root)
    ch = next(c for c in project.channels if c.format == "web-preview")
    dump = project.channels_dir / ch.files[-1]
    full = dump.read_text(encoding="utf-8")
    last = max(p.line for p in read_input(dump, ch).posts)
    dump.write_text("\n".join(full.split("\n")[:last - 1]), encoding="utf-8")
    return dump, full


def test_one_new_post_incremental_equals_clean_build(tmp_path: Path) -> None:
    env_seed = os.environ.get("PYTHONHASHSEED")
    incremental = copy_project(tmp_path / "incremental")
    clean = copy_project(tmp_path / "clean")
    for root in (incremental, clean):  # search shards of 60 pages: several per language
        config = root / "mkdocs.yml"
        text = config.read_text("utf-8")
        assert "\n  - postdocs\n" in text
        config.write_text(text.replace("\n  - postdocs\n",
                                       "\n  - postdocs:\n      search_shard_pages: 60\n"),
                          encoding="utf-8")
    dump, full = _hold_back_last_post(incremental)
    assert main(["--root", str(incremental), "site", "-q"]) == 0  # the previous site
    before = _mtimes(incremental)
    old_filters = json.loads((incremental / "site/pagefind/postdocs-filters.json").read_text(
        "utf-8"))
    dump.write_text(full, encoding="utf-8")  # the new post arrives
    assert main(["--root", str(incremental), "site", "--incremental", "-q"]) == 0
    assert main(["--root", str(clean), "site", "-q"]) == 0

    got, expected = _site(incremental), _site(clean)
    assert len(expected) > 250
    assert sorted(got) == sorted(expected)  # no page missing, none left over
    assert [p for p in expected if got[p] != expected[p]] == []

    # incremental: most pages were not rendered again
    after = _mtimes(incremental)
    rendered = [p for p in after if before.get(p) != after[p]]
    # the post's URL answered before too: the permalink registry (content/permalinks.yml)
    # knows every seed review, so while held back it had a "missing review" page there
    assert set(after) == set(before)
    assert any(p.startswith("reviews/") for p in rendered)
    assert len(rendered) < len(after) // 4
    assert "pagefind/postdocs-filters.json" in got
    assert json.loads(got["pagefind/postdocs-filters.json"]) != old_filters  # one more review
    pagefind = incremental / "site" / "pagefind"
    shards = json.loads((pagefind / "postdocs-index.json").read_text("utf-8"))["languages"]
    assert {"en", "ru", "he"} <= set(shards) and len(shards["he"]["shards"]) >= 3
    # the same shards as the clean build's (the incremental build kept the plan)
    assert shards == json.loads((clean / "site/pagefind/postdocs-index.json").read_text(
        "utf-8"))["languages"]
    for lang in shards.values():
        for shard in lang["shards"]:
            assert (pagefind / shard / "pagefind.js").is_file()
            assert any((pagefind / shard).glob("index/*"))
    assert env_seed == os.environ.get("PYTHONHASHSEED")


def test_a_changed_configuration_makes_the_next_incremental_build_a_clean_one(
        tmp_path: Path) -> None:
    root = copy_project(tmp_path / "p")
    assert main(["--root", str(root), "site", "-q"]) == 0
    stale = root / "site" / "reviews" / "stale" / "index.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("left over", encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "site_name: ", "site_name: Changed "), encoding="utf-8")
    before = _mtimes(root)
    assert main(["--root", str(root), "site", "--incremental", "-q"]) == 0
    after = _mtimes(root)
    assert not stale.exists()  # the site folder was emptied first, as a clean build does
    assert all(before[p] != after[p] for p in after if p in before)
    assert b"Changed postdocs" in (root / "site" / "index.html").read_bytes()
