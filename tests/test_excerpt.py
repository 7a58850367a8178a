"""Excerpts keep a plain post's text as written, minus URLs and what they leave behind."""

from __future__ import annotations

from postdocs.model import Post, SourceLine
from postdocs.pipeline import Corpus
from postdocs.render.excerpt import excerpt


def _post(*lines: str, markdown: str | None = None) -> Post:
    return Post(channel="c", source_file="f.txt", line=1, title="T", markdown=markdown,
                lines=tuple(SourceLine(i + 2, t) for i, t in enumerate(lines)))


def test_plain_text_keeps_stars_and_underscores_and_drops_empty_brackets() -> None:
    post = _post("Q* от OpenAI и top_logprobs (https://example.org/a) тут")
    assert excerpt(post) == "Q* от OpenAI и top_logprobs тут"


def test_markdown_bodies_lose_their_marks_and_link_syntax() -> None:
    post = _post(markdown="**Bold** claim with [a link](https://example.org) _here_")
    assert excerpt(post) == "Bold claim with a link here"


def test_seed_excerpts_have_no_empty_brackets(corpus: Corpus) -> None:
    for post in corpus.posts:
        text = excerpt(post, 400)
        assert "( )" not in text and "()" not in text, post.source
