"""Per-post work on several processes and the per-post cache on disk (parallel, postcache)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from postdocs import cli, pipeline
from postdocs.config import load_project
from postdocs.errors import InputError
from postdocs.parallel import Workers
from postdocs.pipeline import process, render_site

from .conftest import ROOT


def _copy_project(tmp: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp / "content",
                    ignore=shutil.ignore_patterns("reviews", "topics", "channels_pages"))
    shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
    return tmp


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".postdocs-lock")}


def test_one_and_two_workers_write_byte_identical_pages(tmp_path: Path) -> None:
    one = _copy_project(tmp_path / "one")
    two = _copy_project(tmp_path / "two")
    assert cli.main(["--root", str(one), "--no-cache", "-j", "1", "build", "-q"]) == 0
    assert cli.main(["--root", str(two), "--no-cache", "-j", "2", "build", "-q"]) == 0
    first, second = _tree(one / "content" / "docs"), _tree(two / "content" / "docs")
    assert len([p for p in first if p.startswith("reviews/")]) > 200
    assert first.keys() == second.keys()
    differing = [p for p in first if first[p] != second[p]]
    assert differing == []


def test_the_pool_is_used_and_keeps_order_and_values(tmp_path: Path) -> None:
    root = _copy_project(tmp_path)
    project = load_project(root)
    serial = process(project, use_cache=False, jobs=1)
    parallel = process(project, use_cache=False, jobs=3)
    assert parallel.posts == serial.posts and parallel.links == serial.links
    assert render_site(project, parallel, jobs=3) == render_site(project, serial, jobs=1)
    with Workers(2) as workers:
        pids = workers.map(_pid, list(range(200)))
    assert os.getpid() not in pids and len(set(pids)) >= 1


def _pid(_item: int, _shared: object) -> int:
    return os.getpid()


# Run in a fresh interpreter: forking is refused beside other threads, and a test session may
# hold some (the browser tests' servers).
_FORKED = r"""
import json, os, sys, threading
from pathlib import Path
from postdocs import parallel
from postdocs.config import load_project
from postdocs.link import related
from postdocs.pipeline import process

def spy(fn, chunk):  # the workers' entry point, noting which process ran each chunk
    with open(sys.argv[2], "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()}\n")
    return real(fn, chunk)

def looked_up(item, shared):
    return shared[0][item]

def pid(item, shared):
    return os.getpid()

real, parallel._run_inherited = parallel._run_inherited, spy
table = {i: f"value {i}" for i in range(500)}
items = list(range(499, -1, -1))
with parallel.Workers(2) as workers:
    started = workers.map(pid, list(range(200)))  # the pool `map` uses: closed first
    out = workers.map_inherited(looked_up, items, (table, threading.Lock()))
project = load_project(Path(sys.argv[1]))
serial = process(project, use_cache=False, jobs=1)
forked_before = open(sys.argv[2], encoding="utf-8").read().split()
related.PARALLEL_MIN = 1  # the seeds' related reviews scored by forked workers too
forked = process(project, use_cache=False, jobs=2)
print(json.dumps({"pid": os.getpid(), "started": sorted(set(started)),
                  "in_order": out == [table[i] for i in items],
                  "lookups": forked_before,
                  "related": open(sys.argv[2], encoding="utf-8").read().split()[
                      len(forked_before):],
                  "same_links": forked.links == serial.links,
                  "same_papers": forked.papers == serial.papers}))
"""


def test_forked_workers_inherit_the_shared_value_and_keep_the_order(tmp_path: Path) -> None:
    """`map_inherited`: the shared value is not sent (a lock cannot be pickled), the workers
    are other processes forked after the pool `map` used was closed, the results come back in
    the items' order; related reviews scored that way are the same as scored here."""
    root = _copy_project(tmp_path / "project")
    log = tmp_path / "pids.txt"
    log.write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, "-c", _FORKED, str(root), str(log)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["in_order"] and got["same_links"] and got["same_papers"]
    assert str(got["pid"]) not in got["lookups"] and len(got["lookups"]) >= 2
    assert str(got["pid"]) not in got["related"] and len(got["related"]) >= 2
    assert got["pid"] not in got["started"]
    with Workers(1) as workers:  # one job: here, nothing forked
        assert workers.map_inherited(_pid, list(range(100)), None) == [os.getpid()] * 100


def _fail(item: int, _shared: object) -> int:
    if item == 150:
        raise InputError("some/file.txt", "broken here", 7)
    return item


def test_an_error_in_a_worker_is_raised_as_it_was() -> None:
    with Workers(2) as workers, pytest.raises(InputError) as info:
        workers.map(_fail, list(range(200)))
    assert str(info.value) == "some/file.txt:7: broken here" and info.value.line == 7


def test_a_rebuild_in_a_new_process_computes_only_what_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy_project(tmp_path)
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    subprocess.run([sys.executable, "-m", "postdocs.cli", "--root", str(root), "-j", "2",
                    "build", "-q"], check=True, env=env, cwd=root)
    prepared: list[object] = []
    rendered: list[object] = []
    real_prepare, real_render = pipeline._prepare_one, pipeline._render_one
    monkeypatch.setattr(pipeline, "_prepare_one",
                        lambda p, s: prepared.append(p) or real_prepare(p, s))
    monkeypatch.setattr(pipeline, "_render_one",
                        lambda i, c: rendered.append(i) or real_render(i, c))
    assert cli.main(["--root", str(root), "-j", "1", "build", "-q"]) == 0
    assert prepared == [] and rendered == []  # every post and page came from the disk cache

    project = load_project(root)
    dump = next(project.channels_dir / f for ch in project.channels for f in ch.files
                if f.endswith(".txt"))
    post = process(project).posts[0]
    text = dump.read_text(encoding="utf-8").split("\n")
    text[post.line - 1] = text[post.line - 1] + " (edited)"
    dump.write_text("\n".join(text), encoding="utf-8")
    before = _tree(root / "content" / "docs")
    assert cli.main(["--root", str(root), "-j", "1", "build", "-q"]) == 0
    assert len(prepared) == 1  # the edited post only
    total = len(process(project).posts)
    assert 1 <= len(rendered) < total // 10  # it, and the pages that link to it
    after = _tree(root / "content" / "docs")
    changed = {p for p in after if before.get(p) != after[p]}
    assert any(p.startswith("reviews/") for p in changed)
    # and the result is what a build without any cache writes
    monkeypatch.undo()
    clean = _copy_project(tmp_path / "clean")
    shutil.copy(dump, clean / "content" / "channels" / dump.relative_to(
        project.channels_dir))
    assert cli.main(["--root", str(clean), "--no-cache", "-j", "2", "build", "-q"]) == 0
    assert _tree(clean / "content" / "docs") == after
