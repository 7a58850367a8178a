"""Review pages: header facts and links, the review, cross-link footer, description."""

from __future__ import annotations

import datetime as dt

import yaml

from postdocs.config import Project
from postdocs.model import ChannelConfig, PageLinks, PageRef, Post, SourceLine
from postdocs.pipeline import Corpus, site_context
from postdocs.render.pages import SiteContext, render_post

CHANNEL = ChannelConfig(id="chan", name="Chan Name", url="https://t.me/chan", lang="ru",
                        dir="ltr", format="auto", files=("x.txt",))
CTX = SiteContext(site_url="https://example.net/site/", channels={"chan": CHANNEL},
                  topic_names={"rl": "Reinforcement learning"})


def _post(**kw: object) -> Post:
    base: dict[str, object] = dict(
        channel="chan", source_file="x.txt", line=3, title="Some Paper Title", slug="some",
        body=(SourceLine(4, "Первая строка обзора https://arxiv.org/abs/2401.00001"),
               SourceLine(5, "вторая строка")), lang="ru",
    )
    base.update(kw)
    return Post(**base)  # type: ignore[arg-type]


def _front(page: str) -> dict[str, object]:
    head = page.split("---\n")[1]
    data = yaml.safe_load(head)
    assert isinstance(data, dict)
    return data


def test_header_has_date_channel_language_topics_tags_and_paper_links() -> None:
    post = _post(date=dt.date(2024, 5, 3), topics=("rl",), tags=("PPO", "Chain of thought"),
                 papers=("2401.00001", "https://openreview.net/pdf?id=abc"),
                 code=("https://github.com/a/b",),
                 permalink="https://t.me/chan/42")
    page = render_post(post, None, CTX)
    header = page.split('<div class="postdocs-review-header"')[1].split("</div>")[0]
    # written as the HTML MkDocs makes of the Markdown (tests/test_prerender.py), with the
    # built pages' addresses (reviews/chan/some/)
    assert "<strong>Date:</strong> 2024-05-03" in header
    assert '<a href="../../../channels/chan/"><bdi>Chan Name</bdi></a>' in header
    assert "<strong>Language:</strong> Russian" in header
    assert '<a href="../../../topics/rl/">Reinforcement learning</a>' in header
    # anchors as Material's tags plugin writes them on the tags index
    assert ('<a href="../../../tags/#tag:ppo">PPO</a>, '
            '<a href="../../../tags/#tag:chain-of-thought">Chain of thought</a>') in header
    assert '<a href="https://arxiv.org/abs/2401.00001">arXiv:2401.00001</a>' in header
    assert '(<a href="https://arxiv.org/pdf/2401.00001">PDF</a>)' in header
    assert '<a href="https://openreview.net/pdf?id=abc">' in header
    assert '<a href="https://github.com/a/b">' in header
    assert '<a href="https://t.me/chan/42">on Telegram</a>' in header
    assert 'data-permalink="https://example.net/site/reviews/chan/some/"' in header


def test_undated_post_says_date_unknown_and_lost_link_is_noted() -> None:
    page = render_post(_post(link_lost=True), None, CTX)
    assert "<strong>Date:</strong> date unknown" in page
    assert "lost its link" in page and '<a href="https://t.me/chan">' in page
    assert "date" not in _front(page)


def test_description_is_a_plain_excerpt_without_urls() -> None:
    meta = _front(render_post(_post(), None, CTX))
    assert meta["description"] == "Первая строка обзора вторая строка"
    assert meta["kind"] == "review"


def test_long_description_is_cut_at_a_word() -> None:
    words = " ".join(f"слово{i}" for i in range(100))
    meta = _front(render_post(_post(body=(SourceLine(4, words),)), None, CTX))
    desc = str(meta["description"])
    assert desc.endswith("…") and len(desc) <= 181
    assert desc[:-1] in words and desc[:-1].split(" ")[-1] in words.split(" ")


def test_footer_prints_each_filled_slot_with_relative_links() -> None:
    links = PageLinks(
        same_paper=(PageRef("reviews/other/x.md", "Other take", "other · 2024-01-02"),),
        related=(PageRef("reviews/chan/r.md", "Related one"),),
        referenced_by=(PageRef("reviews/chan/b.md", "Backlink"),),
        previous=PageRef("reviews/chan/p.md", "Prev"),
        next=PageRef("reviews/chan/n.md", "Next one"),
    )
    page = render_post(_post(), links, CTX)
    footer = page.split('<div class="postdocs-crosslinks" markdown>')[1]
    # headings in Markdown (the table of contents lists them), links as the HTML MkDocs makes
    # of them (tests/test_prerender.py), to the built pages' addresses
    assert "## Also reviewed in" in footer
    assert '<li><a href="../../other/x/">Other take</a> — other · 2024-01-02</li>' in footer
    assert "## Related reviews" in footer and '<li><a href="../r/">Related one</a></li>' in footer
    assert "## Referenced by" in footer and '<li><a href="../b/">Backlink</a></li>' in footer
    assert '<p>← Previous: <a href="../p/">Prev</a></p>' in footer
    assert '<p>Next: <a href="../n/">Next one</a> →</p>' in footer


def test_no_links_no_footer() -> None:
    assert "postdocs-crosslinks" not in render_post(_post(), PageLinks(), CTX)
    assert "postdocs-crosslinks" not in render_post(_post(), None, CTX)


def test_rendering_is_deterministic() -> None:
    post = _post(date=dt.date(2024, 5, 3), topics=("rl",))
    assert render_post(post, None, CTX) == render_post(post, None, CTX)


def test_seed_review_links_its_arxiv_paper_and_code(project: Project, corpus: Corpus) -> None:
    # 002 (gonzo_ML): "An In-depth Look at Gemini's Language Abilities" is followed by
    # "Статья: https://arxiv.org/abs/2312.11444", "Код: https://github.com/neulab/gemini-benchmark".
    title = "An In-depth Look at Gemini's Language Abilities"
    post = next(p for p in corpus.posts if p.title == title)
    page = render_post(post, None, site_context(project))
    assert '<a href="https://arxiv.org/abs/2312.11444">arXiv:2312.11444</a>' in page
    assert '<a href="https://arxiv.org/pdf/2312.11444">PDF</a>' in page
    assert "github.com/neulab/gemini-benchmark" in page
    assert '<a href="../../../channels/gonzo_ML/"><bdi>gonzo-обзоры ML статей</bdi></a>' in page
