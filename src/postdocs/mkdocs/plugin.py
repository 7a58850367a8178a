"""`postdocs` MkDocs plugin: makes `mkdocs build` faster, and gives the site its search.

Search (`search_index.py`): the plugin puts each page's language on its `<html lang>` (Pagefind
keeps one index per language and reads the language from the static HTML) and runs Pagefind
over the built site at the end of `mkdocs build`; under `mkdocs serve` it indexes in the
background after each build, so preview stays as fast as it was.

The rest is optional by design (ProperDocs or Zensical may run without it): apart from
`<html lang>` and the search index the site is byte-identical without it
(tests/test_mkdocs_plugin.py builds the seed site both ways). What it does:

- Python-Markdown tries each of its ~15 inline patterns (a regular-expression search and some
  Python around it) on every piece of text of every page. Most patterns need one particular
  character to match (a link `[`, an entity `&`, code `` ` ``…); the plugin's inline processor
  skips a pattern when its text holds none of them, which its search could not match anyway.
  Patterns it does not know are always tried.
- MkDocs parses every page's whole Markdown source as HTML to collect anchor ids; the plugin
  skips that where no `id` or `name` attribute can be (review pages have none).
- MkDocs builds a new Python-Markdown instance (all extensions set up again) for every page;
  the plugin renders with one instance per build, reset between pages as Python-Markdown
  provides for (`Markdown.reset`). MkDocs 1.6.1's own pages only: `_render` is its
  `Page.render` with that one change.
- MkDocs keeps every page's Markdown source and HTML to the end of the build. The plugin drops
  the source once the page is rendered and the HTML (and postdocs' `topic_evidence`) once the
  page is written (nothing reads them
  later: titles come from the front-matter or the rendered `<h1>`): about a quarter less peak
  memory at 10×.
"""

from __future__ import annotations

import logging
import re
import time
import types
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import markdown
import mkdocs
from markdown import inlinepatterns, treeprocessors, util
from markdown.extensions import Extension
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure import pages
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from ..errors import OutputError
from . import incremental, live, search_index

# A pattern (by its regular expression, so a changed pattern is no longer skipped) → the
# characters one of which every match contains.
_NEEDS: dict[str, str] = {
    inlinepatterns.BACKTICK_RE: "`",
    inlinepatterns.ESCAPE_RE: "\\",
    inlinepatterns.LINK_RE: "[",             # also reference and short-reference links
    inlinepatterns.IMAGE_LINK_RE: "[",       # also image references
    inlinepatterns.AUTOLINK_RE: "<",
    inlinepatterns.AUTOMAIL_RE: "<",
    inlinepatterns.HTML_RE: "<",
    inlinepatterns.ENTITY_RE: "&",
    inlinepatterns.LINE_BREAK_RE: "\n",
}


def needed_characters(pattern: Any) -> str | None:
    """Characters one of which any match of `pattern` contains; None: unknown, always try it."""
    if isinstance(pattern, inlinepatterns.DelimiterProcessor):
        # `*`/`_` emphasis: a match is one of its delimiter tokens
        if pattern.compiled_re.pattern != "|".join(map(re.escape, pattern.tokens)):
            return None
        return "".join(token[0] for token in pattern.tokens) or None
    if type(pattern).__module__ == "pymdownx.arithmatex":
        # `$…$` and `\(…\)`; both alternatives of its pattern start with `\` or `$`
        return "$\\"
    return _NEEDS.get(getattr(pattern, "pattern", None) or "")


class SkippingInlineProcessor(treeprocessors.InlineProcessor):  # type: ignore[misc]
    """Python-Markdown's inline processor, skipping patterns that cannot match the text."""

    _needs: list[str | None]

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        self._needs = [needed_characters(p) for p in self.inlinePatterns]
        return super().run(tree, ancestors)

    # Replaces the base class's private `__handleInline` (name-mangled), which `run` and
    # `__applyPattern` call: the same loop, plus the skip.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802,N803
        if not isinstance(data, util.AtomicString):
            start = 0
            patterns, needs = self.inlinePatterns, self._needs
            while patternIndex < len(patterns):
                need = needs[patternIndex]
                if need is not None and not any(c in data for c in need):
                    patternIndex += 1
                    start = 0
                    continue
                data, matched, start = self._InlineProcessor__applyPattern(
                    patterns[patternIndex], data, patternIndex, start)
                if not matched:
                    patternIndex += 1
        return data


class SkippingInlineExtension(Extension):  # type: ignore[misc]
    """Puts `SkippingInlineProcessor` in place of Python-Markdown's inline processor."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        index = md.treeprocessors.get_index_for_name("inline")
        priority = md.treeprocessors._priority[index].priority
        md.treeprocessors.register(SkippingInlineProcessor(md), "inline", priority)


# Where an HTML attribute named `id` or `name` could be: MkDocs' HTMLParser reads an attribute
# name from after a space, `/` or quote up to a space, `/`, `=` or `>`, and lowercases it (no
# character but ASCII `I D N A M E` lowercases to one of these letters).
_MAY_NAME_ANCHOR = re.compile(r"""(?<=['"\s/])(?:[iI][dD]|[nN][aA][mM][eE])(?=[\s/=>]|\Z)""")


class _AnchorIdsPreprocessor(pages._RawHTMLPreprocessor):
    """MkDocs' preprocessor that collects the `id`s (and `<a name>`s) of a page's raw HTML,
    for its anchor checks: it parses the whole Markdown source as HTML. A page where no such
    attribute can be has none, and is not parsed."""

    def run(self, lines: list[str]) -> list[str]:
        if _MAY_NAME_ANCHOR.search("\n".join(lines)) is None:
            self.present_anchor_ids = set()
            return lines
        return super().run(lines)


def _render(page: Page, config: MkDocsConfig, files: Files, md: markdown.Markdown) -> None:
    """MkDocs 1.6.1's `Page.render`, with `md` (reset) instead of a new Markdown instance."""
    if page.markdown is None:
        raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
    md.reset()
    raw_html_ext = _AnchorIdsPreprocessor()
    raw_html_ext._register(md)
    extract_anchors_ext = pages._ExtractAnchorsTreeprocessor(page.file, files, config)
    extract_anchors_ext._register(md)
    relative_path_ext = pages._RelativePathTreeprocessor(page.file, files, config)
    relative_path_ext._register(md)
    extract_title_ext = pages._ExtractTitleTreeprocessor()
    extract_title_ext._register(md)
    page.content = md.convert(page.markdown)
    page.toc = get_toc(getattr(md, "toc_tokens", []))
    page._title_from_render = extract_title_ext.title
    page.present_anchor_ids = (
        extract_anchors_ext.present_anchor_ids | raw_html_ext.present_anchor_ids
    )
    if pages.log.getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = relative_path_ext.links_to_anchors


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled theme templates kept in memory by name and source checksum: under
    `mkdocs serve` every rebuild makes a new Jinja environment, which compiled Material's
    templates again (about 0.3 s per rebuild). The rendered pages are the same."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def _tags_plugin(config: MkDocsConfig) -> Any:
    tags = config.plugins.get("material/tags") or config.plugins.get("tags")
    return tags if type(tags).__module__ == "material.plugins.tags.plugin" else None


class PostdocsPlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Registered as `postdocs` (pyproject.toml entry point); see the module's docstring."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        config.markdown_extensions.append(SkippingInlineExtension())
        # The plugin outlives a build under `mkdocs serve` (it has `on_startup`): each build
        # starts a Markdown instance of its own configuration.
        self._markdown = None
        return config

    _markdown: markdown.Markdown | None = None
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

    def on_pre_page(self, page: Page, /, *, config: MkDocsConfig, files: Files) -> Page:
        # Only MkDocs 1.6.1's own pages (not ProperDocs', which also loads this plugin, nor a
        # page class with a render of its own).
        if mkdocs.__version__ != "1.6.1" or type(page).render is not pages.Page.render:
            return page
        if self._markdown is None:
            self._markdown = markdown.Markdown(extensions=config.markdown_extensions,
                                               extension_configs=config.mdx_configs or {})
        md = self._markdown
        page.render = types.MethodType(  # type: ignore[method-assign]
            lambda p, config, files: _render(p, config, files, md), page)
        return page

    @event_priority(-100)  # after every other plugin
    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig,
                        files: Files) -> str:
        # Not None: MkDocs reads None as "not read yet" (Page.title is then None).
        page.markdown = ""
        return html

    @event_priority(-100)
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        output = search_index.with_page_language(output, page.meta.get("lang"))
        self._filters[page.url] = search_index.page_filters(output)
        page.content = None
        # postdocs' own record of why a review has its topics: no template reads it, and it
        # is most of a review's front-matter (the other keys stay: the tags plugin, the
        # navigation and other pages may read them).
        page.meta.pop("topic_evidence", None)
        return output

    # Live preview (`mkdocs serve --dirty`): see mkdocs_live.py.
    _dirty = False
    _last_build: float | None = None
    _started = 0.0

    _command = "build"
    _filters: dict[str, tuple[tuple[str, str], ...]] = {}  # page URL → its search filters
    _indexer: search_index.BackgroundIndexer | None = None

    # `mkdocs build` (clean, or `--dirty`: incremental): see mkdocs_incremental.py.
    _incremental = False
    _state: dict[str, Any] | None = None
    _files: Files | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._command = command
        self._indexer = search_index.BackgroundIndexer()
        self._filters = {}
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
        self._rebuilt = set()
        self._pages = {}
        if not self._dirty:
            self._filters = {}
        if self._command == "build":
            self._state = (incremental.load_state(config) if self._incremental
                           else None)
            incremental.forget_state(config)  # until this build is complete
            if self._state is not None:  # the search filters of the pages not rendered
                self._filters = incremental.recorded_filters(self._state)

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
        return files

    @event_priority(-100)
    def on_page_context(self, context: Any, *, page: Page, config: MkDocsConfig,
                        nav: Any) -> Any:
        self._rebuilt.add(page.url)
        return context

    @event_priority(-100)  # after every plugin that adds paths to watch
    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        if mkdocs.__version__ == "1.6.1":
            live.use_file_events(server)
        return server

    def on_post_build(self, *, config: MkDocsConfig) -> None:
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
        # Under `mkdocs serve` (its first build runs before `on_serve`, the others after) the
        # index is made in the background: a page is served at once, search follows.
        if self._command == "serve" and self._indexer is not None:
            self._indexer.request(config.site_dir, self._filters)
        else:
            try:
                search_index.run_pagefind(config.site_dir, self._filters)
            except OutputError as exc:
                raise PluginError(str(exc)) from exc
        if self._command == "build" and self._files is not None:  # the record, once all is done
            incremental.save_state(
                config, self._files,
                incremental.tagged_pages(self._files, _tags_plugin(config)),
                self._filters)

    def on_shutdown(self) -> None:
        if self._indexer is not None:
            self._indexer.stop()
