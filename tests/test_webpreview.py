"""The web-preview reader on the real seed dumps (000, 001, 003 rizzearch; 002 gonzo-ML) and on
small hand-made fixtures. The expected posts below were written down by reading the dumps."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from postdocs.clean.doubled import line_key, merge_copies
from postdocs.clean.inputs import clean_input
from postdocs.cli import main
from postdocs.config import Project
from postdocs.enrich import reactions
from postdocs.enrich.inputs import enrich_input
from postdocs.enrich.papers import arxiv_id, classify, find_urls
from postdocs.model import ChannelConfig, Post, ReadResult, SourceLine
from postdocs.pipeline import Corpus, render_site
from postdocs.readers import webpreview
from postdocs.render.pages import render_post

from .conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "webpreview"
WEB_FILES = ("000_6219d51e455967f7.txt", "001_72cd830eb3fd8acc.txt",
             "003_8482c2f02d444865.txt", "002_b7ad3dc60f2b3f48.txt")

# (line, title) of every post, read off the dumps by hand.
GOLDEN_POSTS: dict[str, list[tuple[int, str]]] = {
    "000_6219d51e455967f7.txt": [
        (12, "Same Task, More Tokens: the Impact of Input Length on the Reasoning Performance of "
             "Large Language Models"),
        (34, "Contextual Position Encoding: Learning to Count What's Important"),
        (52, "Retentive Network: A Successor to Transformer for Large Language Models"),
        (72, "CPPO: Continual Learning for Reinforcement Learning with Human Feedback"),
        (92, "Is Value Learning Really the Main Bottleneck in Offline RL?"),
        (108, "Unsupervised Learning by Predicting Noise"),
    ],
    "001_72cd830eb3fd8acc.txt": [
        (1, "The AdEMAMix Optimizer: Better, Faster, Older"),
        (17, "Discovering Preference Optimization Algorithms with and for Large Language Models"),
        (33, "Genie: Generative Interactive Environments"),
        (53, "Retrieval-Augmented Decision Transformer: External Memory for In-Context RL"),
        (84, "Sparse Autoencoders Reveal Temporal Difference Learning in Large Language Models"),
        (108, "Scaling and evaluating sparse autoencoders"),
    ],
    "003_8482c2f02d444865.txt": [
        (1, "Reducing Transformer Key-Value Cache Size with Cross-Layer Attention"),
        (18, "Surgical Robot Transformer (SRT): Imitation Learning for Surgical Tasks"),
        (31, "Efficient World Models with Context-Aware Tokenization"),
        (49, "Diffusion for World Modeling: Visual Details Matter in Atari"),
        (63, "SLiC-HF: Sequence Likelihood Calibration with Human Feedback"),
        (77, "A General Theoretical Paradigm to Understand Learning from Human Preferences"),
    ],
    "002_b7ad3dc60f2b3f48.txt": [
        (16, "For Distillation, Tokens Are Not All You Need"),
        (47, "An In-depth Look at Gemini's Language Abilities"),
        (59, "PathFinder: Guided Search over Multi-Step Reasoning Paths"),
    ],
}
# First body line of each post (after gonzo's authors/Статья/Код head), by line number.
GOLDEN_FIRST_BODY_LINE = {
    "000_6219d51e455967f7.txt": [14, 36, 54, 74, 94, 110],
    "001_72cd830eb3fd8acc.txt": [2, 18, 34, 54, 85, 109],
    "003_8482c2f02d444865.txt": [2, 19, 32, 50, 64, 78],
    "002_b7ad3dc60f2b3f48.txt": [20, 51, 63],
}
# The reactions line of each post, as in the dump (None: the post has none).
GOLDEN_REACTIONS = {
    "000_6219d51e455967f7.txt": ["🤨2🍓1🫡1", "🔥7👍42🤔1", "🔥3👀21👍1🤩1", "🤯3🕊1🥴1",
                                 "🔥3👌1", "🔥4"],
    "001_72cd830eb3fd8acc.txt": ["🔥5 3", "❤1", "🔥3", None, "👍1", None],
    "003_8482c2f02d444865.txt": [None, None, "🔥4❤1 1 1", "👍5❤1🔥1 1", "👍3 1 1", None],
    "002_b7ad3dc60f2b3f48.txt": ["👍2010", "5👍3", "👍143"],
}


def _result(corpus: Corpus, name: str) -> ReadResult:
    return next(r for r in corpus.results if Path(r.path).name == name)


def _dump(corpus: Corpus, name: str) -> list[str]:
    return Path(_result(corpus, name).path).read_text(encoding="utf-8").split("\n")


def _channel(cid: str = "test", url: str = "https://t.me/test") -> ChannelConfig:
    return ChannelConfig(id=cid, name=cid, url=url, lang="en", dir="ltr", format="web-preview",
                         files=())


def _read_fixture(name: str) -> ReadResult:
    return enrich_input(clean_input(webpreview.read(FIXTURES / name, _channel())))


def _body(post: Post) -> list[str]:
    return [sl.text for sl in post.lines]


# --- the real dumps ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", WEB_FILES)
def test_posts_and_titles_match_the_dump(corpus: Corpus, name: str) -> None:
    posts = _result(corpus, name).posts
    assert [(p.line, p.title) for p in posts] == GOLDEN_POSTS[name]
    assert all(p.title_source == "header" for p in posts)
    lines = _dump(corpus, name)
    for post, first_body in zip(posts, GOLDEN_FIRST_BODY_LINE[name], strict=True):
        assert lines[post.line - 1].strip() == post.title
        assert post.lines[0].number == first_body
        assert post.lines[0].text == lines[first_body - 1]


@pytest.mark.parametrize("name", WEB_FILES)
def test_every_line_is_in_one_page_or_counted(corpus: Corpus, name: str) -> None:
    r = _result(corpus, name)
    assert set(range(1, r.ledger.total_lines + 1)) == r.ledger.accounted
    numbers = [n for p in r.posts for n in (p.line, *(sl.number for sl in p.lines))]
    assert len(numbers) == len(set(numbers)), "a line is in two pages"
    assert len(numbers) == r.ledger.categories["post"]


@pytest.mark.parametrize("name", WEB_FILES)
def test_bodies_hold_no_preview_noise_and_no_repeats(corpus: Corpus, name: str) -> None:
    for post in _result(corpus, name).posts:
        keys = [line_key(t) for t in _body(post)]
        assert len(keys) == len(set(keys)), f"{post.source}: a line is repeated"
        assert line_key(post.title) not in keys
        for text in _body(post):
            s = text.strip()
            assert s not in webpreview.BOILERPLATE
            assert not webpreview.is_link_marker(s)
            assert not reactions.is_reactions_line(s, bare_allowed=True), post.source


@pytest.mark.parametrize("name", WEB_FILES)
def test_reactions_go_to_front_matter_only(corpus: Corpus, name: str) -> None:
    posts = _result(corpus, name).posts
    assert [p.reactions_raw for p in posts] == GOLDEN_REACTIONS[name]


def test_rizzearch_copies_merge_to_the_fullest_lines(corpus: Corpus) -> None:
    posts = {p.line: p for p in _result(corpus, "001_72cd830eb3fd8acc.txt").posts}
    radt = _body(posts[53])
    # line 55 ends with 👀 in the first copy only (line 68 lost it): the fuller one is kept
    assert [sl.number for sl in posts[53].lines][:3] == [54, 55, 56]
    assert radt[1].endswith("красивые👀")
    assert radt[-1] == "подслушано здесь" and radt.count("подслушано здесь") == 1
    assert len(radt) == 12  # 11 body lines + the trailer, once
    assert _body(posts[84])[5].endswith("bruh😎")  # line 90; its twin (99) has no emoji
    world = _result(corpus, "003_8482c2f02d444865.txt").posts[2]
    assert _body(world)[-1].startswith("UPD: надо еще учитывать")
    assert sum(t.startswith("UPD:") for t in _body(world)) == 1
    cppo = _result(corpus, "000_6219d51e455967f7.txt").posts[3]
    assert _body(cppo)[-1] == "да, и такие папиры бывают с таким графическим оформлением"


def test_rizzearch_posts_without_reactions_end_at_their_second_copy(corpus: Corpus) -> None:
    # 003: 👀LINK at 17 is followed directly by the next title (18); 001: boilerplate, then 84.
    kv, surgical = _result(corpus, "003_8482c2f02d444865.txt").posts[:2]
    assert kv.lines[-1].number == 8 and kv.reactions_raw is None
    assert surgical.lines[-1].number == 23
    radt = _result(corpus, "001_72cd830eb3fd8acc.txt").posts[3]
    assert radt.lines[-1].number == 66
    assert all(p.link_lost for n in WEB_FILES[:3] for p in _result(corpus, n).posts)


def test_gonzo_continuations_and_media_only_messages(corpus: Corpus) -> None:
    r = _result(corpus, "002_b7ad3dc60f2b3f48.txt")
    distill, gemini, pathfinder = r.posts
    assert (distill.continuations, gemini.continuations, pathfinder.continuations) == (1, 0, 1)
    assert distill.lines[-1].number == 42 and distill.lines[-2].number == 40
    assert _body(distill)[-1].startswith("Проблема, что этот метод сложно применять")
    assert pathfinder.lines[-1].number == 83
    assert _body(pathfinder)[-1].startswith("Резюмируя, метод вычислительно")
    assert r.ledger.categories["merged continuations"] == 2
    # line 12 (reactions only), 13-15 and 44-46 (a video and its reactions)
    assert r.ledger.categories["media-only messages"] == 3
    assert not any(p.link_lost for p in r.posts)


def test_gonzo_head_lines_become_front_matter(corpus: Corpus) -> None:
    posts = {p.line: p for p in corpus.posts if p.source_file == "002_b7ad3dc60f2b3f48.txt"}
    distill, gemini, pathfinder = posts[16], posts[47], posts[59]
    assert distill.authors == ("Mrigank Raman", "Pranav Mani", "Davis Liang", "Zachary C. Lipton")
    assert distill.papers == ("https://openreview.net/pdf?id=2fc5GOPYip",)
    assert gemini.authors == () and gemini.papers == ("2312.11444",)
    assert gemini.code == ("https://github.com/neulab/gemini-benchmark",)
    assert pathfinder.authors[1] == "Sean O'Brien" and len(pathfinder.authors) == 7
    assert pathfinder.papers == ("2312.05180",)
    # works cited in the body are links, not the reviewed paper; t.me mirrors are not papers
    assert "https://arxiv.org/abs/2308.09687" in pathfinder.links
    assert "https://news.1rj.ru/str/gonzo_ML/1885" in pathfinder.links
    assert "https://arxiv.org/abs/2306.08543" in distill.links
    page = render_post(distill)
    # the mirror's link to the channel's own post reads and links as the post on Telegram
    assert "Статья: https" not in page and "(<https://t.me/gonzo_ML/1911>)" in page
    assert '<a href="https://arxiv.org/pdf/2312.11444">PDF</a>' in render_post(gemini)


def test_channel_header_is_metadata(corpus: Corpus) -> None:
    rizz = _result(corpus, "000_6219d51e455967f7.txt").meta
    assert rizz.name == "rizzearch" and rizz.subscribers == "1.01K"
    assert rizz.description == "Кайфули на каждый день"
    assert rizz.authors == ("@zzmtsvv", "@maxnygma (AI4Science посты)")
    gonzo = _result(corpus, "002_b7ad3dc60f2b3f48.txt").meta
    assert gonzo.name == "gonzo-обзоры ML статей" and gonzo.subscribers == "24.1K"
    assert len(gonzo.authors) == 2 and gonzo.authors[0].startswith("Гриша Сапунов")
    assert dict(gonzo.stats)["links"] == "1.34K"
    assert _result(corpus, "001_72cd830eb3fd8acc.txt").meta.name == ""


def test_ambiguous_reactions_are_located_warnings(corpus: Corpus) -> None:
    shown = {f"{Path(w.path).name}:{w.line}" for r in corpus.results for w in r.warnings
             if "reactions" in w.message}
    assert shown == {
        "000_6219d51e455967f7.txt:51", "000_6219d51e455967f7.txt:71",
        "001_72cd830eb3fd8acc.txt:16", "003_8482c2f02d444865.txt:48",
        "003_8482c2f02d444865.txt:62", "003_8482c2f02d444865.txt:76",
        "002_b7ad3dc60f2b3f48.txt:41", "002_b7ad3dc60f2b3f48.txt:58",
        "002_b7ad3dc60f2b3f48.txt:82",
    }
    first = _result(corpus, "000_6219d51e455967f7.txt").posts[0]
    assert [(x.emoji, x.count) for x in first.reactions] == [("🤨", 2), ("🍓", 1), ("🫡", 1)]


def test_check_prints_the_ledger_and_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "check"]) == 0
    out, err = capsys.readouterr()
    assert ("002_b7ad3dc60f2b3f48.txt [web-preview]: posts=3 merged-continuations=2 "
            "media-only=3 repaired-dates=0 ocr-repeats=0 unaccounted=0") in out
    assert "boilerplate dropped: open-in-telegram=4, view-in-telegram=4" in out
    assert "002_b7ad3dc60f2b3f48.txt:41: reactions '👍2010' kept raw only" in err


def test_lost_link_note_links_the_channel(corpus: Corpus) -> None:
    post = next(p for p in corpus.posts if p.source == "001_72cd830eb3fd8acc.txt:53")
    page = render_post(post)
    assert "lost its link" in page and '<a href="https://t.me/rizzearch">' in page
    assert "👀LINK\n" not in page and "подслушано здесь" in page
    meta = yaml.safe_load(page.split("---\n")[1])
    assert "reactions_raw" not in meta and "🔥" not in page
    meta = yaml.safe_load(render_post(_result(corpus, "000_6219d51e455967f7.txt").posts[0])
                          .split("---\n")[1])
    assert meta["reactions"] == [{"emoji": "🤨", "count": 2}, {"emoji": "🍓", "count": 1},
                                 {"emoji": "🫡", "count": 1}]
    assert meta["reactions_raw"] == "🤨2🍓1🫡1"


# --- hand-made fixtures -----------------------------------------------------------------------

def test_fixture_copies_keep_every_line_once() -> None:
    r = _read_fixture("copies.txt")
    first, second = r.posts
    assert first.title == "First Paper: A Title"
    assert [(sl.number, sl.text) for sl in first.lines] == [
        (2, "line one of the body"), (3, "line two with an emoji 🔥"),
        (8, "only in the second copy"), (5, "подслушано здесь")]
    assert first.reactions_raw is None
    assert second.line == 13
    assert _body(second) == ["alpha line", "only in the first copy", "beta line",
                             "UPD: only after the second copy"]
    assert second.reactions_raw == "🔥2👍1"
    assert [(x.emoji, x.count) for x in second.reactions] == [("🔥", 2), ("👍", 1)]
    assert set(range(1, r.ledger.total_lines + 1)) == r.ledger.accounted
    assert r.ledger.categories["duplicate"] == 5  # lines 6, 7, 10, 18, 19
    assert r.ledger.categories["link-marker"] == 4
    assert r.warnings == ()


def test_fixture_continuations_header_and_head() -> None:
    r = _read_fixture("continuations.txt")
    assert r.meta.name == "Papers Club" and r.meta.description == "A channel about papers."
    assert r.meta.authors == ("@someone",) and r.meta.subscribers == "1.5K"
    (post,) = r.posts
    assert post.authors == ("Ann Author", "Bob van Builder")
    assert post.papers == ("2401.00001",) and post.code == ("https://github.com/x/y",)
    assert post.continuations == 2 and [sl.number for sl in post.lines] == [18, 20, 25]
    assert post.reactions_raw == "👍12" and post.reactions[0].count == 12
    assert r.ledger.categories["media-only messages"] == 2
    assert r.ledger.categories["reactions"] == 5
    assert set(range(1, r.ledger.total_lines + 1)) == r.ledger.accounted
    assert [(w.line, w.message.split(" across")[0]) for w in r.warnings] == [
        (25, "continuation merged into 'A Paper Title'")]


def test_fixture_untitled_first_message_gets_a_derived_title() -> None:
    r = _read_fixture("untitled.txt")
    untitled, real = r.posts
    assert untitled.title == "this message has no title, it starts in the middle of a review."
    assert untitled.title_source == "derived" and untitled.lines[0].number == 1
    assert r.warnings[0].line == 1 and "title derived" in r.warnings[0].message
    assert real.title == "Real Title" and _body(real) == ["body line", "42", "a trailer line"]
    assert real.link_lost


# --- pure helpers -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("🤨2🍓1🫡1", [("🤨", 2), ("🍓", 1), ("🫡", 1)]),
        ("🔥6😁4🤣3👍1", [("🔥", 6), ("😁", 4), ("🤣", 3), ("👍", 1)]),
        ("❤1", [("❤", 1)]),
        ("👍20", [("👍", 20)]),  # 2|0 is no split: a count is never 0
        ("👍12", [("👍", 12)]),  # 1|2 would not be descending
        ("🔥1.2K👍3", [("🔥", 1200), ("👍", 3)]),
        ("🔥7👍42🤔1", None),  # 👍4 + a custom emoji's 2 (7 > 42 < 1 cannot be Telegram's order)
        ("👍2010", None),  # maybe 👍20 + 10
        ("👍143", None),  # maybe 👍14 + 3
        ("🔥5 3", None),
        ("🔥4❤1 1 1", None),
        ("5👍3", None),
        ("20", None),
    ],
)
def test_reactions_parse(raw: str, expected: list[tuple[str, int]] | None) -> None:
    parsed = reactions.parse(raw)
    assert (None if parsed is None else [(x.emoji, x.count) for x in parsed]) == expected
    assert reactions.is_reactions_line(raw, bare_allowed=True)
    if expected is None:
        assert reactions.read(raw).problem


@pytest.mark.parametrize("line", ["👀LINK", "2) из датасета", "UPD: 3", "🕔RIZZEARCH THROWBACK 🕔",
                                  "Nov 2023", ""])
def test_not_reactions_lines(line: str) -> None:
    assert not reactions.is_reactions_line(line, bare_allowed=True)


def test_bare_number_is_reactions_only_after_a_placeholder() -> None:
    assert not reactions.is_reactions_line("20")
    assert reactions.is_reactions_line("20", bare_allowed=True)


def _sl(*texts: str, start: int = 1) -> list[SourceLine]:
    return [SourceLine(start + i, t) for i, t in enumerate(texts)]


def test_merge_copies_keeps_order_and_lines_of_one_copy() -> None:
    a = _sl("one", "two 🔥", "three", "a line in the first only")
    b = _sl("one", "two", "new line only in the second", "three", start=10)
    merged = merge_copies(a, b)
    assert [sl.text for sl in merged.lines] == [
        "one", "two 🔥", "new line only in the second", "three", "a line in the first only"]
    assert merged.duplicates == (10, 11, 13)
    assert merge_copies(a, []).lines == tuple(a)


def test_merge_copies_keeps_both_when_lines_really_differ() -> None:
    merged = merge_copies(_sl("alpha", "completely different"), _sl("alpha", "zzz qqq", start=5))
    assert [sl.text for sl in merged.lines] == ["alpha", "completely different", "zzz qqq"]
    assert merged.divergent == ((2, 6),)
    edited = merge_copies(_sl("the model is good"), _sl("the model is very good", start=3))
    assert [sl.text for sl in edited.lines] == ["the model is very good"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2306.08543", "2306.08543"),
        ("https://arxiv.org/abs/2306.08543v3", "2306.08543"),
        ("https://arxiv.org/pdf/2306.08543v2.pdf", "2306.08543"),
        ("http://www.arxiv.org/pdf/2306.08543", "2306.08543"),
        ("arxiv.org/abs/1706.03762", "1706.03762"),
        ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
        ("https://news.1rj.ru/str/gonzo_ML/1911", None),
        ("https://t.me/gonzo_ML/1885", None),
    ],
)
def test_arxiv_ids(url: str, expected: str | None) -> None:
    assert arxiv_id(url) == expected


def test_urls_found_with_and_without_scheme() -> None:
    text = ("см. (https://arxiv.org/abs/2306.08543). и www.arxiv.org/abs/2401.00001v2, "
            "<u>https://arxiv.org/pdf/2312.05180</u> https://github.com/a/b.")
    urls = find_urls(text)
    assert urls == ["https://arxiv.org/abs/2306.08543", "www.arxiv.org/abs/2401.00001v2",
                    "https://arxiv.org/pdf/2312.05180", "https://github.com/a/b"]
    assert classify(urls) == (("2306.08543", "2401.00001", "2312.05180"),
                              ("https://github.com/a/b",))


def test_every_web_preview_post_has_a_page(corpus: Corpus) -> None:
    per_file = Counter(p.source_file for p in corpus.posts)
    assert {n: per_file[n] for n in WEB_FILES} == {n: len(GOLDEN_POSTS[n]) for n in WEB_FILES}


def test_header_that_disagrees_with_the_configuration_is_a_warning() -> None:
    channel = ChannelConfig(id="club", name="Another Name", url="https://t.me/club", lang="en",
                            dir="ltr", format="web-preview", files=(), authors=("@someone",))
    r = webpreview.read(FIXTURES / "continuations.txt", channel)
    header = [w for w in r.warnings if "channel header" in w.message]
    assert [(w.line, w.message.split(" (")[0]) for w in header] == [
        (1, "the channel header's name")]


def test_channel_page_uses_the_header(project: Project, corpus: Corpus) -> None:
    page = render_site(project, corpus)["channels/gonzo_ML.md"]
    assert "**Authors:**\n\n- Гриша Сапунов" in page and "\n- Лёша Тихонов" in page
    assert "24.1K subscribers" in page
    rizz = render_site(project, corpus)["channels/rizzearch.md"]
    assert "Кайфули на каждый день" in rizz and "@maxnygma (AI4Science посты)" in rizz


_VOCABULARY = [
    "A Title: Of A Paper", "Another Paper Title", "body line one", "body line two 🔥",
    "a long paragraph that ends a sentence.", "подслушано здесь", "UPD: later", "👀LINK",
    "👀 LINK", "", "VIEW IN TELEGRAM", "Please open Telegram to view this post",
    "This media is not supported in your browser", "🔥3👍1", "20", "👍2010", "5👍3",
    "Статья: https://arxiv.org/abs/2401.00001", "Ann Author, Bob Builder",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=40))
def test_any_dump_is_read_without_losing_a_line(tmp_path_factory: pytest.TempPathFactory,
                                                 dump: list[str]) -> None:
    path = tmp_path_factory.mktemp("dump") / "dump.txt"
    path.write_text("".join(line + "\n" for line in dump), encoding="utf-8")
    r = clean_input(webpreview.read(path, _channel()))
    assert r.ledger.accounted == set(range(1, len(dump) + 1))
    # a derived title is made from the post's first line, which stays in the body
    numbers = [n for p in r.posts for n in ((p.line,) if p.title_source == "header" else ())
               + tuple(sl.number for sl in p.lines)]
    assert len(numbers) == len(set(numbers)) == r.ledger.categories["post"]
    for post in r.posts:
        assert post.title.strip()
        assert not any(webpreview.is_link_marker(sl.text) for sl in post.lines)
        assert not any(sl.text.strip() in webpreview.BOILERPLATE for sl in post.lines)
