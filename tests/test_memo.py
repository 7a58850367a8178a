"""The watcher's memo (memo.py): rebuilds reuse unchanged posts' results and give exactly the
pages a fresh build gives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from postdocs import memo, pipeline
from postdocs.config import load_project

from .conftest import copy_project


@pytest.fixture
def memo_on() -> Iterator[None]:
    memo.enable()
    yield
    memo.enable(False)


def _site(root: Path) -> dict[str, str]:
    project = load_project(root)
    return pipeline.render_site(project, pipeline.process(project, use_cache=False))


def test_rebuild_after_an_edit_reuses_other_posts_and_equals_a_fresh_build(
        tmp_path: Path, memo_on: None, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "p")
    calls: list[str] = []
    real = pipeline.render_post

    def counting(post, links=None, ctx=None):  # type: ignore[no-untyped-def]
        calls.append(post.source)
        return real(post, links, ctx)

    monkeypatch.setattr(pipeline, "render_post", counting)
    first = _site(root)
    reviews = len(calls)
    assert reviews > 200
    # an author fixes a typo in one gonzo-ML review (a body line, not its title)
    dump = next((root / "content" / "channels" / "gonzo_ML").glob("*.txt"))
    lines = dump.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if len(line) > 200)
    lines[at] += " (typo fixed)"
    dump.write_text("\n".join(lines), encoding="utf-8")
    calls.clear()
    second = _site(root)
    # the edited review, and the few whose cross-links changed, are rendered again; not the rest
    assert 1 <= len(calls) < reviews // 10
    changed = {path for path in second if second[path] != first.get(path)}
    assert any("(typo fixed)" in second[path] for path in changed)
    memo.enable(False)  # a fresh build of the same inputs, nothing remembered
    calls.clear()
    assert _site(root) == second
    assert len(calls) == reviews
