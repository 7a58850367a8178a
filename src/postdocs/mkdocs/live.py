"""Live preview (`mkdocs serve --dirty`, as `make serve` runs it) kept whole.

A dirty rebuild renders only the pages whose Markdown is newer than their HTML. Some things then
go wrong on their own, and the `postdocs` plugin puts them right:

- A page whose Markdown is gone (its post was removed, or renamed by a new title) kept its HTML
  in the served folder: the plugin deletes the HTML of pages gone since the last build
  (`gone_pages`), unless another file of this build is written there (the redirect a
  page renamed on purpose leaves at its old URL), before the search index is made again
  from the served folder.
- A page that includes a snippet (the home page includes `_snippets/home.md`, which postdocs
  regenerates) is not itself newer than its HTML: `snippet_includers` finds the pages to rebuild
  when a snippet changed.
"""

from __future__ import annotations

import os

from mkdocs.structure.files import File, Files

SNIPPETS = "_snippets/"
SNIPPET_MARK = "--8<--"
GENERATED_REVIEWS = "reviews/"  # review pages never include snippets (markup.py escapes `-`)


def page_urls(files: Files) -> dict[str, str]:
    """Page URL as `Page.url` and search give it (the home page is '') → its HTML file."""
    return {"" if f.url in (".", "./") else f.url: f.abs_dest_path
            for f in files.documentation_pages()}


def gone_pages(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The HTML files of pages that were there at the last build and are not now."""
    return [before[url] for url in sorted(before.keys() - now.keys())]


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
