"""Shared fixtures: the repository root and the seed project."""

from __future__ import annotations

from pathlib import Path

import pytest

from postdocs.config import Project, load_project
from postdocs.pipeline import Corpus, process

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def project() -> Project:
    return load_project(ROOT)


@pytest.fixture(scope="session")
def corpus(project: Project) -> Corpus:
    return process(project)
