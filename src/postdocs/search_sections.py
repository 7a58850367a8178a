"""Material's search sections of a page, computed faster and exactly the same.

Material's search plugin (9.8) cuts each page's HTML into sections, one per heading with an
`id`, with an `html.parser.HTMLParser` subclass (`Parser`). At 10× the seeds that parser is a
quarter of `mkdocs build`: `HTMLParser` tracks line numbers for every token, and `Parser` tests
which elements are open by comparing `Element` objects in Python (`skip.intersection(context)`,
`section.el in context`), on every tag and every piece of text.

`sections(html)` gives the same list of Material `Section`s:

- tokens come from one regular expression over the HTML, but only for HTML whose every `<`
  starts a plain start or end tag (what Python-Markdown writes); anything else — a comment,
  a doctype, a `<script>` or `<style>` whose text `HTMLParser` reads raw, a bare `<` — goes to
  Material's own `Parser`. Text between tags is one piece, its character references resolved,
  as `HTMLParser` (with `convert_charrefs`) hands it over.
- `Parser`'s handlers are followed step by step, with open elements also kept as their tag
  names: its `Element`s compare equal by tag name, so every test it makes on elements is a test
  on tag names.

tests/test_search_sections.py compares both on generated HTML and on every page of the seed
site; tests/test_mkdocs_plugin.py checks the whole site (search index included) is the same.
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

from material.plugins.search.plugin import (  # type: ignore[import-untyped]
    Element,
    Parser,
    Section,
    void,
)

_HEADINGS = frozenset(f"h{x}" for x in range(1, 7))
_KEEP = frozenset({"p", "code", "pre", "li", "ol", "ul", "sub", "sup"})
_ALWAYS_SKIPPED = ("script", "style", "object")

_NAME = r"[a-zA-Z][a-zA-Z0-9]*"
# Quoted values only: HTMLParser reads an unquoted value up to a space or `>` (`x/` in
# `<img src=x/>`), a tag with one goes to Material's Parser.
_ATTR = r"""\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'))?"""
_TOKEN = re.compile(
    rf"<(?:(?P<start>{_NAME})(?P<attrs>(?:{_ATTR})*)\s*(?P<closed>/?)>|/(?P<end>{_NAME})\s*>)"
    r"|(?P<text>[^<]+)")
_ATTRS = re.compile(_ATTR)
# Start tags `HTMLParser` reads the text of raw (`CDATA_CONTENT_ELEMENTS`; newer Pythons also
# treat a few more so), and markup that is not a tag.
_RAW_TEXT = re.compile(r"<(?:script|style|textarea|title|xmp|iframe|noembed|noframes|"
                       r"noscript|plaintext)\b|<[!?]", re.IGNORECASE)

_START, _END, _TEXT = 0, 1, 2
_READS_ATTRS = _HEADINGS | {"a"}
_EXCLUDES = re.compile("data-search-exclude|linenodiv", re.IGNORECASE)


def _tokens(html: str) -> list[tuple[Any, ...]] | None:
    """(_START, tag, attrs, closed) / (_END, tag) / (_TEXT, text) for each token, or None when
    the HTML holds anything but plain tags and text."""
    if _RAW_TEXT.search(html):
        return None
    out: list[tuple[Any, ...]] = []
    pos = 0
    for m in _TOKEN.finditer(html):
        if m.start() != pos:
            return None  # a `<` that starts no tag: HTMLParser reads it as text, in pieces
        pos = m.end()
        text = m.group("text")
        if text is not None:
            out.append((_TEXT, unescape(text)))
        elif m.group("start") is not None:
            tag, raw = m.group("start").lower(), m.group("attrs")
            # Parser reads attributes of headings (`id`), links (`class="headerlink"`) and any
            # tag that excludes its content from search; the rest need not be parsed.
            attrs = ({a.group(1).lower(): _attr_value(a) for a in _ATTRS.finditer(raw)}
                     if raw and (tag in _READS_ATTRS or "&" in raw or _EXCLUDES.search(raw))
                     else {})
            out.append((_START, tag, attrs, bool(m.group("closed"))))
        else:
            out.append((_END, m.group("end").lower()))
    return out if pos == len(html) else None


def _attr_value(attr: re.Match[str]) -> str | None:
    """As HTMLParser gives it: None for a name alone, else the unquoted, unescaped value."""
    value = attr.group(2) if attr.group(2) is not None else attr.group(3)
    return None if value is None else unescape(value)


class _Sections:
    """Material's `Parser` handlers, with the open elements' tag names kept alongside."""

    def __init__(self) -> None:
        self.skip = set(_ALWAYS_SKIPPED)  # tag names (Parser: strings and Elements, by tag)
        self.context: list[Element] = []
        self.tags: list[str] = []
        self.section: Section | None = None
        self.data: list[Section] = []

    def _preface(self) -> Section:
        if self.section is None:
            self.section = Section(Element("hx"))
            self.data.append(self.section)
        return self.section

    def start(self, tag: str, attrs: dict[str, str | None]) -> None:
        el = Element(tag, attrs)
        if tag in void:
            return
        self.context.append(el)
        self.tags.append(tag)
        if tag in _HEADINGS:
            depth = len(self.context)
            if "id" in attrs:
                if tag != "h1" and not self.data:
                    self.section = Section(Element("hx"), depth)
                    self.data.append(self.section)
                self.section = Section(el, depth)
                if self.data:
                    self.section.id = attrs["id"]
                self.data.append(self.section)
        section = self._preface()
        for key, value in attrs.items():
            if key == "data-search-exclude" or (key == "class" and value == "linenodiv"):
                self.skip.add(tag)
                return
        if tag in _KEEP and self.skip.isdisjoint(self.tags):
            data = section.title if section.el.tag in self.tags else section.text
            data.append(f"<{tag}>")

    def end(self, tag: str) -> None:
        if not self.context or self.tags[-1] != tag:
            return
        section = self.section
        assert section is not None  # a start tag came first
        depth = len(self.context)
        if section.depth > depth:
            for earlier in reversed(self.data):
                if earlier.depth <= depth:
                    section.depth = float("inf")
                    self.section = section = earlier
                    break
        el = self.context.pop()
        self.tags.pop()
        if el.tag in self.skip:
            if el.tag not in _ALWAYS_SKIPPED:
                self.skip.remove(el.tag)
            return
        if tag in _KEEP and self.skip.isdisjoint(self.tags):
            data = section.title if section.el.tag in self.tags else section.text
            opening = f"<{tag}>"
            index = data.index(opening)
            for i in range(index + 1, len(data)):
                if not data[i].isspace():
                    index = len(data)
                    break
            if len(data) > index:
                del data[index:]
            else:
                data.append(f"</{tag}>")

    def text(self, data: str) -> None:
        if not self.skip.isdisjoint(self.tags):
            return
        if "pre" not in self.tags:
            data = data.replace("\n", " ") if not data.isspace() else " "
        section = self._preface()
        if section.el.tag in self.tags:
            if not any(el.tag == "a" and el.attrs.get("class") == "headerlink"
                       for el in self.context):
                section.title.append(escape(data, quote=False))
        elif data.isspace():
            if not section.text or not section.text[-1].isspace() or "pre" in self.tags:
                section.text.append(data)
        else:
            section.text.append(escape(data, quote=False))


def sections(html: str) -> list[Section]:
    """What `Parser().feed(html); close()` leaves in its `data`."""
    tokens = _tokens(html)
    if tokens is None:
        parser = Parser()
        parser.feed(html)
        parser.close()
        return list(parser.data)
    s = _Sections()
    for token in tokens:
        kind = token[0]
        if kind == _TEXT:
            s.text(token[1])
        elif kind == _START:
            s.start(token[1], token[2])
            if token[3]:  # `<tag/>`: HTMLParser calls the start and the end handler
                s.end(token[1])
        else:
            s.end(token[1])
    return s.data


def add_entry_from_context(index: Any, page: Any) -> None:
    """Material's `SearchIndex.add_entry_from_context` (9.8), with `sections` for its Parser."""
    search = page.meta.get("search") or {}
    if search.get("exclude"):
        return
    for section in sections(page.content):
        if not section.is_excluded():
            index.create_entry_for_section(section, page.toc, page.url, page)
