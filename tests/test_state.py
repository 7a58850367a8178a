"""The watcher's build state (state.py): rebuilds reuse unchanged posts' results and give
exactly the pages a fresh build gives."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from postdocs import pipeline
from postdocs.config import load_project
from postdocs.link import related
from postdocs.model import KnownPage
from postdocs.pipeline import Corpus
from postdocs.state import BuildState, Memo

from .conftest import copy_project


def _site(root: Path, calls: list[str] | None = None,
          state: BuildState | None = None) -> tuple[dict[str, str], int]:
    """The generated pages, and how many reviews were rendered while the pages were listed (as
    the watcher lists them for the writer: a review remembered from the last build comes as a
    `KnownPage`, rendered again here only to compare texts)."""
    project = load_project(root)
    corpus = pipeline.process(project, use_cache=False, state=state)
    pairs = list(pipeline.iter_pages(project, corpus, state=state))
    rendered = len(calls) if calls is not None else 0
    return {path: text.text() if isinstance(text, KnownPage) else text
            for path, text in pairs}, rendered


def test_rebuild_after_an_edit_reuses_other_posts_and_equals_a_fresh_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "p")
    calls: list[str] = []
    real = pipeline.render_post

    def counting(post, links=None, ctx=None):  # type: ignore[no-untyped-def]
        calls.append(post.source)
        return real(post, links, ctx)

    monkeypatch.setattr(pipeline, "render_post", counting)
    state = BuildState()
    first, reviews = _site(root, calls, state)
    assert reviews > 200
    # an author fixes a typo in one gonzo-ML review (a body line, not its title)
    dump = next((root / "content" / "channels" / "gonzo_ML").glob("*.txt"))
    lines = dump.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if len(line) > 200)
    lines[at] += " (typo fixed)"
    dump.write_text("\n".join(lines), encoding="utf-8")
    calls.clear()
    second, rendered = _site(root, calls, state)
    # the edited review, and the few whose cross-links changed, are rendered again; not the rest
    assert 1 <= rendered < reviews // 10
    changed = {path for path in second if second[path] != first.get(path)}
    assert any("(typo fixed)" in second[path] for path in changed)
    calls.clear()  # a fresh build of the same inputs, nothing remembered
    assert _site(root, calls) == (second, reviews)
    calls.clear()  # a fresh state: the watcher's first build
    assert _site(root, calls, BuildState()) == (second, reviews)


def test_related_redoes_exactly_the_reviews_an_edit_can_change(corpus: Corpus) -> None:
    """The watcher's incremental related reviews equal a full computation after edits of titles
    (terms), topics, tags and excluded reviews, several rounds in a row."""
    rng = random.Random(20261123)
    posts = list(corpus.posts)
    exclude = [frozenset[int]() for _ in posts]
    words = ["diffusion", "okapi", "transformer", "reward", "mamba", "kernel", "zebra"]
    state = BuildState()
    related.related(posts, exclude, state)
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
        incremental = related.related(posts, exclude, state)
        assert incremental == related.related(posts, exclude)  # computed afresh


def test_a_memo_keeps_two_builds_and_forgets_older_ones() -> None:
    """A value used by the last build is still known; one the last build did not use is gone,
    and a new context (another taxonomy, other site names) forgets everything."""
    memo: Memo[str] = Memo()
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    assert memo.get("a", lambda: make("a")) == "A"
    memo.remember("b", "B")
    memo.next_build()
    assert memo.get("a", lambda: make("a")) == "A" and made == ["a"]
    memo.next_build()  # "b" was not used by the last build
    assert memo.known("b") is None and memo.known("a") == "A"
    memo.next_build()
    memo.within("another context")
    assert memo.known("a") is None


def test_state_is_held_by_its_owner_not_by_modules(tmp_path: Path) -> None:
    """Two watchers in one process do not share what they remember: each state holds its own,
    and a build without a state leaves a state untouched."""
    root = copy_project(tmp_path / "p")
    project = load_project(root)
    one, two = BuildState(), BuildState()
    pipeline.process(project, use_cache=False, state=one)
    assert len(one.enriched) > 200 and len(two.enriched) == 0
    pipeline.process(project, use_cache=False)
    assert len(two.enriched) == 0 and two.related is None
