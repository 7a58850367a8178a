"""Dirty rebuilds under `mkdocs serve --dirty` (mkdocs/live.py, through the `postdocs` plugin):
several pages rebuilt at once are all served, the search index is made again after them, and a
page that includes a changed snippet (the home page) is rebuilt."""

from __future__ import annotations

import sys
from pathlib import Path

from postdocs.cli import main
from postdocs.output.writer import load_manifest

from .conftest import ROOT, copy_project, served_index

sys.path.insert(0, str(ROOT / "bench"))
from live import LivePreview  # noqa: E402

BIN = Path(sys.executable).parent


def test_several_rebuilt_pages_are_served_and_indexed_and_snippet_pages_rebuild(
        tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    assert main(["--root", str(project), "build", "-q"]) == 0
    docs = project / "content" / "docs"
    reviews = sorted(p for p in load_manifest(docs) if p.startswith("reviews/"))
    pages = [reviews[10], reviews[len(reviews) // 2], reviews[-5]]
    with LivePreview(project, BIN) as lp:
        lp.wait_ready(timeout=180)
        lp._until(lambda: bool(served_index(lp.fetch)), 120, "the search index")
        before = served_index(lp.fetch)
        assert {"en", "ru", "he"} <= set(before)
        # what a rebuild of postdocs does: rewrite several pages and the home snippet at once
        for n, page in enumerate(pages):
            with (docs / page).open("a", encoding="utf-8") as fh:
                fh.write(f"\nmarker-{n}-okapi\n")
        home = docs / "_snippets" / "home.md"
        home.write_text(home.read_text(encoding="utf-8").replace(
            " reviews** from", " reviews** (marker-home-okapi) from", 1), encoding="utf-8")
        for n, page in enumerate(pages):
            lp.wait_served(page.removesuffix(".md") + "/", f"marker-{n}-okapi", timeout=120)
        lp.wait_served("", "marker-home-okapi", timeout=60)
        # the index is made again in the background: each language's index has a new hash
        # where its pages changed (the Hebrew reviews, the English home page)

        def remade() -> bool:
            now = served_index(lp.fetch)
            return bool(now) and now["en"] != before["en"]

        lp._until(remade, 120, "the search index to be made again")
        assert lp.fetch("pagefind/postdocs-filters.json") is not None
