"""The site's search index: Pagefind over each page's article, in shards.

Pagefind (the `pagefind` package with its binary, pinned in pyproject.toml) writes a chunked
index: one index per page language (from `<html lang>`), split into small files so a query
downloads only the chunks its words are in. What it indexes is marked in the templates
(`overrides/main.html`: `data-pagefind-body` on the article of every page not excluded from
search) and in the pages (`render/pages.py`: a review's facts as Pagefind filters and metadata;
`render/indexes.py`: listings are not indexed entry by entry, so a review ranks above the pages
that list it). The search box (`overrides/partials/postdocs-search.html`,
`assets/javascripts/postdocs-search.js`) loads Pagefind only when a reader starts to search.

How it stays fast and small at tens of thousands of pages:

- Pagefind reads only what it indexes: each page's search source (the page's `<html lang>`
  and the searched part of its article: `content_source` as its Markdown is rendered,
  `page_source` of the written page) is kept in a `SourceStore` (a database, a row per page);
  Pagefind runs over those, not over the site with its navigation on every page. The index is
  the same (tests compare the indexed text of both).
- Shards: each language's pages are cut into ranges in the order MkDocs writes them, of at
  most `SHARD_PAGES` pages (`plan_shards`; the plan is kept from build to build, so a page
  stays in its shard); each shard is one Pagefind run into its own bundle, so a run's memory
  is bounded by the shard, not by the site. The search box merges a language's shards into
  one search (Pagefind's `mergeIndex`: one WebAssembly module, results ranked together).
- While MkDocs renders and writes the pages (`StreamingIndexer`): a shard whose pages'
  sources are all kept is indexed at once, on the core MkDocs leaves idle; at the end of the
  build only the shards not made yet are left, run side by side (one per core). A page's
  source is kept as soon as its Markdown is rendered (`content_source`: the template marks
  the part of the article that is searched, the page's content), and checked against the
  written page (`page_source`); its language, which places it in a shard, is foreseen from
  its front-matter before the build reads it (`foreseen_language`).
- A shard whose pages did not change keeps its bundle (the store records a digest of every
  source; a bundle records the digest of the pages it was made from): one new post indexes
  one shard again.

The site gets `pagefind/<lang>-<n>/` bundles, `pagefind/postdocs-index.json` (each language's
shards and page count) and `pagefind/postdocs-filters.json` (the search box's filter choices).
Called by the `postdocs` MkDocs plugin as a build writes its pages and at its end; under
`mkdocs serve` in the background after each build (`BackgroundIndexer`), so a preview page is
served before its index is made again.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import contextlib
import hashlib
import html
import json
import logging
import math
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from ..errors import OutputError

log = logging.getLogger("mkdocs.plugins.postdocs")

BUNDLE = "pagefind"  # the index's folder in the site
INDEX_FILE = "postdocs-index.json"  # in the bundle: each language's shards
SHARD_FILE = "postdocs-shard.json"  # in each shard's bundle: the digest it was made from
# Pages per shard, a trade between the reader and the build. A query loads one word chunk
# (about 13 kB) from every shard of the languages it asks, so fewer shards keep a first query
# small: at 100× the seeds (21,700 pages) a first query took 456 kB unsharded, 492 kB with
# shards of 7,000 pages (5 shards), 530 kB with 4,000 (7), 675 kB with 1,500 (16). Pagefind
# holds a run's whole index in memory, about 0.28 MB a page: 1.8 GB a run at 7,000 pages,
# 0.43 GB at 1,500 (4.7 GB unsharded). `search_shard_pages` in mkdocs.yml sets it.
SHARD_PAGES = 7000
# Pagefind writes its own ready-made interfaces too; the site uses its search API only.
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js",
           "pagefind-modular-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
           "pagefind-highlight.js")
# Not indexed, though inside the article: a review's links to other reviews (same paper,
# related, previous and next in its channel) are those reviews' titles, so indexing them made a
# query find every page that links to the review it is about, and cost a fifth of the index's
# build time. Nor Material's list of a page's tags (a review's header names them too).
EXCLUDED = (".postdocs-crosslinks", ".md-tags")
# Around the part of a page's article that is searched (overrides/main.html: the page's
# content, without Material's tags and buttons): `page_source` reads it from the written page,
# `content_source` gives it from the page's rendered content.
SEARCH_START, SEARCH_END = "<!--postdocs-search-->", "<!--/postdocs-search-->"
_HTML_LANG_RE = re.compile(r'<html lang="[^"<>]*"')
_LANG_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")


# A `lang:` key at the top level of a front-matter, its value plain or quoted.
_FRONT_LANG_RE = re.compile(r"""^lang:[ \t]*(['"]?)([A-Za-z0-9-]+)\1[ \t]*$""", re.M)
FRONT_HEAD = 4096  # characters of a page read for its language (postdocs writes `lang` early)


def foreseen_language(path: str | os.PathLike[str] | None) -> str | None:
    """The language a page's front-matter gives (its `lang`), read from the head of its
    Markdown file before MkDocs reads the page: a forecast, for the streaming indexer's plan.
    None if the file has no front-matter, no such key near its top, or cannot be read."""
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            head = f.read(FRONT_HEAD)
    except OSError:
        return None
    if not head.startswith("---"):
        return None
    end = head.find("\n---", 3)
    m = _FRONT_LANG_RE.search(head, 0, end if end > 0 else len(head))
    return language_tag(m.group(2)) if m else None


def language_tag(value: object) -> str | None:
    """`value` if it is a language tag (as `<html lang>` takes it), else None."""
    return value if isinstance(value, str) and _LANG_RE.match(value) else None


def with_page_language(html: str, lang: object) -> str:
    """The page's HTML with its own language on `<html lang>` (Material writes the site's
    `theme.language` there, outside any template block). `lang`: the front-matter value; any
    value that is not a language tag leaves the page as it is."""
    if not isinstance(lang, str) or not _LANG_RE.match(lang):
        return html
    return _HTML_LANG_RE.sub(f'<html lang="{lang}"', html, count=1)


# An element that declares filters read from its attributes (`render/pages.py` writes them:
# `data-pagefind-filter="channel[data-channel], year[data-year]" data-channel="…" …`; text from
# a post is escaped, so it cannot make one), the rest of its tag, an attribute, a filter.
_FILTER_TAG_RE = re.compile(r'<span data-pagefind-filter="([^"<>]*)"([^<>]*)>')
_ATTRIBUTE_RE = re.compile(r'\s(data-[a-z-]+)="([^"<>]*)"')
_FILTER_KEY_RE = re.compile(r"([a-z]+)\[(data-[a-z-]+)\]")
FILTERS_FILE = "postdocs-filters.json"  # the search box's filter choices, in the bundle


def page_filters(page_html: str) -> tuple[tuple[str, str], ...]:
    """The Pagefind filters a built page declares (`render/pages.py` writes them as
    attributes), in the order they are declared."""
    found = []
    for declared, rest in _FILTER_TAG_RE.findall(page_html):
        values = dict(_ATTRIBUTE_RE.findall(rest))
        found += [(key, html.unescape(values[attribute]))
                  for key, attribute in _FILTER_KEY_RE.findall(declared) if attribute in values]
    return tuple(found)


def filter_choices(pages: Iterable[Iterable[tuple[str, str]]]) -> dict[str, list[list[object]]]:
    """Every filter's values with their number of pages: years newest first, others by name."""
    counts: dict[str, Counter[str]] = {}
    for filters in pages:
        for key, value in filters:
            counts.setdefault(key, Counter())[value] += 1
    return {key: [[v, counts[key][v]] for v in sorted(counts[key], reverse=key == "year")]
            for key in sorted(counts)}


def pagefind_executable() -> Path:
    import pagefind_bin  # type: ignore[import-untyped]

    return Path(pagefind_bin.get_executable())


def _pagefind_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pagefind_bin")
    except PackageNotFoundError:
        return "unknown"


def page_source(page_html: str) -> str | None:
    """What the index reads of a built page: its `<html lang>` and the article marked
    `data-pagefind-body` (the template's own `<article>`: text from a post is escaped, so it
    cannot open or close one), as a small HTML document; None for a page not indexed. Of an
    article whose searched part the template marks (`SEARCH_START` … `SEARCH_END`,
    overrides/main.html) that part only: what `content_source` gives before the page is
    written."""
    start = page_html.find("<article")
    if start < 0:
        return None
    tag_end = page_html.find(">", start)
    end = page_html.rfind("</article>")
    if tag_end < 0 or end < tag_end or "data-pagefind-body" not in page_html[start:tag_end]:
        return None
    lang = _HTML_LANG_RE.search(page_html)
    article = page_html[start:end + len("</article>")]
    first, last = article.find(SEARCH_START), article.rfind(SEARCH_END)
    if 0 <= first < last:  # the template's own markers: the first and the last
        article = _article(article[first + len(SEARCH_START):last])
    return _document(lang.group(0) if lang else "<html", article)


def content_source(content: str, title: str, lang: str) -> str:
    """The search source `page_source` gives of the built page, known as soon as the page's
    Markdown is rendered: `content` is the page's HTML (`Page.content`), `title` its title (the
    heading the template adds to a content without one), `lang` the language on its `<html
    lang>`. The template is given the same `Page.content` unless a plugin changes it later
    (Material's tags plugin fills its listing pages so); the plugin then keeps the built
    page's source, and the index follows that."""
    heading = "" if "<h1" in content else f"<h1>{title}</h1>"
    return _document(f'<html lang="{lang}"', _article(heading + content))


def _article(searched: str) -> str:
    return f"<article data-pagefind-body>\n{searched}\n</article>"


def _document(html_lang: str, article: str) -> str:
    return (f'<!doctype html>\n{html_lang}>\n<head><meta charset="utf-8"></head>\n<body>\n'
            f"{_without_excluded(article)}\n</body>\n</html>\n")


_EXCLUDED_OPEN = '<div class="postdocs-crosslinks">'  # EXCLUDED, as render/pages.py writes it
_DIV_RE = re.compile(r"<div[\s>]|</div>")


def _without_excluded(article: str) -> str:
    """The article without the blocks the index leaves out anyway (EXCLUDED): Pagefind then
    reads a sixth less (a review's links to other reviews are a third of its article)."""
    out, pos = [], 0
    while (start := article.find(_EXCLUDED_OPEN, pos)) >= 0:
        depth, end = 0, -1
        for m in _DIV_RE.finditer(article, start):
            depth += -1 if m.group(0) == "</div>" else 1
            if depth == 0:
                end = m.end()
                break
        if end < 0:  # not closed: left to Pagefind's --exclude-selectors
            break
        out.append(article[pos:start])
        pos = end
    out.append(article[pos:])
    return "".join(out)


def source_language(source: str) -> str:
    m = _HTML_LANG_RE.search(source)
    lang = m.group(0)[len('<html lang="'):-1] if m else ""
    return lang if _LANG_RE.match(lang) else "unknown"


SOURCES_DB = "sources.sqlite"  # in the store
_SOURCES_VERSION = 1  # the database's layout (SQLite's user_version)
_OLD_PAGES = "pages"  # earlier versions kept a file per page there


def _key(url: str) -> str:
    """A page's URL as `Page.url` gives it (MkDocs' `File.url` of the home page is `./`)."""
    return "" if url in (".", "./") else url


def _url_path(url: str) -> str | None:
    """The file of a page URL inside a folder laid out as the site is (`reviews/x/` →
    `reviews/x/index.html`, the home page's `./` → `index.html`); None for a URL that would
    leave the folder."""
    url = _key(url)
    path = url + "index.html" if url == "" or url.endswith("/") else url
    parts = path.split("/")
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in path:
        return None
    return path


class SourceStore:
    """The search source of every indexed page (`page_source`) and a record of each page's
    language and digest, from which the shards are planned: one SQLite database,
    `root/sources.sqlite`, a row per page. A source is written only when it changed. A
    shard's run writes its pages' sources into a folder of its own, laid out as the site
    (Pagefind takes a page's URL from its path), and removes it after the run.

    One database, not a file per page kept from build to build: under a build's own writes a
    new file or folder cost this machine's file system about half a millisecond, and a
    page's source cost two of them (its file and its folder) besides the shard's copy.

    Used from more than one thread (a build keeps sources while a shard is indexed): every
    use of the database holds the store's lock. Changes are committed by `save`; a store
    whose database cannot be read is started again empty (every source is kept again)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.record: dict[str, tuple[str, str]] = {}  # page URL → (language, digest)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if (self.root / _OLD_PAGES).is_dir():  # earlier versions' store: a file per page
            shutil.rmtree(self.root / _OLD_PAGES, ignore_errors=True)
            (self.root / "sources.json").unlink(missing_ok=True)
        try:
            rows = self._database().execute("SELECT url, lang, digest FROM sources").fetchall()
            self.record = {str(url): (str(lang), str(digest)) for url, lang, digest in rows}
        except (OutputError, sqlite3.Error):
            self._reset()

    @property
    def path(self) -> Path:
        return self.root / SOURCES_DB

    def _database(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False)
            # a cache: written ahead (a build killed half-way leaves what was committed
            # before), never synced to the disk (only the machine's crash could damage it)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            if db.execute("PRAGMA user_version").fetchone()[0] != _SOURCES_VERSION:
                db.execute("DROP TABLE IF EXISTS sources")
                db.execute("CREATE TABLE sources (url TEXT PRIMARY KEY, lang TEXT NOT NULL, "
                           "digest TEXT NOT NULL, source BLOB NOT NULL)")
                db.execute(f"PRAGMA user_version = {_SOURCES_VERSION}")
                db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"{self.path}: the search sources could not be kept: "
                              f"{getattr(exc, 'strerror', None) or exc}") from exc
        self._db = db
        return db

    def _reset(self) -> None:
        """Start again empty: the database could not be read."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
            for suffix in ("", "-wal", "-shm"):  # the database and its write-ahead log
                with contextlib.suppress(OSError):  # put says why if it cannot be written
                    self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            self.record = {}

    def _write(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        try:
            with self._lock:
                self._database().executemany(sql, rows)
        except sqlite3.Error as exc:
            raise OutputError(f"{self.path}: the search sources could not be kept: "
                              f"{exc}") from exc

    def put(self, url: str, source: str | None) -> bool:
        """Keep `source` as the page's search source (None: the page is not indexed); whether
        that changed what was kept."""
        url = _key(url)
        if source is None or _url_path(url) is None:
            return self.drop(url)
        data = source.encode("utf-8")
        entry = (source_language(source), hashlib.sha256(data).hexdigest()[:20])
        if self.record.get(url) == entry:
            return False
        self._write("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?)", [(url, *entry, data)])
        self.record[url] = entry
        return True

    def drop(self, url: str) -> bool:
        url = _key(url)
        if self.record.pop(url, None) is None:
            return False
        self._write("DELETE FROM sources WHERE url = ?", [(url,)])
        return True

    def keep_only(self, urls: Iterable[str]) -> None:
        """Forget the pages not in `urls` (pages gone since the last build)."""
        keep = {_key(url) for url in urls}
        for url in [u for u in self.record if u not in keep]:
            self.drop(url)

    def fill(self, pages: Mapping[str, str]) -> None:
        """Read the search source of each page of `pages` (URL → its built HTML file) that the
        store has no source of: pages an incremental build did not render."""
        for url, file in pages.items():
            if _key(url) in self.record or _url_path(url) is None:
                continue
            try:
                text = Path(file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            self.put(url, page_source(text))

    def sources(self, urls: list[str]) -> Iterator[tuple[str, bytes]]:
        """The kept source of each of `urls` that has one (URL, source), a few at a time."""
        for i in range(0, len(urls), 256):
            part = urls[i:i + 256]
            try:
                with self._lock:
                    rows = self._database().execute(
                        f"SELECT url, source FROM sources WHERE url IN "
                        f"({', '.join('?' * len(part))})", part).fetchall()
            except sqlite3.Error as exc:  # damaged: started again empty by the next build
                self._reset()
                raise OutputError(f"{self.path}: the search sources could not be read "
                                  f"({exc}); they are dropped and kept anew by the next "
                                  "build") from exc
            yield from ((str(url), bytes(data)) for url, data in rows)

    def save(self) -> None:
        try:
            with self._lock:
                if self._db is not None:
                    self._db.commit()
        except sqlite3.Error:
            pass  # the next build finds what was committed before and keeps the rest again

    def close(self) -> None:
        """Save, and let the database go (the store opens it again if used again)."""
        self.save()
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


PLAN_FILE = "plan.json"  # in the store: each language's shard ranges, kept from build to build
Plan = dict[str, list[tuple[str, int]]]  # language → its shards' (first URL, number), in order
Ranges = list[tuple[tuple[str, int], list[str]]]  # ((first URL, number), its pages), in order


def _order(url: str) -> list[str]:
    """A page URL's place in the order MkDocs writes pages (its folders, walked in order)."""
    return url.split("/")


def plan_shards(languages: Mapping[str, str], shard_pages: int = SHARD_PAGES,
                previous: Plan | None = None) -> tuple[dict[str, list[str]], Plan]:
    """Shard name (`<lang>-<n>`) → its page URLs, sorted, and the plan they follow.
    `languages`: page URL → its language. Each language's pages are cut into ranges of URLs
    in the order MkDocs writes them (a shard is whole early in a build and is indexed while
    the rest is written: `StreamingIndexer`), the fewest of at most `shard_pages`. A page
    stays in its range from build to build (`previous`): a new page goes into the range it
    falls in, so one new post indexes one shard again; a range that grows past `shard_pages`
    is cut in two (two shards indexed again), and a language that has come to more than
    twice the shards it needs is cut again afresh (all its shards indexed again, as rarely as
    it grows by half)."""
    by_lang: dict[str, list[str]] = {}
    for url, lang in languages.items():
        by_lang.setdefault(lang, []).append(url)
    shards: dict[str, list[str]] = {}
    plan: Plan = {}
    for lang, urls in sorted(by_lang.items()):
        urls.sort(key=_order)
        ranges = _split(_assign(urls, (previous or {}).get(lang) or []), shard_pages)
        if not ranges or len(ranges) > 2 * math.ceil(len(urls) / shard_pages):
            ranges = _cut(urls, shard_pages)
        plan[lang] = [(bound, n) for (bound, n), _members in ranges]
        for (_bound, n), members in ranges:
            shards[f"{lang}-{n}"] = sorted(members)
    return dict(sorted(shards.items(), key=lambda kv: _shard_key(kv[0]))), plan


def _assign(urls: list[str], bounds: list[tuple[str, int]]) -> Ranges:
    """`urls` (in order) put into the ranges that start at `bounds`; empty ranges left out,
    the first range kept open below."""
    if not bounds:
        return []
    keys = [_order(bound) for bound, _n in bounds]
    members: list[list[str]] = [[] for _ in bounds]
    for url in urls:
        members[max(0, bisect.bisect_right(keys, _order(url)) - 1)].append(url)
    ranges = [(bound, found) for bound, found in zip(bounds, members, strict=True) if found]
    if ranges:
        ranges[0] = (("", ranges[0][0][1]), ranges[0][1])
    return ranges


def _split(ranges: Ranges, shard_pages: int) -> Ranges:
    """Each range of more than `shard_pages` cut into equal ones (new numbers for the new)."""
    out: Ranges = []
    number = max((n for (_bound, n), _members in ranges), default=-1)
    for (bound, n), members in ranges:
        if len(members) <= shard_pages:
            out.append(((bound, n), members))
            continue
        for i, ((_b, _i), piece) in enumerate(_cut(members, shard_pages, halves=True)):
            if i == 0:
                out.append(((bound, n), piece))
            else:
                number += 1
                out.append(((piece[0], number), piece))
    return out


def _cut(urls: list[str], shard_pages: int, halves: bool = False) -> Ranges:
    """`urls` (in order) cut into the fewest equal ranges of at most `shard_pages` (with
    `halves`, at least two)."""
    count = max(2 if halves else 1, math.ceil(len(urls) / shard_pages))
    edges = [len(urls) * i // count for i in range(count + 1)]
    return [(("" if i == 0 else urls[edges[i]], i), urls[edges[i]:edges[i + 1]])
            for i in range(count)]


def load_plan(store: SourceStore, shard_pages: int) -> Plan | None:
    """The plan the last index was made with, if it was made with shards of `shard_pages`."""
    try:
        data = json.loads((store.root / PLAN_FILE).read_text(encoding="utf-8"))
        if data.get("shard_pages") != shard_pages:
            return None
        return {str(lang): [(str(b), int(n)) for b, n in ranges]
                for lang, ranges in data["languages"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _save_plan(store: SourceStore, plan: Plan, shard_pages: int) -> None:
    path = store.root / PLAN_FILE
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"shard_pages": shard_pages, "languages": plan},
                                  ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # the next index is planned afresh (the same plan for the same pages)


def _shard_key(name: str) -> tuple[str, int]:
    lang, _, n = name.rpartition("-")
    return lang, int(n)


def shard_digest(record: Mapping[str, tuple[str, str]], urls: Iterable[str]) -> str:
    h = hashlib.sha256(f"{_pagefind_version()}\n{EXCLUDED}\n".encode())
    for url in urls:
        h.update(f"{url}\t{record[url][1]}\n".encode())
    return h.hexdigest()[:20]


def _recorded_digest(bundle: Path) -> str | None:
    try:
        return str(json.loads((bundle / SHARD_FILE).read_text(encoding="utf-8"))["digest"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


# Where a shard's run finds its pages' sources, if the machine has it: a file system in memory,
# where a new file costs a tenth of what it costs on a disk and nothing of the disk's work.
MEMORY_FS = Path("/dev/shm")


def _write_sources(store: SourceStore, name: str, urls: list[str]) -> Path:
    """A new folder holding the shard's sources, laid out as the site is (Pagefind takes each
    page's URL from its path): in memory (`MEMORY_FS`) if it can be, else in the store."""
    if MEMORY_FS.is_dir():
        try:
            _sweep_memory()
            work = Path(tempfile.mkdtemp(prefix=f"postdocs-{os.getpid()}-{name}-",
                                         dir=MEMORY_FS))
            return _write_into(work, store, urls)
        except OSError:
            pass  # full, or not writable after all: on disk
    try:
        (store.root / "work").mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=store.root / "work"))
        return _write_into(work, store, urls)
    except OSError as exc:
        raise OutputError(f"{store.root}: the search index could not be made: "
                          f"{exc.strerror or exc}") from exc


_MEMORY_WORK_RE = re.compile(r"postdocs-([0-9]+)-")


def _sweep_memory() -> None:
    """Remove the folders in `MEMORY_FS` that runs of processes no longer running left (a
    build killed during a run): they would hold memory until the machine restarts."""
    for entry in MEMORY_FS.iterdir():
        m = _MEMORY_WORK_RE.match(entry.name)
        try:
            if m is None or not entry.is_dir() or entry.stat().st_uid != os.getuid():
                continue
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except (OSError, OverflowError, ValueError):
            continue  # gone meanwhile, another user's process, or no process number


def _write_into(work: Path, store: SourceStore, urls: list[str]) -> Path:
    """`urls`' sources written into `work` (removed if they cannot all be). A page dropped
    meanwhile (live preview) has no source: the next run follows."""
    try:
        for url, data in store.sources(urls):
            path = _url_path(url)
            assert path is not None  # only such URLs are in the record
            dest = work / path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return work


def _index_shard(store: SourceStore, name: str, urls: list[str], digest: str,
                 threads: int | None) -> None:
    """One Pagefind run over the shard's sources (`_write_sources`) into
    `store.root/bundles/<name>/`."""
    bundles = store.root / "bundles"
    new, target = bundles / f"{name}.new", bundles / name
    shutil.rmtree(new, ignore_errors=True)
    work = _write_sources(store, name, urls)
    env = dict(os.environ)
    if threads is not None:  # several runs side by side, one per core: each on one thread
        # (Pagefind's thread pools, its async runtime's and its data-parallel one; on one
        # thread a shard took about 0.9 of the CPU time it took on all)
        env["TOKIO_WORKER_THREADS"] = env["RAYON_NUM_THREADS"] = str(threads)
    try:
        proc = subprocess.run(
            [str(pagefind_executable()), "--site", str(work), "--output-path", str(new),
             "--exclude-selectors", ", ".join(EXCLUDED), "--silent"],
            capture_output=True, text=True, check=False, timeout=3600, env=env)
    except (OSError, subprocess.SubprocessError) as exc:
        raise OutputError(f"{work}: the search index could not be made: {exc}") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise OutputError(f"{store.root}: the search index could not be made: "
                          f"{detail[-1] if detail else f'pagefind exited {proc.returncode}'}")
    for unused in _UNUSED:
        (new / unused).unlink(missing_ok=True)
    (new / SHARD_FILE).write_text(json.dumps({"digest": digest, "pages": len(urls)}),
                                  encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    new.rename(target)


def reclaim(site_dir: str | os.PathLike[str], store: SourceStore) -> None:
    """Move the shards of the site's index back into the store (before a build empties the
    site): a build then makes again only the shards whose pages changed."""
    current = Path(site_dir) / BUNDLE
    if not current.is_dir():
        return
    bundles = store.root / "bundles"
    for shard in sorted(current.iterdir()):
        if not (_SHARD_NAME_RE.match(shard.name) and (shard / SHARD_FILE).is_file()):
            continue
        target = bundles / shard.name
        try:
            bundles.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            shard.rename(target)
        except OSError:
            continue  # another file system: the shard is made again


_SHARD_NAME_RE = re.compile(r"[A-Za-z0-9-]+-[0-9]+\Z")


def make_index(site_dir: str | os.PathLike[str], store: SourceStore,
               filters: Mapping[str, Iterable[tuple[str, str]]] | None = None, *,
               workers: int | None = None, shard_pages: int = SHARD_PAGES,
               keep: bool = False, streaming: StreamingIndexer | None = None) -> float:
    """Index the sources of `store` into `site_dir/pagefind/` (replaced whole, so a reader
    never meets half an index): the shards whose pages changed are indexed again, `workers`
    at a time (default: one per core), the others kept. The shards move into the site
    (`reclaim` takes them back before the next build); with `keep` they stay in the store too
    (hard links: live preview indexes again while the site is served). `filters`: page → its
    filters, for the filter choices (None: those of the index it replaces). `streaming`: the
    indexer that made shards while the pages were written (its plan is followed, its shards
    kept). Returns the seconds it took. Pagefind's files are not byte-identical from run to
    run (its hashed file names and the order inside its filter files vary with its threads);
    what they hold is the same."""
    started, before = time.perf_counter(), os.times()
    site = Path(site_dir)
    if not site.is_dir():
        if streaming is not None:
            streaming.close()
        raise OutputError(f"{site}: the search index could not be made: no such folder")
    record = dict(store.record)
    previous = streaming.plan if streaming is not None else load_plan(store, shard_pages)
    shards, plan = plan_shards({url: lang for url, (lang, _d) in record.items()}, shard_pages,
                               previous)
    bundles = store.root / "bundles"
    digests = {name: shard_digest(record, urls) for name, urls in shards.items()}
    running: dict[str, concurrent.futures.Future[None]] = {}
    for name, (job, digest) in (streaming.close() if streaming is not None else {}).items():
        if digests.get(name) == digest:
            running[name] = job
        else:  # made from other pages than this build's: waited for, then made again
            job.result()
    todo = sorted((name for name in shards if name not in running
                   and _recorded_digest(bundles / name) != digests[name]),
                  key=lambda name: -len(shards[name]))  # largest first: the runs end together
    _index_shards(store, shards, digests, todo, running, workers)
    if bundles.is_dir():  # shards no longer planned
        for old in bundles.iterdir():
            if old.name not in shards:
                shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(store.root / "work", ignore_errors=True)
    _publish(site, bundles, shards, record, filters, keep)
    _save_plan(store, plan, shard_pages)
    seconds = time.perf_counter() - started
    _log_made(seconds, before, streaming, digests, len(todo))
    return seconds


def _index_shards(store: SourceStore, shards: Mapping[str, list[str]],
                  digests: Mapping[str, str], todo: list[str],
                  running: Mapping[str, concurrent.futures.Future[None]],
                  workers: int | None) -> None:
    """Index the shards `todo`, one run per core (a streaming indexer's run still going,
    `running`, holds its core till it ends); one Pagefind thread per run when runs go side by
    side."""
    cores = max(1, workers or os.cpu_count() or 1)
    threads = None if cores == 1 or len(todo) + len(running) == 1 else 1
    free = threading.Semaphore(cores)
    for job in running.values():
        free.acquire()
        job.add_done_callback(lambda _job: free.release())

    def index(name: str) -> None:
        with free:
            _index_shard(store, name, shards[name], digests[name], threads)

    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, min(cores, len(todo)))) as pool:
            for done in [pool.submit(index, name) for name in todo]:
                done.result()
    finally:
        for job in running.values():
            job.result()


def _log_made(seconds: float, before: os.times_result, streaming: StreamingIndexer | None,
              digests: Mapping[str, str], todo: int) -> None:
    after = os.times()
    if streaming is None:
        cpu = sum(after[:4]) - sum(before[:4])  # this process's and Pagefind's
        log.info("postdocs: search index made in %.1f s (%.1f CPU-s; %d of %d shards indexed "
                 "again)", seconds, cpu, todo, len(digests))
    else:  # this process renders pages too: Pagefind's own CPU time
        cpu = sum(after[2:4]) - sum(streaming.times[2:4])
        early = sum(1 for name, digest in streaming.made.items() if digests.get(name) == digest)
        log.info("postdocs: search index made in %.1f s after the last page (%.1f s since "
                 "the first page, %.1f CPU-s of Pagefind; %d of %d shards indexed again, %d "
                 "while the pages were written)", seconds,
                 time.perf_counter() - streaming.started, cpu,
                 todo + early, len(digests), early)


class StreamingIndexer:
    """Indexes the shards of a build while MkDocs makes its pages: shards are ranges of pages
    in the order they are written (`plan_shards`), so a shard is whole long before the build
    ends; it is indexed then, one Pagefind run at a time on one thread, beside MkDocs on the
    other core. (The plugin keeps each page's source as soon as its Markdown is rendered,
    `content_source`, in the same order: MkDocs renders every page before it writes the first,
    so most shards are made while it renders the others.) `make_index` at the end of the build
    follows the same plan and keeps those shards (their digests are checked again there, so a
    page whose language or source was not the one foreseen only means its shard is indexed at
    the end).

    `expected`: every page the build writes → its language as foreseen (its front-matter's,
    or the site's)."""

    def __init__(self, store: SourceStore, expected: Mapping[str, str],
                 shard_pages: int = SHARD_PAGES) -> None:
        self.store = store
        self.started, self.times = time.perf_counter(), os.times()
        self.shards, self.plan = plan_shards({_key(u): lang for u, lang in expected.items()},
                                             shard_pages, load_plan(store, shard_pages))
        self._shard_of = {url: name for name, urls in self.shards.items() for url in urls}
        self._left = {name: set(urls) for name, urls in self.shards.items()}
        self._pool = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="postdocs-search-index")
        self._jobs: dict[str, tuple[concurrent.futures.Future[None], str]] = {}
        self._closing = threading.Event()
        self.made: dict[str, str] = {}  # shard → the digest it was made from
        self._whole: set[str] = set()  # shards all of whose pages are written

    def written(self, url: str) -> None:
        """The source of the page at `url` is kept (or dropped) in the store: as its Markdown
        is rendered (`content_source`), or as it is written."""
        name = self._shard_of.get(_key(url))
        if name is None or name in self._whole:
            return
        left = self._left[name]
        left.discard(_key(url))
        if left or self._closing.is_set():
            return
        self._whole.add(name)
        lang = _shard_key(name)[0]
        record = self.store.record
        urls = [u for u in self.shards[name] if u in record and record[u][0] == lang]
        if not urls:
            return
        digest = shard_digest(record, urls)
        if _recorded_digest(self.store.root / "bundles" / name) == digest:
            return  # made by an earlier build from the same pages
        self._jobs[name] = (self._pool.submit(self._run, name, urls, digest), digest)
        log.debug("postdocs: search shard %s whole (%d pages), %.1f s after the first page",
                  name, len(urls), time.perf_counter() - self.started)

    def _run(self, name: str, urls: list[str], digest: str) -> None:
        begun = time.perf_counter()
        _index_shard(self.store, name, urls, digest, threads=1)
        self.made[name] = digest
        log.debug("postdocs: search shard %s made in %.1f s, %.1f s after the first page",
                  name, time.perf_counter() - begun, time.perf_counter() - self.started)

    def wait(self) -> None:
        """Wait for the shards begun so far (as if the pages were written slowly)."""
        for job, _digest in list(self._jobs.values()):
            job.result()

    def close(self) -> dict[str, tuple[concurrent.futures.Future[None], str]]:
        """No more shards are started; the runs still going on (shard → its run, digest)."""
        self._closing.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        running = {}
        for name, (job, digest) in self._jobs.items():
            if job.done():
                if not job.cancelled():
                    job.result()  # raises if the shard could not be made
            else:
                running[name] = (job, digest)
        return running


def _publish(site: Path, bundles: Path, shards: Mapping[str, list[str]],
             record: Mapping[str, tuple[str, str]],
             filters: Mapping[str, Iterable[tuple[str, str]]] | None, keep: bool) -> None:
    new, old, current = site / f"{BUNDLE}.new", site / f"{BUNDLE}.old", site / BUNDLE
    for stale in (new, old):
        shutil.rmtree(stale, ignore_errors=True)
    languages: dict[str, dict[str, object]] = {}
    try:
        new.mkdir(parents=True)
        for name, urls in shards.items():
            moved = False
            if not keep:
                with contextlib.suppress(OSError):  # another file system: copied
                    (bundles / name).rename(new / name)
                    moved = True
            if not moved:
                shutil.copytree(bundles / name, new / name, copy_function=_link_or_copy)
            entry = languages.setdefault(record[urls[0]][0], {"pages": 0, "shards": []})
            entry["pages"] = int(str(entry["pages"])) + len(urls)
            entry["shards"].append(name)  # type: ignore[attr-defined]
        (new / INDEX_FILE).write_text(json.dumps({"languages": languages}, sort_keys=True),
                                      encoding="utf-8")
        if filters is None and (current / FILTERS_FILE).is_file():  # indexed again: the same
            shutil.copyfile(current / FILTERS_FILE, new / FILTERS_FILE)
        else:
            pages = filters or {}
            choices = filter_choices(pages[page] for page in sorted(pages))
            (new / FILTERS_FILE).write_text(
                json.dumps(choices, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        if current.exists():
            current.rename(old)
        new.rename(current)
    except OSError as exc:
        raise OutputError(f"{site}: the search index could not be written: "
                          f"{exc.strerror or exc}") from exc
    shutil.rmtree(old, ignore_errors=True)


def run_pagefind(site_dir: str | os.PathLike[str],
                 filters: Mapping[str, Iterable[tuple[str, str]]] | None = None,
                 workers: int | None = None) -> float:
    """Index a built site as it is on disk (every HTML file's search source read from the
    site): what the plugin's build does, for a site built elsewhere (the bench, tests)."""
    site = Path(site_dir)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="postdocs-search-") as tmp:
        store = SourceStore(tmp)
        files = (f.relative_to(site).as_posix() for f in sorted(site.rglob("*.html")))
        store.fill({rel.removesuffix("index.html"): str(site / rel) for rel in files
                    if not rel.startswith((f"{BUNDLE}/", f"{BUNDLE}."))})
        try:
            make_index(site, store, filters, workers=workers)
        finally:
            store.close()
    return time.perf_counter() - started


class BackgroundIndexer:
    """Runs `make_index` in a thread, one run at a time; a request while it runs makes one
    more run afterwards (live preview: the index follows the latest build)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: tuple[str, SourceStore, dict[str, tuple[tuple[str, str], ...]],
                             int] | None = None
        self._thread: threading.Thread | None = None

    def request(self, site_dir: str, store: SourceStore,
                filters: Mapping[str, tuple[tuple[str, str], ...]],
                shard_pages: int = SHARD_PAGES) -> None:
        with self._lock:
            self._pending = (site_dir, store, dict(filters), shard_pages)
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._work, name="postdocs-search-index",
                                            daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                pending, self._pending = self._pending, None
                if pending is None:
                    return
            site_dir, store, filters, shard_pages = pending
            try:
                make_index(site_dir, store, filters, shard_pages=shard_pages, keep=True)
            except OutputError as exc:  # preview goes on; the reader sees the last index
                log.warning("postdocs: %s", exc)

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def stop(self) -> None:
        with self._lock:
            self._pending = None
        self.wait(timeout=30)
