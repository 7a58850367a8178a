"""The reader cache: unchanged inputs are not parsed again, and the cache never changes output."""

from __future__ import annotations

import shutil
from pathlib import Path

from postdocs.cache import ReadCache
from postdocs.config import load_project
from postdocs.pipeline import process, render_site
from postdocs.readers import read_input

from .conftest import ROOT


def _copy_project(tmp: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp / "content",
                    ignore=shutil.ignore_patterns("reviews", "topics", "channels_pages"))
    shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
    return tmp


def test_unchanged_inputs_hit_changed_inputs_miss(tmp_path: Path) -> None:
    project = load_project(_copy_project(tmp_path))
    cache = ReadCache(tmp_path / "cache")
    calls: list[str] = []

    def reader(path: Path, ch: object) -> object:
        calls.append(path.name)
        return read_input(path, ch)  # type: ignore[arg-type]

    ch = project.channels[0]
    path = project.channels_dir / ch.files[0]
    first = cache.get(path, ch, lambda: reader(path, ch))  # type: ignore[arg-type,return-value]
    second = cache.get(path, ch, lambda: reader(path, ch))  # type: ignore[arg-type,return-value]
    assert calls == [path.name] and cache.hits == 1
    assert second == first
    path.write_text(path.read_text(encoding="utf-8") + "\nNew title line\n", encoding="utf-8")
    cache.get(path, ch, lambda: reader(path, ch))  # type: ignore[arg-type,return-value]
    assert calls == [path.name, path.name] and cache.misses == 2


def test_damaged_entries_are_parsed_again_and_stale_ones_pruned(tmp_path: Path) -> None:
    project = load_project(_copy_project(tmp_path))
    ch = project.channels[0]
    path = project.channels_dir / ch.files[0]
    folder = tmp_path / "cache"
    ReadCache(folder).get(path, ch, lambda: read_input(path, ch))
    (entry,) = folder.iterdir()
    entry.write_bytes(b"not a pickle")
    (folder / "stale.pickle").write_bytes(b"x")
    cache = ReadCache(folder)
    result = cache.get(path, ch, lambda: read_input(path, ch))
    assert cache.misses == 1 and result.posts
    cache.prune()
    assert [p.name for p in folder.iterdir()] == [entry.name]


def test_cached_and_uncached_builds_give_identical_pages(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    project = load_project(root)
    cold = render_site(project, process(project, use_cache=False))
    process(project)  # fills the cache
    warm = render_site(project, process(project))
    assert (root / ".postdocs-cache").is_dir() and any((root / ".postdocs-cache").iterdir())
    assert warm == cold
