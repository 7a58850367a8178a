"""Excerpts keep a plain post's text as written, minus URLs and what they leave behind."""

from __future__ import annotations

from postdocs.model import Block, Post, Remark, SourceLine, TextBlock, TextLine, TextPart
from postdocs.pipeline import Corpus
from postdocs.render.excerpt import excerpt


def _post(*lines: str, blocks: tuple[Block, ...] = ()) -> Post:
    return Post(channel="c", source_file="f.txt", line=1, title="T",
                body=(*blocks, *(SourceLine(i + 2, t) for i, t in enumerate(lines))))


def test_plain_text_keeps_stars_and_underscores_and_drops_empty_brackets() -> None:
    post = _post("Q* от OpenAI и top_logprobs (https://example.org/a) тут")
    assert excerpt(post) == "Q* от OpenAI и top_logprobs тут"


def test_formatted_bodies_lose_their_marks_and_link_syntax() -> None:
    """A body of formatted blocks only (no plain lines): its Markdown, marks stripped."""
    line = TextLine((TextPart("plain", "Claim with "),
                     TextPart("text_link", "a link", "https://example.org"),
                     TextPart("plain", " and "), TextPart("code", "x")))
    post = _post(blocks=(Remark("forwarded", "Someone"), TextBlock((line,))))
    assert excerpt(post) == "Forwarded from Someone Claim with a link and x"


def test_seed_excerpts_have_no_empty_brackets(corpus: Corpus) -> None:
    for post in corpus.posts:
        text = excerpt(post, 400)
        assert "( )" not in text and "()" not in text, post.source
