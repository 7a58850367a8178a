"""Sample pages compared byte for byte with tests/golden/ (regenerate with `make golden`)."""

from __future__ import annotations

from postdocs.config import Project
from postdocs.pipeline import Corpus

from .golden import GOLDEN_DIR, SAMPLES, rendered


def test_samples_are_distinct() -> None:
    assert len(SAMPLES) == len(set(SAMPLES))


def test_golden_pages_match(project: Project, corpus: Corpus) -> None:
    pages = rendered(project, corpus)
    on_disk = {p.name for p in GOLDEN_DIR.glob("*.md")}
    assert on_disk == set(pages), "golden files and SAMPLES differ: run `make golden`"
    for name, text in pages.items():
        expected = (GOLDEN_DIR / name).read_bytes().decode("utf-8")
        assert text == expected, f"tests/golden/{name} differs: review, then `make golden`"
