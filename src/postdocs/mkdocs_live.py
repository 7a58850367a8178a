"""Live preview (`mkdocs serve --dirty`, as `make serve` runs it) kept whole.

A dirty rebuild renders only the pages whose Markdown is newer than their HTML. Two things then
go wrong on their own, and the `postdocs` plugin puts them right:

- Material's search plugin merges the rebuilt pages' entries into the previous index assuming
  one page was rebuilt: it drops the old entries of the first rebuilt page only, so every other
  rebuilt page was listed twice (postdocs rewrites a review and the pages that list it).
  `merge_search_entries` drops the old entries of every rebuilt page.
- A page whose Markdown is gone (its post was removed, or renamed by a new title) kept its
  entries in the index and its HTML in the served folder: `merge_search_entries` keeps only the
  entries of pages still there, and the plugin deletes the HTML of pages gone since the last
  build (`gone_pages`).
- A page that includes a snippet (the home page includes `_snippets/home.md`, which postdocs
  regenerates) is not itself newer than its HTML: `snippet_includers` finds the pages to rebuild
  when a snippet changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Container, Iterable
from typing import Any

from mkdocs.structure.files import File, Files

SNIPPETS = "_snippets/"
SNIPPET_MARK = "--8<--"
GENERATED_REVIEWS = "reviews/"  # review pages never include snippets (markup.py escapes `-`)


def _page_of(location: str) -> str:
    return location.split("#", 1)[0]


def merge_search_entries(previous: Iterable[dict[str, Any]], rebuilt: set[str],
                         current: list[dict[str, Any]],
                         pages: Container[str]) -> list[dict[str, Any]]:
    """The previous index's entries of pages still there and not rebuilt, then the new ones."""
    return [e for e in previous
            if (page := _page_of(str(e["location"]))) not in rebuilt and page in pages] + current


def page_urls(files: Files) -> dict[str, str]:
    """Page URL as `Page.url` and search give it (the home page is '') → its HTML file."""
    return {"" if f.url in (".", "./") else f.url: f.abs_dest_path
            for f in files.documentation_pages()}


def gone_pages(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The HTML files of pages that were there at the last build and are not now."""
    return [before[url] for url in sorted(before.keys() - now.keys())]


def patch_search_index(index: Any, rebuilt: set[str], pages: Container[str]) -> None:
    """Make a Material `SearchIndex` merge dirty rebuilds by the set of rebuilt page URLs
    (and `pages`, the URLs of this build's pages)."""
    generate: Callable[[Any], str] = index.generate_search_index

    def generate_search_index(prev: Any) -> str:
        if prev is not None:
            index.entries = merge_search_entries(prev.entries, rebuilt, index.entries, pages)
            prev = None  # merged: the original only writes the entries out
        return generate(prev)

    index.generate_search_index = generate_search_index


def snippet_includers(files: Files, since: float) -> list[File]:
    """Pages that include a snippet, when a snippet changed after `since` (epoch seconds)."""
    snippets = [f for f in files if f.src_uri.startswith(SNIPPETS) and f.abs_src_path]
    if not any(os.path.getmtime(str(f.abs_src_path)) > since for f in snippets):
        return []
    out = []
    for f in files.documentation_pages():
        if f.src_uri.startswith((GENERATED_REVIEWS, SNIPPETS)) or not f.abs_src_path:
            continue
        with open(f.abs_src_path, encoding="utf-8", errors="replace") as fh:
            if SNIPPET_MARK in fh.read():
                out.append(f)
    return out


def force_rebuild(file: File) -> None:
    """Have a dirty build render this page although its Markdown did not change."""
    file.is_modified = lambda: True  # type: ignore[method-assign]
