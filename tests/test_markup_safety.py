"""Text from any input stays text: rendered with the site's own Markdown extensions, generated
Markdown gives no live HTML, no non-http link, no injected attribute, and keeps every character."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postdocs.clean.tex import join_broken_math
from postdocs.render.markup import inline, text_to_markdown

from .safe_html import inspect, to_html

HOSTILE_LINES = [
    "<script>window.__pwned=1</script>",
    'Hello <img src=x onerror="window.__pwned=1"> world',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<style>body{display:none}</style>",
    "[click](javascript:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox)",
    '[t](https://example.org "title\\" onmouseover=\\"alert(1)")',
    '<https://example.org" onmouseover="alert(1)>',
    "# heading",
    "=======",
    "| a | b |",
    "|---|---|",
    "---",
    "<div markdown>**x**</div>",
    "[ref]: javascript:alert(1)",
    "[ref]",
    "```js",
    "~~~",
    "text[^1]",
    "[^1]: note",
    "*[HTML]: Hyper Text",
    'para {: onclick="window.__pwned=1" }',
    '{: onclick="window.__pwned=1" }',
    '--8<-- "/etc/passwd"',
    "--8<--",
    ';--8<-- "x"',
    "costs $5 and <script>window.__pwned=1</script> $10",
    "$ <img src=x onerror=alert(1)> $",
    "$\\href{javascript:alert(1)}{x}$",
    "$$<script>window.__pwned=1</script>$$",
    "https://example.org/a\"onmouseover=\"alert(1)",
    "https://example.org/a)b](javascript:alert(1))",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "!!! danger \"x\"",
    "??? danger",
    "- - -",
    "-- ---",
    "- # heading in a list",
    "> quote",
    "    indented code",
    "<!-- comment -->",
    ": definition",
    "1) first",
    "\\[x\\] \\(y\\)",
    "a\x02klzzwxh:0\x03b",
]


def _expected(line: str, bullets: bool = True) -> str:
    """What a reader should see: the text as written (`&lt;` shows as `&lt;`: a text dump is
    not HTML), control characters and (for a list item) the bullet dropped, whitespace
    collapsed, `$$` math shown like `$` math."""
    text = line
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", text)
    if bullets:
        text = re.sub(r"^\s*[-•*–]\s+(?=\S)", "", text)
        text = re.sub(r"^\s*\d{1,3}[.)]\s+", "", text)  # list numbers: see _visible
    return re.sub(r"\$+", "$", " ".join(text.split()))


def _visible(text: str) -> str:
    # A numbered line shows its number as text or as the list's own numbering; compare the rest.
    text = "\n".join(re.sub(r"^\s*\d{1,3}[.)]\s+", "", part) for part in text.split("\n"))
    return re.sub(r"\$+", "$", " ".join(text.split()))


@pytest.mark.parametrize("line", HOSTILE_LINES)
def test_hostile_line_renders_as_its_text(line: str) -> None:
    problems, text = inspect(to_html(text_to_markdown([line])))
    assert problems == []
    assert _visible(text) == _expected(line)


def test_safe_math_and_links_stay_live() -> None:
    out = to_html(text_to_markdown(["see $x<y$ and https://arxiv.org/abs/2405.18047 now"]))
    assert '<span class="arithmatex">\\(x&lt;y\\)</span>' in out
    assert '<a href="https://arxiv.org/abs/2405.18047">' in out
    block = to_html(text_to_markdown(["$$\\frac{a}{b}$$"]))
    assert block.startswith('<div class="arithmatex">')


def test_lists_stay_lists_and_numbers_keep_their_number() -> None:
    out = to_html(text_to_markdown(["• one", "• two", "", "3) three"]))
    assert out.count("<li>") == 2 and "<ul>" in out
    assert "<p>3&#41; three</p>" in out  # not a list: Markdown would show it as "1."
    out = to_html(text_to_markdown(["1) one", "2) two"]))
    assert out.count("<li>") == 2 and "<ol>" in out


def test_unsafe_tex_stays_text() -> None:
    out = to_html(text_to_markdown(["$\\href{javascript:alert(1)}{x}$"]))
    assert "arithmatex" not in out


ALPHABET = st.sampled_from(
    list("abcxyz019 \t-_*#>=+:?/\\`[]()!|~^{}$&;<>\"'%.@,")
    + ["\u05d0", "\u0436", "\u202e", "\u200f", "\x00", "\x02", "\x85", "\u2028", "•", "–"]
)
TOKENS = st.sampled_from([
    "<script>", "</script>", "javascript:", "https://example.org/", "arxiv.org/abs/2405.18047",
    "--8<--", "{: onclick=x}", "$x$", "$$", "<u>", "</u>", "&lt;", "&amp;", "```", "[^1]",
    "*[", "]: ", "<div markdown>", " onerror=", "\\(", "\\[",
])
LINE = st.lists(st.one_of(TOKENS, st.text(ALPHABET, max_size=6)), max_size=10).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINE, min_size=1, max_size=6))
def test_any_text_renders_inert_and_conserved(lines: list[str]) -> None:
    problems, text = inspect(to_html(text_to_markdown(lines)))
    assert problems == []
    # lines that an unclosed `$$` joins (OCR'd LaTeX broken over lines) are one line
    expected = " ".join(_expected(line) for line in join_broken_math(lines) if _expected(line))
    assert _visible(text) == expected


@settings(max_examples=100, deadline=None)
@given(LINE)
def test_inline_is_inert_conserved_and_stable(line: str) -> None:
    out = inline(line)
    problems, text = inspect(to_html("x " + out))  # inline Markdown goes after a line's start
    assert problems == []
    assert "\n" not in out
    text = text[2:]
    assert _visible(text) == _expected(line, bullets=False)
    if "&" not in line and "$$" not in line:
        # What a reader sees, rendered again, gives the same Markdown (stable re-rendering).
        assert inline(text).strip() == out.strip()


@settings(max_examples=100, deadline=None)
@given(LINE)
def test_heading_text_is_inert_and_conserved(line: str) -> None:
    problems, text = inspect(to_html("# " + inline(line)))
    assert problems == []
    assert _visible(text) == _expected(line, bullets=False)


def test_inspector_sees_live_markup() -> None:
    problems, _ = inspect(to_html('<script>x</script>\n\n[a](javascript:b) <b onclick="c">d</b>'))
    assert any("script" in p for p in problems)
    assert any("javascript" in p for p in problems)
    assert any("onclick" in p for p in problems)
