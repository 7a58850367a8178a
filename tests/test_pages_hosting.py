"""Hosting: one place for site_url (env override), the GitHub Pages workflow, the README."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from postdocs.config import read_site_url

from .conftest import ROOT


def test_site_url_comes_from_mkdocs_yml_and_env_overrides_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTDOCS_SITE_URL", raising=False)
    assert read_site_url(ROOT / "mkdocs.yml") == "https://example.org/postdocs/"
    monkeypatch.setenv("POSTDOCS_SITE_URL", "https://reviews.example.net/ml")
    assert read_site_url(ROOT / "mkdocs.yml") == "https://reviews.example.net/ml/"


def test_site_url_is_set_in_one_place() -> None:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.startswith("site_url:")]
    assert lines == ['site_url: !ENV [POSTDOCS_SITE_URL, "https://example.org/postdocs/"]']


def test_site_url_reader_tolerates_python_tags(tmp_path: Path) -> None:
    cfg = tmp_path / "mkdocs.yml"
    cfg.write_text("site_url: https://a.example/\nmarkdown_extensions:\n  - toc:\n"
                   "      slugify: !!python/object/apply:pymdownx.slugs.slugify\n"
                   "        kwds: {case: lower}\n", encoding="utf-8")
    assert read_site_url(cfg) == "https://a.example/"
    assert read_site_url(tmp_path / "missing.yml") == ""


def test_pages_workflow_builds_with_make_site_and_publishes_site() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    build = workflow["jobs"]["build"]["steps"]
    run = [s for s in build if s.get("run") == "make site-incremental"]
    assert len(run) == 1 and "POSTDOCS_SITE_URL" in run[0]["env"]
    upload = [s for s in build if str(s.get("uses", "")).startswith("actions/upload-pages")]
    assert upload and upload[0]["with"]["path"] == "site/"
    deploy = workflow["jobs"]["deploy"]["steps"]
    assert any(str(s.get("uses", "")).startswith("actions/deploy-pages") for s in deploy)
    assert workflow["permissions"]["pages"] == "write"


def test_readme_explains_hosting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    hosting = readme.split("## Hosting", 1)[1]
    for needle in ("POSTDOCS_SITE_URL", ".github/workflows/pages.yml", "mkdocs gh-deploy",
                   "static host", "properdocs build"):
        assert needle in hosting
