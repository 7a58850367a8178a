"""The permalink registry (`permalinks.py`): a review keeps the URL it was given."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from postdocs.errors import ConfigError, OutputError
from postdocs.model import PlainText, Post, SourceLine, TextBlock, TextLine, TextPart
from postdocs.urls import permalinks
from postdocs.urls.permalinks import Registry, assign, identity
from postdocs.urls.slugs import assign as slugs_assign

DAY1 = dt.date(2026, 12, 7)
DAY2 = dt.date(2026, 12, 9)
WORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
         "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi")


def body(seed: int, n: int = 40) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) + str(rng.randint(0, 99)) for _ in range(8))
            for _ in range(n // 8)]


def post(title: str, lines: list[str], *, channel: str = "chan", line: int = 1,
         source_file: str = "dump.txt", permalink: str | None = None, slug: str = "",
         papers: tuple[str, ...] = ()) -> Post:
    return Post(channel=channel, source_file=source_file, line=line, title=title,
                body=tuple(SourceLine(line + 1 + i, t) for i, t in enumerate(lines)),
                permalink=permalink, slug=slug, papers=papers)


def first_build(posts: list[Post]) -> Registry:
    return assign(posts, Registry(), DAY1).registry


def urls(posts: list[Post], registry: Registry, day: dt.date = DAY2) -> list[str]:
    return list(assign(posts, registry, day).urls)


def test_a_new_registry_gives_the_slugs_titles_gave_and_records_the_day() -> None:
    posts = [post("Mamba", body(1)), post("Mamba", body(2), line=50), post("RLHF", body(3))]
    result = assign(posts, Registry(), DAY1)
    expected = [f"reviews/chan/{p.slug}/" for p in slugs_assign(posts)[0]]
    assert list(result.urls) == expected
    assert {e.first_seen for e in result.registry.entries} == {DAY1}
    assert result.report.added == tuple(expected)


def test_the_registry_file_round_trips_and_is_sorted() -> None:
    posts = [post(f"Title {i}", body(i), permalink=f"https://t.me/chan/{i}") for i in range(5)]
    reg = first_build(list(reversed(posts)))
    text = permalinks.dump(reg)
    again = permalinks.parse(text, "permalinks.yml")
    assert again.entries == reg.entries
    assert permalinks.dump(again) == text
    listed = [line.split("url: ")[1] for line in text.splitlines() if line.startswith("- url: ")]
    assert listed == sorted(listed)
    assert "&id" not in text and "*id" not in text  # no YAML anchors between entries


def test_corrected_titles_reordered_files_and_new_posts_keep_every_url() -> None:
    posts = [post(f"Paper {i}", body(i), line=10 * i) for i in range(6)]
    reg = first_build(posts)
    before = urls(posts, reg)
    edited = [p.evolve(title=f"Corrected {i}") if i % 2 else p for i, p in enumerate(posts)]
    added = [post("Paper 0", body(99), line=1), *reversed(edited)]  # same title as an old one
    after = assign(added, reg, DAY2)
    assert list(after.urls[1:]) == list(reversed(before))
    assert after.urls[0] not in before  # a new review never gets a URL ever given
    assert after.report.added == (after.urls[0],)
    assert after.entries[0].first_seen == DAY2 and after.entries[1].first_seen == DAY1


def test_a_moved_boundary_keeps_both_urls() -> None:
    a, b = body(1), body(2)
    posts = [post("A", a), post("B", b, line=100)]
    reg = first_build(posts)
    # Two lines of A now open B (A's end and B's start changed).
    moved = [post("A", a[:-2]), post("B", a[-2:] + b, line=90)]
    result = assign(moved, reg, DAY2)
    assert list(result.urls) == ["reviews/chan/a/", "reviews/chan/b/"]
    assert result.report.added == ()
    # Later B's end changes too, and its title: the keys were refreshed, so B is still B.
    later = [post("A", a[:-2]), post("B corrected", a[-2:] + b[:-1] + ["new closing words " * 4],
                                     line=90)]
    assert urls(later, result.registry) == ["reviews/chan/a/", "reviews/chan/b/"]


def test_text_put_in_front_of_a_review_is_recognised_by_its_opening_words() -> None:
    a = body(1)
    reg = first_build([post("A", a)])
    # Title, start and end changed at once; the old opening is still inside the text.
    changed = post("Another title", ["a lost paragraph from before " * 2, *a[:-1],
                                     "and a new ending " * 3])
    result = assign([changed], reg, DAY2)
    assert list(result.urls) == ["reviews/chan/a/"]
    assert result.report.recognised == ("reviews/chan/a/",)


def test_a_telegram_link_joins_a_review_first_known_from_a_text_dump() -> None:
    text = body(5)
    reg = first_build([post("From a dump", text)])
    assert reg.entries[0].telegram == ()
    # The same post fetched from Telegram: its link is known now (its plain text, with a
    # formatted body beside it; the words are the same).
    formatted = TextBlock(tuple(TextLine((TextPart("bold", t),)) for t in text))
    fetched = Post(channel="chan", source_file="t.me/chan", line=42, title="From a dump",
                   body=(formatted, PlainText(tuple(SourceLine(42, t) for t in text))),
                   permalink="https://t.me/chan/42", message_id=42)
    assert identity(fetched).keys[1:] == identity(post("From a dump", text)).keys
    result = assign([fetched], reg, DAY2)
    assert list(result.urls) == ["reviews/chan/from-a-dump/"]
    assert result.registry.entries[0].telegram == ("t.me/chan/42",)
    assert result.report.linked == ("reviews/chan/from-a-dump/",)
    # From now on the link alone is enough: a rewritten post is still the same review.
    rewritten = fetched.evolve(title="Rewritten",
                               body=(SourceLine(42, "completely new words " * 10),))
    assert urls([rewritten], result.registry) == ["reviews/chan/from-a-dump/"]


def test_two_different_telegram_posts_are_never_one_review() -> None:
    text = body(7)
    reg = first_build([post("Post", text, permalink="https://t.me/chan/1")])
    repost = post("Post", text, permalink="https://t.me/chan/2")
    result = assign([repost], reg, DAY2)
    assert result.urls[0] != "reviews/chan/post/"
    assert result.report.missing == ("reviews/chan/post/",)


def test_a_key_two_reviews_share_identifies_neither() -> None:
    same = body(8)
    reg = first_build([post("One", same), post("Two", body(9), line=50)])
    # Both reviews now begin and end alike and lost their titles: nothing tells them apart.
    result = assign([post("X", same, line=1), post("Y", same, line=50)], reg, DAY2)
    assert set(result.report.added) == set(result.urls)


def test_merged_reviews_redirect_and_missing_ones_keep_a_page() -> None:
    a, b, c = body(1), body(2), body(3)
    reg = first_build([post("A", a), post("B", b, line=100), post("C", c, line=200)])
    result = assign([post("A", a + ["B"] + b)], reg, DAY2)  # B merged into A, C deleted
    assert result.report.merged == (("reviews/chan/b/", "reviews/chan/a/"),)
    assert result.report.missing == ("reviews/chan/c/",)
    live = set(result.urls)
    assert permalinks.redirects(result.registry, live) == [
        permalinks.Redirect("reviews/chan/b/", "reviews/chan/a/", "B")]
    assert [e.url for e in permalinks.missing(result.registry, live)] == ["reviews/chan/c/"]
    # The merge is remembered: it still redirects when A's text changes again.
    again = assign([post("A", ["entirely new text here"] * 5)], result.registry, DAY2)
    assert again.registry.by_url()["reviews/chan/b/"].redirect_to == "reviews/chan/a/"
    # A withdrawn review's URL is let go: no page, no redirect.
    withdrawn = Registry(entries=tuple(
        e if e.url != "reviews/chan/c/" else permalinks.Entry(**{**e.__dict__, "withdrawn": True})
        for e in result.registry.entries))
    assert permalinks.missing(withdrawn, live) == []
    assert "reviews/chan/c/" not in {r.url for r in permalinks.redirects(withdrawn, live)}


def test_a_slug_override_moves_the_page_and_keeps_the_old_url_as_a_redirect() -> None:
    reg = first_build([post("Old name", body(1)), post("Other", body(2), line=50)])
    result = assign([post("Old name", body(1), slug="new-name"),
                     post("Other", body(2), line=50)], reg, DAY2)
    assert result.urls[0] == "reviews/chan/new-name/"
    assert result.report.moved == (("reviews/chan/old-name/", "reviews/chan/new-name/"),)
    assert permalinks.redirects(result.registry, set(result.urls)) == [
        permalinks.Redirect("reviews/chan/old-name/", "reviews/chan/new-name/", "Old name")]
    # The old URL is never given to a new review, and no review moves onto another's URL.
    fresh = assign([post("Old name", body(1), slug="new-name"), post("Other", body(2), line=50),
                    post("Old name", body(3), line=90)], result.registry, DAY2)
    assert fresh.urls[2] not in {"reviews/chan/old-name/", "reviews/chan/new-name/"}
    with pytest.raises(OutputError, match="belongs to another review"):
        assign([post("Old name", body(1), slug="other"), post("Other", body(2), line=50)],
               result.registry, DAY2)


def test_a_renamed_channel_moves_its_reviews_and_redirects() -> None:
    reg = first_build([post("A", body(1), channel="old_name",
                            permalink="https://t.me/old_name/5")])
    moved = post("A", body(1), channel="new_name", permalink="https://t.me/new_name/5")
    result = assign([moved], reg, DAY2, renamed={"old_name": "new_name"})
    assert result.urls == ("reviews/new_name/a/",)
    assert result.registry.entries[0].redirects == ("reviews/old_name/a/",)


@pytest.mark.parametrize(("text", "message"), [
    ("reviews:\n- url: nope\n  first_seen: 2026-12-07\n", "permalinks.yml:2: url must be"),
    ("reviews:\n- url: reviews/a/b/\n  first_seen: soon\n", "permalinks.yml:2: reviews/a/b/: "
     "first_seen must be a date"),
    ("reviews:\n- url: reviews/a/b/\n  first_seen: 2026-12-07\n  colour: red\n",
     "unknown key 'colour'"),
    ("reviews: [\n", "not valid YAML"),
])
def test_a_broken_registry_is_a_located_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        permalinks.parse(text, "permalinks.yml")


def test_save_writes_only_a_changed_registry(tmp_path: Path) -> None:
    reg = first_build([post("A", body(1))])
    path = tmp_path / "permalinks.yml"
    assert permalinks.save(reg, path) is True
    assert permalinks.save(reg, path) is False
    assert permalinks.load(tmp_path) == Registry(entries=reg.entries, path=str(path))


def test_the_seed_registry_names_every_seed_review_once(corpus: object) -> None:
    from postdocs.pipeline import Corpus
    from postdocs.urls.slugs import page_path

    assert isinstance(corpus, Corpus)
    reg = corpus.registry
    assert corpus.permalinks.added == ()  # the committed registry already holds every review
    assert sorted(e.url for e in reg.entries) == sorted(
        page_path(p).removesuffix(".md") + "/" for p in corpus.posts)
    undated = [p for p in corpus.posts if p.date_source == "first-seen"]
    assert {p.channel for p in undated} >= {"rizzearch", "gonzo_ML"}
    assert all(p.date == reg.by_url()[page_path(p)[:-3] + "/"].first_seen for p in undated)


def test_check_reads_a_published_sitemap_and_lets_withdrawn_urls_go(tmp_path: Path) -> None:
    from postdocs.errors import InputError
    from postdocs.urls import check

    sitemap = tmp_path / "sitemap.xml"
    sitemap.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        "  <url><loc>https://reviews.example.net/site/</loc></url>\n"
        "  <url><loc>https://reviews.example.net/site/reviews/chan/a/</loc></url>\n"
        "  <url><loc>https://reviews.example.net/site/reviews/chan/b/</loc></url>\n"
        "</urlset>\n", encoding="utf-8")
    # published under another address than this build's site_url: the home page is the base
    known = check.from_sitemap(sitemap, "https://example.org/postdocs/")
    assert [(k.url, k.line) for k in known] == [("", 3), ("reviews/chan/a/", 4),
                                                ("reviews/chan/b/", 5)]
    reg = Registry(entries=(permalinks.Entry("reviews/chan/b/", DAY1, withdrawn=True),))
    assert [k.url for k in check.lost(known, {""}, reg)] == ["reviews/chan/a/"]
    assert check.url_of_file("reviews/chan/old/index.html") == "reviews/chan/old/"
    assert check.url_of_file("reviews/chan/a.md") == "reviews/chan/a/"
    assert check.url_of_file("reviews/chan/a/photo.jpg") is None
    sitemap.write_text("<urlset><url><loc>x</loc></url>\n", encoding="utf-8")
    with pytest.raises(InputError, match="sitemap.xml:2: not a valid sitemap"):
        check.from_sitemap(sitemap, "")


def test_check_reads_a_sitemap_index_through_its_parts(tmp_path: Path) -> None:
    """postdocs publishes sitemap.xml as an index of sitemap-pages.xml (see overrides/)."""
    from postdocs.errors import InputError
    from postdocs.urls import check

    (tmp_path / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        "<sitemap><loc>https://example.org/postdocs/sitemap-pages.xml</loc></sitemap>\n"
        "</sitemapindex>\n", encoding="utf-8")
    with pytest.raises(InputError, match="sitemap-pages.xml: cannot read the sitemap"):
        check.from_sitemap(tmp_path / "sitemap.xml", "https://example.org/postdocs/")
    (tmp_path / "sitemap-pages.xml").write_text(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        "<url><loc>https://example.org/postdocs/</loc></url>\n"
        "<url><loc>https://example.org/postdocs/reviews/chan/a/</loc></url>\n"
        "</urlset>\n", encoding="utf-8")
    known = check.from_sitemap(tmp_path / "sitemap.xml", "https://example.org/postdocs/")
    assert [(k.url, Path(k.path).name, k.line) for k in known] == [
        ("", "sitemap-pages.xml", 2), ("reviews/chan/a/", "sitemap-pages.xml", 3)]


_HOSTILE_TITLES = (
    "Plain title", "Colon: then more", "'quoted' and \"double\"", "- starts like a list",
    "emoji 🤖 and astral 𝔸", "עברית with English", "line\nbreak", "tab\there", "#hash start",
    "trailing space ", " leading space", "null", "yes", "2024-01-01", "0x1F", "@at",
    "control \x07 bell", "line separator \u2028 here", "next line \x85 here", "bom \ufeff",
    "long " + "word " * 40, "{braces} [brackets] & *star !bang | pipe > more %",
)


def _hostile_registry() -> Registry:
    return Registry(entries=tuple(
        permalinks.Entry(url=f"reviews/chan/t{i:02d}/", first_seen=dt.date(2024, 1, 1 + i),
                         keys=(f"chan:open:{i:012x}", "chan:tg:t.me/chan/1"), title=title,
                         opening=title[::-1], redirects=(f"reviews/old/t{i}/",) if i % 3 else (),
                         redirect_to="reviews/chan/t00/" if i == 5 else None,
                         withdrawn=i == 7)
        for i, title in enumerate(_HOSTILE_TITLES)), path="permalinks.yml")


def test_the_registry_text_is_its_entries_blocks_and_reads_back_as_written(
        tmp_path: Path, corpus: object) -> None:
    """`dump` writes each entry's lines alone (so they can be kept); the text is what one
    dump of the whole registry gives, and parsing it gives the registry `written` says."""
    import yaml

    from postdocs.cache.posts import Table
    from postdocs.pipeline import Corpus

    assert isinstance(corpus, Corpus)
    for reg in (_hostile_registry(), corpus.registry):
        entries = sorted(reg.entries, key=lambda e: e.url)
        whole = permalinks.HEADER + yaml.dump(
            {"reviews": [permalinks._item(e) for e in entries]}, Dumper=permalinks._Dumper,
            allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
        blocks: Table[str] = Table(tmp_path, "registry-text")
        assert permalinks.dump(reg) == whole == permalinks.dump(reg, blocks)
        blocks.save()
        assert permalinks.dump(reg, Table(tmp_path, "registry-text")) == whole  # kept blocks
        assert permalinks.parse(whole, "p.yml") == permalinks.written(reg, "p.yml")
    assert permalinks.dump(Registry()) == permalinks.HEADER + "reviews: []\n"
    # the entries were written by libyaml's emitter (where PyYAML has it), those with a
    # character beyond the Basic Multilingual Plane by PyYAML's own, which writes it as it is
    items = {e.title: permalinks._item(e) for e in _hostile_registry().entries}
    assert permalinks._dumper(items["Plain title"]) is permalinks._FAST
    assert permalinks._dumper(items["emoji 🤖 and astral 𝔸"]) is permalinks._Dumper
    assert yaml.__with_libyaml__ == (permalinks._FAST is not permalinks._Dumper)
    assert "title: emoji 🤖 and astral 𝔸\n" in permalinks.dump(_hostile_registry())
    assert permalinks._dumper(items["tab\there"]) is permalinks._Dumper
    # random titles of letters, punctuation, spaces and the odd character: each entry's text
    # is PyYAML's own, whichever emitter wrote it
    rng = random.Random(7)
    alphabet = [*" :'\"-#&*!|>%@`{}[],?=~\\/abcXYZ019", *"עברית", *"привет", "\u00a0", "\u200f",
                "\u2028", "\x85", "\ufeff", "\x07", "\t", "\n", "\u0301", "\U0001F916", "中"]
    fast = 0
    for _ in range(1500):
        title = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 250)))
        for text in (title, permalinks._ESCAPED_RE.sub("", title)):
            item = {"url": "reviews/c/x/", "title": text, "opening": text[::-1]}
            fast += permalinks._dumper(item) is permalinks._FAST
            assert (permalinks._yaml_text(item, permalinks._dumper(item))
                    == permalinks._yaml_text(item, permalinks._Dumper)), text
    assert fast >= 1500


def test_the_parsed_registry_is_kept_in_the_cache(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    content, cache = tmp_path / "content", tmp_path / "cache"
    content.mkdir()
    reg = _hostile_registry()
    assert permalinks.save(reg, content / "permalinks.yml", cache) is True
    parsed: list[str] = []
    real_parse = permalinks.parse

    def counting(text: str, path: str) -> Registry:
        parsed.append(path)
        return real_parse(text, path)

    monkeypatch.setattr(permalinks, "parse", counting)
    expected = permalinks.written(reg, str(content / "permalinks.yml"))
    # the text `save` wrote: read from the cache, not parsed
    assert permalinks.load(content, cache=cache) == expected and parsed == []
    assert permalinks.load(content) == expected and len(parsed) == 1  # no cache: parsed
    # a file changed by hand is parsed again, then kept
    path = content / "permalinks.yml"
    path.write_text(path.read_text("utf-8").replace("first_seen: 2024-01-01",
                                                    "first_seen: 2023-01-01"), "utf-8")
    changed = permalinks.load(content, cache=cache)
    assert changed.entries[0].first_seen == dt.date(2023, 1, 1) and len(parsed) == 2
    assert permalinks.load(content, cache=cache) == changed and len(parsed) == 2
    # a damaged file is still a located error, cache or not
    path.write_text("reviews:\n- url: nope\n", "utf-8")
    with pytest.raises(ConfigError, match="permalinks.yml"):
        permalinks.load(content, cache=cache)
