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
- The search index: the previous index's entries of pages not rendered (copied as they were
  written, never parsed) and the rendered pages' new entries, in the order of the pages, the
  order a clean build writes them in.

The site is then byte-identical to a clean build of the same inputs
(tests/test_incremental.py); `sitemap.xml.gz` and every other file included.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import material  # type: ignore[import-untyped]
import mkdocs
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from .cache import CACHE_DIR, code_fingerprint
from .mkdocs_live import force_rebuild
from .write import MANIFEST

STATE = "site-state.json"
INDEX = Path("search") / "search_index.json"
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
    if not (Path(config.site_dir) / INDEX).is_file():
        return None
    return state


def save_state(config: MkDocsConfig, files: Files, tagged: dict[str, dict[str, Any]]) -> None:
    pages = {_url(f.url): os.path.relpath(f.abs_dest_path, config.site_dir)
             for f in files.documentation_pages()}
    state = {"fingerprint": fingerprint(config), "pages": pages, "tagged": tagged}
    path = state_path(config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # the next incremental build is then a clean one


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
    if state is None:
        clean_site(config.site_dir)
        for f in files:
            force_rebuild(f)
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


_ENTRY_START = ',{"location":"'
_LOCATION = re.compile(r'\{"location":"((?:[^"\\]|\\.)*)"')
_HEAD = '"docs":['
_BLOCK = 1 << 20


def previous_entries(site_dir: str) -> Iterator[tuple[str, str]]:
    """The previous search index's entries as written (JSON text, never parsed), with their
    page's URL, in the order of the file, read a block at a time. The index is
    `{"config":…,"docs":[{"location":"…",…},…]}`, written by `json.dumps`: a quote inside a
    string is always escaped, so `,{"location":"` only ever starts an entry."""
    with (Path(site_dir) / INDEX).open(encoding="utf-8") as fh:
        buf = ""
        while _HEAD not in buf:
            block = fh.read(_BLOCK)
            if not block:
                raise ValueError("no entries")
            buf += block
        buf = buf[buf.index(_HEAD) + len(_HEAD):]
        done = False
        while True:
            cut = buf.find(_ENTRY_START)
            if cut < 0 and not done:
                block = fh.read(_BLOCK)
                if block:
                    buf += block
                    continue
                done = True
            if cut < 0:
                if not buf.endswith("]}"):
                    raise ValueError("not a search index")
                last = buf[:-2]
                if last:
                    yield _page(last), last
                return
            yield _page(buf[:cut]), buf[:cut]
            buf = buf[cut + 1:]


def _page(raw: str) -> str:
    m = _LOCATION.match(raw)
    if m is None:
        raise ValueError("an entry without a location")
    return str(json.loads(f'"{m.group(1)}"')).split("#", 1)[0]


def write_index(index: Any, site_dir: str, order: list[str], rendered: set[str],
                use_previous: bool, encode: Callable[[Any], str]) -> None:
    """The search index of the pages in `order`: a rendered page's new entries, another
    page's previous ones; the same bytes as Material's `json.dumps` of a clean build's. The
    previous index lists its pages in the same order (MkDocs' order of the files, which a new
    page does not change for the others), so it is read once, front to back, beside the new
    one and never held in memory; if it is not in that order, it is read whole instead."""
    settings = {key: index.config[key] for key in ("lang", "separator", "pipeline", "fields")}
    new: dict[str, list[Any]] = {}
    for entry in index.entries:
        new.setdefault(str(entry["location"]).split("#", 1)[0], []).append(entry)
    path = Path(site_dir) / INDEX
    tmp = path.with_name(path.name + ".new")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tmp.open("w", encoding="utf-8") as out:
            _write_merged(out, settings, order, rendered, new, encode,
                          previous_entries(site_dir) if use_previous else iter(()))
    except ValueError:  # not in the order of the pages: the previous entries by page
        grouped: dict[str, list[str]] = {}
        for page, raw in previous_entries(site_dir) if use_previous else ():
            grouped.setdefault(page, []).append(raw)
        with tmp.open("w", encoding="utf-8") as out:
            _write_merged(out, settings, order, rendered, new, encode,
                          ((page, raw) for page in order for raw in grouped.get(page, [])))
    os.replace(tmp, path)


def _write_merged(out: Any, settings: dict[str, Any], order: list[str], rendered: set[str],
                  new: dict[str, list[Any]], encode: Callable[[Any], str],
                  previous: Iterator[tuple[str, str]]) -> None:
    out.write('{"config":' + encode(settings) + ',"docs":[')
    first = True
    pending: tuple[str, str] | None = next(previous, None)
    position = {page: i for i, page in enumerate(order)}
    for i, page in enumerate(order):
        # the previous entries of pages before this one (rendered again, or gone) are skipped
        while pending is not None and position.get(pending[0], -1) < i:
            if pending[0] in position and pending[0] not in rendered:
                raise ValueError("the previous index is not in the order of the pages")
            pending = next(previous, None)
        chunks: list[str] = []
        if page in rendered:
            chunks = [encode(e) for e in new.get(page, [])]
        while pending is not None and pending[0] == page:
            if page not in rendered:
                chunks.append(pending[1])
            pending = next(previous, None)
        for chunk in chunks:
            out.write(chunk if first else "," + chunk)
            first = False
    out.write("]}")
