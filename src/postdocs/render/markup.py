"""Plain text from a dump → safe Markdown: text stays text, never live markup.

Telegram text has no Markdown of its own: a dump line is a paragraph or a list item. Every
character that Markdown, HTML or an enabled extension (attr_list, md_in_html, arithmatex,
snippets, details, tables, footnotes …) could read as syntax is written as an HTML character
reference (`&#91;` for `[`): references are plain text to every Markdown renderer, unlike
backslash escapes, which Python-Markdown honours only for some characters (`\\~` shows the
backslash) and which arithmatex reads as math (`\\[…\\]`). Kept live:

- LaTeX spans `$…$` that arithmatex itself would take as math (same pattern), for the math
  renderer; arithmatex escapes their content. All other `$` are references, so no other math forms.
- `http(s)` URLs, as links whose address is percent-encoded to a conservative character set;
  a mirror's copy of a Telegram post (`news.1rj.ru/str/<handle>/<id>`) as `t.me/<handle>/<id>`.
- `<u>…</u>` around already-escaped text (underline survives some copies).
- Bullet lines (`-`, `•`, `–`, `*`) as list items; numbered lines (`1.`, `2)`) as numbered items
  while they count up from 1 (Markdown numbers a list from 1 whatever the first number says);
  any other numbered line stays a paragraph showing its own number.
- Links to other reviews on the site (`refs`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from ..clean.tex import join_broken_math, repair_math
from ..enrich.papers import URL_RE, telegram_mirror, trim_url
from ..patterns import splittable
from ..text_rule import LINE_BREAKS as LINE_BREAKS
from ..text_rule import clean_text as clean_text
from ..text_rule import strip_controls as strip_controls

_BULLET_RE = re.compile(r"^\s*[-•*–]\s+")
_NUMBERED_RE = re.compile(r"^\s*(\d{1,3})[.)]\s+")
# `- 1. text`: an OCR'd numbered item behind a bullet (else it renders as a list in a list)
_NUMBER_BEHIND_BULLET_RE = re.compile(r"(\d{1,3})[.)]\s+")
# As arithmatex's RE_SMART_DOLLAR_INLINE: no space inside the dollars; no backslash run before
# the closing one. Backticks would be taken as code first (a higher-priority pattern), so a span
# holding one is not math here either.
_MATH_RE = re.compile(
    r"(\$\$?)(?!\s)((?:\\[^\x00-\x1f`]|[^\\$`\x00-\x1f])+?)(?<!\s)\1(?!\$)"
)
# A line that is one `$$…$$` span is display math (arithmatex's block pattern).
_BLOCK_MATH_RE = re.compile(r"^\$\$(?:\\[^\x00-\x1f]|[^\\$\x00-\x1f])+?\$\$$")
# TeX commands that make links, load code or set HTML attributes: such a span stays text.
_UNSAFE_TEX_RE = re.compile(r"\\(?:href|url|html[A-Za-z]*|includegraphics|class|cssId|style|"
                            r"require|unicode)(?![A-Za-z])")
_UNDERLINE_RE = re.compile(r"&lt;u&gt;(.*?)&lt;/u&gt;")
# C0/C1 controls and the two characters Python-Markdown uses for its placeholders (STX, ETX).
# Characters that can start syntax anywhere in a line, as references; a line break inside a
# run of inline text would start a new line (a block): it is a space.
_SPECIALS = {c: f"&#{ord(c)};" for c in "\\`*_[]!|~^{}$#"}
_SPECIALS.update({"<": "&lt;", ">": "&gt;", "&": "&amp;"})
_SPECIALS.update(dict.fromkeys(LINE_BREAKS, " "))
# Left as written where no Markdown reads them as syntax, so pages stay readable: `_` inside a
# word (`gonzo_ML`: intraword underscores never emphasise), `!` not before `[` or a link
# (images), `#` inside a word (`C#x`; a heading drops a trailing run of `#`).
_SPECIAL_RE = re.compile(
    r"(?<=[^\W_])_(?=[^\W_])|!(?!\[|\Z)|(?<=\S)#(?=[^#\s])"
    r"|([" + re.escape("".join(_SPECIALS)) + "])"
)
# Characters that start a block only at the beginning of a line (after the ones above).
# `-`/`+` lists and rules, `=` setext underlines, `:` definitions, `?` details, `/` blocks,
# `!` admonitions, `#` headings.
_LINE_START = {c: f"&#{ord(c)};" for c in "-+=:?/!#"}
_SPACE_RE = re.compile(r"\s+")
_DIGITS_RE = re.compile(r"^(\d+)([.)])")
_URL_SAFE = re.compile(r"[^A-Za-z0-9\-._~:/?#@!&'*+,;=%]")
_SAFE_SCHEMES = ("http://", "https://")
# Cheap pre-check: a URL_RE match needs one of these (URL_RE is case-insensitive too).
_MAYBE_URL_RE = re.compile(r"https?://|arxiv\.org/", re.I)


# Bidi embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): in a title
# they reverse or reorder its text and whatever the page puts after it (header, lists, tabs).
_BIDI_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    """Text without bidi embedding, override and isolate controls."""
    return _BIDI_CONTROLS_RE.sub("", text)


def clean_title(text: str) -> str:
    """A title or name as shown anywhere (h1, lists, front-matter, feeds, Open Graph): the
    text rule (`clean_text`), no bidi embedding/override/isolate controls, one line. Marks
    (LRM, RLM) stay: they change no order beyond their neighbour."""
    return " ".join(_BIDI_CONTROLS_RE.sub("", clean_text(text)).split())


def escape_text(text: str) -> str:
    """A run of plain text → Markdown that renders as exactly that text, never as syntax; a
    line break inside it is a space (inline text never starts a block)."""
    return _SPECIAL_RE.sub(lambda m: _SPECIALS[m.group(1)] if m.group(1) else m.group(0), text)


def safe_href(url: str) -> str:
    """An `http(s)` address with everything outside a conservative set percent-encoded."""
    if not url.lower().startswith(_SAFE_SCHEMES):
        url = "https://" + url
    return splittable(
        _URL_SAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), url))


def link(url: str, text: str | None = None) -> str:
    """A Markdown link to an `http(s)` address; `text` (default: the address) stays text."""
    shown = " ".join(strip_controls(url if text is None else text).split())
    return f"[{escape_text(shown)}](<{safe_href(url)}>)"


def _ref_pattern(refs: Mapping[str, str]) -> re.Pattern[str] | None:
    """Non-URL texts that link to another review (dates), longest first, not inside numbers."""
    texts = sorted((t for t in refs if not URL_RE.match(t)), key=lambda t: (-len(t), t))
    if not texts:
        return None
    return re.compile(r"(?<![\d.])(?:" + "|".join(map(re.escape, texts)) + r")(?!\.?\d)")


def _math(chunk: str) -> str | None:
    """A math span as arithmatex will take it (`$$…$$` inside a line shown as `$…$`), repaired;
    None when it must stay text (a TeX command that links or styles, or repair broke it)."""
    m = _MATH_RE.fullmatch(chunk)
    if not m:
        return None
    out = repair_math(f"${m.group(2)}$")
    if not _MATH_RE.fullmatch(out) or _UNSAFE_TEX_RE.search(out) or "&" in out:
        return None  # `&`: arithmatex passes it on unescaped (`&lt;` would show as `<`)
    return out


def inline(text: str, refs: Mapping[str, str] | None = None, links: bool = True) -> str:
    """One line of text → inline Markdown: URLs as links (unless `links` is false: inside a
    link's own text), math kept, the rest escaped. White space runs (line breaks too) become one
    space.

    `refs` maps texts to relative links of other reviews on the site: a URL keeps its own link and
    gets a link to the review after it; any other text (a date) becomes the link.
    """
    if not refs:
        return _inline_cached(text, links)
    return _inline(text, refs, links)


# A pure function of its arguments (no build state): a cached value is what a call computes.
@functools.lru_cache(maxsize=1 << 15)
def _inline_cached(text: str, links: bool) -> str:
    """`inline` without refs, cached: titles recur in every page that links them."""
    return _inline(text, None, links)


# A pure function of its argument (no build state): a cached value is what a call computes.
@functools.lru_cache(maxsize=1 << 12)
def _ref_pattern_cached(texts: tuple[str, ...]) -> re.Pattern[str] | None:
    return _ref_pattern(dict.fromkeys(texts, ""))


def _inline(text: str, refs: Mapping[str, str] | None, links: bool) -> str:
    # Text as written (`&amp;` shows as `&amp;`): readers of HTML formats decoded it once.
    text = _SPACE_RE.sub(" ", strip_controls(text))
    refs = refs or {}
    if not refs and "$" not in text and (not links or not _MAYBE_URL_RE.search(text)):
        # Nothing to keep live (no math, no URL): the common line, escaped in one pass.
        return _UNDERLINE_RE.sub(r"<u>\1</u>", escape_text(text))
    pattern = _ref_pattern_cached(tuple(refs)) if links and refs else None
    parts: list[str] = []
    pos = 0
    tokens = sorted(
        [(m.start(), m.end(), "math") for m in _MATH_RE.finditer(text)]
        + [(m.start(), m.end(), "url") for m in (URL_RE.finditer(text) if links else ())]
        + ([(m.start(), m.end(), "ref") for m in pattern.finditer(text)] if pattern else [])
    )
    for start, end, kind in tokens:
        if start < pos:
            continue
        chunk = text[start:end]
        if kind == "math":
            shown = _math(chunk)
            if shown is None:
                continue
        elif kind == "ref":
            shown = f"[{escape_text(chunk)}]({refs[chunk]})"
        else:
            chunk = trim_url(chunk)
            if not re.match(r"(?i)https?://[^/?#]", chunk) and not chunk.lower().startswith(
                "arxiv.org/"
            ):
                continue
            # a mirror's copy of a Telegram post reads and links as the post on Telegram
            shown = link(telegram_mirror(chunk) or chunk)
            if chunk in refs:
                shown += f" ([review on this site]({refs[chunk]}))"
        parts.append(escape_text(text[pos:start]))
        parts.append(shown)
        pos = start + len(chunk)
    parts.append(escape_text(text[pos:]))
    out = "".join(parts)
    return _UNDERLINE_RE.sub(r"<u>\1</u>", out)


def _block_math(line: str) -> str | None:
    """The line itself when it is a single display-math span, else None."""
    line = repair_math(strip_controls(line).strip())
    if _BLOCK_MATH_RE.match(line) and not _UNSAFE_TEX_RE.search(line) and "&" not in line:
        return line
    return None


def _line_start_safe(md: str) -> str:
    """Escape what only the start of a line makes syntax: rules, lists, snippets, indents."""
    md = md.lstrip()
    if md and md[0] in _LINE_START:
        return _LINE_START[md[0]] + md[1:]
    m = _DIGITS_RE.match(md)
    if m:
        return m.group(1) + f"&#{ord(m.group(2))};" + md[m.end():]
    return md


# pymdownx.snippets (mkdocs.yml: the home page includes its generated part) reads, before any
# other Markdown, a line `--8<-- "file"` or a lone `--8<--` (a block of paths) as an include,
# and `--8<-- [start:name]` anywhere in a line as a section marker it drops; `;` before the
# marker is its escape, one of which it removes. Same patterns as pymdownx.snippets 10–13
# (tests/test_hostile_input.py renders every case with the site's extensions).
_SNIPPET_LINE_RE = re.compile(
    r"""^([ \t]*)(?=;*-+8<-+(?:[ \t]+(?:"(?:\\"|[^"\n\r])+?"|'(?:\\'|[^'\n\r])+?')"""
    r"""(?![ \t])|(?![ \t]))$)""")
_SNIPPET_SECTION_RE = re.compile(
    r"(?i)^(.*?)(?<!;)(?!(?<=-)-)(?=;*-+8<-+[ \t]+\[[ \t]*(?:start|end)[ \t]*:[ \t]*"
    r"[a-z][-_0-9a-z]*[ \t]*\])")
# Line breaks that must not be in a page any more (`clean_text` made them `\n`).
_STRAY_BREAK_RE = re.compile("[" + LINE_BREAKS.replace("\n", "") + "]")


def _guard_line(line: str) -> str:
    if "8<-" not in line:
        return line
    m = _SNIPPET_LINE_RE.match(line) or _SNIPPET_SECTION_RE.match(line)
    return line if m is None else line[: m.end(1)] + ";" + line[m.end(1):]


def guard_page(md: str) -> str:
    """The last step of every generated Markdown page: no line can include a file.

    Post text reaches a page escaped (`<` as `&lt;`, so no `--8<--`), except inside code spans
    and fenced blocks, which show text literally. A line there that pymdownx.snippets would
    read as an include, a block of includes or a section marker gets one more `;` before the
    marker: snippets removes it again and shows the line as written, reading no file (so no
    post can abort a strict build or publish a file of the build machine). A stray line break
    of another kind (`\r`, NEL, LS, PS…, normally made `\n` by `clean_text`) becomes a space.
    """
    md = _STRAY_BREAK_RE.sub(" ", md)
    if "8<-" not in md:
        return md
    return "\n".join(_guard_line(line) for line in md.split("\n"))


def block_safe(md: str) -> str:
    """One line of inline Markdown that must not start a block (heading, quote, rule, list …)."""
    return _line_start_safe(md)


def text_to_markdown(lines: list[str], refs: Mapping[str, str] | None = None) -> str:
    """Dump lines → Markdown: one paragraph per line, consecutive list items kept as one list."""
    blocks: list[str] = []
    kind = ""  # the current list: "" none, "-" bullets, "1" numbered (bullets may follow)
    expected = 1  # the number a numbered item needs to continue the current list
    for raw in join_broken_math(list(lines)):
        raw = strip_controls(raw)
        if not raw.strip():
            kind, expected = "", 1
            continue
        entry, number = None, None
        bullet = _BULLET_RE.match(raw)
        rest = raw[bullet.end():].strip() if bullet else raw.strip()
        numbered = _NUMBERED_RE.match(raw) if not bullet else _NUMBER_BEHIND_BULLET_RE.match(rest)
        if numbered and kind != "-" and int(numbered.group(1)) == (expected if kind else 1):
            number, rest = int(numbered.group(1)), rest[numbered.end():].strip() if bullet else \
                raw[numbered.end():].strip()
        if number is not None and rest:
            entry, expected = f"{number}. {block_safe(inline(rest, refs))}", number + 1
        elif bullet and rest:
            entry = f"- {block_safe(inline(rest, refs))}"
        if entry is None:
            blocks.append(_block_math(raw) or block_safe(inline(raw.strip(), refs)))
            kind, expected = "", 1
        elif kind:
            if kind == "1" and number is None:
                # bullets under a numbered item are its sub-items (Markdown would make a bullet
                # that follows a numbered item one more numbered item)
                entry = "    " + entry
            blocks[-1] += "\n" + entry
        else:
            blocks.append(entry)
            kind = "1" if number is not None else "-"
    return "\n\n".join(b for b in blocks if b) + "\n"
