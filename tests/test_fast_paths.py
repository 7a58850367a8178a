"""Fast paths kept for speed give exactly what the plain versions give."""

from __future__ import annotations

import posixpath

from hypothesis import given
from hypothesis import strategies as st

from postdocs.link.related import _forms
from postdocs.urls.slugs import relative

_part = st.sampled_from(["reviews", "topics", "papers", "channels", "a", "b", "index.md",
                         "x.md", "rizzearch", "gonzo_ML", "feeds"])


@given(st.lists(_part, min_size=1, max_size=4), st.lists(_part, min_size=1, max_size=4))
def test_relative_matches_posixpath_relpath(src: list[str], dst: list[str]) -> None:
    from_page, to_path = "/".join(src), "/".join(dst)
    assert relative(from_page, to_path) == posixpath.relpath(
        to_path, posixpath.dirname(from_page) or ".")


def test_term_forms_fold_plurals_split_compounds_and_drop_stop_words() -> None:
    assert _forms("Transformers") == ("transformer",)
    assert _forms("KV-cache") == ("kv-cache", "kv", "cache")
    assert _forms("the") == ()
    assert _forms("x") == ()
    assert _forms("loss") == ("loss",)


def test_front_matter_writes_emoji_as_themselves_and_round_trips() -> None:
    import yaml

    from postdocs.render.pages import front_matter

    cases = [
        {"reactions_raw": "🔥3👍42🤔1", "reactions": [{"emoji": "🔥", "count": 3}]},
        {"note": "literal \\U0001F525 text and 🔥"},  # a backslash-U written in the post
        {"note": "line\u2028separator 🔥", "x": "\\\\U0001F525"},
    ]
    for data in cases:
        text = front_matter(data)
        body = text.removeprefix("---\n").removesuffix("---\n")
        assert yaml.safe_load(body) == data
    assert "🔥3👍42🤔1" in front_matter(cases[0])


_key = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_scalar = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none(),
                    st.floats(allow_nan=False),
                    st.sampled_from(["yes", "No", "~", "null", "2024-01-01", "1e3", "0x1F", "- a",
                                     "a: b", "a #b", "'q'", '"q"', "\u2028", "\ufeff", "🔥3",
                                     "\\U0001F525", ":", "a:", " lead", "trail ", "@x", "`x`",
                                     "!tag", "&a", "*a", "|", ">", "%x", "? x", "[a]", "{a}"]))
_values = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_key, inner, max_size=3)), max_leaves=12)


@given(st.dictionaries(_key, _values, max_size=6))
def test_yaml_block_loads_back_as_the_same_data(data: dict[str, object]) -> None:
    import yaml

    from postdocs.render.pages import yaml_block

    assert yaml.safe_load(yaml_block(data)) == (data or None)


_seg = st.sampled_from(["reviews", "a", "b", "x.md", "..", ".", "", "gonzo_ML"])


@given(st.lists(_seg, min_size=1, max_size=5), st.lists(_seg, min_size=1, max_size=5),
       st.booleans())
def test_link_targets_resolve_as_posixpath_does(here: list[str], path: list[str],
                                                absolute: bool) -> None:
    from postdocs.render.prerender import _resolve

    page, target = "/".join(here), ("/" if absolute else "") + "/".join(path)
    assert _resolve(page, target) == posixpath.normpath(
        posixpath.join(posixpath.dirname(page), target))


_text = st.lists(st.sampled_from([*"ab $()[]!*_`#>|~/:.\n\t\u00a0\u2028\u202e\u2067xh",
                                   "https://arxiv.org/abs/1", "arXiv.org/", "$x$", "[a](b)"]),
                 max_size=16).map("".join)


@given(_text, st.booleans())
def test_plain_text_matches_every_pattern_applied(text: str, markdown: bool) -> None:
    """`plain` skips a pattern when the text lacks a character it needs: the same result as
    applying each pattern to every text."""
    import re

    from postdocs.enrich.papers import URL_RE
    from postdocs.render import excerpt as ex
    from postdocs.render.markup import strip_bidi

    want = text
    if markdown:
        want = ex._MD_LINK.sub(r"\1", want)
    want = ex._EMPTY_BRACKETS.sub(" ", ex._INLINE_MATH.sub(r"\1", URL_RE.sub(" ", want)))
    if markdown:
        want = ex._MD_MARKS.sub(" ", want)
    assert ex.plain(text, markdown) == re.sub(r"\s+", " ", strip_bidi(want)).strip()


_line = st.lists(st.sampled_from([*"ab [](<>)*&;#x1`$\\\n", "[t](x.md)", "[t](../c/y.md#f)",
                                   "[t](<https://e.org/a>)", "**b**", "&amp;", "&#91;",
                                   "&#x5D;", "&x", "  "]), max_size=12).map("".join)


@given(_line)
def test_line_html_matches_the_plain_conversion(markdown: str) -> None:
    """`line_html` with its cheap checks (a link needs `](`, bold `**`; the syntax left over is
    looked for without one alternation) gives what the plain conversion gives."""
    import re

    from postdocs.render import prerender as pr

    def plain_conversion(here: str, md: str) -> str | None:
        out = pr._LINK_RE.sub(
            lambda m: f'<a href="{pr._attr(pr._href(here, m[2] or m[3]))}">{m[1]}</a>', md)
        out = pr._STRONG_LINK_RE.sub(r"<strong>\1</strong>",
                                     pr._STRONG_RE.sub(r"<strong>\1</strong>", out))
        live = re.compile(r"[\[\]$\\*`]|  |&(?![a-zA-Z]+;|#[0-9]+;|#x[0-9a-fA-F]+;)")
        return None if live.search(out) or "\n" in out else out

    assert pr.line_html("reviews/c/p.md", markdown) == plain_conversion("reviews/c/p.md",
                                                                        markdown)


@given(st.lists(st.sampled_from([*"ab \n\t/.:@-_(|\u2028", "https://x.org/a", "HTTP://",
                                 "arXiv.org/", "www.arxiv.org/abs/1", "xarxiv.org/",
                                 "/arxiv.org/"]), max_size=16).map("".join))
def test_urls_are_stripped_line_by_line_as_from_the_whole_text(text: str) -> None:
    from postdocs.enrich.papers import URL_RE, strip_urls

    assert strip_urls(text) == URL_RE.sub(" ", text)
