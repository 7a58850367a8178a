"""Related reviews: shared topics and tags plus content similarity, without comparing all pairs.

Reviews are written in Russian, Hebrew and English, but all of them use the same English technical
terms (LLM, KV cache, DPO, sparse autoencoder). Content similarity is therefore a TF-IDF cosine over
the Latin-script terms of a review. Candidates come from an inverted index: for each review, the
postings of its highest-weighted terms, skipping terms so common that they say nothing (document
frequency cut-off). Only candidates are scored, so the cost grows with the number of reviews times
a bounded number of postings, not with its square.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..enrich.papers import strip_urls
from ..model import Post
from ..parallel import Workers
from ..state import BuildState, memoized

MAX_RELATED = 5
QUERY_TERMS = 20  # a review's highest-weighted terms used to find candidates
MAX_DF_SHARE = 0.1  # a term in more than this share of reviews does not generate candidates
MAX_DF_CAP = 300  # … nor one in more reviews than this (bounds the work per term)
POSTINGS_BUDGET = 600  # postings read per review at most (rarest terms first)
VECTOR_TERMS = 60  # a review is represented by its highest-weighted terms
SHORTLIST = 25  # candidates with the best partial score that get a full score
MIN_DF_CAP = 10  # small sites: still allow terms shared by this many reviews
FALLBACK_DF_SHARE = 0.5  # relaxed cut-off for reviews that found too few candidates
TOPIC_WEIGHT = 0.2
TAG_WEIGHT = 0.1
TITLE_BOOST = 3  # a term in the title counts like this many mentions in the body
# Without a shared topic or tag, a review is listed only on strong shared terms: at least
# STRONG_TERMS terms that each add STRONG_TERM to the cosine, STRONG_CONTENT in all. One word
# in common ("imitation": a surgical robot and an art-imitation threshold) or generic ones
# ("task", "learning") are a coincidence, not a relation; fewer reviews are listed instead.
STRONG_TERMS = 2
STRONG_TERM = 0.07
STRONG_CONTENT = 0.25
STRONG_DF_SHARE = 0.04  # … and only terms this rare count (not "test", "time", "problem")
STRONG_DF_MIN = 3
PARALLEL_MIN = 2000  # reviews to score from which workers are forked (fewer: scored here)

_TERM_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*")
# English function words, URL debris and generic title words ("Better, Faster", "Towards").
_STOP_WORDS = (
    """a an and the of for in on with to via by from is are was were be been at as its it or not
    this that these those we our you your they their he she his her i my me us can could may might
    will would should do does did done has have had if then than so such but also more most very
    into over under about after before between all any some each other same new one two three via
    using use used based how what why when where which who while without within there here just
    only no yes paper papers http https www com org html pdf abs arxiv github io t me str x
    better faster older improving improved towards toward evaluating understanding rethinking
    need beyond yet still always really main
    improve improves improving study machine ml mean
    hat sum left right frac mathbb mathrm mathcal cdot ldots quad"""
)
_STOP = frozenset(_STOP_WORDS.split())


def terms(post: Post, state: BuildState | None = None) -> Counter[str]:
    """Latin-script terms of a review (title weighted up), lower-cased, plurals folded."""
    text = post.text
    return memoized(state.terms if state else None, (post.title, text),
                    functools.partial(_terms, post.title, text))


def _terms(title: str, body: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text, weight in ((title, TITLE_BOOST), (body, 1)):
        for raw in _TERM_RE.findall(strip_urls(text)):
            for term in _forms(raw):
                counts[term] += weight
    return counts


# A pure function of its argument (no build state): a cached value is what a call computes.
@functools.lru_cache(maxsize=1 << 16)
def _forms(raw: str) -> tuple[str, ...]:
    """The word (lower-cased, plural folded) and, for compounds ("kv-cache"), their parts;
    stop words and one-letter terms left out. Cached: the same words recur in every review."""
    word = raw.lower()
    parts = [word, *re.split(r"[-_]", word)] if ("-" in word or "_" in word) else [word]
    folded = (p[:-1] if len(p) > 4 and p.endswith("s") and not p.endswith("ss") else p
              for p in parts)
    # LaTeX that lost its `$` (`x_i`, `w_t`) says nothing about a review's subject
    return tuple(t for t in folded if len(t) >= 2 and t not in _STOP
                 and not (len(t) <= 5 and "_" in t))


def _vectors(docs: Sequence[Counter[str]]
             ) -> tuple[list[dict[str, float]], list[list[str]], dict[str, int]]:
    """Each review's normalised tf-idf vector over its top terms, those terms by weight (best
    first, ties by term), and the document frequency of every term."""
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    n = len(docs)
    idf = {t: math.log(n / c) for t, c in df.items() if c >= 2}
    vectors: list[dict[str, float]] = []
    ranked: list[list[str]] = []
    for d in docs:
        weights = {t: (1 + math.log(c)) * idf[t] for t, c in d.items() if t in idf}
        top = sorted(weights, key=lambda t: (-weights[t], t))[:VECTOR_TERMS]
        norm = math.sqrt(sum(weights[t] ** 2 for t in top)) or 1.0
        vectors.append({t: weights[t] / norm for t in sorted(top) if weights[t] > 0})
        ranked.append([t for t in top if weights[t] > 0])
    return vectors, ranked, dict(df)


def _jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


@dataclass
class _Run:
    """What one computation of `related` read and gave, per review, so that the watcher's next
    build can redo only the reviews whose inputs changed (see `_stale`)."""

    n: int
    vectors: list[dict[str, float]]
    ranked: list[list[str]]
    df: dict[str, int]
    postings: dict[str, list[tuple[int, float]]]
    by_topic: dict[str, list[int]]
    attrs: list[tuple[object, ...]]  # per review: what scoring reads of it besides its vector
    out: list[list[int]]
    shortlists: list[tuple[int, ...]]  # per review: the reviews it scored
    windows: list[str | None]  # per review: the topic whose members were added as candidates


@dataclass(frozen=True)
class _Scoring:
    """What scoring one review reads: every review, the index, the document-frequency cut-offs
    (made once in the calling process, inherited by forked workers: `Workers.map_inherited`)."""

    posts: Sequence[Post]
    exclude: Sequence[frozenset[int]]
    run: _Run
    strict_df: int
    loose_df: int
    rare: int


Result = tuple[list[int], tuple[int, ...], str | None]  # related, shortlist, topic window


def related(posts: Sequence[Post], exclude: Sequence[frozenset[int]],
            state: BuildState | None = None, workers: Workers | None = None
            ) -> list[list[int]]:
    """Up to five related reviews per review (indices), best first, never itself; only reviews
    that share a topic or a tag, or strong terms (`_related_enough`), so a review may list fewer.

    `exclude[i]` are reviews not to list for review i (other reviews of the same paper, which the
    page lists separately). Ties are broken in favour of other channels, then by input order.
    In the watcher (`state`: it keeps the previous run), a review whose inputs did not change
    keeps its previous result (exactly what computing it again gives: `_stale` lists everything
    a review's result is computed from). With `workers`, the reviews are scored on every core
    (from `PARALLEL_MIN` of them to score); each review's result is the same.
    """
    n = len(posts)
    rare = max(STRONG_DF_MIN, int(STRONG_DF_SHARE * n))
    strict_df = max(MIN_DF_CAP, min(MAX_DF_CAP, int(MAX_DF_SHARE * n)))
    loose_df = max(strict_df, min(MAX_DF_CAP * 2, int(FALLBACK_DF_SHARE * n)))
    run = _index(posts, exclude, loose_df, state)
    previous = state.related if state is not None and isinstance(state.related, _Run) else None
    redo = _stale(previous, run) if previous is not None else None
    todo = list(range(n)) if redo is None or previous is None else sorted(redo)
    scoring = _Scoring(posts, exclude, run, strict_df, loose_df, rare)
    scored = (workers.map_inherited(_score, todo, scoring, min_items=PARALLEL_MIN)
              if workers is not None else [_score(i, scoring) for i in todo])
    fresh = dict(zip(todo, scored, strict=True))
    for i in range(n):
        out, shortlist, window = fresh[i] if i in fresh or previous is None else (
            previous.out[i], previous.shortlists[i], previous.windows[i])
        run.out.append(out)
        run.shortlists.append(shortlist)
        run.windows.append(window)
    if state is not None:
        state.related = run
    return run.out


def _score(i: int, s: _Scoring) -> Result:
    """Review i's related reviews, best first, with the shortlist it scored and the topic
    whose members it added to it (`_stale` reads both)."""
    posts, run = s.posts, s.run
    p, vec, vectors = posts[i], run.vectors[i], run.vectors
    skip = s.exclude[i] | {i}
    partial = _candidates(run.ranked[i], vec, run.postings, run.df, s.strict_df, s.loose_df,
                          skip)
    shortlist, window = _shortlist(i, posts, vectors, partial, (run.df, s.rare), run.by_topic,
                                   skip)
    scored = []
    for j in shortlist:
        small, large = (vec, vectors[j]) if len(vec) <= len(vectors[j]) else (vectors[j], vec)
        content = sum(w * large.get(t, 0.0) for t, w in small.items())
        score = (content + TOPIC_WEIGHT * _jaccard(p.topics, posts[j].topics)
                 + TAG_WEIGHT * _jaccard(p.tags, posts[j].tags))
        if score > 0 and _related_enough(p, posts[j], vec, vectors[j], run.df, s.rare):
            scored.append((-round(score, 4), posts[j].channel == p.channel, j))
    return [j for _, _, j in sorted(scored)[:MAX_RELATED]], tuple(shortlist), window


def _index(posts: Sequence[Post], exclude: Sequence[frozenset[int]], loose_df: int,
           state: BuildState | None) -> _Run:
    """A run with its index made and no results yet: the reviews' vectors, the postings of
    terms used by at most `loose_df` reviews, the reviews of each topic, and what scoring
    reads of each review besides its vector."""
    vectors, ranked, df = _vectors([terms(p, state) for p in posts])
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)  # term → (review, weight)
    for i, vec in enumerate(vectors):
        for t, w in vec.items():
            if df[t] <= loose_df:
                postings[t].append((i, w))
    by_topic: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(posts):
        for topic in p.topics:
            by_topic[topic].append(i)
    attrs: list[tuple[object, ...]] = [
        (p.source, p.topics, p.tags, p.channel, p.primary_topic, exclude[i])
        for i, p in enumerate(posts)]
    return _Run(len(posts), vectors, ranked, df, dict(postings), dict(by_topic), attrs,
                [], [], [])


def _related_enough(p: Post, q: Post, a: dict[str, float], b: dict[str, float],
                    df: dict[str, int], rare: int) -> bool:
    """A shared topic or tag, else strong shared terms: at least `STRONG_TERMS` terms that few
    reviews use (at most `rare`) and that each add `STRONG_TERM` to the cosine, which reaches
    `STRONG_CONTENT`."""
    q_topics, q_tags = q.topics, q.tags
    if any(t in q_topics for t in p.topics) or any(t in q_tags for t in p.tags):
        return True
    common = a.keys() & b.keys()
    # a bound first (the shared terms summed in any order, with room for rounding): most pairs
    # without a topic share too little to need the exact sum below
    if len(common) < STRONG_TERMS or sum(a[t] * b[t] for t in common) < STRONG_CONTENT - 1e-9:
        return False
    small, large = (a, b) if len(a) <= len(b) else (b, a)  # the shorter, `a` on a tie
    parts = {t: w * large[t] for t, w in small.items() if t in common}
    strong = {t for t, x in parts.items() if x >= STRONG_TERM and df[t] <= rare}
    # a compound and its parts are one term ("few-shot", "few", "shot"), as are a word and
    # its plural or a longer form of it ("law", "laws"; "ssm", "ssms")
    words = {t for t in strong if not any(t != u and (t in _parts(u) or u.startswith(t))
                                          for u in strong)}
    return sum(parts.values()) >= STRONG_CONTENT and len(words) >= STRONG_TERMS


def _shortlist(i: int, posts: Sequence[Post], vectors: list[dict[str, float]],
               partial: dict[int, float], rarity: tuple[dict[str, int], int],
               by_topic: dict[str, list[int]], skip: frozenset[int]
               ) -> tuple[list[int], str | None]:
    """The reviews review i scores in full: its `SHORTLIST` candidates with the best partial
    score that are related enough, else (fewer than `MAX_RELATED` of them) topped up with the
    nearest members of its primary topic; and that topic when it was used.

    Candidates are tested best first and only until the shortlist is full: the same list as
    testing every candidate and keeping the best, at the cost of the ones it holds.
    """
    p, vec = posts[i], vectors[i]
    df, rare = rarity
    shortlist: list[int] = []
    for _, j in sorted([(-x, j) for j, x in partial.items()]):  # best first, ties by index
        if _related_enough(p, posts[j], vec, vectors[j], df, rare):
            shortlist.append(j)
            if len(shortlist) == SHORTLIST:
                return shortlist, None
    if len(shortlist) >= MAX_RELATED or not p.primary_topic:
        return shortlist, None
    listed = set(shortlist)
    extra = sorted(j for j in _nearest(by_topic[p.primary_topic], i, 4 * MAX_RELATED)
                   if j not in skip and j not in listed)
    return shortlist + extra[:SHORTLIST - len(shortlist)], p.primary_topic


def _parts(term: str) -> tuple[str, ...]:
    return tuple(re.split(r"[-_]", term)) if ("-" in term or "_" in term) else ()


def _stale(old: _Run, new: _Run) -> set[int] | None:
    """The reviews whose result may differ from the previous run's; None: all of them.

    A review's result is computed from: its vector and ranked terms, its own attributes (topics,
    tags, channel, primary topic, excluded reviews), the document frequency of its query terms
    and the postings of those terms (the reviews listed and their weight for the term), the
    members of its primary topic (when it fell back to them), and the vectors and attributes of
    the reviews it scored. Each of these is compared with the previous run.
    """
    if old.n != new.n:
        return None  # indices moved: everything
    changed = {i for i in range(new.n)
               if new.vectors[i] != old.vectors[i] or new.ranked[i] != old.ranked[i]
               or new.attrs[i] != old.attrs[i]}
    terms: set[str] = set()
    for i in changed:  # a changed vector changes its weight in every posting list of its terms
        terms.update(old.vectors[i], new.vectors[i])
    terms.update(t for t in old.df.keys() | new.df.keys() if old.df.get(t) != new.df.get(t))
    terms.update(t for t in old.postings.keys() | new.postings.keys()
                 if old.postings.get(t) != new.postings.get(t))
    topics = {t for t in old.by_topic.keys() | new.by_topic.keys()
              if old.by_topic.get(t) != new.by_topic.get(t)}
    redo = set(changed)
    for i in range(new.n):
        if i in redo:
            continue
        if (not terms.isdisjoint(new.ranked[i][:QUERY_TERMS])
                or not changed.isdisjoint(old.shortlists[i])
                or (old.windows[i] is not None and old.windows[i] in topics)):
            redo.add(i)
    return redo


def _candidates(ranked: list[str], vec: dict[str, float],
                postings: dict[str, list[tuple[int, float]]], df: dict[str, int], strict_df: int,
                loose_df: int, skip: frozenset[int]) -> dict[int, float]:
    """Reviews sharing one of the review's top terms (`ranked`: its terms by weight), with the
    partial dot product over those terms.

    Terms are visited rarest first and the number of postings read is capped, so one review costs
    at most about `POSTINGS_BUDGET` steps however large the site is. Terms above the strict
    document-frequency cut-off are read only while fewer than five candidates were found.
    """
    query = sorted(ranked[:QUERY_TERMS], key=lambda t: (df[t], t))
    partial: dict[int, float] = defaultdict(float)
    budget = POSTINGS_BUDGET
    for t in query:
        if df[t] > loose_df or budget <= 0:
            break
        if df[t] > strict_df and len(partial) - len(skip & partial.keys()) >= MAX_RELATED:
            break
        w = vec[t]
        listed = postings[t]
        for j, x in listed:
            partial[j] += w * x
        budget -= len(listed)
    return {j: s for j, s in partial.items() if j not in skip}


def _nearest(members: list[int], i: int, k: int) -> list[int]:
    """Up to k members closest to i in input order (members are sorted): a window, not a sort."""
    at = bisect.bisect_left(members, i)
    window = members[max(0, at - k):at + k + 1]
    return sorted(window, key=lambda j: (abs(j - i), j))[:k]
