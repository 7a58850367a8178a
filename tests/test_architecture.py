"""ARCHITECTURE.md matches the code: every package and top-level module of src/postdocs is in
its table, every name in the table exists, and no function is longer than a screen."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "postdocs"
MAX_LINES = 60


def _table_names() -> set[str]:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    first = [row.split("|")[1] for row in rows]
    return {name.rstrip("/") for cell in first for name in re.findall(r"`([^`]+)`", cell)}


def _parts_of_the_package() -> set[str]:
    packages = {p.parent.name for p in SRC.glob("*/__init__.py")}
    modules = {p.name for p in SRC.glob("*.py") if p.name != "__init__.py"}
    return packages | modules


def test_every_package_and_module_is_described() -> None:
    assert _parts_of_the_package() - _table_names() == set()


def test_every_name_in_the_table_exists() -> None:
    assert _table_names() - _parts_of_the_package() == set()


def test_the_table_check_reads_the_table() -> None:
    """The check above is not vacuous: the table names more than a dozen parts, and a part
    left out of it would be reported."""
    names = _table_names()
    assert len(names) > 12
    assert "render" in names and "mkdocs" in names


def _long_functions(path: Path, base: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(base)}:{node.lineno} {node.name} "
            f"({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno is not None and node.end_lineno - node.lineno + 1 > MAX_LINES]


def test_no_function_is_longer_than_a_screen() -> None:
    long = [f for path in sorted(SRC.rglob("*.py")) for f in _long_functions(path)]
    assert long == []


def test_the_length_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    sample = tmp_path / "sample.py"
    sample.write_text(f"def long():\n{body}\n\n\ndef short():\n    pass\n", encoding="utf-8")
    assert _long_functions(sample, tmp_path) == [f"sample.py:1 long ({MAX_LINES + 1} lines)"]
