"""Paper identity: which reviews are about the same paper.

Reviews are grouped by the arXiv id of the reviewed paper, else by their titles. Titles come from
clean web-preview copies and from OCR'd digests (upper case, a letter lost or changed, a truncated
first word), so titles match when their token multisets agree almost fully, counting near-equal
long tokens. Different papers often share most words ("Cross-Layer Attention"), so the threshold
is strict, numbers must agree exactly, and two reviews citing different arXiv ids never merge.
Candidate pairs come from an inverted index over each title's rarest tokens: no all-pairs step.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..enrich.papers import URL_RE, arxiv_id
from ..model import Post

THRESHOLD = 0.85  # share of the longer title's tokens that must be matched
MIN_TOKENS = 3  # shorter titles ("Genie") are too ambiguous to match on
BLOCK_KEYS = 3  # rarest tokens of a title used as blocking keys
MAX_BUCKET = 64  # a blocking token shared by more titles than this is not rare
FUZZY_WEIGHT = 0.75  # a near-equal token counts for less than an equal one

_WORD_RE = re.compile(r"[a-z0-9]+")
_LATIN_RE = re.compile(r"[A-Za-z]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_TAG_RE = re.compile(r"</?u>")
_LABEL_WORDS_MAX = 3  # a "Paper: <url>" line has at most this many words beside its URLs
_STOP_WORDS = "a an and the of for in on with to via by from is are at as its or"
_STOP = frozenset(_STOP_WORDS.split())


def arxiv_ids(post: Post) -> list[str]:
    """Every arXiv id the post mentions, in order."""
    return [p for p in post.papers if not p.startswith(("http://", "https://"))]


def primary_arxiv(post: Post) -> str | None:
    """The arXiv id of the reviewed paper: the first one on a link line ("Статья: <url>").

    An arXiv id the reader took from the post's header, outside the body, is the paper. An arXiv
    link inside a sentence is a reference to another paper (MiniLLM in a review of SLIM), not the
    paper under review, so in the body only lines that are little more than links count.
    """
    text = post.text
    for stated in arxiv_ids(post):
        if stated not in text:
            return stated  # stated by the reader from the post's header ("Статья: <url>")
    for line in post.lines:
        if "arxiv" not in line.text.lower():
            continue
        urls = list(URL_RE.finditer(line.text))
        rest = _TAG_RE.sub("", URL_RE.sub(" ", line.text))
        if len(_LETTER_RE.findall(rest)) and len(rest.split()) > _LABEL_WORDS_MAX:
            continue
        for m in urls:
            found = arxiv_id(m.group(0))
            if found:
                return found
    return None


# Titles recur in every build of the watcher. A pure function of its argument (no build
# state): a cached value is what a call computes.
@functools.lru_cache(maxsize=1 << 16)
def title_tokens(title: str) -> tuple[str, ...]:
    """Lower-case Latin tokens of an English title; empty when the title is not one.

    NFKC folds OCR's compatibility characters; hyphens split ("Key-Value" → key, value).
    """
    text = unicodedata.normalize("NFKC", title)
    letters = _LETTER_RE.findall(text)
    if not letters or len(_LATIN_RE.findall(text)) < 0.8 * len(letters):
        return ()
    tokens = tuple(_WORD_RE.findall(text.lower()))
    return tokens if len(tokens) >= MIN_TOKENS else ()


def _near(a: str, b: str) -> bool:
    """Equal up to one OCR slip: one edit in a long word, or a lost head or tail of a word."""
    if _DIGIT_RE.search(a + b):
        return False
    la, lb = len(a), len(b)
    if min(la, lb) >= 4 and min(la, lb) >= 0.6 * max(la, lb) and (
        a.endswith(b) or b.endswith(a) or a.startswith(b) or b.startswith(a)
    ):
        return True
    if min(la, lb) < 6 or abs(la - lb) > 1:
        return False
    return _one_edit(a, b)


def _one_edit(a: str, b: str) -> bool:
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


_DIGIT_RE = re.compile(r"\d")


# A pure function of its argument (no build state): a cached value is what a call computes.
@functools.lru_cache(maxsize=1 << 16)
def _numbers(tokens: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for t in tokens if _DIGIT_RE.search(t))


def title_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Matched share of the longer title: equal tokens count 1, near-equal ones less.

    Tokens with digits must agree as sets ("Llama 2" is not "Llama 3"); 0.0 when they do not.
    """
    if min(len(a), len(b)) < THRESHOLD * max(len(a), len(b)):
        return 0.0  # too many tokens of the longer title cannot be matched
    if _numbers(tuple(a)) != _numbers(tuple(b)):
        return 0.0
    rest = list(b)
    exact = 0
    unmatched: list[str] = []
    for t in a:
        if t in rest:
            rest.remove(t)
            exact += 1
        else:
            unmatched.append(t)
    fuzzy = 0
    for t in unmatched:
        for i, u in enumerate(rest):
            if _near(t, u):
                del rest[i]
                fuzzy += 1
                break
    return (exact + FUZZY_WEIGHT * fuzzy) / max(len(a), len(b))


@dataclass(frozen=True)
class Identity:
    """What identifies the paper of one review."""

    arxiv: str | None
    tokens: tuple[str, ...]


def identity(post: Post) -> Identity:
    return Identity(arxiv=primary_arxiv(post), tokens=title_tokens(post.title))


def _candidate_pairs(tokens: Sequence[tuple[str, ...]]) -> list[tuple[int, int]]:
    """Pairs of titles that share an exact normalized form or one of their rarest tokens."""
    df: dict[str, int] = defaultdict(int)
    for toks in tokens:
        for t in set(toks):
            df[t] += 1
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, toks in enumerate(tokens):
        if not toks:
            continue
        buckets["=" + " ".join(toks)].append(i)
        keys = sorted({t for t in toks if t not in _STOP and len(t) >= 3}, key=lambda t: (df[t], t))
        for t in keys[:BLOCK_KEYS]:
            buckets[t].append(i)
    pairs: set[tuple[int, int]] = set()
    for key, members in buckets.items():
        if len(members) > MAX_BUCKET and not key.startswith("="):
            continue
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                pairs.add((i, j))
    return sorted(pairs)


def group(posts: Sequence[Post]) -> list[list[int]]:
    """Indices of posts grouped by paper; every post is in exactly one group, groups in order."""
    ids = [identity(p) for p in posts]
    parent = list(range(len(posts)))
    arxiv_of: dict[int, str | None] = {i: ids[i].arxiv for i in range(len(posts))}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri == rj:
            return
        a, b = arxiv_of[ri], arxiv_of[rj]
        if a and b and a != b:
            return  # two different arXiv papers never merge, however alike their titles
        ri, rj = min(ri, rj), max(ri, rj)
        parent[rj] = ri
        arxiv_of[ri] = a or b

    by_arxiv: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident.arxiv:
            union(by_arxiv.setdefault(ident.arxiv, i), i)
    for i, j in _similar_titles(ids):
        union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(posts)):
        groups[find(i)].append(i)
    return [groups[r] for r in sorted(groups)]


def _similar_titles(ids: Sequence[Identity]) -> list[tuple[int, int]]:
    """Pairs of posts whose titles are alike enough to be one paper, the most alike first."""
    scored = []
    numbers = [_numbers(tuple(ident.tokens)) for ident in ids]
    for i, j in _candidate_pairs([ident.tokens for ident in ids]):
        if numbers[i] != numbers[j]:
            continue  # the check title_similarity starts with, hoisted out of the pair loop
        score = title_similarity(ids[i].tokens, ids[j].tokens)
        if score >= THRESHOLD:
            scored.append((-score, i, j))
    return [(i, j) for _, i, j in sorted(scored)]


def paper_arxiv(posts: Sequence[Post], members: Sequence[int]) -> str | None:
    for i in members:
        aid = primary_arxiv(posts[i])
        if aid:
            return aid
    return None


_JUNK_HEAD = re.compile(r"^[^\w(\"'“«]+")


def paper_title(posts: Sequence[Post], members: Sequence[int]) -> str:
    """The cleanest title among the reviews: an English one not in capitals, else the first."""

    def rank(i: int) -> tuple[int, int, int]:
        title = posts[i].title
        english = bool(title_tokens(title))
        shouting = title.upper() == title
        return (not english, shouting, members.index(i))

    best = min(members, key=rank)
    return _JUNK_HEAD.sub("", posts[best].title).strip() or posts[best].title
