"""Topics: the classifier on hand-made texts, the taxonomy and overrides files, the labelled
evaluation on the seed reviews, topic pages, tags and the `topics` command."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from postdocs.cli import main
from postdocs.config import Project
from postdocs.enrich.corrections import apply, parse_overrides
from postdocs.errors import ConfigError
from postdocs.model import Post, SourceLine
from postdocs.pipeline import Corpus, render_site
from postdocs.topics import classifier
from postdocs.topics.evaluation import evaluate, parse_labels
from postdocs.topics.taxonomy import Taxonomy, parse_taxonomy

from .conftest import ROOT

LABELS = ROOT / "tests" / "data" / "topics_labeled.yml"
NAMED = ("rl", "diffusion", "alignment", "ssm")

SMALL = """\
settings: {threshold: 4, relative: 0.25, title_factor: 3, body_cap: 3, tag_min_posts: 1}
topics:
  - id: rl
    name: Reinforcement learning
    featured: true
    terms:
      reinforcement learning: 3
      рл: 2
      подкреплени*: 3
      חיזוקים: 3
      policy: 1
  - id: diffusion
    name: Diffusion models
    featured: true
    terms:
      diffusion: 3
      диффузи*: 3
      דיפוזיה: 3
  - id: graphs
    name: Graphs
    terms:
      graph neural network*: 3
      graph: 1
tags:
  PPO: [ppo, ппо]
"""


def small() -> Taxonomy:
    return parse_taxonomy(SMALL, "topics.yml")


def classify(title: str, body: str) -> classifier.Classification:
    tax = small()
    return classifier.classify(title, body, classifier.build_matcher(tax), tax)


# --------------------------------------------------------------------------- matching


def test_russian_inflections_match_stems() -> None:
    r = classify("", "диффузионные модели; обучение диффузии; о диффузию")
    assert r.topics == ("diffusion",)
    assert [(e.term, e.where, e.count) for e in r.evidence] == [("диффузи", "body", 3)]


def test_hebrew_prefixes_are_stripped() -> None:
    r = classify("", "ובדיפוזיה, שהדיפוזיה ולמידה באמצעות חיזוקים בחיזוקים")
    assert set(r.topics) == {"diffusion", "rl"}
    counts = {e.term: e.count for e in r.evidence}
    assert counts == {"דיפוזיה": 2, "חיזוקים": 2}


def test_word_boundaries_and_case() -> None:
    # `рл` is a word, not a part of `урл`; `Diffusion` matches case-insensitively
    assert classify("", "урл урлы урл").topics == ()
    assert classify("DIFFUSION", "").topics == ("diffusion",)


def test_passing_mention_does_not_tag_but_substance_does() -> None:
    once = classify("A graph paper", "graph neural networks are great. We also tried diffusion.")
    assert "diffusion" not in once.topics  # 3 < threshold 4
    many = classify("", "diffusion here, diffusion there, more diffusion")
    assert many.topics == ("diffusion",)


def test_title_weighs_more_and_body_counts_saturate() -> None:
    in_title = classify("Diffusion for everyone", "")
    assert in_title.topics == ("diffusion",)
    assert in_title.evidence[0].where == "title" and in_title.evidence[0].weight == 9.0
    body = classify("", " ".join(["diffusion"] * 50))
    assert body.scores == (("diffusion", 9.0),)  # 3 × min(50, body_cap=3)
    assert body.evidence[0].count == 50


def test_relative_threshold_and_primary_topic() -> None:
    body = "reinforcement learning " * 3 + "policy policy graph neural networks"
    r = classify("Diffusion policies", body)
    # rl 3×3 + policy 2 = 11 is best; graphs 3 < threshold; diffusion (title) 9
    assert r.primary == "rl" and r.topics == ("rl", "diffusion")
    weak = classify("", "diffusion " * 3 + "reinforcement learning " * 3 + "рл " * 3 + "policy")
    assert weak.topics[0] == "rl"


def test_a_topic_can_require_a_higher_score() -> None:
    text = SMALL.replace("    name: Graphs\n", "    name: Graphs\n    threshold: 7\n")
    strict = parse_taxonomy(text, "topics.yml")
    body = "graph neural networks, graph neural networks"
    assert classify("", body).topics == ("graphs",)  # 6 ≥ 4
    assert classifier.classify("", body, classifier.build_matcher(strict), strict).topics == ()


def test_a_topic_can_require_a_larger_share_of_the_best_score() -> None:
    # rl 3×3 = 9 is best; graphs 2×3 = 6 passes the default share (0.25 × 9) …
    body = "reinforcement learning " * 3 + "graph neural networks " * 2
    assert classify("", body).topics == ("rl", "graphs")
    # … but not a share of 0.7 (6 < 6.3); rl itself is unaffected
    text = SMALL.replace("    name: Graphs\n", "    name: Graphs\n    relative: 0.7\n")
    strict = parse_taxonomy(text, "topics.yml")
    assert classifier.classify("", body, classifier.build_matcher(strict), strict).topics == ("rl",)
    # a review mainly about graphs still gets the topic
    mainly = "graph neural networks " * 3
    matcher = classifier.build_matcher(strict)
    assert classifier.classify("", mainly, matcher, strict).topics == ("graphs",)


def test_longest_term_wins_without_overlap() -> None:
    r = classify("", "graph neural networks, graph neural network")
    ev = {e.term: e.count for e in r.evidence}
    assert ev == {"graph neural network": 2}  # the single-word `graph` is not counted too


def test_a_tag_phrase_does_not_hide_a_topic_term() -> None:
    """Tags and topics are matched apart: the tag `Diffusion policy` (its phrase holds the topic
    term `diffusion`) and the topic both count, in the title and in the body."""
    text = SMALL.replace("  PPO: [ppo, ппо]",
                         "  PPO: [ppo, ппо]\n  Diffusion policy: [diffusion policy]")
    tax = parse_taxonomy(text, "topics.yml")
    r = classifier.classify("Diffusion Policy", "a diffusion policy, another diffusion policy",
                        classifier.build_matcher(tax), tax)
    assert r.topics[0] == "diffusion" and "Diffusion policy" in r.tags
    assert {(e.term, e.where) for e in r.evidence} >= {("diffusion", "title"),
                                                       ("diffusion", "body")}


def test_classification_is_deterministic() -> None:
    a = classify("Diffusion policies", "рл рл диффузия подкреплением")
    b = classify("Diffusion policies", "рл рл диффузия подкреплением")
    assert a == b


def test_tags_need_a_title_hit_or_two_mentions_and_must_recur() -> None:
    tax = small()
    p1 = Post(channel="c", source_file="f.txt", line=1, title="PPO for all")
    p2 = Post(channel="c", source_file="f.txt", line=5, title="x",
              body=(SourceLine(6, "ппо и ещё раз ппо"),))
    p3 = Post(channel="c", source_file="f.txt", line=9, title="y",
              body=(SourceLine(10, "one ppo mention"),))
    out = classifier.assign([p1, p2, p3], tax)
    assert [p.tags for p in out] == [("PPO",), ("PPO",), ()]
    strict = parse_taxonomy(SMALL.replace("tag_min_posts: 1", "tag_min_posts: 3"), "t.yml")
    assert [p.tags for p in classifier.assign([p1, p2, p3], strict)] == [(), (), ()]
    # tags a reader found (a Desktop export's hashtags) are kept, before the taxonomy's
    hashtagged = Post(channel="c", source_file="f.txt", line=1, title="PPO", tags=("#rl",))
    assert classifier.assign([hashtagged], tax)[0].tags == ("#rl", "PPO")


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("topics:\n  - id: a\n    name: A\n    terms:\n      x: heavy\n", 5, "must be a number"),
        ("topics:\n  - id: A B\n    name: A\n    terms: {x: 1}\n", 2, "slug"),
        ("topics:\n  - id: a\n    name: A\n    terms: {x: 1}\n  - id: a\n    name: B\n"
         "    terms: {y: 1}\n", 5, "defined twice"),
        ("topics:\n  - id: a\n    name: A\n    colour: red\n    terms: {x: 1}\n", 4,
         "unknown key 'colour'"),
        ("topics:\n  - id: a\n    name: A\n    terms:\n      'x*y': 1\n", 5, "may only end"),
        ("topics:\n  - id: a\n    name: A\n    terms: [\n", 5, "not valid YAML"),
        ("topics:\n  - id: a\n    name: A\n    relative: most\n    terms: {x: 1}\n", 4,
         "relative must be a number"),
    ],
)
def test_taxonomy_errors_name_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_taxonomy(text, "content/topics.yml")
    assert str(err.value).startswith(f"content/topics.yml:{line}: ")
    assert message in str(err.value)


def test_seed_taxonomy_puts_the_four_named_topics_first(corpus: Corpus) -> None:
    tax = corpus.taxonomy
    assert [t.id for t in tax.ordered()][:4] == list(NAMED)
    assert all(t.featured for t in tax.ordered()[:4])
    assert all(t.description for t in tax.topics)
    # the channels' own jargon is in the taxonomy: transliterated Russian and Hebrew
    terms = {term.text for t in tax.topics for term in t.terms}
    assert {"рлхф", "ревард*", "алаймент*", "дпо", "диффузи*", "ллм*", "דיפוזיה", "חיזוקים",
            "ממבה"} <= terms


def test_overrides_warn_with_file_and_line() -> None:
    tax = small()
    text = ("overrides:\n"
            "  'a.txt:1':\n"
            "    add_topics: [graphs]\n"
            "    colour: red\n"
            "  'missing.txt:9':\n"
            "    remove_topics: rl\n"
            "extra: 1\n")
    ov = parse_overrides(text, "content/overrides.yml", tax)
    assert [str(w) for w in ov.warnings] == [
        "content/overrides.yml:7: unknown key 'extra' ignored",
        "content/overrides.yml:4: override 'a.txt:1': unknown key 'colour' ignored "
        "(known: topics, add_topics, remove_topics, primary_topic, title, date, slug)",
    ]
    post = Post(channel="c", source_file="a.txt", line=1, title="t", topics=("rl",),
                primary_topic="rl")
    out, warnings = apply([post], ov)
    assert out[0].topics == ("rl", "graphs") and out[0].primary_topic == "rl"
    assert out[0].evidence[-1].term == "override"
    assert str(warnings[-1]) == ("content/overrides.yml:5: override 'missing.txt:9' matches no "
                                 "review (expected '<file>:<line>', '<channel>/<file>:<line>', "
                                 "a permalink or a review's URL 'reviews/<channel>/<slug>/')")
    with pytest.raises(ConfigError, match=r"overrides.yml:3: 'add_topics': unknown topic 'gr'"):
        parse_overrides("overrides:\n  'a.txt:1':\n    add_topics: [gr]\n", "overrides.yml", tax)


def test_override_sets_topics_title_date_and_primary() -> None:
    tax = small()
    text = ("overrides:\n  'https://t.me/c/5':\n    topics: [graphs, rl]\n"
            "    primary_topic: rl\n    title: Fixed\n    date: 2024-06-01\n")
    ov = parse_overrides(text, "o.yml", tax)
    post = Post(channel="c", source_file="a.txt", line=1, title="t", topics=("diffusion",),
                primary_topic="diffusion", permalink="https://t.me/c/5")
    (out,), warnings = apply([post], ov)
    assert not warnings
    assert out.topics == ("graphs", "rl") and out.primary_topic == "rl"
    assert out.title == "Fixed" and out.title_source == "override"
    assert out.date is not None and out.date.isoformat() == "2024-06-01"
    assert out.date_source == "override"


# --------------------------------------------------------------------------- the seed reviews


def classifier_only(corpus: Corpus) -> list[Post]:
    """The seed reviews with the classifier's topics (editors' overrides not applied)."""
    return classifier.assign(corpus.posts, corpus.taxonomy)


def test_labelled_set_is_broad_and_found(corpus: Corpus) -> None:
    labels = parse_labels(LABELS.read_text(encoding="utf-8"), str(LABELS), corpus.taxonomy)
    result = evaluate(labels, classifier_only(corpus), corpus.taxonomy, str(LABELS))
    assert not result.warnings, [str(w) for w in result.warnings]
    assert len(result.matched) >= 200  # every seed review but a handful
    assert {p.lang for _, p in result.matched} >= {"ru", "he"}
    support = {s.topic: s.support for s in result.scores}
    assert all(support[t] >= 5 for t in NAMED), support
    # labels are found by title, so each names a different review
    assert len({p.source for _, p in result.matched}) == len(result.matched)


def test_named_topics_precision_and_recall_at_least_0_9(corpus: Corpus) -> None:
    labels = parse_labels(LABELS.read_text(encoding="utf-8"), str(LABELS), corpus.taxonomy)
    result = evaluate(labels, classifier_only(corpus), corpus.taxonomy, str(LABELS))
    scores = {s.topic: s for s in result.scores}
    for t in NAMED:
        s = scores[t]
        assert s.precision >= 0.9 and s.recall >= 0.9, (
            f"{t}: precision {s.precision:.2f}, recall {s.recall:.2f}")


def test_every_topic_with_support_5_has_precision_and_recall_at_least_0_8(
        corpus: Corpus) -> None:
    """Readers browse every topic page, not only the named four."""
    labels = parse_labels(LABELS.read_text(encoding="utf-8"), str(LABELS), corpus.taxonomy)
    result = evaluate(labels, classifier_only(corpus), corpus.taxonomy, str(LABELS))
    weak = [f"{s.topic}: support {s.support}, precision {s.precision:.2f}, recall {s.recall:.2f}"
            for s in result.scores
            if s.support >= 5 and (s.precision < 0.8 or s.recall < 0.8)]
    assert not weak, weak
    assert sum(1 for s in result.scores if s.support >= 5) >= 15


def test_at_least_90_percent_of_seed_reviews_have_a_topic(corpus: Corpus) -> None:
    posts = classifier_only(corpus)
    covered = sum(1 for p in posts if p.topics)
    assert covered / len(posts) >= 0.9, f"{covered}/{len(posts)}"
    assert all(p.primary_topic in p.topics for p in posts if p.topics)


def test_seed_evidence_and_tags_reach_the_front_matter(corpus: Corpus) -> None:
    # rizzearch, "Discovering Preference Optimization Algorithms…": "в алайменте … от перехода
    # с рлхф к дпо и орпо" — alignment, found in the channel's transliterations
    post = next(p for p in corpus.posts
                if p.title.startswith("Discovering Preference Optimization Algorithms"))
    assert post.primary_topic == "alignment"
    terms = {e.term for e in post.evidence if e.topic == "alignment"}
    assert {"алаймент", "рлхф", "дпо"} <= terms
    sae = next(p for p in corpus.posts if p.title == "Scaling and evaluating sparse autoencoders")
    assert "SAE" in sae.tags and "interpretability" in sae.topics
    from postdocs.render.pages import post_metadata

    meta = post_metadata(sae)
    assert meta["tags"] == list(sae.tags)
    # the evidence as `postdocs topics --explain` gives it, a line each
    assert meta["topic_evidence"] == [f"{e.topic}: {e.explained()}" for e in sae.evidence]
    assert any(line.startswith("alignment: body: рлхф")
               for line in post_metadata(post)["topic_evidence"])


def test_topic_pages_for_every_topic_with_a_review(project: Project, corpus: Corpus) -> None:
    pages = render_site(project, corpus)
    held = {t for p in corpus.posts for t in p.topics}
    assert {f"topics/{t}.md" for t in held} == {
        k for k in pages if k.startswith("topics/") and k != "topics/index.md"}
    index = pages["topics/index.md"]
    links = [line.split("](")[1].split(")")[0] for line in index.splitlines()
             if line.startswith("- [")]
    assert links[:4] == [f"{t}.md" for t in NAMED]
    rl = pages["topics/rl.md"]
    assert "Reinforcement learning" in rl and "RL, BUT DON" in rl


# --------------------------------------------------------------------------- end to end


def _copy_project(dest: Path) -> Path:
    (dest / "content").mkdir(parents=True)
    shutil.copytree(ROOT / "content" / "channels", dest / "content" / "channels")
    for name in ("channels.yml", "topics.yml"):
        shutil.copy(ROOT / "content" / name, dest / "content" / name)
    return dest


def _pages(root: Path) -> dict[str, bytes]:
    docs = root / "content" / "docs"
    return {str(p.relative_to(docs)): p.read_bytes() for p in sorted(docs.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def _without_crosslinks(page: bytes) -> bytes:
    return page.split(b'<div class="postdocs-crosslinks"')[0]


def _split(page: bytes) -> tuple[dict[str, Any], list[str]]:
    _, meta, body = page.decode("utf-8").split("---\n", 2)
    return yaml.safe_load(meta), _without_crosslinks(body.encode()).decode().splitlines()


def test_override_changes_topics_on_the_next_build_and_nothing_else(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy_project(tmp_path)
    assert main(["--root", str(root), "--no-cache", "build", "-q"]) == 0
    before = _pages(root)
    # rizzearch: "Is Value Learning Really the Main Bottleneck in Offline RL?" is RL; an editor
    # files it under optimisation too, and fixes nothing else.
    source = "000_6219d51e455967f7.txt:92"
    (root / "content" / "overrides.yml").write_text(
        f"overrides:\n  '{source}':\n    add_topics: [optimization-theory]\n"
        f"    primary_topic: optimization-theory\n", encoding="utf-8")
    assert main(["--root", str(root), "--no-cache", "build", "-q"]) == 0
    after = _pages(root)
    assert set(after) == set(before)
    changed = {k for k in after if after[k] != before[k]}
    page = next(k for k in changed if f"source: '{source}'\n".encode() in after[k])
    assert not [k for k in changed if k.startswith("channels/")]
    # other reviews change at most in their "related reviews" cross-links (which use topics)
    for k in changed - {page}:
        if k.startswith("reviews/"):
            assert _without_crosslinks(after[k]) == _without_crosslinks(before[k]), k
    # the overridden review: only its topics changed (front-matter and the header's links)
    old_meta, old_body = _split(before[page])
    new_meta, new_body = _split(after[page])
    assert new_meta["primary_topic"] == "optimization-theory"
    assert set(new_meta["topics"]) == {*old_meta["topics"], "optimization-theory"}
    last = new_meta["topic_evidence"][-1]  # where: the override's file and line
    assert last.startswith("optimization-theory: override ") and last.endswith(
        "overrides.yml:2: override (+0)")
    topical = ("topics", "primary_topic", "topic_evidence")
    assert ({k: v for k, v in new_meta.items() if k not in topical}
            == {k: v for k, v in old_meta.items() if k not in topical})
    # the search index's filters and metadata (render.py) name the new topic too
    search = [b for b in new_body if "data-pagefind-" in b and "Optimization and theory" in b]
    assert len(search) == 2  # the topic filter, the topics shown in results
    old_body = [b for b in old_body if "data-pagefind-" not in b]
    new_body = [b for b in new_body if "data-pagefind-" not in b]
    differing = [(a, b) for a, b in zip(old_body, new_body, strict=True) if a != b]
    assert differing and all("topics/optimization-theory/" in b for _, b in differing)
    assert "topics/optimization-theory.md" in changed and "topics/index.md" in changed
    # the override survives regeneration: a third build writes nothing
    assert main(["--root", str(root), "--no-cache", "build"]) == 0
    assert "0 written" in capsys.readouterr().out
    # a stale key is a located warning, not an error
    (root / "content" / "overrides.yml").write_text(
        "overrides:\n  'gone.txt:1':\n    add_topics: [rl]\n", encoding="utf-8")
    assert main(["--root", str(root), "--no-cache", "build"]) == 0
    err = capsys.readouterr().err
    assert "overrides.yml:2: override 'gone.txt:1' matches no review" in err


def test_topics_command_lists_explains_and_evaluates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "topics"]) == 0
    out = capsys.readouterr().out
    heads = [line.split(" ")[0] for line in out.splitlines() if not line.startswith(" ")]
    assert heads[:4] == list(NAMED)
    assert "coverage: " in out
    assert main(["--root", str(ROOT), "topics", "--explain"]) == 0
    explained = capsys.readouterr().out
    assert "      title: " in explained and "      body: " in explained
    assert main(["--root", str(ROOT), "topics", "--eval", str(LABELS)]) == 0
    table = capsys.readouterr().out
    assert "precision" in table and "recall" in table and "F1" in table
    rows = {line.split()[0]: line.split() for line in table.splitlines()[2:] if line.strip()}
    assert all(t in rows for t in NAMED)
    assert main(["--root", str(ROOT), "topics", "--eval", "nope.yml"]) == 2


def test_readme_documents_topics() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for needle in ("postdocs topics", "--explain", "--eval", "content/topics.yml",
                   "content/overrides.yml", "tests/data/topics_labeled.yml", "add_topics",
                   "remove_topics", "title_terms"):
        assert needle in readme, needle
