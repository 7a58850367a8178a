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
