"""Full collections of the cycle collector are held back while a build runs (postdocs' own, and
MkDocs' through the plugin), young cycles are still freed, and the collector's thresholds are
restored when the build ends, also when it fails."""

from __future__ import annotations

import gc
import shutil
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from postdocs import cli, collector, pipeline
from postdocs.errors import OutputError

from .conftest import ROOT, project_without_channels, seed


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    running, thresholds = gc.isenabled(), gc.get_threshold()
    gc.enable()
    gc.set_threshold(700, 10, 10)  # Python's defaults
    yield
    gc.set_threshold(*thresholds)
    (gc.enable if running else gc.disable)()


def _held_back() -> bool:
    return gc.isenabled() and gc.get_threshold()[2] >= collector.NEVER


class _Node:
    other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    """A reference cycle no one holds (only the collector frees it); a weak reference to it."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_a_pause_holds_back_full_collections_and_still_frees_young_cycles() -> None:
    old = collector.pause()
    assert old == (700, 10, 10) and _held_back()
    young = _cycle()
    kept = _Node()  # a long-lived object, in the oldest generation
    gc.collect(1)  # ... moved there, as a build's results are
    kept.other = kept  # a cycle, dropped while the pause holds
    old_cycle = weakref.ref(kept)
    del kept
    # long-lived objects made, as a build makes them: without the pause, enough for Python to
    # walk the oldest generation (a full collection) many times over
    made = [[_Node()] for _ in range(len(gc.get_objects()) + 100_000)]
    assert len(made) and young() is None  # young cycles: collected as they come
    assert old_cycle() is not None  # the oldest generation: not walked while paused
    collector.resume(old)
    assert gc.get_threshold() == (700, 10, 10)
    collector.collect()  # a process that goes on (the watcher, mkdocs serve)
    assert old_cycle() is None


def test_a_pause_within_a_pause_or_of_a_stopped_collector_changes_nothing() -> None:
    outer = collector.pause()
    inner = collector.pause()
    assert outer is not None and inner is None
    collector.resume(inner)
    assert _held_back()
    collector.resume(outer)
    assert not _held_back() and gc.get_threshold() == (700, 10, 10)
    gc.disable()
    assert collector.pause() is None and not gc.isenabled()
    gc.enable()
    with collector.paused():
        assert _held_back()
    assert not _held_back()


def test_postdocs_builds_with_the_collector_paused(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = pipeline.process

    def process(*args: object, **kwargs: object) -> object:
        seen.append(_held_back())
        if len(seen) > 1:
            raise OutputError("a build that fails midway")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "process", process)
    root = project_without_channels(tmp_path)
    (root / "content" / "channels" / "c").mkdir(parents=True)
    (root / "content" / "channels.yml").write_text(
        "channels:\n  - id: c\n    lang: ru\n    dir: ltr\n    format: web-preview\n"
        "    files: [c/posts.txt]\n", encoding="utf-8")
    shutil.copy(seed("000_6219d51e455967f7.txt"), root / "content" / "channels" / "c" / "posts.txt")
    assert cli.main(["--root", str(root), "build", "-q"]) == 0
    assert seen == [True] and not _held_back()
    # a build that fails ends the pause too
    assert cli.main(["--root", str(root), "build", "-q"]) == OutputError.exit_code
    assert seen == [True, True] and not _held_back()


def _mkdocs_project(root: Path, fail: bool) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    (docs / "a.md").write_text("# A\n\ntext\n", encoding="utf-8")
    (root / "record.py").write_text(
        f"import gc, pathlib\nNEVER = {collector.NEVER}\n"
        "def on_page_markdown(markdown, page, config, files):\n"
        "    with (pathlib.Path(config.config_file_path).parent / 'seen').open('a') as f:\n"
        "        f.write(f'{gc.isenabled() and gc.get_threshold()[2] >= NEVER}\\n')\n"
        f"    if {fail} and page.file.src_uri == 'a.md':\n"
        "        raise RuntimeError('a page that fails')\n"
        "    return markdown\n", encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(
        f"site_name: t\ntheme:\n  name: material\n  custom_dir: {ROOT / 'overrides'}\n"
        "hooks:\n  - record.py\nplugins:\n  - postdocs\n", encoding="utf-8")
    return config


@pytest.mark.parametrize("fail", [False, True])
def test_mkdocs_builds_with_the_collector_paused(tmp_path: Path, fail: bool) -> None:
    config = load_config(str(_mkdocs_project(tmp_path, fail)))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        if fail:
            with pytest.raises((Abort, RuntimeError)):
                build(config)
        else:
            build(config)
            assert (tmp_path / "site" / "a" / "index.html").is_file()
        assert not _held_back()  # after the build, whether it failed or not
    finally:
        config.plugins.on_shutdown()
    seen = (tmp_path / "seen").read_text(encoding="utf-8").split()
    assert seen and set(seen) == {"True"}  # every page rendered with full collections held
