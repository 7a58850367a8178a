"""The watcher's memo (memo.py): rebuilds reuse unchanged posts' results and give exactly the
pages a fresh build gives."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from postdocs import memo, pipeline
from postdocs.config import load_project
from postdocs.link import related
from postdocs.model import KnownPage
from postdocs.pipeline import Corpus

from .conftest import copy_project


@pytest.fixture
def memo_on() -> Iterator[None]:
    memo.enable()
    yield
    memo.enable(False)


def _site(root: Path, calls: list[str] | None = None) -> tuple[dict[str, str], int]:
    """The generated pages, and how many reviews were rendered while the pages were listed (as
    the watcher lists them for the writer: a review remembered from the last build comes as a
    `KnownPage`, rendered again here only to compare texts)."""
    project = load_project(root)
    pairs = list(pipeline.iter_pages(project, pipeline.process(project, use_cache=False)))
    rendered = len(calls) if calls is not None else 0
    return {path: text.text() if isinstance(text, KnownPage) else text
            for path, text in pairs}, rendered


def test_rebuild_after_an_edit_reuses_other_posts_and_equals_a_fresh_build(
        tmp_path: Path, memo_on: None, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "p")
    calls: list[str] = []
    real = pipeline.render_post

    def counting(post, links=None, ctx=None):  # type: ignore[no-untyped-def]
        calls.append(post.source)
        return real(post, links, ctx)

    monkeypatch.setattr(pipeline, "render_post", counting)
    first, reviews = _site(root, calls)
    assert reviews > 200
    # an author fixes a typo in one gonzo-ML review (a body line, not its title)
    dump = next((root / "content" / "channels" / "gonzo_ML").glob("*.txt"))
    lines = dump.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if len(line) > 200)
    lines[at] += " (typo fixed)"
    dump.write_text("\n".join(lines), encoding="utf-8")
    calls.clear()
    second, rendered = _site(root, calls)
    # the edited review, and the few whose cross-links changed, are rendered again; not the rest
    assert 1 <= rendered < reviews // 10
    changed = {path for path in second if second[path] != first.get(path)}
    assert any("(typo fixed)" in second[path] for path in changed)
    memo.enable(False)  # a fresh build of the same inputs, nothing remembered
    calls.clear()
    assert _site(root, calls) == (second, reviews)


def test_related_redoes_exactly_the_reviews_an_edit_can_change(corpus: Corpus) -> None:
    """The watcher's incremental related reviews equal a full computation after edits of titles
    (terms), topics, tags and excluded reviews, several rounds in a row."""
    rng = random.Random(20261123)
    posts = list(corpus.posts)
    exclude = [frozenset[int]() for _ in posts]
    words = ["diffusion", "okapi", "transformer", "reward", "mamba", "kernel", "zebra"]
    memo.enable()
    try:
        related.related(posts, exclude)
        for _ in range(6):
            for i in rng.sample(range(len(posts)), 3):
                p = posts[i]
                kind = rng.randrange(4)
                if kind == 0:
                    posts[i] = dataclasses.replace(p, title=p.title + " " + rng.choice(words))
                elif kind == 1:
                    posts[i] = dataclasses.replace(p, topics=(*p.topics[1:], "rl"))
                elif kind == 2:
                    posts[i] = dataclasses.replace(p, tags=(*p.tags, "Mamba"))
                else:
                    exclude[i] = frozenset({rng.randrange(len(posts))})
            incremental = related.related(posts, exclude)
            memo.enable(False)
            assert incremental == related.related(posts, exclude)
            memo.enable()
            related.related(posts, exclude)  # the state the next round starts from
    finally:
        memo.enable(False)
