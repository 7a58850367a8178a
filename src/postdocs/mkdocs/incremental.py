"""Incremental site builds (`mkdocs build --dirty`, as `postdocs site --incremental` runs it)
that write the same site as a clean build.

MkDocs' `--dirty` renders only the pages whose Markdown is newer than their HTML, and the
rest of a dirty build then knows nothing of the other pages: their titles and tags, their
search entries, which pages are gone. The `postdocs` plugin makes it whole from what the last
build (clean or incremental) recorded in `.postdocs-cache/site-state.json` next to the
project's mkdocs.yml:

- `fingerprint`: postdocs' code, MkDocs' and Material's versions, mkdocs.yml, the effective
  `site_url`, the theme's override files. When any differs (or there is no record, or no
  search index), the site folder is emptied and every page rendered: a clean build.
- The pages not written by postdocs (home, about, tags: `content/docs/*.md` outside its
  manifest) are always rendered: they include generated snippets and list every tagged page.
- `pages`: every page's URL → its HTML file, so the HTML of a page that is gone is deleted.
- `tagged`: the title and tags of every page that has tags, given to the tags plugin for the
  pages not rendered, in the pages' order, so the tags page lists them as a clean build does.
- `filters`: every page's search filters, so the search box's filter choices count the pages
  not rendered too. The search index is made from every page's search source, those the last
  build kept for the pages not rendered (search_index.py): Pagefind runs again only over the
  shards that hold a changed page.

The site is then byte-identical to a clean build of the same inputs (tests/test_incremental.py),
but for Pagefind's index files, which are not byte-identical even between two clean builds (its
hashed file names and the order inside its filter files vary with its threads; what they hold is
the same): the test compares every other file, including `pagefind/postdocs-filters.json`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import material  # type: ignore[import-untyped]
import mkdocs
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from ..cache.reads import CACHE_DIR, code_fingerprint
from ..output.writer import MANIFEST
from .live import force_rebuild

STATE = "site-state.json"
_DIRTY_WARNING = "A 'dirty' build is being performed"


class _NoDirtyWarning(logging.Filter):
    """MkDocs warns of every dirty build (which a strict build counts); an incremental build
    made whole has nothing to warn of."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_DIRTY_WARNING)


def quiet_dirty_warning() -> None:
    logging.getLogger("mkdocs.commands.build").addFilter(_NoDirtyWarning())


def state_path(config: MkDocsConfig) -> Path:
    return Path(config.config_file_path).resolve().parent / CACHE_DIR / STATE


def fingerprint(config: MkDocsConfig) -> str:
    h = hashlib.sha256()
    for part in (code_fingerprint(), mkdocs.__version__, material.__version__,
                 str(config.site_url), str(Path(config.site_dir).resolve()),
                 str(Path(config.docs_dir).resolve())):
        h.update(part.encode() + b"\0")
    h.update(Path(config.config_file_path).read_bytes())
    custom = config.theme.custom_dir
    if custom and os.path.isdir(custom):
        for path in sorted(Path(custom).rglob("*")):
            if path.is_file():
                h.update(str(path.relative_to(custom)).encode() + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def load_state(config: MkDocsConfig) -> dict[str, Any] | None:
    try:
        state = json.loads(state_path(config).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("fingerprint") != fingerprint(config):
        return None
    if not (Path(config.site_dir) / "index.html").is_file():
        return None
    return state


def save_state(config: MkDocsConfig, files: Files, tagged: dict[str, dict[str, Any]],
               filters: Mapping[str, Iterable[tuple[str, str]]]) -> None:
    pages = {_url(f.url): os.path.relpath(f.abs_dest_path, config.site_dir)
             for f in files.documentation_pages()}
    state = {"fingerprint": fingerprint(config), "pages": pages, "tagged": tagged,
             "filters": {url: [list(f) for f in fs] for url, fs in sorted(filters.items())}}
    path = state_path(config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # the next incremental build is then a clean one


def recorded_filters(state: dict[str, Any]) -> dict[str, tuple[tuple[str, str], ...]]:
    """The search filters of every page of the last build (page URL → its filters)."""
    return {str(url): tuple((str(k), str(v)) for k, v in fs)
            for url, fs in state.get("filters", {}).items()}


def forget_state(config: MkDocsConfig) -> None:
    with contextlib.suppress(OSError):
        state_path(config).unlink()


def _url(url: str) -> str:
    return "" if url in (".", "./") else url


def written_by_postdocs(docs_dir: str) -> set[str]:
    try:
        data = json.loads((Path(docs_dir) / MANIFEST).read_text(encoding="utf-8"))
        return set(data["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def clean_site(site_dir: str) -> None:
    """What a clean build does first (MkDocs' `clean_directory`: dot files stay)."""
    from mkdocs import utils

    utils.clean_directory(site_dir)


def plan(config: MkDocsConfig, files: Files, state: dict[str, Any] | None) -> None:
    """Before the pages are read: with no usable record, the clean build's first step and every
    file rendered; else the hand-written pages rendered and the pages gone since deleted."""
    if state is None:  # MkDocs renders every file whose output is not there
        clean_site(config.site_dir)
        return
    generated = written_by_postdocs(config.docs_dir)
    for f in files.documentation_pages():
        if f.src_uri not in generated:
            force_rebuild(f)
    now = {_url(f.url) for f in files.documentation_pages()}
    site = Path(config.site_dir)
    for url, html in sorted(state.get("pages", {}).items()):
        if url not in now:
            target = site / html
            target.unlink(missing_ok=True)
            parent = target.parent
            while parent != site and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent


def tags_of_unrendered(config: MkDocsConfig, files: Files, state: dict[str, Any] | None,
                       tags_plugin: Any) -> None:
    """Give the tags plugin the pages a dirty build did not read (their title and tags as the
    last build recorded them), and put its pages in the pages' order."""
    if state is None or tags_plugin is None:
        return
    tagged = state.get("tagged", {})
    mappings = getattr(tags_plugin, "mappings", None)
    data = getattr(mappings, "data", None)
    if not isinstance(data, dict):
        return
    key = tags_plugin.config.tags_name_property
    for f in files.documentation_pages():
        page = f.page
        if page is None or page.markdown is not None:
            continue
        known = tagged.get(_url(f.url))
        if not known:
            continue
        page.meta = {"title": known["title"], key: known["tags"]}
        page.markdown = ""
        tags_plugin.on_page_markdown("", page=page, config=config, files=files)
    by_url = dict(data)  # page URL → its mapping, in the order the pages were read
    data.clear()
    for f in files.documentation_pages():
        if f.page is not None and f.page.url in by_url:
            data[f.page.url] = by_url.pop(f.page.url)
    data.update(by_url)


def tagged_pages(files: Files, tags_plugin: Any) -> dict[str, dict[str, Any]]:
    """Title and tags of every page with tags (read, or given from the record), for the next
    incremental build."""
    if tags_plugin is None:
        return {}
    key = tags_plugin.config.tags_name_property
    out: dict[str, dict[str, Any]] = {}
    for f in files.documentation_pages():
        page = f.page
        if page is None or page.markdown is None:
            continue
        tags = page.meta.get(key)
        if tags:
            out[_url(f.url)] = {"title": page.title, "tags": list(tags)}
    return out
