"""`postdocs` MkDocs plugin: makes `mkdocs build` faster and changes nothing it writes.

Optional by design (listed in mkdocs.yml; ProperDocs or Zensical may run without it): the
site must be byte-identical without it (tests/test_mkdocs_plugin.py builds the seed site both
ways). What it does:

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
  later: titles come from the front-matter or the rendered `<h1>`; search has indexed the page):
  about a quarter less peak memory at 10×.
- Material's search plugin cuts every page into sections with a slow HTML parser;
  `search_sections.py` gives the same sections faster (Material 9.8 only).
- Material's search plugin writes its index as one JSON string and then its UTF-8 bytes (at
  100× two copies of ~350 MB on top of the entries, which hold every page's text). The plugin
  writes the same bytes a few hundred entries at a time: in a full build each page's entries as
  soon as they are made, then drops them; in live preview the merged index at the end (the
  entries stay for the next build to merge).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
import markdown
import material  # type: ignore[import-untyped]
import mkdocs
from markdown import inlinepatterns, treeprocessors, util
from markdown.extensions import Extension
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure import pages
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from . import mkdocs_live, search_sections

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


_INDEX_CHUNK = 500  # search entries encoded at once


class _IndexWriter:
    """The search index file of a full build, written as the build goes: the header once the
    first page is indexed, each page's entries right after Material's search made them (they
    are then dropped from memory: at 100× the seeds ~60,000 entries holding every page's text),
    the end at `on_post_build`. The same bytes as Material's `json.dumps` of the whole index."""

    def __init__(self, index: Any, site_dir: str, keep: bool = False) -> None:
        self.index = index
        self.keep = keep  # live preview: the entries stay, for the next build to merge
        self.path = Path(site_dir) / "search" / "search_index.json"
        self.encode = json.JSONEncoder(separators=(",", ":"), default=str).encode
        self.out: Any = None
        self.written = 0

    def take(self) -> None:
        """Write the entries made so far and drop them from the index."""
        entries = self.index.entries
        if self.out is None:
            settings = {key: self.index.config[key]
                        for key in ("lang", "separator", "pipeline", "fields")}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.out = self.path.open("w", encoding="utf-8")
            self.out.write('{"config":' + self.encode(settings) + ',"docs":[')
        # a few hundred entries at a time: the encoder's speed, a small string at a time
        for start in range(0, len(entries), _INDEX_CHUNK):
            chunk = self.encode(entries[start:start + _INDEX_CHUNK])[1:-1]
            self.out.write(("," if self.written else "") + chunk)
            self.written += min(_INDEX_CHUNK, len(entries) - start)
        if not self.keep:
            del entries[:]

    def finish(self) -> None:
        self.take()
        self.out.write("]}")
        self.out.close()


def _streamed_search_index(search: Any, original: Callable[..., None]) -> Callable[..., None]:
    """Material's search `on_post_build` (9.8), writing the index entry by entry: the same bytes
    as `json.dumps` of the whole, without the whole in memory twice. In live preview (dirty
    builds) the previous build's entries are merged first, as mkdocs_live.py merges them, and
    the index is kept for the next build, as Material keeps it (at 100× the seeds the whole
    index as one string, then as bytes, took the server's peak from ~0.9 GB to 1.5 GB)."""

    def on_post_build(*, config: MkDocsConfig) -> None:
        index = search.search_index
        dirty = getattr(search, "is_dirty", None)
        merge = getattr(index, "postdocs_merge", None)
        if (not search.config.enabled or dirty is None or (dirty and merge is None)
                or (not dirty and (search.search_index_prev is not None
                                   or "generate_search_index" in vars(index)))):
            original(config=config)
            return
        if dirty and merge is not None:
            merge(search.search_index_prev)
        writer = getattr(index, "postdocs_writer", None)
        if writer is None or dirty:  # written at the end, and kept (live preview merges it)
            writer = _IndexWriter(index, config.site_dir, keep=True)
        writer.finish()
        if dirty:
            search.search_index_prev = index

    return on_post_build


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


class PostdocsPlugin(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Registered as `postdocs` (pyproject.toml entry point); see the module's docstring."""

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        config.markdown_extensions.append(SkippingInlineExtension())
        # The plugin outlives a build under `mkdocs serve` (it has `on_startup`): each build
        # starts a Markdown instance of its own configuration.
        self._markdown = None
        search = config.plugins.get("material/search") or config.plugins.get("search")
        self._streams_index = False
        if type(search).__module__ == "material.plugins.search.plugin":
            events = config.plugins.events["post_build"]
            for i, method in enumerate(events):
                if getattr(method, "__self__", None) is search:
                    events[i] = _streamed_search_index(search, method)
                    self._streams_index = bool(search.config.enabled)  # type: ignore[union-attr]
        return config

    _markdown: markdown.Markdown | None = None
    _templates: _MemoryBytecodeCache | None = None
    _streams_index = False

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig,
               files: Files) -> jinja2.Environment:
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

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._dirty = dirty
        self._rebuilt: set[str] = set()
        self._pages: dict[str, str] = {}  # this build's page URLs → HTML files
        self._served: dict[str, str] = {}  # the same, last build
        self._outputs: set[str] = set()  # every file this build writes (pages, static files)

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        self._started = time.time()
        self._rebuilt = set()
        self._pages = {}
        search = config.plugins.get("material/search") or config.plugins.get("search")
        index = getattr(search, "search_index", None)
        if (type(index).__module__ == "material.plugins.search.plugin"
                and material.__version__.startswith("9.8.")):
            index.add_entry_from_context = functools.partial(  # type: ignore[union-attr]
                search_sections.add_entry_from_context, index)
            # A full build writes the index as it goes (`_IndexWriter`); live preview keeps
            # the entries, to merge them into the next build's.
            if (self._streams_index and getattr(search, "is_dirty", None) is False
                    and getattr(search, "search_index_prev", None) is None):
                index.postdocs_writer = _IndexWriter(index, config.site_dir)  # type: ignore[union-attr]
        if self._dirty and index is not None:
            mkdocs_live.patch_search_index(index, self._rebuilt, self._pages)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if self._dirty and self._last_build is not None:
            for file in mkdocs_live.snippet_includers(files, self._last_build):
                mkdocs_live.force_rebuild(file)
        if self._dirty:
            self._pages.update(mkdocs_live.page_urls(files))
            # a gone page's HTML may now be another file's (a redirect left by a renamed page)
            self._outputs = {f.abs_dest_path for f in files}
        return files

    @event_priority(-100)  # after Material's search has indexed the page
    def on_page_context(self, context: Any, *, page: Page, config: MkDocsConfig,
                        nav: Any) -> Any:
        self._rebuilt.add(page.url)
        search = config.plugins.get("material/search") or config.plugins.get("search")
        writer = getattr(getattr(search, "search_index", None), "postdocs_writer", None)
        if writer is not None:
            writer.take()
        return context

    @event_priority(-100)  # after every plugin that adds paths to watch
    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        if mkdocs.__version__ == "1.6.1":
            mkdocs_live.use_file_events(server)
        return server

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self._last_build = self._started
        if self._dirty and self._served:
            for html in mkdocs_live.gone_pages(self._served, self._pages):
                if html not in self._outputs:
                    Path(html).unlink(missing_ok=True)
        self._served = dict(self._pages)
