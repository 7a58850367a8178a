"""The site's search index: Pagefind over the built HTML.

Pagefind (the `pagefind` package with its binary, pinned in pyproject.toml) reads the built
pages and writes a chunked index into `site/pagefind/`: one index per page language (from
`<html lang>`), split into small files so a query downloads only the chunks its words are in.
What it indexes is marked in the templates (`overrides/main.html`: `data-pagefind-body` on the
article of every page not excluded from search) and in the pages (`render.py`: a review's facts
as Pagefind filters and metadata; `indexes.py`: listings are not indexed entry by entry, so a
review ranks above the pages that list it). The search box (`overrides/partials/
postdocs-search.html`, `assets/javascripts/postdocs-search.js`) loads Pagefind only when a
reader starts to search.

Called by the `postdocs` MkDocs plugin at the end of a build; under `mkdocs serve` in the
background (`BackgroundIndexer`), so a preview page is served before its index is made again.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import OutputError

log = logging.getLogger("mkdocs.plugins.postdocs")

BUNDLE = "pagefind"  # the index's folder in the site
# Pagefind writes its own ready-made interfaces too; the site uses its search API only.
_UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js",
           "pagefind-modular-ui.css", "pagefind-component-ui.js", "pagefind-component-ui.css",
           "pagefind-highlight.js")
_HTML_LANG_RE = re.compile(r'<html lang="[^"<>]*"')
_LANG_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")


def with_page_language(html: str, lang: object) -> str:
    """The page's HTML with its own language on `<html lang>` (Material writes the site's
    `theme.language` there, outside any template block). `lang`: the front-matter value; any
    value that is not a language tag leaves the page as it is."""
    if not isinstance(lang, str) or not _LANG_RE.match(lang):
        return html
    return _HTML_LANG_RE.sub(f'<html lang="{lang}"', html, count=1)


_FILTER_RE = re.compile(r'data-pagefind-filter="([a-z]+)\[data-value\]" data-value="([^"]*)"')
FILTERS_FILE = "postdocs-filters.json"  # the search box's filter choices, in the bundle


def page_filters(page_html: str) -> tuple[tuple[str, str], ...]:
    """The Pagefind filters a built page declares (`render.py` writes them as attributes)."""
    return tuple((key, html.unescape(value)) for key, value in _FILTER_RE.findall(page_html))


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


def run_pagefind(site_dir: str | os.PathLike[str],
                 filters: Mapping[str, Iterable[tuple[str, str]]] | None = None) -> float:
    """Index the built site in `site_dir` into `site_dir/pagefind/` (replaced whole, so a
    reader never meets half an index), with the filter choices of `filters` (page → its
    filters; None: those of the index it replaces). Returns the seconds it took. Pagefind's
    files are not byte-identical from run to run (its hashed file names and the order inside
    its filter files vary with its threads); what they hold is the same."""
    started = time.perf_counter()
    site = Path(site_dir)
    new, old = site / f"{BUNDLE}.new", site / f"{BUNDLE}.old"
    for stale in (new, old):
        shutil.rmtree(stale, ignore_errors=True)
    try:
        proc = subprocess.run(
            [str(pagefind_executable()), "--site", str(site), "--output-path", str(new),
             "--silent"],
            capture_output=True, text=True, check=False, timeout=3600)
    except (OSError, subprocess.SubprocessError) as exc:
        raise OutputError(f"{site}: the search index could not be made: {exc}") from exc
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise OutputError(f"{site}: the search index could not be made: "
                          f"{detail[-1] if detail else f'pagefind exited {proc.returncode}'}")
    for name in _UNUSED:
        (new / name).unlink(missing_ok=True)
    current = site / BUNDLE
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
    shutil.rmtree(old, ignore_errors=True)
    seconds = time.perf_counter() - started
    log.info("postdocs: search index made in %.1f s", seconds)
    return seconds


class BackgroundIndexer:
    """Runs `run_pagefind` in a thread, one run at a time; a request while it runs makes one
    more run afterwards (live preview: the index follows the latest build)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: tuple[str, dict[str, tuple[tuple[str, str], ...]]] | None = None
        self._thread: threading.Thread | None = None

    def request(self, site_dir: str,
                filters: Mapping[str, tuple[tuple[str, str], ...]]) -> None:
        with self._lock:
            self._pending = (site_dir, dict(filters))
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
            try:
                run_pagefind(*pending)
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
