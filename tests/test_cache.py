"""The reader cache: unchanged inputs are not parsed again, and the cache never changes output."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

from postdocs.cache.reads import ReadCache
from postdocs.config import load_project
from postdocs.model import Post, SourceLine
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
    assert calls == [path.name]  # the second one came from the cache
    assert second == first
    path.write_text(path.read_text(encoding="utf-8") + "\nNew title line\n", encoding="utf-8")
    cache.get(path, ch, lambda: reader(path, ch))  # type: ignore[arg-type,return-value]
    assert calls == [path.name, path.name]


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
    reads: list[Path] = []
    result = cache.get(path, ch, lambda: reads.append(path) or read_input(path, ch))
    assert reads == [path] and result.posts
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


def test_a_cached_post_hashes_by_the_reading_process_seed(tmp_path: Path) -> None:
    """Posts keep their hash once computed (memo keys); the read cache must not carry it into
    a process whose string hashes are salted differently."""
    post = Post(channel="c", source_file="f.txt", line=3, title="A title",
                body=(SourceLine(4, "body"),))
    hash(post)
    (tmp_path / "post.pickle").write_bytes(pickle.dumps(post))
    check = ("import pickle, sys, dataclasses; from pathlib import Path; "
             "p = pickle.loads(Path(sys.argv[1]).read_bytes()); "
             "assert hash(p) == hash(dataclasses.replace(p)), 'stale hash'; "
             "assert p in {dataclasses.replace(p)}")
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-c", check, str(tmp_path / "post.pickle")],
                       env={**os.environ, "PYTHONHASHSEED": seed}, check=True)


def test_values_pickled_by_their_constructor_come_back_equal() -> None:
    """SourceLine, Evidence and TextLine pickle as a constructor call (faster than the
    dataclass' per-field state, and there are hundreds of thousands in the read cache at
    100x): every field, defaults or not, comes back."""
    from postdocs.model import Evidence, TextLine, TextPart

    values = [SourceLine(3, "строка"), Evidence("rl", "ppo", "title", 2.5, 3),
              Evidence("ssm", "mamba", "body", 1.0),
              TextLine((TextPart("bold", "x"), TextPart("text_link", "y", "https://a.b/"))),
              TextLine((TextPart("pre", "code", "python"),), block=True)]
    for value in values:
        back = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == value and type(back) is type(value)
        assert repr(back) == repr(value)
