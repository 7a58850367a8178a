"""Fast paths kept for speed give exactly what the plain versions give."""

from __future__ import annotations

import posixpath

from hypothesis import given
from hypothesis import strategies as st

from postdocs.link.related import _forms
from postdocs.slugs import relative

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

    from postdocs.render import front_matter

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
