"""Owned, atomic output: a second build writes nothing, a hand-edited page survives unless forced,
and a build killed at any point leaves the previous pages (or, once committed, is finished by the
next run) — checked with real processes killed by SIGKILL and interrupted by SIGINT."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from postdocs.cli import main
from postdocs.errors import OutputError
from postdocs.model import KnownPage, page_digest
from postdocs.output import writer
from postdocs.output.writer import (
    COMMIT,
    LOCK,
    MANIFEST,
    load_manifest,
    write_pages,
)
from postdocs.state import BuildState

from .conftest import seed

# Runs write_pages in a child process that kills itself at the n-th staged file ("stage"), the
# n-th file moved into place ("apply"), or sends itself SIGINT at the n-th staged file ("int").
CHILD = r"""
import os, signal, sys
# Ctrl-C must raise KeyboardInterrupt even when the test run was started with SIGINT ignored
# (a background job of a non-interactive shell): Python keeps an inherited SIG_IGN otherwise.
signal.signal(signal.SIGINT, signal.default_int_handler)
from pathlib import Path
from postdocs.output import writer
mode, n, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
pages = {f"d{i % 3}/p{i}.md": f"new {i}\n" for i in range(12)}
calls = [0]
def hit():
    calls[0] += 1
    if calls[0] == n:
        os.kill(os.getpid(), signal.SIGINT if mode == "int" else signal.SIGKILL)
if mode in ("stage", "int"):
    stage = writer._stage
    def _stage(path, data):
        hit()
        stage(path, data)
    writer._stage = _stage
else:
    replace = os.replace
    def _replace(a, b):
        hit()
        replace(a, b)
    os.replace = _replace
try:
    writer.write_pages(out, pages)
except KeyboardInterrupt:
    sys.exit(130)
"""
OLD = {f"d{i % 3}/p{i}.md": f"old {i}\n" for i in range(14)}  # p12, p13: gone in the new build
NEW = {f"d{i % 3}/p{i}.md": f"new {i}\n" for i in range(12)}


def _tree(out: Path) -> dict[str, str]:
    """The pages a site is built from (MkDocs skips dot-folders such as staging ones)."""
    pages = (p.relative_to(out) for p in out.rglob("*.md") if p.is_file())
    return {str(rel): (out / rel).read_text(encoding="utf-8") for rel in pages
            if not any(part.startswith(".") for part in rel.parts)}


def _child(mode: str, n: int, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, mode, str(n), str(out)],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("n", [1, 6, 12])
def test_killed_while_staging_leaves_previous_pages(tmp_path: Path, n: int) -> None:
    out = tmp_path / "docs"
    write_pages(out, OLD)
    before = (out / MANIFEST).read_bytes()
    proc = _child("stage", n, out)
    assert proc.returncode == -9  # really killed
    assert _tree(out) == OLD and (out / MANIFEST).read_bytes() == before
    # The next run drops the staged leftovers and builds normally.
    report = write_pages(out, NEW)
    assert report.recovered and "untouched" in report.recovered
    assert _tree(out) == NEW and set(load_manifest(out)) == set(NEW)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".postdocs-")) == [
        LOCK, MANIFEST]


@pytest.mark.parametrize("n", [1, 5, 12, 14])
def test_killed_while_moving_pages_is_finished_by_the_next_run(tmp_path: Path, n: int) -> None:
    out = tmp_path / "docs"
    write_pages(out, OLD)
    proc = _child("apply", n, out)
    assert proc.returncode == -9
    assert (out / COMMIT).is_dir()  # committed, not yet applied: the journal says what is left
    # Any later run finishes the interrupted one first (no page is taken for hand-edited) …
    report = write_pages(out, NEW)
    assert report.recovered == "finished the pages of an interrupted build"
    assert report.written == [] and report.unchanged == len(NEW)
    assert _tree(out) == NEW and set(load_manifest(out)) == set(NEW)
    assert not (out / COMMIT).exists()
    # … including one whose pages differ again.
    write_pages(out, OLD)
    assert _tree(out) == OLD


def test_sigint_while_staging_exits_130_and_leaves_previous_pages(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    write_pages(out, OLD)
    proc = _child("int", 4, out)
    assert proc.returncode == 130 and "Traceback" not in proc.stderr
    assert _tree(out) == OLD
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".postdocs-")) == [
        LOCK, MANIFEST]


def test_sigint_while_moving_pages_waits_until_all_are_new(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    write_pages(out, OLD)
    proc = _child_apply_sigint(out)
    assert proc.returncode == 130
    assert _tree(out) == NEW and not (out / COMMIT).exists()


def _child_apply_sigint(out: Path) -> subprocess.CompletedProcess[str]:
    code = CHILD.replace('signal.SIGINT if mode == "int" else signal.SIGKILL', "signal.SIGINT")
    return subprocess.run([sys.executable, "-c", code, "apply", "3", str(out)],
                          capture_output=True, text=True, timeout=60, check=False)


def _project(tmp: Path) -> Path:
    (tmp / "content" / "channels" / "rizzearch").mkdir(parents=True)
    for name in ("000_6219d51e455967f7.txt", "001_72cd830eb3fd8acc.txt"):
        (tmp / "content" / "channels" / "rizzearch" / name).write_bytes(seed(name).read_bytes())
    (tmp / "content" / "channels.yml").write_text(
        "channels:\n  - id: rizzearch\n    lang: ru\n    files:\n"
        "      - rizzearch/000_6219d51e455967f7.txt\n      - rizzearch/001_72cd830eb3fd8acc.txt\n",
        encoding="utf-8")
    return tmp / "content" / "docs"


def test_second_build_writes_nothing_and_edits_are_kept_unless_forced(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = _project(tmp_path)
    assert main(["--no-cache", "--root", str(tmp_path), "build"]) == 0
    first = capsys.readouterr().out
    assert " 0 written" not in first
    before = {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()}
    assert main(["--no-cache", "--root", str(tmp_path), "build"]) == 0
    out = capsys.readouterr().out
    assert ": 0 written, " in out and ", 0 removed" in out
    assert {p: p.stat().st_mtime_ns for p in docs.rglob("*") if p.is_file()} == before

    page = next(iter(sorted((docs / "reviews" / "rizzearch").glob("*.md"))))
    page.write_text(page.read_text(encoding="utf-8") + "\nA correction by hand.\n",
                    encoding="utf-8")
    edited = page.read_bytes()
    assert main(["--no-cache", "--root", str(tmp_path), "build"]) == 4
    err = capsys.readouterr().err
    assert f"{page}: edited by hand" in err and "--force" in err and "Traceback" not in err
    assert page.read_bytes() == edited
    assert main(["--no-cache", "--root", str(tmp_path), "build", "--force"]) == 0
    assert b"A correction by hand." not in page.read_bytes()


def test_cli_build_killed_midway_keeps_a_whole_site(tmp_path: Path) -> None:
    """A real `postdocs build` process killed with SIGKILL right after it starts writing: the
    docs folder holds the previous build or, after the next run, the new one, never a mix."""
    docs = _project(tmp_path)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    cmd = [sys.executable, "-m", "postdocs.cli", "--no-cache", "--root", str(tmp_path), "build"]
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    old = _tree(docs)
    yml = tmp_path / "content" / "channels.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace(
        "      - rizzearch/001_72cd830eb3fd8acc.txt\n", ""), encoding="utf-8")
    kill_at_write = ("import os, signal, postdocs.output.writer as w; s = w._stage\n"
                     "def k(p, d): os.kill(os.getpid(), signal.SIGKILL)\n"
                     "w._stage = k\n"
                     "import sys; from postdocs.cli import main; sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", kill_at_write, *cmd[3:]], env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == -9 and _tree(docs) == old
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    assert "dropped the staged pages of an interrupted build" in done.stderr
    new = _tree(docs)
    # the reviews of the input left out keep their pages (saying they are no longer there)
    assert new != old and set(new) <= set(old)
    gone = [text for text in new.values() if "kind: missing" in text]
    assert gone and all("no longer in the copy of the channel" in text for text in gone)


def test_concurrent_builds_wait_for_each_other(tmp_path: Path) -> None:
    """Two writers at once (a watcher and a `make site`): each finds the other's work whole."""
    out = tmp_path / "docs"
    write_pages(out, OLD)
    code = CHILD.replace("    hit()\n", "    hit(); __import__('time').sleep(0.02)\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, "stage", "999", str(out)],
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert _tree(out) == NEW and not (out / COMMIT).exists()


def test_a_known_page_is_rendered_only_when_its_file_is_not_that_page(tmp_path: Path) -> None:
    """The watcher hands the writer a `KnownPage` (digest + how to render) for reviews it
    rendered before: no rendering while the file on disk is that page; rendered and written when
    the file is missing; a hand edit is still caught (and kept) unless forced."""
    out = tmp_path / "docs"
    write_pages(out, NEW)
    rendered: list[str] = []

    def known(rel: str) -> KnownPage:
        def render() -> str:
            rendered.append(rel)
            return NEW[rel]
        return KnownPage(page_digest(NEW[rel]), render)

    report = write_pages(out, [(rel, known(rel)) for rel in NEW])
    assert rendered == [] and report.unchanged == len(NEW) and report.written == []
    (out / "d0" / "p0.md").unlink()
    (out / "d1" / "p1.md").write_text("by hand\n", encoding="utf-8")
    with pytest.raises(OutputError, match="edited by hand"):
        write_pages(out, [(rel, known(rel)) for rel in NEW])
    assert (out / "d1" / "p1.md").read_text(encoding="utf-8") == "by hand\n"
    rendered.clear()
    report = write_pages(out, [(rel, known(rel)) for rel in NEW], force=True)
    assert sorted(rendered) == ["d0/p0.md", "d1/p1.md"] == sorted(report.written)
    assert _tree(out) == NEW and load_manifest(out) == {
        rel: page_digest(text) for rel, text in NEW.items()}


def test_the_watcher_reads_each_unchanged_page_once_and_still_sees_edits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the watcher (its build state), a page file is read for its digest once; afterwards
    only its identity and change times are looked at, and a hand edit (any write) is still
    seen."""
    out = tmp_path / "docs"
    write_pages(out, NEW)
    reads: list[Path] = []
    real = writer._file_digest

    def counting(path: Path) -> str:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(writer, "_file_digest", counting)
    later = time.time_ns() + 10 * 10**9  # the files are settled: older than the clock's ticks
    monkeypatch.setattr(writer, "_now_ns", lambda: later)
    known = [(rel, KnownPage(page_digest(text), functools.partial(str, text)))
             for rel, text in NEW.items()]
    state = BuildState()
    assert write_pages(out, known, state=state).unchanged == len(NEW) and len(reads) == len(NEW)
    reads.clear()
    assert write_pages(out, known, state=state).unchanged == len(NEW) and reads == []
    time.sleep(0.05)
    (out / "d1" / "p1.md").write_text("NEW 1\n", encoding="utf-8")  # the same size
    with pytest.raises(OutputError, match="edited by hand"):
        write_pages(out, known, state=state)
    assert reads == [out / "d1" / "p1.md"]
