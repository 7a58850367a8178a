"""Evaluating topics against a hand-labelled file (`postdocs topics --eval FILE`).

Labelled reviews are found by title (or by a phrase from their first words), not only by source
line, so labels survive fixes to post boundaries and OCR-damaged headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ConfigError, LocatedWarning
from ..model import Post
from .taxonomy import Taxonomy, load_yaml

_NON_WORD = re.compile(r"[\W_]+")
HEAD_CHARS = 400  # how far into a review a title or phrase is looked for


@dataclass(frozen=True)
class Label:
    source: str
    title: str
    match: str
    topics: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class TopicScore:
    topic: str
    support: int  # labelled reviews with the topic
    predicted: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.support if self.support else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Evaluation:
    scores: tuple[TopicScore, ...]  # taxonomy order
    matched: tuple[tuple[Label, Post], ...]
    warnings: tuple[LocatedWarning, ...]


def _key(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()


def parse_labels(text: str, path: str, taxonomy: Taxonomy) -> list[Label]:
    data = load_yaml(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("reviews"), list):
        raise ConfigError(path, "expected a mapping with a 'reviews' list")
    known = {t.id for t in taxonomy.topics}
    labels: list[Label] = []
    for i, item in enumerate(data["reviews"], start=1):
        line = getattr(item, "line", None)
        if not isinstance(item, dict):
            raise ConfigError(path, f"review #{i}: expected a mapping", line)
        title, match = str(item.get("title") or ""), str(item.get("match") or "")
        if not (title or match):
            raise ConfigError(path, f"review #{i}: needs a 'title' or a 'match' phrase", line)
        topics = item.get("topics")
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            raise ConfigError(path, f"review #{i}: 'topics' must be a list of topic ids", line)
        for t in topics:
            if t not in known:
                raise ConfigError(path, f"review #{i}: unknown topic '{t}'", line)
        labels.append(Label(source=str(item.get("source") or ""), title=title, match=match,
                            topics=tuple(topics), line=line or 0))
    return labels


def resolve(labels: list[Label], posts: list[Post],
            path: str) -> tuple[list[tuple[Label, Post]], list[LocatedWarning]]:
    """Pair each label with its review: a title match first (the same source preferred), then a
    match in the review's first words. Unmatched labels are warnings."""
    titles = [_key(p.title) for p in posts]
    heads = [_key(p.title + " " + p.text[:HEAD_CHARS]) for p in posts]
    pairs: list[tuple[Label, Post]] = []
    warnings: list[LocatedWarning] = []
    for label in labels:
        needle = _key(label.title or label.match)
        found = [i for i, t in enumerate(titles) if needle and needle in t]
        if not found:
            found = [i for i, h in enumerate(heads) if needle and needle in h]
            # the earliest occurrence: a review that merely quotes the phrase later loses
            found.sort(key=lambda i: heads[i].index(needle))
        same = [i for i in found if posts[i].source == label.source]
        chosen = same or found
        if not chosen:
            warnings.append(LocatedWarning(path, label.line, "labelled review not found: "
                                           f"{label.source} {label.title or label.match!r}"))
            continue
        pairs.append((label, posts[chosen[0]]))
    return pairs, warnings


def evaluate(labels: list[Label], posts: list[Post], taxonomy: Taxonomy,
             path: str) -> Evaluation:
    pairs, warnings = resolve(labels, posts, path)
    scores = []
    for topic in taxonomy.ordered():
        support = sum(1 for lab, _ in pairs if topic.id in lab.topics)
        predicted = sum(1 for _, p in pairs if topic.id in p.topics)
        tp = sum(1 for lab, p in pairs if topic.id in lab.topics and topic.id in p.topics)
        scores.append(TopicScore(topic.id, support, predicted, tp))
    return Evaluation(scores=tuple(scores), matched=tuple(pairs), warnings=tuple(warnings))
