"""The cycle collector is paused while a build runs (postdocs' own, and MkDocs' through the
plugin), runs again when it ends (also when it fails), and the cycles the build left are
collected then."""

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
    running = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if running else gc.disable)()


class _Node:
    other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    """A reference cycle no one holds (only the collector frees it); a weak reference to it."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_a_pause_stops_collections_until_its_resume_collects_the_cycles_made_since() -> None:
    running = collector.pause()
    assert running and not gc.isenabled()
    made = _cycle()
    for _ in range(100_000):  # far past the youngest generation's threshold
        _Node()
    assert made() is not None  # not collected while paused
    collector.resume(running)
    assert made() is None and gc.isenabled()


def test_a_pause_of_a_stopped_collector_leaves_it_stopped() -> None:
    outer = collector.pause()
    inner = collector.pause()  # an outer pause, or a caller's gc.disable()
    assert outer and not inner
    made = _cycle()
    collector.resume(inner)
    assert not gc.isenabled() and made() is not None
    collector.resume(outer)
    assert gc.isenabled() and made() is None
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_build_about_to_exit_resumes_without_collecting() -> None:
    running = collector.pause()
    made = _cycle()
    collector.resume(running, collect=False)  # `postdocs build`, `mkdocs build`
    assert gc.isenabled() and made() is not None
    gc.collect()
    assert made() is None


def test_postdocs_builds_with_the_collector_paused(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = pipeline.process

    def process(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
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
    assert seen == [False] and gc.isenabled()
    # a build that fails ends the pause too
    assert cli.main(["--root", str(root), "build", "-q"]) == OutputError.exit_code
    assert seen == [False, False] and gc.isenabled()


def _mkdocs_project(root: Path, fail: bool) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    (docs / "a.md").write_text("# A\n\ntext\n", encoding="utf-8")
    (root / "record.py").write_text(
        "import gc, pathlib\n"
        "def on_page_markdown(markdown, page, config, files):\n"
        "    with (pathlib.Path(config.config_file_path).parent / 'seen').open('a') as f:\n"
        "        f.write(f'{gc.isenabled()}\\n')\n"
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
        assert gc.isenabled()  # after the build, whether it failed or not
    finally:
        config.plugins.on_shutdown()
    seen = (tmp_path / "seen").read_text(encoding="utf-8").split()
    assert seen and set(seen) == {"False"}  # every page rendered with the collector paused
