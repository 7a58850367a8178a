"""Topics and tags for reviews: a deterministic, explainable, multi-label classifier.

Every term of the taxonomy is compiled once into a token index (first word → terms), so one
pass over a review's words finds every match, whatever the number of topics or terms. Words are
compared case-folded; a term ending in `*` matches any word that starts with its last word
(Russian inflections: `диффузи*` matches диффузия, диффузии, диффузионные), and a Hebrew word
also matches without its one-letter prefixes (ה, ו, ב, ל, מ, ש, כ: ובדיפוזיה → דיפוזיה).

Scoring: a term found in the title adds `weight × title_factor`; found in the body it adds
`weight × min(count, body_cap)` (counts saturate, so one long review cannot win by repetition).
A topic is given when its score reaches `threshold` and `relative` × the review's best score
(both can be set per topic), so a passing mention does not tag a review. The best-scoring
topic is the primary one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..memo import Memo
from ..model import Evidence, Post
from .taxonomy import Settings, Taxonomy

WORD_RE = re.compile(r"\w+")
HEBREW_PREFIXES = frozenset("והבלמשכ")
_HEBREW_LETTER = re.compile(r"[\u05D0-\u05EA]")
MAX_PREFIX = 3
MIN_STEM = 3
EVIDENCE_PER_TOPIC = 6
TAG_OWNER = "#"  # owners starting with this are tags, the rest topic ids


def normalize(text: str) -> str:
    """NFC, case-folded, ё → е (Russian texts use both)."""
    return unicodedata.normalize("NFC", text).casefold().replace("ё", "е")


def words(text: str) -> list[str]:
    return WORD_RE.findall(normalize(text))


def variants(word: str) -> list[str]:
    """The word, then the word without up to three Hebrew one-letter prefixes."""
    out = [word]
    i = 0
    while (i < MAX_PREFIX and i < len(word) - 2 and word[i] in HEBREW_PREFIXES
           and _HEBREW_LETTER.match(word[i])):
        i += 1
        out.append(word[i:])
    return out


@dataclass(frozen=True, eq=False)  # each rule is one object: compared and hashed by identity
class _Rule:
    """A compiled term: its words, whether the last is a stem, and who it counts for."""

    text: str
    words: tuple[str, ...]
    stem: bool
    owners: tuple[tuple[str, float, str], ...]  # (topic id or "#Tag", weight, where)


@dataclass
class Matcher:
    """The token index of every term of a taxonomy, built once: topic terms (and tag terms
    spelled the same), and in `tags` the other tag terms. Each is matched on its own, so a tag's
    phrase never hides a topic's term (`contrastive learning`, a tag, held `contrastive`)."""

    exact: dict[str, list[_Rule]] = field(default_factory=dict)  # first word → rules
    stems: dict[str, list[_Rule]] = field(default_factory=dict)  # one-word stems
    max_stem: int = 0
    _candidates: dict[str, tuple[tuple[str, _Rule], ...]] = field(default_factory=dict)
    tags: Matcher | None = None

    def find_all(self, text: str) -> Counter[_Rule]:
        """`find` of this index and of the tags' (no rule is in both)."""
        toks = words(text)
        found = self.find_words(toks)
        if self.tags is not None:
            found.update(self.tags.find_words(toks))
        return found

    def candidates(self, word: str) -> tuple[tuple[str, _Rule], ...]:
        """The rules a word can start, in the order `find` tries them (memoised per word).

        Per variant of the word: every multi- or one-word rule starting with it (checked against
        the following words at each match), then the longest one-word stem it starts with.
        """
        cached = self._candidates.get(word)
        if cached is not None:
            return cached
        out: list[tuple[str, _Rule]] = []
        for v in variants(word):
            out.extend((v, rule) for rule in self.exact.get(v, ()))
            for n in range(min(len(v), self.max_stem), MIN_STEM - 1, -1):
                stems = self.stems.get(v[:n])
                if stems:
                    out.append(("", stems[0]))  # "" marks a stem: taken only if nothing else was
                    break
        result = self._candidates[word] = tuple(out)
        return result

    def find(self, text: str) -> Counter[_Rule]:
        """Every rule matched in the text, with counts; the longest match wins, no overlaps."""
        return self.find_words(words(text))

    def find_words(self, toks: list[str]) -> Counter[_Rule]:
        """`find` of a text's `words`."""
        found: Counter[_Rule] = Counter()
        i = 0
        n_toks = len(toks)
        known = self._candidates.get
        while i < n_toks:
            cands = known(toks[i])
            if cands is None:
                cands = self.candidates(toks[i])
            if not cands:
                i += 1
                continue
            best: _Rule | None = None
            for v, rule in cands:
                if not v:
                    if best is None:
                        best = rule
                elif _rest_matches(rule, toks, i, v) and (
                        best is None or len(rule.words) > len(best.words)):
                    best = rule
            if best is None:
                i += 1
                continue
            found[best] += 1
            i += len(best.words)
        return found


def _rest_matches(rule: _Rule, toks: list[str], i: int, first: str) -> bool:
    n = len(rule.words)
    if i + n > len(toks):
        return False
    if n == 1:
        return not rule.stem or first.startswith(rule.words[0])
    for k in range(1, n):
        word = toks[i + k]
        want = rule.words[k]
        last = k == n - 1
        if not (word.startswith(want) if (last and rule.stem) else word == want):
            return False
    return True


def build_matcher(taxonomy: Taxonomy) -> Matcher:
    owners: dict[str, list[tuple[str, float, str]]] = defaultdict(list)
    for topic in taxonomy.topics:
        for term in topic.terms:
            owners[term.text].append((topic.id, term.weight, term.where))
    for tag in taxonomy.tags:
        for text in tag.terms:
            owners[text].append((TAG_OWNER + tag.name, 1.0, "any"))
    tags = Matcher()
    matcher = Matcher(tags=tags)
    for text, own in owners.items():
        stem = text.endswith("*")
        ws = tuple(words(text.rstrip("*")))
        if not ws:
            continue
        rule = _Rule(text=text.rstrip("*"), words=ws, stem=stem, owners=tuple(own))
        index = tags if all(o.startswith(TAG_OWNER) for o, _, _ in own) else matcher
        if stem and len(ws) == 1:
            index.stems.setdefault(ws[0], []).append(rule)
            index.max_stem = max(index.max_stem, len(ws[0]))
        else:
            index.exact.setdefault(ws[0], []).append(rule)
    return matcher


@dataclass(frozen=True)
class Classification:
    topics: tuple[str, ...]  # best first
    primary: str | None
    evidence: tuple[Evidence, ...]
    scores: tuple[tuple[str, float], ...]  # every topic with a score, best first
    tags: tuple[str, ...]


def classify(title: str, body: str, matcher: Matcher, taxonomy: Taxonomy) -> Classification:
    """Topics, primary topic, evidence and candidate tags of one review (pure)."""
    s: Settings = taxonomy.settings
    in_title = matcher.find_all(title)
    in_body = matcher.find_all(body)
    contrib: dict[str, list[Evidence]] = defaultdict(list)
    tag_hits: set[str] = set()
    for rule in sorted(set(in_title) | set(in_body), key=lambda r: r.text):
        for owner, weight, where in rule.owners:
            if owner.startswith(TAG_OWNER):
                if rule in in_title or in_body[rule] >= s.tag_min_mentions:
                    tag_hits.add(owner[len(TAG_OWNER):])
                continue
            if rule in in_title and where in ("any", "title"):
                contrib[owner].append(Evidence(owner, rule.text, "title",
                                               round(weight * s.title_factor, 2), 1))
            if rule in in_body and where in ("any", "body"):
                n = in_body[rule]
                contrib[owner].append(Evidence(owner, rule.text, "body",
                                               round(weight * min(n, s.body_cap), 2), n))
    order = {t.id: i for i, t in enumerate(taxonomy.ordered())}
    scores = sorted(((tid, round(sum(e.weight for e in ev), 2)) for tid, ev in contrib.items()),
                    key=lambda x: (-x[1], order.get(x[0], len(order))))
    best = scores[0][1] if scores else 0.0
    own = {t.id: t.threshold for t in taxonomy.topics if t.threshold is not None}
    share = {t.id: t.relative for t in taxonomy.topics if t.relative is not None}
    chosen = tuple(tid for tid, sc in scores
                   if sc >= own.get(tid, s.threshold) and sc >= share.get(tid, s.relative) * best
                   and sc > 0)
    evidence: list[Evidence] = []
    for tid in chosen:
        ev = sorted(contrib[tid], key=lambda e: (-e.weight, e.where != "title", e.term))
        evidence.extend(ev[:EVIDENCE_PER_TOPIC])
    return Classification(topics=chosen, primary=chosen[0] if chosen else None,
                          evidence=tuple(evidence), scores=tuple(scores),
                          tags=tuple(sorted(tag_hits, key=str.casefold)))


_MATCHER: Memo[Matcher] = Memo()
_CLASSIFIED: Memo[Classification] = Memo()


def assign(posts: list[Post], taxonomy: Taxonomy) -> list[Post]:
    """Topics, primary topic, evidence and recurring tags for every post. Linear in size."""
    if not taxonomy.topics and not taxonomy.tags:
        return posts
    _MATCHER.within(taxonomy)
    _CLASSIFIED.within(taxonomy)
    matcher = _MATCHER.get("matcher", functools.partial(build_matcher, taxonomy))
    results = [_CLASSIFIED.get((p.title, text), functools.partial(
        classify, p.title, text, matcher, taxonomy)) for p in posts for text in (p.text,)]
    return apply(posts, results, taxonomy)


def apply(posts: list[Post], results: Sequence[Classification],
          taxonomy: Taxonomy) -> list[Post]:
    """The classifications of `posts` written into them, with the tags that recur on
    `tag_min_posts` reviews (the one cross-post step of the topic stage)."""
    tag_posts = Counter(tag for r in results for tag in r.tags)
    keep = {t for t, n in tag_posts.items() if n >= taxonomy.settings.tag_min_posts}
    return [
        p.evolve(topics=r.topics, primary_topic=r.primary, evidence=r.evidence,
                # tags a reader found (an export's hashtags) stay, the taxonomy's follow
                tags=tuple(dict.fromkeys((*p.tags, *(t for t in r.tags if t in keep)))))
        for p, r in zip(posts, results, strict=True)
    ]
