"""The link stage: same paper across channels, related reviews, references, previous/next.

Seed facts were found by reading the dumps: "Scaling and evaluating sparse autoencoders" is
reviewed by rizzearch (001) and by the Hebrew digest (004, its title line OCR'd with a stray
"?"); no other rizzearch or gonzo_ML title or arXiv id occurs in the digest. The digest refers to
earlier reviews by date: "(27.06) סקרתי מאמר" in the review of "What Are the Odds?", "שסקרנו אתמול
21.06.24" in the GLiNER review, "STaR שסקרתי ב 17.09" in the reverse-curriculum review.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import yaml

from postdocs.link import channel_sequence, link
from postdocs.link import related as related_mod
from postdocs.link.identity import (
    _candidate_pairs,
    group,
    primary_arxiv,
    title_similarity,
    title_tokens,
)
from postdocs.model import PageLinks, PlainText, Post, SourceLine, TextBlock, TextLine, TextPart
from postdocs.pipeline import Corpus
from postdocs.render.pages import render_post
from postdocs.urls.slugs import assign, page_path

from .conftest import ROOT

MATHY = "MathyAIwithMike"


def make(channel: str, line: int, title: str, body: str = "", *, date: dt.date | None = None,
         message_id: int | None = None, links: tuple[str, ...] = (),
         papers: tuple[str, ...] = (), topics: tuple[str, ...] = ()) -> Post:
    lines = tuple(SourceLine(line + 1 + k, t) for k, t in enumerate(body.split("\n")))
    return Post(channel=channel, source_file=f"{channel}.txt", line=line, title=title,
                body=lines, date=date, message_id=message_id, links=links, papers=papers,
                topics=topics, lang="en")


def by_title(corpus: Corpus, channel: str, start: str) -> Post:
    found = [p for p in corpus.posts
             if p.channel == channel and p.title.lower().lstrip("*∳€ ").startswith(start.lower())]
    assert len(found) == 1, f"{channel}: {start!r} matched {[p.source for p in found]}"
    return found[0]


def containing(corpus: Corpus, channel: str, text: str) -> Post:
    """The post whose title or text holds `text` (the digest's post boundaries are still moving)."""
    found = [p for p in corpus.posts if p.channel == channel and text in p.title + "\n" + p.text]
    assert len(found) == 1, f"{channel}: {text!r} in {[p.source for p in found]}"
    return found[0]


def by_date(corpus: Corpus, channel: str, day: dt.date) -> Post:
    found = [p for p in corpus.posts if p.channel == channel and p.date == day]
    assert len(found) == 1, f"{channel} {day}: {[p.source for p in found]}"
    return found[0]


def links_of(corpus: Corpus, post: Post) -> PageLinks:
    return corpus.links[page_path(post)]


# --- paper identity on the seeds -------------------------------------------------------------

def test_sparse_autoencoders_grouped_across_channels(corpus: Corpus) -> None:
    rizz = by_title(corpus, "rizzearch", "Scaling and evaluating sparse autoencoders")
    mathy = by_title(corpus, MATHY, "Scaling and evaluating sparse autoencoders")
    a, b = links_of(corpus, rizz), links_of(corpus, mathy)
    assert a.paper == b.paper
    assert page_path(mathy) in [r.path for r in a.same_paper]
    assert page_path(rizz) in [r.path for r in b.same_paper]
    paper = next(p for p in corpus.papers if p.key == a.paper)
    assert sorted(r.path for r in paper.reviews) == sorted([page_path(rizz), page_path(mathy)])


def test_only_the_papers_found_by_reading_are_shared_across_channels(corpus: Corpus) -> None:
    shared = [p for p in corpus.papers
              if len({r.path.split("/")[1] for r in p.reviews}) > 1]
    assert [p.title.lower().rstrip("?") for p in shared] == [
        "scaling and evaluating sparse autoencoders"]


def test_similar_titles_of_different_papers_are_not_merged(corpus: Corpus) -> None:
    cla = by_title(corpus, "rizzearch", "Reducing Transformer Key-Value Cache Size")
    sharing = by_title(corpus, MATHY, "Cross-layer Attention Sharing")
    assert links_of(corpus, cla).paper != links_of(corpus, sharing).paper
    assert not links_of(corpus, cla).same_paper
    sae = links_of(corpus, by_title(corpus, "rizzearch", "Scaling and evaluating sparse"))
    for other in ("Gemma Scope: Open Sparse Autoencoders", "Jumping Ahead: Improving"):
        post = containing(corpus, MATHY, other)
        assert links_of(corpus, post).paper != sae.paper


def test_every_review_belongs_to_exactly_one_paper(corpus: Corpus) -> None:
    listed = [r.path for p in corpus.papers for r in p.reviews]
    assert sorted(listed) == sorted(page_path(p) for p in corpus.posts)
    assert len({p.key for p in corpus.papers}) == len(corpus.papers)


# --- paper identity on fixtures --------------------------------------------------------------

def test_ocr_damaged_and_upper_case_titles_match() -> None:
    pairs = [
        ("SCALING AND EVALUATING SPARSE AUTOENCODERS?",
         "Scaling and evaluating sparse autoencoders"),
        ("Fethinking Benchmark and Contamination for Language Models with Rephrased Samples",
         "Rethinking Benchmark and Contamination for Language Models with Rephrased Samples"),
        ("aining Large Language Models for Reasoning through Reverse Curriculum Reinforcement "
         "Learning", "Training Large Language Models for Reasoning through Reverse Curriculum "
         "Reinforcement Learning"),
        ("∳ STaR: Self-Taught Reasoner Bootstrapping Reasoning With Reasoning",
         "STaR: Self-Taught Reasoner: Bootstrapping Reasoning with Reasoning"),
    ]
    for a, b in pairs:
        assert title_similarity(title_tokens(a), title_tokens(b)) >= 0.85, (a, b)


def test_different_papers_with_alike_titles_do_not_match() -> None:
    pairs = [
        ("Reducing Transformer Key-Value Cache Size with Cross-Layer Attention",
         "Cross-layer Attention Sharing for Large Language Models"),
        ("Llama 2: Open Foundation and Fine-Tuned Chat Models",
         "Llama 3: Open Foundation and Fine-Tuned Chat Models"),
        ("Training Compute-Optimal Large Language Models",
         "Training Compute-Optimal Large Vision Models"),
        ("Consistency Models", "Improved Techniques for Training Consistency Models"),
    ]
    for a, b in pairs:
        assert title_similarity(title_tokens(a), title_tokens(b)) < 0.85, (a, b)
    assert title_tokens("Genie") == ()  # too short to identify a paper by
    assert title_tokens("Проблема, что этот метод сложно применять") == ()


def test_grouping_by_arxiv_and_never_across_two_arxiv_ids() -> None:
    posts = [
        make("a", 1, "Some Paper About Things", "Paper: https://arxiv.org/abs/2401.00001"),
        make("b", 1, "другое название", "Статья: https://arxiv.org/abs/2401.00001"),
        make("c", 1, "Same Title For Two Papers", "Paper: https://arxiv.org/abs/2401.00002"),
        make("d", 1, "Same Title For Two Papers", "Paper: https://arxiv.org/abs/2401.00003"),
        make("e", 1, "SAME TITLE FOR TWO PAPERS"),
    ]
    groups = group(posts)
    assert [0, 1] in groups
    assert not any({2, 3} <= set(g) for g in groups)
    assert sum(len(g) for g in groups) == 5


def test_reviewed_paper_is_the_linked_one_not_one_cited_in_prose(corpus: Corpus) -> None:
    slim = by_title(corpus, "gonzo_ML", "For Distillation, Tokens Are Not All You Need")
    assert "https://arxiv.org/abs/2306.08543" in slim.links  # MiniLLM, cited in a sentence
    assert primary_arxiv(slim) is None
    assert primary_arxiv(by_title(corpus, "gonzo_ML", "PathFinder")) == "2312.05180"


def test_title_blocking_is_far_from_all_pairs() -> None:
    words = [f"w{n}x" for n in range(400)]
    titles = [tuple(words[(i * 7 + k * 13) % 400] for k in range(6)) + ("model", "learning")
              for i in range(2000)]
    pairs = _candidate_pairs(titles)
    assert len(pairs) < 2000 * 20  # all pairs would be about two million


# --- related reviews -------------------------------------------------------------------------

def test_every_review_has_related_reviews(corpus: Corpus) -> None:
    for post in corpus.posts:
        links = links_of(corpus, post)
        paths = [r.path for r in links.related]
        # a review with a topic has some; one without may have none (never a coincidence)
        assert (1 if post.topics else 0) <= len(paths) <= 5, post.source
        assert page_path(post) not in paths
        assert len(set(paths)) == len(paths)
        assert not set(paths) & {r.path for r in links.same_paper}


def test_related_works_across_languages(corpus: Corpus) -> None:
    cla = by_title(corpus, "rizzearch", "Reducing Transformer Key-Value Cache Size")
    sharing = by_title(corpus, MATHY, "Cross-layer Attention Sharing")
    assert page_path(sharing) in [r.path for r in links_of(corpus, cla).related]


def test_links_are_deterministic(corpus: Corpus) -> None:
    again, papers = link(corpus.posts)
    assert again == corpus.links and papers == corpus.papers


def _for(links: dict[str, PageLinks], posts: list[Post], source: str) -> PageLinks:
    """The cross-links of the post read from `source` (`file:line`)."""
    return links[page_path(next(p for p in posts if p.source == source))]


def test_equally_related_other_channel_comes_first() -> None:
    body = "transformer attention kv-cache quantization sparsity"
    posts, _ = assign([
        make("a", 1, "Query review", body),
        make("a", 9, "Same channel", body),
        make("b", 1, "Other channel", body),
        make("c", 1, "Unrelated", "diffusion images denoising"),
        make("c", 9, "Unrelated two", "diffusion images denoising"),
    ])
    links, _ = link(posts)
    related = [r.title for r in _for(links, posts, "a.txt:1").related]
    assert related[:2] == ["Other channel", "Same channel"]


# --- references and backlinks ----------------------------------------------------------------

def _date_ref(corpus: Corpus, source: Post, text: str, target: Post) -> None:
    refs = [r for r in links_of(corpus, source).references if r.kind == "date"]
    assert (text, page_path(target)) in [(r.text, r.target.path) for r in refs]
    assert page_path(source) in [r.path for r in links_of(corpus, target).referenced_by]


def test_hebrew_date_references_become_links_with_backlinks(corpus: Corpus) -> None:
    odds = by_title(corpus, MATHY, "What Are the Odds?")
    target = by_date(corpus, MATHY, dt.date(2024, 6, 27))
    assert "רגרסיה לוגיסטית" in odds.text  # "logistic regression", the subject of the 27.06 paper
    assert "Probing the Decision Boundaries of In-context Learning" in target.title + target.text
    _date_ref(corpus, odds, "27.06", target)
    page = render_post(odds, links_of(corpus, odds))
    assert f"([27.06]({target.slug}.md))" in page
    target_page = render_post(target, links_of(corpus, target))
    assert "## Referenced by" in target_page and f'href="../{odds.slug}/"' in target_page

    star = by_title(corpus, MATHY, "STaR: Self-Taught Reasoner")
    curriculum = containing(corpus, MATHY, "STaR שסקרתי ב 17.09")
    _date_ref(corpus, curriculum, "17.09", star)


def test_date_reference_with_year(corpus: Corpus) -> None:
    gliner = containing(corpus, MATHY, "שסקרנו אתמול 21.06.24")
    ner = by_title(corpus, MATHY, "Named Entity Recognition as Structured Span Prediction")
    _date_ref(corpus, gliner, "21.06.24", ner)
    # "review" (a noun) next to the date: "קראו סקירה מ 18.11.24" (read the review of …)
    adaptive = by_title(corpus, MATHY, "Adaptive Decoding via Latent Preference Optimization")
    assert "קראו סקירה מ 18.11.24" in adaptive.text
    _date_ref(corpus, adaptive, "18.11.24", by_date(corpus, MATHY, dt.date(2024, 11, 18)))
    # "similar to yesterday's review (26.09.24)"
    robust = containing(corpus, MATHY, "דומה לסקירה של אתמול (26.09.24)")
    _date_ref(corpus, robust, "26.09.24", by_date(corpus, MATHY, dt.date(2024, 9, 26)))


def test_telegram_and_arxiv_links_resolve_to_reviews() -> None:
    posts, _ = assign([
        make("chanI", 1, "Target review", "Paper: https://arxiv.org/abs/2401.00001",
             message_id=12, links=("https://arxiv.org/abs/2401.00001",),
             papers=("2401.00001",)),
        make("other", 1, "Citing review",
             "see https://t.me/chanI/12 and https://arxiv.org/abs/2401.00001 and "
             "https://news.1rj.ru/str/chanl/12 and https://t.me/chanI/99",
             links=("https://t.me/chanI/12", "https://arxiv.org/abs/2401.00001",
                    "https://news.1rj.ru/str/chanl/12", "https://t.me/chanI/99"),
             papers=("2401.00001",)),
        make("chanI", 5, "Self link", "me: https://t.me/chanI/13", message_id=13,
             links=("https://t.me/chanI/13",)),
    ])
    links, _ = link(posts)
    refs = [(r.kind, r.text, r.target.title) for r in _for(links, posts, "other.txt:1").references]
    assert refs == [
        ("telegram", "https://t.me/chanI/12", "Target review"),
        ("arxiv", "https://arxiv.org/abs/2401.00001", "Target review"),
        ("telegram", "https://news.1rj.ru/str/chanl/12", "Target review"),  # OCR: I read as l
    ]
    assert [r.title for r in _for(links, posts, "chanI.txt:1").referenced_by] == ["Citing review"]
    assert _for(links, posts, "chanI.txt:5").references == ()
    page = render_post(posts[1], _for(links, posts, "other.txt:1"))
    assert "([review on this site](../chanI/target-review.md))" in page
    # the mirror's link reads and links as the post on Telegram, and links the review too
    assert ("[https://t.me/chanl/12](<https://t.me/chanl/12>) ([review on this site]"
            "(../chanI/target-review.md))") in page
    assert "1rj" not in page.split("---", 2)[2]


def test_mirror_links_of_the_seeds_read_as_telegram(corpus: Corpus) -> None:
    """gonzo_ML's text links its own posts through a mirror (`news.1rj.ru/str/gonzo_ML/1885`):
    shown and linked as `t.me/gonzo_ML/1885` (web-preview copies carry no message ids, so no
    review of the site is known by that id)."""
    pages = [render_post(p, links_of(corpus, p)) for p in corpus.posts if p.channel == "gonzo_ML"]
    text = "\n".join(pages)
    assert "https://t.me/gonzo_ML/1885" in text and "https://t.me/gonzo_ML/1911" in text
    assert "news.1rj.ru" not in text


# --- previous / next -------------------------------------------------------------------------

def test_previous_next_follow_dates_and_dump_order() -> None:
    d = dt.date
    posts = [
        make("a", 1, "June 3", date=d(2024, 6, 3)),
        make("a", 2, "undated after June 3"),
        make("a", 3, "June 1", date=d(2024, 6, 1)),
        make("b", 1, "b first"),
        make("b", 2, "b second"),
    ]
    seqs = channel_sequence(posts)
    assert [posts[i].title for i in seqs["a"]] == ["June 1", "June 3", "undated after June 3"]
    assert [posts[i].title for i in seqs["b"]] == ["b first", "b second"]


def test_previous_next_on_the_seeds_walk_every_channel_once(corpus: Corpus) -> None:
    by_path = {page_path(p): p for p in corpus.posts}
    for channel in ("rizzearch", "gonzo_ML", MATHY):
        members = [p for p in corpus.posts if p.channel == channel]
        first = [p for p in members if links_of(corpus, p).previous is None]
        assert len(first) == 1
        walk = [first[0]]
        while (nxt := links_of(corpus, walk[-1]).next) is not None:
            walk.append(by_path[nxt.path])
            prev = links_of(corpus, walk[-1]).previous
            assert prev is not None and prev.path == page_path(walk[-2])
        assert len(walk) == len(members)
        if channel == MATHY:  # dated: chronological (a first-seen date keeps the dump's place)
            dated = [p.date for p in walk if p.date and p.date_source != "first-seen"]
            assert dated == sorted(dated)
    rizz = [p for p in corpus.posts if p.channel == "rizzearch"]
    nxt = links_of(corpus, rizz[0]).next
    assert nxt is not None and nxt.path == page_path(rizz[1])  # undated: dump order


def test_links_follow_the_set_of_posts(corpus: Corpus) -> None:
    """Without a channel, no link points at its pages and its papers' groups shrink."""
    kept = [p for p in corpus.posts if p.channel != "rizzearch"]
    links, papers = link(kept)
    pages = {page_path(p) for p in kept}
    for pl in links.values():
        refs = [*pl.same_paper, *pl.related, *pl.referenced_by,
                *(r.target for r in pl.references), *filter(None, (pl.previous, pl.next))]
        assert {r.path for r in refs} <= pages
    mathy = by_title(corpus, MATHY, "Scaling and evaluating sparse autoencoders")
    assert links[page_path(mathy)].same_paper == ()
    assert all(len(p.reviews) == 1 for p in papers)


def test_links_in_export_markdown_get_the_review_link() -> None:
    target = make("chan", 1, "Target review", message_id=12)
    said = TextLine((TextPart("plain", "As "),
                     TextPart("text_link", "we wrote", "https://t.me/chan/12"),
                     TextPart("plain", " before.")))
    plain = make("other", 1, "Citing review", links=("https://t.me/chan/12",))
    citing = replace(plain, body=(TextBlock((said,)), PlainText(plain.lines)))
    posts, _ = assign([target, citing])
    links, _ = link(posts)
    page = render_post(posts[1], _for(links, posts, "other.txt:1"))
    assert ("[we wrote](<https://t.me/chan/12>) ([review on this site]"
            "(../chan/target-review.md))") in page


def test_links_do_not_depend_on_the_hash_seed(corpus: Corpus) -> None:
    """Sets and dicts are only looked up or sorted: another PYTHONHASHSEED, the same links."""
    code = ("from pathlib import Path; from postdocs.config import load_project; "
            "from postdocs.pipeline import process; "
            f"c = process(load_project(Path({str(ROOT)!r}))); "
            "print(repr(sorted(c.links.items())) + repr(c.papers))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == repr(sorted(corpus.links.items())) + repr(corpus.papers)


def test_date_mentions_need_the_verb_and_are_not_versions() -> None:
    d = dt.date
    posts, _ = assign([
        make("c", 1, "Early", date=d(2024, 3, 5)),
        make("c", 2, "Target", date=d(2024, 6, 27)),
        make("c", 3, "Citing", "לפני יומיים (27.06) סקרתי מאמר; GPT-3.5 שסקרתי; 27.06 בלי פועל",
             date=d(2024, 6, 29)),
    ])
    links, _ = link(posts)
    refs = [(r.kind, r.text, r.target.title) for r in _for(links, posts, "c.txt:3").references]
    assert refs == [("date", "27.06", "Target")]  # GPT-3.5 is not 3 May
    page = render_post(posts[2], _for(links, posts, "c.txt:3"))
    assert "([27.06](target.md)) סקרתי" in page


def test_channels_whose_inputs_share_a_file_name_keep_their_own_cross_links(
        tmp_path: Path) -> None:
    """Two channels with an input of the same name (every Desktop export is a `result.json`)
    have posts with the same `source`: each page still gets its own cross-links, and an
    override can name either channel's review."""
    from postdocs.config import load_project
    from postdocs.pipeline import process, render_site

    from .conftest import seed

    dump = seed("001_72cd830eb3fd8acc.txt").read_bytes()
    channels = ""
    for handle in ("first", "second"):
        (tmp_path / "content" / "channels" / handle).mkdir(parents=True)
        (tmp_path / "content" / "channels" / handle / "dump.txt").write_bytes(dump)
        channels += (f"  - id: {handle}\n    lang: ru\n    dir: ltr\n    format: web-preview\n"
                     f"    files: [{handle}/dump.txt]\n")
    (tmp_path / "content" / "docs").mkdir()
    (tmp_path / "content" / "channels.yml").write_text("channels:\n" + channels,
                                                       encoding="utf-8")
    project = load_project(tmp_path)
    posts = process(project, use_cache=False).posts
    second = next(p for p in posts if p.channel == "second")
    (tmp_path / "content" / "overrides.yml").write_text(
        f"overrides:\n  'second/{second.source}':\n    title: Renamed in the second channel\n",
        encoding="utf-8")
    corpus = process(project, use_cache=False)
    pages = render_site(project, corpus)
    reviews = {p: t for p, t in pages.items() if p.startswith("reviews/")}
    assert len(reviews) == len(corpus.posts) == 2 * sum(1 for p in posts if p.channel == "first")
    for path, text in reviews.items():
        assert '<a href="./">' not in text, f"{path} links to itself"
        twin = path.replace("reviews/first/", "reviews/second/") if "/first/" in path else (
            path.replace("reviews/second/", "reviews/first/"))
        if "/first/" in path and twin in reviews:  # the same review in the other channel
            assert "../../second/" in text.split("Also reviewed in")[1].split("</ul>")[0]
    titles = {p.channel: p.title for p in corpus.posts if p.source == second.source}
    assert titles["second"] == "Renamed in the second channel"
    assert titles["first"] == second.title


RELATED_LABELED = Path(__file__).parent / "data" / "related_labeled.yml"


def test_related_reviews_on_hand_labelled_pairs(corpus: Corpus) -> None:
    """Keyword coincidences are not listed (either way); pairs judged related are."""
    labels = yaml.safe_load(RELATED_LABELED.read_text(encoding="utf-8"))
    by_title = {p.title: p for p in corpus.posts}

    def listed(a: str, b: str) -> bool:
        pa, pb = by_title[a], by_title[b]
        return (any(r.title == b for r in links_of(corpus, pa).related)
                or any(r.title == a for r in links_of(corpus, pb).related))

    wrong = [pair for pair in labels["unrelated"] if listed(*pair)]
    assert not wrong
    missed = [pair for pair in labels["related"] if not listed(*pair)]
    assert len(missed) <= len(labels["related"]) // 5, missed
    assert len(labels["unrelated"]) >= 10 and len(labels["related"]) >= 5


def test_related_needs_a_shared_topic_or_strong_terms(corpus: Corpus) -> None:
    """Every listed related review shares a topic or a tag with the review, or strong terms;
    a review may list fewer than five."""
    counts = []
    for p in corpus.posts:
        related = links_of(corpus, p).related
        counts.append(len(related))
        for r in related:
            q = next(x for x in corpus.posts if page_path(x) == r.path)
            if set(p.topics).isdisjoint(q.topics) and set(p.tags).isdisjoint(q.tags):
                shared = set(related_mod.terms(p)) & set(related_mod.terms(q))
                assert len(shared) >= related_mod.STRONG_TERMS, (p.title, q.title)
    assert sum(1 for c in counts if c < related_mod.MAX_RELATED) > 0
