"""The pipeline runs one way (read → clean → enrich → link → render → write): a stage imports
the model, the shared patterns and earlier stages, never a later one. Checked on the imports of
every module (the source read with `ast`, nothing imported)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "postdocs"

# The stages in pipeline order; a module belongs to the stage of its package. Topics are part
# of enrichment (the corrections of `overrides.yml` name topics).
STAGES = ("readers", "clean", "enrich", "link", "render", "output")
PACKAGES = {"readers": "readers", "clean": "clean", "enrich": "enrich", "topics": "enrich",
            "link": "link", "render": "render", "output": "output"}
# What is still to be moved where it belongs (issue 22): (importer, imported) pairs.
KNOWN: set[tuple[str, str]] = set()


def _module(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(("postdocs", *parts))


def _is_module(name: str) -> bool:
    rel = Path(*name.split(".")[1:])
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """Every postdocs module the file imports (relative imports resolved; `from x import y`
    is `x.y` where `y` is a module, else `x`)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for a in node.names:
                out.add(f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target)
    return {m for m in out if m == "postdocs" or m.startswith("postdocs.")}


def stage_of(module: str) -> str | None:
    parts = module.split(".")[1:]
    if not parts:
        return None
    return PACKAGES.get(parts[0])


def violations() -> set[tuple[str, str]]:
    """(importer, imported) pairs where a stage imports a later stage."""
    out: set[tuple[str, str]] = set()
    for path in sorted(SRC.rglob("*.py")):
        importer = _module(path)
        own = stage_of(importer)
        if own is None:
            continue
        for imported in _imports(path):
            theirs = stage_of(imported)
            if theirs is not None and STAGES.index(theirs) > STAGES.index(own):
                out.add((importer, imported))
    return out


def test_no_stage_imports_a_later_stage() -> None:
    found = violations()
    assert found - KNOWN == set(), "a stage imports a later one"
    assert KNOWN - found == set(), "fixed: take these out of KNOWN"


def test_the_pipeline_does_not_write() -> None:
    """`pipeline.py` runs every stage but writing: it imports nothing of the output stage."""
    assert {m for m in _imports(SRC / "pipeline.py") if stage_of(m) == "output"} == set()


def test_the_check_sees_a_reader_importing_the_render_side(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    fake = tmp_path / "postdocs"
    (fake / "readers").mkdir(parents=True)
    (fake / "render").mkdir()
    (fake / "readers" / "bad.py").write_text(
        "from ..render import markup\nfrom ..model import Post\n", encoding="utf-8")
    (fake / "render" / "markup.py").write_text("from ..readers import bad\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", fake)
    assert violations() == {("postdocs.readers.bad", "postdocs.render.markup")}
