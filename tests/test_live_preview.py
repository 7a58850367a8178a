"""Live preview (`make serve`): the watcher and `mkdocs serve --dirty` keep the served site whole.

Runs the two processes `make serve` runs (through the benchmark's harness, bench/live.py) on a
copy of the project, edits a review in its dump and reads what is served over HTTP.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from postdocs.cli import main
from postdocs.config import load_project
from postdocs.mkdocs.watch import watch
from postdocs.model import Post
from postdocs.pipeline import process
from postdocs.urls import slugs

from .conftest import ROOT, copy_project, served_index

sys.path.insert(0, str(ROOT / "bench"))
from live import LivePreview  # noqa: E402

BIN = Path(sys.executable).parent


def _edit_body_line(project: Path, post: Post, marker: str) -> None:
    """Append `marker` to the first body line of `post` in its dump."""
    dump = next((project / "content" / "channels").rglob(post.source_file))
    lines = dump.read_text(encoding="utf-8").split("\n")
    n = post.lines[0].number
    lines[n - 1] += f" {marker}"
    dump.write_text("\n".join(lines), encoding="utf-8")


def _index_version(lp: LivePreview) -> dict[str, object]:
    """The served search index's languages and the content hashes of their shards (each
    shard's Pagefind entry file)."""
    return dict(served_index(lp.fetch))


@pytest.fixture(scope="module")
def site_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("live") / "project")
    assert main(["--root", str(project), "build", "-q"]) == 0
    return project


def test_edit_is_served_and_search_index_follows(site_project: Path) -> None:
    project = site_project
    posts = process(load_project(project)).posts
    # a web-preview review (its body lines are lines of the dump) in the middle of the site
    post = next(p for p in posts[len(posts) // 2:] if p.lines and p.source_file.endswith(".txt"))
    url = slugs.page_url(slugs.page_path(post))
    with LivePreview(project, BIN) as lp:
        lp.wait_ready(timeout=180)
        lp._until(lambda: bool(_index_version(lp)), 120, "the search index")
        before = _index_version(lp)
        lang = post.lang

        _edit_body_line(project, post, "zebra-marker-17")
        lp.wait_served(url, "zebra-marker-17", timeout=120)
        # the index of the review's language is made again (in the background)
        lp._until(lambda: _index_version(lp).get(lang) not in (None, before[lang]), 120,
                  "the search index to follow the edit")
        zebra = _index_version(lp)

        # A broken configuration is reported and watching goes on: the next good edit is served.
        channels_yml = project / "content" / "channels.yml"
        good = channels_yml.read_text(encoding="utf-8")
        channels_yml.write_text(good + "\n  - [broken\n", encoding="utf-8")
        lp._until(lambda: "postdocs: error" in lp.log("watch"), 60, "the error to be printed")
        channels_yml.write_text(good, encoding="utf-8")
        before_okapi = lp.log("watch")
        _edit_body_line(project, post, "okapi-marker-23")
        lp.wait_served(url, "okapi-marker-23", timeout=120)
        lp._until(lambda: _index_version(lp).get(lang) not in (None, zebra[lang]), 120,
                  "the search index to follow the second edit")

        # The first rebuild printed every input's warnings, later ones only the edited input's.
        def warned(log: str) -> set[str]:
            return {line.split(":")[1].split("/")[-1] for line in log.splitlines()
                    if line.startswith("warning: ") and "content/channels/" in line}

        first = before_okapi.split("postdocs: rebuilt in")[0]
        assert len(warned(first)) > 1
        assert warned(lp.log("watch")[len(before_okapi):]) <= {post.source_file}

        # A page renamed on purpose (`slug:` in overrides.yml; a new title keeps the URL, see
        # permalinks.py): the new URL is served, the old one answers with a redirect to it, and
        # the search index is made again from the served pages.
        overrides = project / "content" / "overrides.yml"
        edited = _index_version(lp)
        overrides.write_text(overrides.read_text(encoding="utf-8").rstrip("\n")
                             + f'\n  "{post.source}":\n    slug: zebra-renamed\n', encoding="utf-8")
        new_url = f"reviews/{post.channel}/zebra-renamed/"
        lp._until(lambda: 'http-equiv="refresh"' in (lp.fetch(url) or ""), 60,
                  "the old URL to redirect")
        lp.wait_served(new_url, "okapi-marker-23", timeout=60)
        lp._until(lambda: _index_version(lp).get(lang) not in (None, edited[lang]), 120,
                  "the search index to follow the renamed page")


def test_watch_reacts_to_inputs_only(tmp_path: Path) -> None:
    """Inputs (content/*.yml, anything under content/channels/) trigger one rebuild per burst
    of changes; the watcher's own output (content/docs/) and unchanged files trigger none."""
    content = tmp_path / "content"
    (content / "channels" / "a").mkdir(parents=True)
    (content / "docs").mkdir()
    dump = content / "channels" / "a" / "dump.txt"
    dump.write_text("one\n", encoding="utf-8")
    (content / "channels.yml").write_text("channels: []\n", encoding="utf-8")
    calls: list[float] = []
    ready, stop = threading.Event(), threading.Event()
    t = threading.Thread(target=watch, args=(tmp_path, lambda: calls.append(time.monotonic())),
                         kwargs={"debounce": 0.2, "ready": ready.set, "stop": stop})
    t.start()
    try:
        assert ready.wait(10)

        def settle(n: int) -> None:
            end = time.monotonic() + 10
            while len(calls) < n and time.monotonic() < end:
                time.sleep(0.05)
            time.sleep(1.0)  # nothing more comes
            assert len(calls) == n

        for i in range(3):  # a burst of saves within the debounce: one rebuild
            dump.write_text(f"one {i}\n", encoding="utf-8")
            time.sleep(0.02)
        settle(1)
        (content / "docs" / "page.md").write_text("x", encoding="utf-8")
        dump.read_text(encoding="utf-8")
        settle(1)
        (content / "channels.yml").write_text("channels: [] # edited\n", encoding="utf-8")
        settle(2)
        (content / "channels" / "b").mkdir()
        (content / "channels" / "b" / "new.txt").write_text("new\n", encoding="utf-8")
        settle(3)
    finally:
        stop.set()
        t.join(10)
    assert not t.is_alive()
