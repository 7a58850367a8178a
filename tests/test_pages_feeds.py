"""Atom feeds: dated reviews only, overall and per topic, deterministic and valid XML."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

from postdocs.config import Project
from postdocs.pipeline import Corpus, render_site
from postdocs.render.feeds import ALL_FEED, FEED_ENTRIES, feeds

from .test_pages_indexes import CTX, POSTS, _post

A = "{http://www.w3.org/2005/Atom}"


def _entries(xml: str) -> list[ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == f"{A}feed"
    return root.findall(f"{A}entry")


def test_overall_feed_has_dated_reviews_newest_first_with_absolute_links() -> None:
    out = feeds(POSTS, CTX, "site", ("rl", "diffusion", "graphs"))
    entries = _entries(out[ALL_FEED])
    titles = [e.findtext(f"{A}title") for e in entries]
    assert titles == ["Paper 3", "Paper 6", "Paper 4", "Paper 2"]  # 1 and 5 are undated
    first = entries[0]
    assert first.find(f"{A}link").get("href") == "https://example.net/reviews/ru_chan/paper-3/"
    assert first.findtext(f"{A}updated") == "2024-07-09T00:00:00Z"
    assert first.findtext(f"{A}author/{A}name") == "Русский канал"
    assert [c.get("term") for c in first.findall(f"{A}category")] == ["rl", "diffusion"]
    summary = first.find(f"{A}summary")
    assert summary.text == "Текст обзора номер 3."
    assert summary.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    root = ET.fromstring(out[ALL_FEED])
    assert root.findtext(f"{A}updated") == "2024-07-09T00:00:00Z"  # from data, not the clock


def test_topic_feeds_hold_only_their_topic_and_skip_undated_topics() -> None:
    out = feeds(POSTS, CTX, "site", ("rl", "diffusion", "graphs"))
    assert [e.findtext(f"{A}title") for e in _entries(out["feeds/rl.xml"])] == ["Paper 3",
                                                                               "Paper 2"]
    assert [e.findtext(f"{A}title") for e in _entries(out["feeds/diffusion.xml"])] == [
        "Paper 3", "Paper 4"]
    assert "feeds/graphs.xml" not in out  # only undated reviews


def test_feeds_are_deterministic_and_overall_feed_exists_without_dates() -> None:
    a = feeds(POSTS, CTX, "site", ("rl",))
    assert a == feeds(list(reversed(POSTS)), CTX, "site", ("rl",))
    empty = feeds([_post(1)], CTX, "site", ())
    assert _entries(empty[ALL_FEED]) == []


def test_seed_feed_excludes_undated_reviews(project: Project, corpus: Corpus) -> None:
    pages = render_site(project, corpus)
    entries = _entries(pages[ALL_FEED])
    dated = sorted((p.date for p in corpus.posts if p.date is not None), reverse=True)
    assert len(dated) > FEED_ENTRIES  # the Hebrew digest alone has 163 dated reviews
    assert len(entries) == FEED_ENTRIES  # the newest ones
    assert [e.findtext(f"{A}published") for e in entries] == [
        f"{d}T00:00:00Z" for d in dated[:FEED_ENTRIES]]
    dates = [e.findtext(f"{A}published") for e in entries]
    assert dates == sorted(dates, reverse=True)
    assert all(str(e.findtext(f"{A}id")).startswith(project.site_url) for e in entries)
    assert dt.date.fromisoformat(str(dates[0])[:10]) == max(p.date for p in corpus.posts if p.date)
