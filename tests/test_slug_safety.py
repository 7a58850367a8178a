"""Page paths: safe characters, bounded length, inside the docs folder, never shared."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postdocs.config import parse_channels
from postdocs.errors import ConfigError, OutputError
from postdocs.model import Post
from postdocs.urls.slugs import MAX_SLUG, SAFE_SLUG_RE, assign, base_slug, page_path


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_title_gives_a_safe_bounded_slug(title: str) -> None:
    slug = base_slug(title)
    assert slug and SAFE_SLUG_RE.match(slug) and len(slug) <= MAX_SLUG + 5
    assert slug not in {"con", "prn", "aux", "nul", "index", "tags"}


@pytest.mark.parametrize("title", ["../../etc/passwd", "/abs/path", "CON", "nul", "lpt1", "index",
                                   "a\\..\\b", "...", "", "\u202e\x00", "C:\\x", "tags"])
def test_hostile_titles_stay_inside(title: str) -> None:
    posts, _ = assign([Post(channel="chan", source_file="f.txt", line=1, title=title)])
    path = page_path(posts[0])
    assert path.startswith("reviews/chan/") and path.count("/") == 2 and ".." not in path
    stem = path.rsplit("/", 1)[1][:-3]
    assert stem.lower() not in {"con", "nul", "lpt1", "index", "tags"}


def test_suffixed_slug_meeting_another_slug_is_resolved() -> None:
    posts = [
        Post(channel="c", source_file="f.txt", line=1, title="foo 7"),
        Post(channel="c", source_file="f.txt", line=5, title="foo", message_id=7),
        Post(channel="c", source_file="f.txt", line=9, title="foo", message_id=8),
    ]
    out, notes = assign(posts)
    paths = [page_path(p) for p in out]
    assert len(set(paths)) == 3 and notes


def test_two_posts_with_one_source_and_title_are_an_error_naming_both() -> None:
    post = Post(channel="c", source_file="f.txt", line=3, title="same")
    with pytest.raises(OutputError, match=r"f\.txt:3 and f\.txt:3"):
        assign([post, post, post, post])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("id: con\n    files: [x]", "reserved"),
        ("id: a\n    files: [x]\n    lang: 'x\" onmouseover=\"y'", "lang must be"),
        ("id: a\n    files: [x]\n    url: 'javascript:alert(1)'", "url must be"),
        ("id: a\n    files: ['/etc/passwd']", "inside the channels folder"),
        ("id: ../x\n    files: [x]", "Telegram handle"),
    ],
)
def test_config_rejects_unsafe_names(entry: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_channels(f"channels:\n  - {entry}\n", "channels.yml")


def test_channel_ids_differing_in_case_are_one_folder() -> None:
    with pytest.raises(ConfigError, match="defined twice"):
        parse_channels("channels:\n  - id: Ab\n    files: [x]\n  - id: ab\n    files: [y]\n",
                       "channels.yml")
