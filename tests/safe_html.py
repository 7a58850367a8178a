"""Render Markdown as the site does (mkdocs.yml's extensions) and inspect the HTML it gives."""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

import markdown
from mkdocs.config import load_config

from .conftest import ROOT

# What generated Markdown may turn into: text formatting the post had, links, math.
ALLOWED_TAGS = {"p", "ul", "ol", "li", "a", "span", "div", "u", "h1", "h2", "details", "summary"}
ALLOWED_ATTRS = {"href", "class", "dir", "lang", "id", "title"}


@functools.cache
def _markdown() -> markdown.Markdown:
    cfg = load_config(str(ROOT / "mkdocs.yml"))
    return markdown.Markdown(extensions=cfg.markdown_extensions, extension_configs=cfg.mdx_configs)


def to_html(text: str) -> str:
    md = _markdown()
    md.reset()
    return md.convert(text)


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self.stack: list[tuple[str, str]] = []
        self.blocks = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"element <{tag}>")
        for k, v in attrs:
            if k not in ALLOWED_ATTRS or k.startswith("on"):
                self.problems.append(f"attribute {k}={v!r} on <{tag}>")
        href = a.get("href")
        headerlink = a.get("class") == "headerlink" and (href or "").startswith("#")
        if tag == "a" and not headerlink and not re.match(r"https?://", href or ""):
            self.problems.append(f"link to {href!r}")
        cls = a.get("class") or ""
        if tag in ("p", "li") and self.text and not self.text[-1].endswith("\n"):
            self.text.append("\n")
        if tag == "u":
            self.text.append("<u>")
        if "arithmatex" in cls:
            self.text.append("\x00math:")
        self.stack.append((tag, cls))

    def handle_endtag(self, tag: str) -> None:
        if tag == "u":
            self.text.append("</u>")
        if self.stack and "arithmatex" in self.stack[-1][1]:
            self.text.append("\x01")
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not any(cls == "headerlink" for _, cls in self.stack):  # the heading's `¶` anchor
            self.text.append(data)


def inspect(html: str) -> tuple[list[str], str]:
    """(problems, visible text): problems name live markup; math is given back as `$…$`."""
    p = _Inspector()
    p.feed(html)
    p.close()
    text = "".join(p.text)
    text = re.sub(r"\x00math:\s*\\\((.*?)\\\)\s*\x01", lambda m: f"${m.group(1)}$", text,
                  flags=re.S)
    text = re.sub(r"\x00math:\s*\\\[(.*?)\\\]\s*\x01", lambda m: f"$${m.group(1)}$$", text,
                  flags=re.S)
    return p.problems, text
