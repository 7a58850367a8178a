"""Byte-identical pages for the same inputs, whatever PYTHONHASHSEED, locale, time zone, project
folder or file-system listing order."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from postdocs.config import load_project
from postdocs.pipeline import process, render_site

from .conftest import ROOT, copy_project


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_pages_identical_across_hash_seeds_locales_time_zones_and_folders(
        tmp_path: Path) -> None:
    runs = [
        {"PYTHONHASHSEED": "1", "LC_ALL": "C", "TZ": "UTC"},
        {"PYTHONHASHSEED": "4242", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
         "TZ": "Asia/Jerusalem"},
        {"PYTHONHASHSEED": "random", "LC_ALL": "POSIX", "TZ": "America/Los_Angeles"},
    ]
    trees = []
    for i, env in enumerate(runs):
        root = tmp_path / f"run{i}-{'x' * i}"  # different folders, different path lengths
        root.mkdir()
        copy_project(root)
        full = {**os.environ, **env}
        subprocess.run([sys.executable, "-m", "postdocs.cli", "--no-cache", "--root", str(root),
                        "build", "-q"], check=True, env=full, capture_output=True)
        trees.append(_files(root / "content" / "docs"))
    assert len(trees[0]) > 100
    assert trees[0] == trees[1] == trees[2]


def _reversed_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every directory listing come back in reverse name order."""
    for name in ("iterdir", "glob", "rglob"):
        original = getattr(Path, name)

        def listing(self: Path, *args: object, _orig: object = original, **kw: object
                    ) -> Iterator[Path]:
            return iter(sorted(_orig(self, *args, **kw), reverse=True))  # type: ignore[operator]

        monkeypatch.setattr(Path, name, listing)
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p=".": sorted(listdir(p), reverse=True))


def test_pages_do_not_depend_on_file_system_order(monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_project(ROOT)
    expected = render_site(project, process(project, use_cache=False))
    _reversed_listing(monkeypatch)
    assert sorted(Path(ROOT / "content").iterdir())[0] != next(Path(ROOT / "content").iterdir())
    project = load_project(ROOT)
    assert render_site(project, process(project, use_cache=False)) == expected
