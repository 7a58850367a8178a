"""The permalink registry: a review's URL is given once and never changes.

`content/permalinks.yml` is committed with the content. It holds one entry per review postdocs has
ever published: its URL (`reviews/<channel>/<slug>/`), the date postdocs first saw it, and the
*identity keys* by which the review is recognised in later builds. `postdocs build` matches every
review of the inputs against it (`assign`): a known review keeps its URL whatever happened to its
title, its file, its position or its format; an unknown one gets a new URL from its title (never one
the registry ever gave) and an entry of its own.

Identity keys (strongest first; a key is used only when exactly one review of the build and one
entry of the registry hold it, so a repeated phrase never joins two reviews):

- `t.me/<handle>/<id>`: the Telegram post (Desktop exports, links found in a dump, and any copy
  merged later). An entry collects every such link it is ever matched with, so a review first
  known from a text dump keeps its URL when its Telegram link becomes known. A review and an
  entry holding two different Telegram links are never matched.
- `<channel>:open:<hash>`, `<channel>:close:<hash>`: the first and the last `FINGERPRINT_WORDS`
  words of the review's text (not its title), normalised (NFKC, case-folded, letters and digits
  only, links left out, HTML character references read), so the same post from a web-preview dump
  and from a Desktop export gives the same keys. A moved boundary changes one end of two reviews;
  the other end still names each.
- `<channel>:title:<hash>`: the title's words (a title corrected in the dump changes it; the text
  keys still hold).
- `<channel>:arxiv:<id>`: an arXiv id the review links, when no other review of the channel does.

When no key matches, the entry's `opening` (the first words of the text, kept in plain form) is
looked for inside the unmatched reviews of the same channel: a boundary moved earlier put some
text in front of it. Entries are matched in a fixed order, so the result never depends on the
order of the inputs.

Limits: a review whose title, opening *and* closing all change in one edit, and that has no
Telegram link or unique arXiv id, is a new review (the old URL then says the review is no longer
in the inputs); a review with fewer than `MIN_WORDS` words of text is recognised by its title or
Telegram link only.

An entry of the registry that matches no review of the inputs:
- whose `opening` (or a key) is found in a matched review of the same channel was merged into it:
  `redirect_to` is set, and the old URL redirects there;
- with `withdrawn: true` (set by an editor) gives its URL up: no page;
- otherwise keeps a page that says the review is no longer in the inputs and links the channel.

A deliberate move (a `slug:` override, a renamed channel) gives the entry a new URL and keeps
the old one in `redirects`, where it answers with a redirect page.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..cache.posts import Table, fingerprint
from ..errors import ConfigError, OutputError
from ..model import Post
from ..state import BuildState, Memo, memoized
from ..topics.taxonomy import load_yaml
from . import slugs

REGISTRY_FILE = "permalinks.yml"
FINGERPRINT_WORDS = 12
MIN_WORDS = 4  # fewer words of text: no text keys (too likely to recur)
MIN_OPENING = 6  # an opening is looked for inside other reviews only when this long
KINDS = ("t.me", "open", "close", "title", "arxiv")  # key kinds, strongest first
URL_RE = re.compile(r"^reviews/([A-Za-z0-9_]{1,64})/([a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?)/$")
_LINK_RE = re.compile(r"(?:https?://|www\.|t\.me/)\S+")  # on case-folded text
_EDGE = 1000  # characters read at each end of a long text for its first and last words
_WORD_RE = re.compile(r"[^\W_]+")
_TME_RE = re.compile(r"^https?://t\.me/(?:s/)?([A-Za-z0-9_]+)/(\d+)")
_ARXIV_RE = re.compile(r"^\d{4}\.\d{4,5}$")

HEADER = """\
# The permalink registry of postdocs: every review ever published, its URL and the date postdocs
# first saw it. `postdocs build` adds new reviews; a URL given here never changes.
# Committed with the content and reviewed in diffs (README: "Permalinks").
#
#   url          the review's page, relative to site_url
#   first_seen   the date postdocs first saw the review (its date when the input gives none)
#   title        the review's title now (for readers of this file; not used to match)
#   keys         how the review is recognised: its Telegram post, fingerprints of its text
#   opening      the first words of its text (to recognise it when a boundary moved)
#   redirects    former URLs (a `slug:` override, a renamed channel): they redirect to `url`
#   redirect_to  the review was merged into the review at that URL (set when detected, or by hand)
#   withdrawn    true: removed on purpose; its URL no longer answers (set by hand)
"""


@dataclass(frozen=True)
class Entry:
    """One review the site has published."""

    url: str  # "reviews/<channel>/<slug>/"
    first_seen: dt.date
    keys: tuple[str, ...] = ()
    title: str = ""
    opening: str = ""
    redirects: tuple[str, ...] = ()
    redirect_to: str | None = None
    withdrawn: bool = False

    @property
    def channel(self) -> str:
        return self.url.split("/")[1]

    @property
    def slug(self) -> str:
        return self.url.split("/")[2]

    @property
    def telegram(self) -> tuple[str, ...]:
        """The Telegram posts this review is known as (`t.me/<handle>/<id>`)."""
        return tuple(k for k in self.keys if k.startswith("t.me/"))


@dataclass(frozen=True)
class Registry:
    entries: tuple[Entry, ...] = ()
    path: str = ""

    def by_url(self) -> dict[str, Entry]:
        return {e.url: e for e in self.entries}

    def taken(self) -> set[str]:
        """Every URL ever given: never given again to another review."""
        return {u for e in self.entries for u in (e.url, *e.redirects)}


@dataclass(frozen=True)
class Identity:
    """What a review says about who it is."""

    channel: str
    keys: tuple[str, ...]
    opening: str  # the first words of its text, normalised
    text: str = field(default="", repr=False, compare=False)  # its text, title line left out

    @functools.cached_property
    def words(self) -> str:
        """All its words, normalised, space-separated (to find an entry's opening inside);
        computed only when an entry is left to find."""
        return " ".join(words(self.text))

    def of_kind(self, kind: str) -> list[str]:
        return [k for k in self.keys if key_kind(k) == kind]


@dataclass(frozen=True)
class Report:
    """What `assign` changed in the registry."""

    added: tuple[str, ...] = ()  # URLs of new reviews
    moved: tuple[tuple[str, str], ...] = ()  # (old URL, new URL): slug override, renamed channel
    merged: tuple[tuple[str, str], ...] = ()  # (URL, URL of the review it was merged into)
    missing: tuple[str, ...] = ()  # URLs of reviews no longer in the inputs
    linked: tuple[str, ...] = ()  # URLs whose review gained a Telegram link
    recognised: tuple[str, ...] = ()  # URLs matched by their opening words only (moved boundary)

    def summary(self, path: str) -> str:
        """One line for `postdocs build`."""
        parts = [f"added {len(self.added)} review{'' if len(self.added) == 1 else 's'}"]
        if self.added:
            shown = ", ".join(self.added[:3]) + (", …" if len(self.added) > 3 else "")
            parts[0] += f" ({shown})"
        if self.moved:
            parts.append(f"{len(self.moved)} moved (old URLs redirect)")
        if self.merged:
            parts.append(f"{len(self.merged)} merged (old URLs redirect)")
        if self.linked:
            parts.append(f"{len(self.linked)} gained a Telegram link")
        if self.missing:
            parts.append(f"{len(self.missing)} no longer in the inputs (their pages say so)")
        return f"permalinks: {path}: " + "; ".join(parts)


@dataclass(frozen=True)
class Assignment:
    """`assign`'s result: per review (in the order given) its entry, and the new registry."""

    entries: tuple[Entry, ...]
    registry: Registry
    report: Report
    notes: tuple[str, ...] = ()  # slug collisions among new reviews
    changed: bool = False  # the registry differs from the one given (to be saved)

    @property
    def urls(self) -> tuple[str, ...]:
        return tuple(e.url for e in self.entries)


@dataclass(frozen=True)
class Redirect:
    """An old URL that answers with a redirect to `target` (both relative to site_url)."""

    url: str
    target: str
    title: str = ""


# --- identity -------------------------------------------------------------------------------

def words(text: str) -> list[str]:
    """The words of a text for fingerprints: NFKC, case-folded, letters and digits, no links."""
    text = unicodedata.normalize("NFKC", text)
    if "&" in text:
        text = html.unescape(text)
    return _WORD_RE.findall(_LINK_RE.sub(" ", text.casefold()))


def _edges(text: str, need: int) -> tuple[list[str], list[str]]:
    """The first and the last words of a text (at least `need` at each end), without reading
    all of a long one; both are all its words when it is short."""
    if len(text) > 2 * _EDGE:
        head, tail = text[:_EDGE], text[-_EDGE:]
        head = head[: max(head.rfind(" "), head.rfind("\n"), 0)]  # no word or link cut in two
        cut = min((i for i in (tail.find(" "), tail.find("\n")) if i >= 0), default=0)
        first, last = words(head), words(tail[cut:])
        if len(first) >= need and len(last) >= need:  # else mostly links: read it all
            return first, last
    ws = words(text)
    return ws, ws


def _hash(ws: Sequence[str]) -> str:
    return hashlib.sha256(" ".join(ws).encode()).hexdigest()[:12]


def telegram_key(permalink: str) -> str | None:
    """`https://t.me/<handle>/<id>` → `t.me/<handle>/<id>` (handle lower-cased, as Telegram
    reads it); None for anything else."""
    m = _TME_RE.match(permalink.strip())
    return f"t.me/{m.group(1).lower()}/{int(m.group(2))}" if m else None


def key_kind(key: str) -> str:
    if key.startswith("t.me/"):
        return "t.me"
    parts = key.split(":")
    return parts[1] if len(parts) >= 3 else ""


def identity(post: Post, memo: Memo[Identity] | None = None) -> Identity:
    """What the post says about who it is: its keys (strongest first) and its words. With a
    `memo` (a build's, or the watcher's across its builds: `BuildState.identities`), the words
    of a post are read once (they are read twice a build: `known_urls`, `assign`)."""
    key = (post.channel, post.title, post.text, post.permalink, post.papers)  # all it reads
    return memoized(memo, key, lambda: _identity(post))


def _identity(post: Post) -> Identity:
    text = post.text
    title = words(post.title)
    head, tail = _edges(text, FINGERPRINT_WORDS + len(title) + 1)
    if title and head[: len(title)] == title:  # an export's text may begin with its title line
        short = head is tail
        head = head[len(title):]
        if short:
            tail = head
        text = _without_title(text, len(title))
    keys: list[str] = []
    if post.permalink and (tg := telegram_key(post.permalink)):
        keys.append(tg)
    ch = post.channel
    if len(head) >= MIN_WORDS:
        keys.append(f"{ch}:open:{_hash(head[:FINGERPRINT_WORDS])}")
        if len(tail) > FINGERPRINT_WORDS and len(head) > FINGERPRINT_WORDS:
            keys.append(f"{ch}:close:{_hash(tail[-FINGERPRINT_WORDS:])}")
    if title:
        keys.append(f"{ch}:title:{_hash(title)}")
    keys += [f"{ch}:arxiv:{p}" for p in dict.fromkeys(post.papers) if _ARXIV_RE.match(p)]
    return Identity(channel=ch, keys=tuple(keys), opening=" ".join(head[:FINGERPRINT_WORDS]),
                    text=text)


def _without_title(text: str, n: int) -> str:
    """The text after its first `n` words (the title line an export's text begins with)."""
    for i, m in enumerate(_WORD_RE.finditer(text.casefold()), start=1):
        if i == n:
            return text[m.end():]
    return ""


def url_of(channel: str, slug: str) -> str:
    return f"reviews/{channel}/{slug}/"


def docs_path(url: str) -> str:
    """The page of a review URL in the docs folder (`reviews/<channel>/<slug>.md`)."""
    return url.rstrip("/") + ".md"


def today() -> dt.date:
    """The date new reviews are first seen: `SOURCE_DATE_EPOCH` (reproducible builds) when set,
    else today in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.datetime.now(dt.UTC).date()


# --- matching -------------------------------------------------------------------------------

def _renamed_key(key: str, renamed: Mapping[str, str]) -> str:
    if key.startswith("t.me/"):
        handle = key.split("/")[1]
        for old, new in renamed.items():
            if handle == old.lower():
                return key.replace(f"t.me/{handle}/", f"t.me/{new.lower()}/", 1)
        return key
    channel, _, rest = key.partition(":")
    return f"{renamed[channel]}:{rest}" if channel in renamed else key


def _conflict(ident: Identity, keys: Sequence[str]) -> bool:
    """Two different Telegram posts are never one review."""
    mine = set(ident.of_kind("t.me"))
    theirs = {k for k in keys if k.startswith("t.me/")}
    return bool(mine and theirs and not mine & theirs)


def _by_kind(keys: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k in dict.fromkeys(keys):
        out.setdefault(key_kind(k), []).append(k)
    return out


def _match(idents: Sequence[Identity], entries: Sequence[Entry], keys: Sequence[tuple[str, ...]],
           channels: Sequence[str]) -> tuple[dict[int, int], set[int]]:
    """Post index → entry index; and the posts matched by their opening words only."""
    matched: dict[int, int] = {}
    taken: set[int] = set()
    post_keys = [_by_kind(ident.keys) for ident in idents]
    entry_keys = [_by_kind(ks) for ks in keys]
    for kind in KINDS:
        posts_by_key = _holders(post_keys, kind, matched.keys())
        entries_by_key = _holders(entry_keys, kind, taken)
        for k in sorted(posts_by_key):
            ps, es = posts_by_key[k], entries_by_key.get(k, [])
            if len(ps) != 1 or len(es) != 1:
                continue
            i, j = ps[0], es[0]
            if i in matched or j in taken or _conflict(idents[i], keys[j]):
                continue
            matched[i] = j
            taken.add(j)
    recognised: set[int] = set()
    for i, j in _by_opening(idents, entries, keys, channels, matched, taken):
        if i not in matched and j not in taken:
            matched[i] = j
            taken.add(j)
            recognised.add(i)
    return matched, recognised


def _holders(keys_by_kind: Sequence[dict[str, list[str]]], kind: str,
             done: Container[int]) -> dict[str, list[int]]:
    """Key of `kind` → the items (not `done`) that have it."""
    out: dict[str, list[int]] = defaultdict(list)
    for i, by_kind in enumerate(keys_by_kind):
        if i not in done:
            for k in by_kind.get(kind, ()):
                out[k].append(i)
    return out


def _by_opening(idents: Sequence[Identity], entries: Sequence[Entry],
                keys: Sequence[tuple[str, ...]], channels: Sequence[str],
                matched: Container[int], taken: Container[int]) -> list[tuple[int, int]]:
    """(post, entry) pairs where a boundary moved earlier: the entry's opening words are inside
    one review of its channel (found in two, they tell neither apart), first found first."""
    by_opening: list[tuple[int, str, int, int]] = []
    left = [i for i in range(len(idents)) if i not in matched]
    for j, e in enumerate(entries):
        if j in taken or len(e.opening.split()) < MIN_OPENING:
            continue
        needle = f" {e.opening} "
        for i in left:
            if idents[i].channel != channels[j] or _conflict(idents[i], keys[j]):
                continue
            pos = f" {idents[i].words} ".find(needle)
            if pos >= 0:
                by_opening.append((pos, e.url, i, j))
    holders: dict[int, int] = defaultdict(int)
    for _, _, _, j in by_opening:
        holders[j] += 1
    return [(i, j) for _, _, i, j in sorted(by_opening) if holders[j] == 1]


def _merged_into(entry: Entry, keys: Sequence[str], channel: str,
                 current: Sequence[tuple[Identity, str]]) -> str | None:
    """The URL of the review an unmatched entry was merged into, if one holds its words."""
    own = {k for k in keys if key_kind(k) in ("open", "close")}
    needle = f" {entry.opening} " if len(entry.opening.split()) >= MIN_OPENING else None
    for ident, url in current:
        if ident.channel != channel or _conflict(ident, keys):
            continue
        if own & set(ident.keys) or (needle and needle in f" {ident.words} "):
            return url
    return None


def _old_entries(registry: Registry, renamed: Mapping[str, str]
                 ) -> tuple[list[Entry], list[str], list[tuple[str, ...]]]:
    """The registry's entries, each one's channel and keys (a renamed channel's current id)."""
    old = list(registry.entries)
    channels = [renamed.get(e.channel, e.channel) for e in old]
    keys = [tuple(_renamed_key(k, renamed) for k in e.keys) if renamed else e.keys
            for e in old]
    return old, channels, keys


def known_urls(posts: Sequence[Post], registry: Registry,
               renamed: Mapping[str, str] | None = None,
               identities: Memo[Identity] | None = None) -> list[tuple[str, ...]]:
    """Each post's URLs in the registry (its URL, then its former ones; none for a review it
    does not know yet): so that a correction can name a review by its URL, which survives moved
    boundaries and re-imports, and still does after a `slug:` moved it (`overrides.yml`)."""
    old, channels, keys = _old_entries(registry, dict(renamed or {}))
    matched, _ = _match([identity(p, identities) for p in posts], old, keys, channels)
    return [(old[matched[i]].url, *old[matched[i]].redirects) if i in matched else ()
            for i in range(len(posts))]


def assign(posts: Sequence[Post], registry: Registry, first_seen: dt.date,
           renamed: Mapping[str, str] | None = None,
           identities: Memo[Identity] | None = None) -> Assignment:
    """Match the reviews against the registry; give new ones a URL; return the new registry.

    A post's `slug`, when set (a `slug:` override), is the slug its review is to have: a known
    review whose URL differs moves there and its old URL becomes a redirect. `renamed` maps
    former channel ids to current ones (`formerly:` in channels.yml): their entries move to the
    new channel's folder, the old URLs redirect.
    """
    idents = [identity(p, identities) for p in posts]
    old, channels, keys = _old_entries(registry, dict(renamed or {}))
    matched, recognised = _match(idents, old, keys, channels)
    taken_urls = registry.taken()
    out_entries: list[Entry | None] = [None] * len(posts)
    new_registry: dict[int, Entry] = {}  # entry index → updated entry
    moved: list[tuple[str, str]] = []
    linked: list[str] = []
    for i, j in sorted(matched.items()):
        entry = _known(posts[i], idents[i], old[j], keys[j], taken_urls, registry.path)
        if entry.url != old[j].url:
            moved.append((old[j].url, entry.url))
        if any(k not in keys[j] for k in idents[i].of_kind("t.me")):
            linked.append(entry.url)
        new_registry[j] = out_entries[i] = entry
    fresh = [i for i in range(len(posts)) if i not in matched]
    added, notes = _added(posts, idents, fresh, taken_urls, first_seen)
    for i, entry in zip(fresh, added, strict=True):
        out_entries[i] = entry
    current = [(idents[i], e.url) for i, e in enumerate(out_entries) if e is not None]
    merged, missing = _unmatched(old, keys, channels, new_registry, current)
    entries = [new_registry[j] for j in range(len(old))] + added
    entries.sort(key=lambda e: e.url)
    _check_unique(entries, registry.path or REGISTRY_FILE)
    report = Report(added=tuple(e.url for e in added), moved=tuple(moved),
                    merged=tuple(merged), missing=tuple(missing), linked=tuple(linked),
                    recognised=tuple(e.url for i, e in enumerate(out_entries)
                                     if i in recognised and e is not None))
    return Assignment(entries=tuple(e for e in out_entries if e is not None),
                      registry=Registry(entries=tuple(entries), path=registry.path),
                      report=report, notes=tuple(notes),
                      changed=tuple(entries) != registry.entries)


def _known(post: Post, ident: Identity, e: Entry, keys: Sequence[str], taken_urls: set[str],
           path: str) -> Entry:
    """The entry of a review the registry knows, brought up to date: moved to the URL its
    slug asks for (the old one redirects; `taken_urls` grows), its keys and title as now."""
    url, redirects = e.url, list(e.redirects)
    wanted = url_of(post.channel, post.slug or e.slug)
    if wanted != url:
        if wanted in taken_urls and wanted not in redirects:
            raise OutputError(f"{post.source}: cannot move {url} to {wanted}: that URL "
                              f"belongs to another review ({path or REGISTRY_FILE})")
        if wanted in redirects:  # moving back to a former URL
            redirects.remove(wanted)
        redirects.append(url)
        taken_urls.add(wanted)
        url = wanted
    # Keys: every Telegram link ever seen, and the text's fingerprints as they are now (so a
    # later change at the other end of the text still finds the review).
    kept_tg = [k for k in keys if k.startswith("t.me/")]
    new_keys = tuple(dict.fromkeys([*kept_tg, *ident.keys]))
    return replace(e, url=url, keys=_ordered(new_keys), title=post.title,
                   opening=ident.opening, redirects=tuple(redirects), redirect_to=None)


def _added(posts: Sequence[Post], idents: Sequence[Identity], fresh: Sequence[int],
           taken_urls: set[str], first_seen: dt.date) -> tuple[list[Entry], list[str]]:
    """Entries of the new reviews (`fresh`, in order) and the slug notes: slugs from their
    titles, never a URL the registry ever gave."""
    reserved = {(u.split("/")[1], u.split("/")[2]) for u in taken_urls}
    for p in (posts[i] for i in fresh if posts[i].slug):
        if url_of(p.channel, p.slug) in taken_urls:
            raise OutputError(f"{p.source}: slug '{p.slug}': {url_of(p.channel, p.slug)} "
                              "belongs to another review")
        reserved.add((p.channel, p.slug))
    plain = [posts[i] for i in fresh if not posts[i].slug]
    slugged, notes = slugs.assign(plain, reserved) if plain else ([], [])
    by_fresh = iter(slugged)
    added: list[Entry] = []
    for i in fresh:
        post = posts[i] if posts[i].slug else next(by_fresh)
        added.append(Entry(url=url_of(post.channel, post.slug), first_seen=first_seen,
                           keys=_ordered(idents[i].keys), title=post.title,
                           opening=idents[i].opening))
    return added, list(notes)


def _unmatched(old: Sequence[Entry], keys: Sequence[tuple[str, ...]], channels: Sequence[str],
               new_registry: dict[int, Entry], current: Sequence[tuple[Identity, str]],
               ) -> tuple[list[tuple[str, str]], list[str]]:
    """Entries no review matched, kept in `new_registry`: merged into another review (its URL
    redirects there), withdrawn, or gone from the inputs. Returns the merged and the missing."""
    merged: list[tuple[str, str]] = []
    missing: list[str] = []
    for j, e in enumerate(old):
        if j in new_registry:
            continue
        new_registry[j] = e
        if e.withdrawn or e.redirect_to is not None:  # merged before (or redirected by hand)
            continue
        into = _merged_into(e, keys[j], channels[j], current)
        if into is not None:
            merged.append((e.url, into))
            new_registry[j] = replace(e, redirect_to=into)
        else:
            missing.append(e.url)
    return merged, missing


def _check_unique(entries: Sequence[Entry], path: str) -> None:
    seen: dict[str, str] = {}
    for e in entries:
        for u in (e.url, *e.redirects):
            if u in seen:
                raise OutputError(f"{path}: {u} is given twice "
                                  f"(entries {seen[u]} and {e.url})")
            seen[u] = e.url


def _ordered(keys: Sequence[str]) -> tuple[str, ...]:
    rank = {k: n for n, k in enumerate(KINDS)}
    return tuple(sorted(dict.fromkeys(keys), key=lambda k: (rank.get(key_kind(k), 99), k)))


# --- what the registry asks the site to serve ----------------------------------------------

def redirects(registry: Registry, live: set[str]) -> list[Redirect]:
    """Every old URL that answers with a redirect: former URLs of reviews (`redirects`), and
    reviews merged into another (`redirect_to`, followed to the page that answers; a loop or a
    withdrawn end is left out). `live`: the URLs of the reviews in this build."""
    by_url = registry.by_url()

    def resolve(url: str, hops: int = 0) -> str | None:
        if url in live:
            return url
        e = by_url.get(url)
        if e is None or hops > 20:
            return None
        if e.redirect_to is not None:
            return resolve(e.redirect_to, hops + 1)
        return None if e.withdrawn else url  # a missing review: its own page says so

    out: dict[str, Redirect] = {}
    for e in registry.entries:
        target = resolve(e.url)
        if target is None:
            continue
        for u in e.redirects:
            out[u] = Redirect(u, target, e.title)
        if target != e.url:
            out[e.url] = Redirect(e.url, target, e.title)
    return [out[u] for u in sorted(out)]


def missing(registry: Registry, live: set[str]) -> list[Entry]:
    """Entries whose review is no longer in the inputs and that keep a page saying so."""
    return [e for e in registry.entries
            if e.url not in live and not e.withdrawn and e.redirect_to is None]


# --- file -------------------------------------------------------------------------------------

def load(content: Path, state: BuildState | None = None, cache: Path | None = None
         ) -> Registry:
    """The registry in `content/permalinks.yml` (empty when the file does not exist). The
    watcher (`state`) loads it at every rebuild and parses unchanged text once; a build with
    the per-post cache's folder (`cache`) keeps the parsed registry there, by the file's
    digest (parsing 21,400 entries took 4.4 s, reading them back 0.05 s)."""
    path = content / REGISTRY_FILE
    if not path.is_file():
        return Registry(path=str(path))
    text = path.read_text(encoding="utf-8")
    if state is None and cache is not None:
        return _keep_parsed(cache, text, str(path))
    return memoized(state.registry if state else None, (str(path), text),
                    lambda: parse(text, str(path)))


def _keep_parsed(cache: Path, text: str, path: str, registry: Registry | None = None
                 ) -> Registry:
    """The registry that `text` (the file at `path`) parses to, kept in the cache by the text's
    digest: `registry` when given (what `save` just wrote), else the kept one, else parsed."""
    table: Table[Registry] = Table(cache, "registry")
    key = fingerprint("registry", path, hashlib.sha256(text.encode("utf-8")).hexdigest())
    registry = registry or table.get(key) or parse(text, path)
    table.put(key, registry)
    table.save()
    return registry


_ENTRY_KEYS = ("url", "first_seen", "title", "keys", "opening", "redirects", "redirect_to",
               "withdrawn")


def parse(text: str, path: str) -> Registry:
    """The registry file's text, validated; errors name the file and the entry's line."""
    data = load_yaml(text, path)  # the safe loader (libyaml's when there), lines recorded
    if data is None:
        return Registry(path=path)
    if not isinstance(data, dict) or not isinstance(data.get("reviews", []), list):
        raise ConfigError(path, "expected a mapping with a 'reviews' list")
    entries = [_entry(item, path, getattr(item, "line", None))
               for item in data.get("reviews") or []]
    return Registry(entries=tuple(entries), path=path)


def _entry(item: Any, path: str, line: int | None) -> Entry:
    if not isinstance(item, dict):
        raise ConfigError(path, "a review entry must be a mapping", line)
    unknown = sorted(str(k) for k in item if k not in _ENTRY_KEYS)
    if unknown:
        raise ConfigError(path, f"unknown key '{unknown[0]}' (known: {', '.join(_ENTRY_KEYS)})",
                          line)
    url = item.get("url")
    if not isinstance(url, str) or not URL_RE.match(url):
        raise ConfigError(path, f"url must be 'reviews/<channel>/<slug>/', not {url!r}", line)
    seen = _first_seen(item.get("first_seen"), path, url, line)

    def strings(key: str) -> tuple[str, ...]:
        value = item.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(path, f"{url}: '{key}' must be a list of strings", line)
        return tuple(value)

    redirects = strings("redirects")
    for r in redirects:
        if not URL_RE.match(r):
            raise ConfigError(path, f"{url}: redirect {r!r} is not 'reviews/<channel>/<slug>/'",
                              line)
    to = item.get("redirect_to")
    if to is not None and (not isinstance(to, str) or not URL_RE.match(to)):
        raise ConfigError(path, f"{url}: redirect_to must be 'reviews/<channel>/<slug>/'", line)
    withdrawn = item.get("withdrawn", False)
    if not isinstance(withdrawn, bool):
        raise ConfigError(path, f"{url}: withdrawn must be true or false", line)
    return Entry(url=url, first_seen=seen, keys=strings("keys"),
                 title=str(item.get("title") or ""), opening=str(item.get("opening") or ""),
                 redirects=redirects, redirect_to=to, withdrawn=withdrawn)


def _first_seen(value: Any, path: str, url: str, line: int | None) -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ConfigError(path, f"{url}: first_seen must be a date (YYYY-MM-DD)", line)
    return value


class _Dumper(yaml.SafeDumper):
    """The safe dumper, without anchors: entries share date objects, and `&id001` … `*id001`
    would make every entry depend on the first."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


if yaml.__with_libyaml__:
    class _LibyamlDumper(yaml.CSafeDumper):
        """The same with libyaml's emitter (PyYAML's wheels include it), about 7× faster (a
        first build at 10× spent 0.8 s writing its 2,140 new entries with the other). Both
        write the same text for text of printable characters of the Basic Multilingual Plane;
        a text with others is written escaped in double quotes, which the two fold at other
        places, and libyaml escapes emoji that the other writes as they are. Such an entry is
        written by PyYAML's own emitter (`_dumper`). Tests compare both on the seed registry,
        on hostile titles and on random text."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    _FAST: type = _LibyamlDumper
else:  # pragma: no cover - PyYAML built without libyaml
    _FAST = _Dumper

# A character outside the printable Basic Multilingual Plane, or one YAML writes escaped: line
# and paragraph separators, the byte-order mark (tabs and line breaks are below \x20).
_ESCAPED_RE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]")


def _dumper(item: Mapping[str, Any]) -> type:
    """The dumper that writes an entry as PyYAML's own emitter does (see `_LibyamlDumper`)."""
    for value in item.values():
        for text in (value if isinstance(value, list) else [value]):
            if isinstance(text, str) and _ESCAPED_RE.search(text):
                return _Dumper
    return _FAST


def dump(registry: Registry, blocks: Table[str] | None = None) -> str:
    """The registry file's text: entries by URL, keys in a fixed order (diffs stay small).
    Each entry's lines depend on that entry alone (the same nesting, the same width), so the
    text is the entries' blocks one after the other; `blocks` (entry → its lines, kept in
    the per-post cache) spares dumping again the entries that did not change (21,400 entries
    took 7.4 s)."""
    entries = sorted(registry.entries, key=lambda e: e.url)
    if not entries:
        return HEADER + _yaml_text({"reviews": []})
    parts = ["reviews:\n"]
    for e in entries:
        if blocks is None:
            parts.append(_entry_text(e))
            continue
        key = fingerprint("registry-entry", e)
        block = blocks.get(key) or _entry_text(e)
        blocks.put(key, block)
        parts.append(block)
    return HEADER + "".join(parts)


def _entry_text(e: Entry) -> str:
    """An entry's lines in the file, as one dump of the whole registry writes them."""
    item = _item(e)
    return _yaml_text({"reviews": [item]}, _dumper(item)).removeprefix("reviews:\n")


def _item(e: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {"url": e.url, "first_seen": e.first_seen}
    if e.title:
        item["title"] = e.title
    if e.keys:
        item["keys"] = list(e.keys)
    if e.opening:
        item["opening"] = e.opening
    if e.redirects:
        item["redirects"] = list(e.redirects)
    if e.redirect_to:
        item["redirect_to"] = e.redirect_to
    if e.withdrawn:
        item["withdrawn"] = True
    return item


def _yaml_text(data: Any, dumper: type = _Dumper) -> str:
    return str(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100,
                         default_flow_style=False))


def save(registry: Registry, path: Path, cache: Path | None = None) -> bool:
    """Write the registry if its text changed (atomically); True when written. With the
    per-post cache's folder (`cache`), what the next build's `load` parses from that text is
    kept there: the registry as written (entries by URL, `written`), so a build after one
    new post does not parse the file again), and each entry's lines (`dump`)."""
    blocks: Table[str] | None = Table(cache, "registry-text") if cache is not None else None
    text = dump(registry, blocks)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    if cache is not None and blocks is not None:
        blocks.save()
        _keep_parsed(cache, text, str(path), written(registry, str(path)))
    return True


def written(registry: Registry, path: str) -> Registry:
    """The registry as `parse` reads it back from `dump`'s text at `path`."""
    return Registry(entries=tuple(sorted(registry.entries, key=lambda e: e.url)), path=path)


__all__ = ["REGISTRY_FILE", "Assignment", "Entry", "Identity", "Redirect", "Registry", "Report",
           "assign", "docs_path", "dump", "identity", "load", "missing", "parse", "redirects",
           "save", "telegram_key", "today", "url_of", "words", "written"]
