"""`postdocs` MkDocs plugin: gives the site its search, keeps `--dirty` builds whole, and keeps
`mkdocs serve`'s rebuilds and a build's memory small.

Search (`search_index.py`): the plugin puts each page's language on its `<html lang>` (Pagefind
keeps one index per language and reads the language from the static HTML), keeps each page's
search source (`.postdocs-cache/search/`; a temporary folder under `mkdocs serve`); `mkdocs
build` keeps it as soon as the page's Markdown is rendered (checked when the page is
written) and indexes the shards whose pages changed while the pages are rendered and written
(beside MkDocs, on the other core), the rest at the end; under `mkdocs serve` it indexes in the
background after each build, so preview stays as fast as it was.

The rest is optional by design (ProperDocs or Zensical may run without it): apart from
`<html lang>` and the search index the site is byte-identical without it
(tests/test_mkdocs_plugin.py builds the seed site both ways). Through public APIs only:

- Jinja (`on_env`): compiled theme templates kept between the builds of `mkdocs serve`, and no
  check of every template file each time a page includes it.
- Memory (`on_page_content`, `on_post_page`): a page's Markdown source is dropped once it is
  rendered, its HTML and postdocs' `topic_evidence` once it is written.
- `mkdocs build --dirty` (incremental.py) and `mkdocs serve --dirty` (live.py)
  made whole: the same site as a clean build.
- Python's full cycle collections held back from `on_config` to the build's end
  (`collector.py`; `mkdocs serve` runs one after each build).

Behind the version gate of `compat.py` (outside it a dirty build is a clean one; see
UPSTREAM.md): incremental builds give Material's tags plugin the pages they do not render (its
private mappings), so the tags page lists every page. Earlier speed-ups that used MkDocs' and
Python-Markdown's internals (an inline-pattern skip, one Markdown instance per build, an
anchor-id scan skip, file events for `mkdocs serve`) were measured at under a tenth of a build
each and removed (README, "The MkDocs plugin").
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from mkdocs.config import base, config_options
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from .. import collector
from ..cache.reads import CACHE_DIR
from ..errors import OutputError
from . import compat, incremental, live, search_index

log = logging.getLogger("mkdocs.plugins.postdocs")


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled theme templates kept in memory by name and source checksum: under
    `mkdocs serve` every rebuild makes a new Jinja environment, which compiled Material's
    templates again. The rendered pages are the same."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def _site_language(config: MkDocsConfig) -> str:
    """The language on `<html lang>` of a page without its own (Material writes the site's)."""
    return search_index.language_tag(config.theme.get("language")) or "en"


def _tags_plugin(config: MkDocsConfig) -> Any:
    tags = config.plugins.get("material/tags") or config.plugins.get("tags")
    return tags if type(tags).__module__ == "material.plugins.tags.plugin" else None


class PostdocsConfig(base.Config):  # type: ignore[no-untyped-call]
    # pages per shard of the search index (search_index.py)
    search_shard_pages = config_options.Type(int, default=search_index.SHARD_PAGES)


class PostdocsPlugin(BasePlugin[PostdocsConfig]):  # type: ignore[no-untyped-call]
    """Registered as `postdocs` (pyproject.toml entry point); see the module's docstring."""

    # Whether this build may use other packages' internals (compat.py): asked once per
    # build, in `on_config`, before any of them is installed; every hook that uses one reads it.
    _patched = False

    # The collector's thresholds this build holds back full collections from (`collector.py`):
    # a build starts with `on_config` and ends with `on_post_build` or `on_build_error`.
    _held: collector.Held = None

    @event_priority(100)  # first: the build's objects are made after it
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self._end_pause()  # a build that ended in neither hook
        self._held = collector.pause()
        self._patched = compat.patches_allowed(config.config_file_path or "mkdocs.yml")
        if self._command != "serve":
            root = Path(config.config_file_path or "mkdocs.yml").resolve().parent
            self._store_root = root / CACHE_DIR / "search"
        return config

    _templates: _MemoryBytecodeCache | None = None

    @event_priority(150)  # before the tags plugin lists the tagged pages (priority 100)
    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig,
               files: Files) -> jinja2.Environment:
        if self._incremental:
            incremental.tags_of_unrendered(config, files, self._state,
                                                  _tags_plugin(config))
        if self._templates is None:
            self._templates = _MemoryBytecodeCache()
        env.bytecode_cache = self._templates
        # Jinja checks every template's file again each time a page includes it (a stat per
        # partial per page); a build's templates do not change while it runs, and `mkdocs
        # serve` makes a new environment for each build.
        env.auto_reload = False
        return env

    def _stream(self, config: MkDocsConfig, files: Files) -> None:
        """`mkdocs build` that renders every page: index the search shards while MkDocs
        renders and writes the pages. Each page's language is foreseen from its front-matter
        (`search_index.foreseen_language`, or the site's); each page's source is kept as soon
        as its Markdown is rendered (`on_page_content`), so a shard is indexed as soon as its
        last page is rendered. Not in an incremental build that has the last build's record
        (it renders few pages)."""
        if not self._foresee or self._store is None:
            return
        site_lang = _site_language(config)
        expected = {file.url: search_index.foreseen_language(file.abs_src_path) or site_lang
                    for file in files.documentation_pages()}
        self._streaming = search_index.StreamingIndexer(self._store, expected,
                                                        self._shard_pages())

    @event_priority(-100)  # after every other plugin
    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig,
                        files: Files) -> str:
        # Not None: MkDocs reads None as "not read yet" (Page.title is then None).
        page.markdown = ""
        if self._foresee and self._store is not None:
            # the page's search source, as its written page will give it (checked then)
            meta = page.meta if isinstance(page.meta, dict) else {}
            search = meta.get("search")
            excluded = isinstance(search, dict) and bool(search.get("exclude"))
            lang = search_index.language_tag(meta.get("lang")) or _site_language(config)
            try:
                self._store.put(page.url, None if excluded else search_index.content_source(
                    html, str(page.title or config.site_name), lang))
            except OutputError as exc:
                raise PluginError(str(exc)) from exc
            if self._streaming is not None:
                self._streaming.written(page.url)
        return html

    @event_priority(-100)
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        output = search_index.with_page_language(output, page.meta.get("lang"))
        self._filters[page.url] = search_index.page_filters(output)
        if self._store is not None:
            try:
                changed = self._store.put(page.url, search_index.page_source(output))
            except OutputError as exc:
                raise PluginError(str(exc)) from exc
            if changed and self._foresee:  # its shard is indexed again at the end
                self.unforeseen += 1
            if self._streaming is not None:
                self._streaming.written(page.url)
        page.content = None
        # postdocs' own record of why a review has its topics: no template reads it, and it
        # is most of a review's front-matter (the other keys stay: the tags plugin, the
        # navigation and other pages may read them).
        page.meta.pop("topic_evidence", None)
        return output

    # Live preview (`mkdocs serve --dirty`): see live.py.
    _dirty = False
    _last_build: float | None = None
    _started = 0.0

    _command = "build"
    _filters: dict[str, tuple[tuple[str, str], ...]] = {}  # page URL → its search filters
    _indexer: search_index.BackgroundIndexer | None = None
    _store: search_index.SourceStore | None = None  # every page's search source
    _store_root: Path | None = None
    _streaming: search_index.StreamingIndexer | None = None  # `mkdocs build`: see _stream
    # `mkdocs build` that renders every page: each page's search source kept as its Markdown
    # is rendered (on_page_content), and its shard indexed while the build goes on (_stream)
    _foresee = False
    unforeseen = 0  # pages of this build whose written page gave another source

    # `mkdocs build` (clean, or `--dirty`: incremental): see incremental.py.
    _incremental = False
    _state: dict[str, Any] | None = None
    _files: Files | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._command = command
        self._indexer = search_index.BackgroundIndexer()
        self._filters = {}
        self._store = None
        # Under `mkdocs serve` the sources live as long as the server (its site is temporary
        # too); a build keeps them in the project's cache for the next build.
        self._store_root = (Path(tempfile.mkdtemp(prefix="postdocs-search-"))
                            if command == "serve" else None)
        self._incremental = command == "build" and dirty
        if self._incremental:
            incremental.quiet_dirty_warning()
        self._dirty = dirty and not self._incremental
        self._rebuilt: set[str] = set()
        self._pages: dict[str, str] = {}  # this build's page URLs → HTML files
        self._served: dict[str, str] = {}  # the same, last build
        self._outputs: set[str] = set()  # every file this build writes (pages, static files)

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        self._started = time.time()
        self._stop_streaming()
        self._rebuilt = set()
        self._pages = {}
        if not self._dirty:
            self._filters = {}
        if self._store_root is None:
            self._store = None
        elif self._command != "serve":  # the cache's sources, as the last build left them
            if self._store is not None:  # an earlier build of this process
                self._store.close()
            self._store = search_index.SourceStore(self._store_root)
            # before MkDocs empties the site: the index's shards that stay as they are
            search_index.reclaim(config.site_dir, self._store)
        elif self._store is None:  # kept from build to build while the server runs
            self._store = search_index.SourceStore(self._store_root)
        if self._command == "build":
            # outside the version gate a dirty build is a clean one (no record is used)
            self._state = (incremental.load_state(config)
                           if self._incremental and self._patched else None)
            incremental.forget_state(config)  # until this build is complete
            if self._state is not None:  # the search filters of the pages not rendered
                self._filters = incremental.recorded_filters(self._state)
        self._foresee = (self._command == "build" and self._state is None
                         and self._store is not None)
        self.unforeseen = 0

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self._files = files
        if self._incremental:
            incremental.plan(config, files, self._state)
        if self._dirty and self._last_build is not None:
            for file in live.snippet_includers(files, self._last_build):
                live.force_rebuild(file)
        if self._dirty:
            self._pages.update(live.page_urls(files))
            # a gone page's HTML may now be another file's (a redirect left by a renamed page)
            self._outputs = {f.abs_dest_path for f in files}
        self._stream(config, files)
        return files

    @event_priority(-100)
    def on_page_context(self, context: Any, *, page: Page, config: MkDocsConfig,
                        nav: Any) -> Any:
        self._rebuilt.add(page.url)
        return context

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        try:
            self._post_build(config)
        finally:
            self._end_pause()

    def _end_pause(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            collector.resume(held)
            if self._command == "serve":  # it goes on: the last build's pages, collected
                collector.collect()

    def _post_build(self, config: MkDocsConfig) -> None:
        self._last_build = self._started
        if self._dirty and self._served:
            for html in live.gone_pages(self._served, self._pages):
                if html not in self._outputs:
                    Path(html).unlink(missing_ok=True)
        self._served = dict(self._pages)
        if self._dirty:  # pages gone since the last build leave the filter choices
            self._filters = {url: f for url, f in self._filters.items() if url in self._pages}
        if self._incremental and self._files is not None:  # the same, since the last build
            now = {p.page.url for p in self._files.documentation_pages() if p.page is not None}
            self._filters = {url: f for url, f in self._filters.items() if url in now}
        self._index(config)
        if self._command == "build" and self._files is not None:  # the record, once all is done
            incremental.save_state(
                config, self._files,
                incremental.tagged_pages(self._files, _tags_plugin(config)),
                self._filters)

    def _index(self, config: MkDocsConfig) -> None:
        store = self._store
        if store is None or self._files is None:
            self._stop_streaming()
            return
        # every page of this build, rendered or not (an incremental build's other pages keep
        # the sources of the build that rendered them; read from their HTML if not kept)
        pages = live.page_urls(self._files)
        store.keep_only(pages)
        try:
            store.fill(pages)
        except OutputError as exc:
            raise PluginError(str(exc)) from exc
        store.save()
        # Under `mkdocs serve` (its first build runs before `on_serve`, the others after) the
        # index is made in the background: a page is served at once, search follows.
        if self._command == "serve" and self._indexer is not None:
            self._indexer.request(config.site_dir, store, self._filters, self._shard_pages())
            return
        streaming, self._streaming = self._streaming, None
        if self._foresee:
            log.debug("postdocs: %d pages' search sources were not the ones foreseen",
                      self.unforeseen)
        try:
            search_index.make_index(config.site_dir, store, self._filters,
                                    shard_pages=self._shard_pages(), streaming=streaming)
        except OutputError as exc:
            raise PluginError(str(exc)) from exc

    def _shard_pages(self) -> int:
        pages = self.config.search_shard_pages
        if not isinstance(pages, int) or pages < 1:
            raise PluginError(f"postdocs: search_shard_pages must be a positive number, "
                              f"not {pages!r}")
        return pages

    def _stop_streaming(self) -> None:
        streaming, self._streaming = self._streaming, None
        if streaming is not None:  # a build that failed: its runs are left to end
            streaming.close()

    def on_build_error(self, *, error: Exception) -> None:
        self._stop_streaming()
        self._end_pause()

    def on_shutdown(self) -> None:
        self._stop_streaming()
        self._end_pause()
        if self._indexer is not None:
            self._indexer.stop()
        if self._command == "serve" and self._store_root is not None:
            shutil.rmtree(self._store_root, ignore_errors=True)
