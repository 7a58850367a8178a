"""What `postdocs topics` prints: reviews per topic, the evidence, and the evaluation."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import ConfigError
from ..pipeline import Corpus
from . import classifier
from .evaluation import evaluate, parse_labels


def print_topics(corpus: Corpus, explain: bool = False) -> int:
    posts = corpus.posts
    for topic in corpus.taxonomy.ordered():
        held = [p for p in posts if topic.id in p.topics]
        star = " *" if topic.featured else ""
        print(f"{topic.id}{star} — {topic.name} ({len(held)})")
        for p in held:
            primary = " [primary]" if p.primary_topic == topic.id else ""
            print(f"  {p.source}  {p.title[:90]}{primary}")
            if explain:
                for e in p.evidence:
                    if e.topic == topic.id:
                        print(f"      {e.explained()}")
    untagged = [p for p in posts if not p.topics]
    covered = len(posts) - len(untagged)
    share = covered / len(posts) if posts else 1.0
    print(f"without a topic ({len(untagged)})")
    for p in untagged:
        print(f"  {p.source}  {p.title[:90]}")
    print(f"coverage: {covered}/{len(posts)} reviews have a topic ({share:.1%})")
    return 0


def print_evaluation(corpus: Corpus, path: Path) -> int:
    if not path.is_file():
        raise ConfigError(str(path), "labelled file not found")
    labels = parse_labels(path.read_text(encoding="utf-8"), str(path), corpus.taxonomy)
    # The classifier is what is measured: editors' overrides are not applied here.
    posts = classifier.assign(corpus.posts, corpus.taxonomy)
    result = evaluate(labels, posts, corpus.taxonomy, str(path))
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"labelled reviews: {len(result.matched)} of {len(labels)} found "
          "(the classifier's topics, overrides not applied)")
    print(f"{'topic':<26}{'support':>8}{'predicted':>10}{'precision':>10}{'recall':>8}{'F1':>7}")
    for s in result.scores:
        print(f"{s.topic:<26}{s.support:>8}{s.predicted:>10}{s.precision:>10.2f}"
              f"{s.recall:>8.2f}{s.f1:>7.2f}")
    covered = sum(1 for p in posts if p.topics)
    print(f"coverage: {covered}/{len(posts)} reviews have a topic "
          f"({covered / max(len(posts), 1):.1%})")
    return 0
