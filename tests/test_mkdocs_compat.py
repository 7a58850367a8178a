"""The version gate of the `postdocs` plugin (mkdocs/compat.py): with a simulated newer MkDocs
or Material it uses none of their internals, says so in one located line, and builds the same
site; an incremental build is then a clean one."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from postdocs.cli import main
from postdocs.mkdocs import compat as mkdocs_compat
from postdocs.mkdocs import incremental as mkdocs_incremental
from postdocs.mkdocs import plugin as mkdocs_plugin

from .conftest import copy_project

REAL = {name: mkdocs_compat.installed_version(name) for name in mkdocs_compat.SUPPORTED}
NEWER = [("mkdocs", "1.7.0"), ("mkdocs-material", "9.9.0")]


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    mkdocs_compat.reset()


def _versions(monkeypatch: pytest.MonkeyPatch, **fake: str | None) -> None:
    """The installed versions as they are, but those named in `fake`."""
    versions = {**REAL, **{k.replace("_", "-"): v for k, v in fake.items()}}
    monkeypatch.setattr(mkdocs_compat, "installed_version", lambda name: versions.get(name))


def test_the_installed_versions_are_the_supported_ones() -> None:
    assert mkdocs_compat.check() == mkdocs_compat.Gate(True)


@pytest.mark.parametrize(("name", "version"), [
    *NEWER, ("mkdocs", "1.6.0"), ("mkdocs-material", "9.5.50"), ("mkdocs", "2.0.0rc1"),
    ("mkdocs-material", None)])
def test_a_version_outside_its_range_closes_the_gate(
        monkeypatch: pytest.MonkeyPatch, name: str, version: str | None) -> None:
    _versions(monkeypatch, **{name: version})
    gate = mkdocs_compat.check()
    assert not gate.allowed and name in gate.reason
    assert (version or "not installed") in gate.reason


def test_prereleases_and_suffixes_compare_by_their_release() -> None:
    release = mkdocs_compat._release
    assert release("9.8.1") == (9, 8, 1) and release("1.7.0rc1") == (1, 7, 0)
    assert release("3.11.4.post1") == (3, 11, 4) and release("dev") == ()


def test_the_warning_is_one_located_line_once(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    _versions(monkeypatch, mkdocs_material="9.9.0")
    assert not mkdocs_compat.patches_allowed("/p/mkdocs.yml")
    assert not mkdocs_compat.patches_allowed("/p/mkdocs.yml")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("warning: /p/mkdocs.yml: postdocs plugin: mkdocs-material 9.9.0 ")


@pytest.mark.parametrize("fake", [{}, *({k.replace("-", "_"): v} for k, v in NEWER)])
def test_the_record_is_used_only_inside_the_gate(monkeypatch: pytest.MonkeyPatch,
                                                 fake: dict[str, str]) -> None:
    """`mkdocs build --dirty`: the last build's record (whose pages the tags plugin is given)
    is read only inside the gate; outside it the build is a clean one."""
    _versions(monkeypatch, **fake)
    record: dict[str, object] = {"pages": {}, "filters": {}}
    monkeypatch.setattr(mkdocs_incremental, "load_state", lambda config: record)
    monkeypatch.setattr(mkdocs_incremental, "forget_state", lambda config: None)
    plugin = mkdocs_plugin.PostdocsPlugin()
    plugin.on_startup(command="build", dirty=True)
    config = load_config(str(Path(__file__).resolve().parent.parent / "mkdocs.yml"))
    plugin.on_config(config)
    plugin.on_pre_build(config=config)
    assert plugin._state is (None if fake else record)
    plugin.on_shutdown()


def _build(root: Path, *, dirty: bool) -> None:
    """`mkdocs build [--dirty]` in this process, as its command line runs it: from the project's
    folder (snippets' `base_path` in mkdocs.yml is relative to it)."""
    with contextlib.chdir(root):
        config = load_config(str(root / "mkdocs.yml"))
        config.plugins.on_startup(command="build", dirty=dirty)
        try:
            build(config, dirty=dirty)
        finally:
            config.plugins.on_shutdown()


def _site(root: Path) -> dict[str, bytes]:
    """Every built file but Pagefind's own index (not byte-identical between two clean builds:
    tests/test_incremental.py); the search box's filter choices are compared."""
    folder = root / "site"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and (not p.relative_to(folder).as_posix().startswith("pagefind/")
                                or p.name == "postdocs-filters.json")}


def test_newer_material_builds_the_same_site_with_stock_behaviour(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path / "p")
    assert main(["--no-cache", "--root", str(root), "build", "-q"]) == 0
    told: list[object] = []
    real_tags = mkdocs_incremental.tags_of_unrendered
    monkeypatch.setattr(mkdocs_incremental, "tags_of_unrendered",
                        lambda *a: told.append(a[2]) or real_tags(*a))

    _build(root, dirty=False)  # supported versions: the patched build, which leaves a record
    patched = _site(root)
    assert len(patched) > 250
    assert mkdocs_incremental.state_path(load_config(str(root / "mkdocs.yml"))).is_file()
    assert "warning" not in capsys.readouterr().err

    # Material 9.9.0 "released": `--dirty` now must not trust the record (the tags plugin's
    # mappings it fills may have changed).
    _versions(monkeypatch, mkdocs_material="9.9.0")
    stale = root / "site" / "reviews" / "stale" / "index.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("left over", encoding="utf-8")
    _build(root, dirty=True)
    assert told and all(state is None for state in told)  # no record for the tags plugin
    assert not stale.exists()  # a clean build: the site folder emptied first
    err = capsys.readouterr().err
    assert err.count("warning: ") == 1 and f"{root / 'mkdocs.yml'}: postdocs plugin: " \
        "mkdocs-material 9.9.0 is outside" in err
    stock = _site(root)
    assert sorted(stock) == sorted(patched)
    assert [p for p in patched if stock[p] != patched[p]] == []
