"""The search index (search_index.py): Pagefind over a small built site, each page's language
on `<html lang>`, the filter choices, Hebrew words without their prefixes (render.py)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

from postdocs.errors import OutputError
from postdocs.mkdocs.search_index import (
    SEARCH_END,
    SEARCH_START,
    SourceStore,
    StreamingIndexer,
    content_source,
    filter_choices,
    foreseen_language,
    load_plan,
    make_index,
    page_filters,
    page_source,
    plan_shards,
    reclaim,
    run_pagefind,
    with_page_language,
)
from postdocs.render.pages import hebrew_search_forms

PAGE = """<!doctype html>
<html lang="en" class="no-js"><head><title>{title}</title></head><body>
<nav>navigation words everywhere</nav>
<article data-pagefind-body><h1>{title}</h1>
<div hidden><span data-pagefind-filter="channel[data-value]" data-value="{channel}"></span></div>
<p>{text}</p>
<div class="postdocs-crosslinks"><h2>Related reviews</h2><ul><li>Crosslinked title</li></ul></div>
</article></body></html>"""


def _page(site: Path, path: str, lang: str, title: str, channel: str, text: str) -> None:
    html = PAGE.format(title=title, channel=channel, text=text)
    out = site / path / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(with_page_language(html, lang), encoding="utf-8")


def _fragments(site: Path) -> dict[str, str]:
    """Indexed page URL → its indexed text, over every shard (Pagefind's fragment files are
    gzip'd JSON); a page indexed twice fails."""
    out: dict[str, str] = {}
    for f in (site / "pagefind").glob("*/fragment/*"):
        data = json.loads(gzip.decompress(f.read_bytes()).removeprefix(b"pagefind_dcd"))
        assert data["url"] not in out
        out[data["url"]] = data["content"]
    return out


def _shards(site: Path) -> dict[str, dict[str, object]]:
    return dict(json.loads((site / "pagefind" / "postdocs-index.json").read_text("utf-8"))[
        "languages"])


def test_page_language_goes_on_html_lang_and_nothing_else_does() -> None:
    html = '<html lang="en" class="no-js"><body lang="en">'
    assert with_page_language(html, "he") == '<html lang="he" class="no-js"><body lang="en">'
    for bad in (None, "", 3, 'he" onload="x', "HE", "hebrew-language-tag-too-long-x"):
        assert with_page_language(html, bad) == html


def test_filters_are_read_from_attributes_and_counted() -> None:
    html = ('<span data-pagefind-filter="channel[data-value]" data-value="A &amp; B"></span>'
            '<span data-pagefind-filter="year[data-value]" data-value="2024"></span>'
            '<span data-pagefind-meta="channel[data-value]" data-value="ignored"></span>')
    assert page_filters(html) == (("channel", "A & B"), ("year", "2024"))
    # several from one element's attributes (as render/pages.py writes a review's), in order;
    # a declared filter whose attribute is missing is none
    one = ('<span data-pagefind-filter="kind[data-kind], channel[data-channel], year[data-y]" '
           'data-pagefind-meta="channel[data-channel]" data-kind="review" '
           'data-channel="x, y: &quot;z&quot;"></span>'
           '<span data-pagefind-filter="topic[data-value]" data-value="RL"></span>')
    assert page_filters(one) == (("kind", "review"), ("channel", 'x, y: "z"'), ("topic", "RL"))
    choices = filter_choices([(("year", "2023"),), (("year", "2024"), ("channel", "b")),
                              (("year", "2024"), ("channel", "a"))])
    assert choices == {"channel": [["a", 1], ["b", 1]], "year": [["2024", 2], ["2023", 1]]}


def test_pagefind_indexes_each_language_apart_and_the_article_only(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _page(site, "reviews/ru/one", "ru", "Первый", "канал", "Модели диффузии учатся быстро.")
    _page(site, "reviews/he/two", "he", "שני", "ערוץ", "מודלים בדיפוזיה לומדים מהר.")
    _page(site, "about", "en", "About", "none", "Plain English words.")
    filters = {url: page_filters((site / url / "index.html").read_text("utf-8"))
               for url in ("reviews/ru/one", "reviews/he/two")}
    seconds = run_pagefind(site, filters)
    assert seconds > 0
    assert {k: v["pages"] for k, v in _shards(site).items()} == {"ru": 1, "he": 1, "en": 1}
    for lang in ("ru", "he", "en"):  # each language's shard is a Pagefind bundle of its own
        entry = json.loads((site / "pagefind" / f"{lang}-0" / "pagefind-entry.json").read_text(
            "utf-8"))
        assert {k: v["page_count"] for k, v in entry["languages"].items()} == {lang: 1}
    fragments = _fragments(site)
    assert set(fragments) == {"/reviews/ru/one/", "/reviews/he/two/", "/about/"}
    assert "диффузии" in fragments["/reviews/ru/one/"]
    assert not any("navigation" in text for text in fragments.values())
    # links to other reviews are their titles: not this page's words
    assert not any("Crosslinked" in text for text in fragments.values())
    choices = json.loads((site / "pagefind" / "postdocs-filters.json").read_text("utf-8"))
    assert choices == {"channel": [["канал", 1], ["ערוץ", 1]]}
    # Pagefind's own ready-made interfaces are not shipped; indexing again replaces the index
    assert not list((site / "pagefind").glob("*/pagefind-ui.js"))
    run_pagefind(site)
    assert json.loads((site / "pagefind" / "postdocs-filters.json").read_text("utf-8")) == choices
    assert not (site / "pagefind.new").exists() and not (site / "pagefind.old").exists()


def test_a_site_pagefind_cannot_index_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="the search index could not be made"):
        run_pagefind(tmp_path / "no-such-site")


def test_hebrew_words_lose_their_prefixes_for_the_index() -> None:
    text = "ובדיפוזיה הדיפוזיה לדיפוזיה במודל מקורית של הם"
    forms = hebrew_search_forms(text)
    assert forms[:2] == ["בדיפוזיה", "דיפוזיה"]  # ו, then ו+ב
    assert "מודל" in forms  # ב
    assert "קורית" not in forms  # מ is not taken off
    assert "ל" not in forms and "ם" not in forms  # at least three letters are left
    assert len(forms) == len(set(forms))


def test_the_search_source_is_the_article_with_the_page_language() -> None:
    page = with_page_language(PAGE.format(title="T", channel="c", text="words"), "he")
    source = page_source(page)
    assert source is not None
    assert '<html lang="he">' in source and "<h1>T</h1>" in source and "words" in source
    assert "navigation" not in source and "<nav>" not in source
    # a page not marked for search (the 404 page, excluded pages) has none
    assert page_source(page.replace(" data-pagefind-body", "")) is None
    assert page_source("<html><body><p>no article</p></body></html>") is None
    # text that only names the mark (escaped, as every text from a post is) marks nothing
    named = page.replace(" data-pagefind-body", "").replace(
        "<p>words</p>", "<p>&lt;article data-pagefind-body&gt; data-pagefind-body</p>")
    assert page_source(named) is None


def test_the_source_of_a_marked_article_is_known_from_the_page_content() -> None:
    # the template marks the searched part of the article (overrides/main.html): what the
    # written page gives is what the page's rendered content gave before it was written
    content = ('<h1 id="t">T</h1>\n<p>words &lt;!--/postdocs-search--&gt;</p>\n'
               '<div class="postdocs-crosslinks">\n<h2>Related</h2><p>other</p>\n</div>\n'
               "<!--/postdocs-search--><p>raw html a page may hold</p>")
    page = ('<!doctype html>\n<html lang="en" class="no-js"><body><nav>menu</nav>\n'
            '<article class="md-content__inner" data-pagefind-body>\n'
            '<nav class="md-tags"><a class="md-tag">Tag</a></nav>\n'
            f"{SEARCH_START}{content}{SEARCH_END}\n<aside>after</aside>\n"
            "</article></body></html>")
    foreseen = content_source(content, "T", "he")
    assert page_source(with_page_language(page, "he")) == foreseen
    assert "raw html a page may hold" in foreseen and "words" in foreseen
    for absent in ("md-tags", "menu", "after", "other", SEARCH_START):
        assert absent not in foreseen
    # a content without a heading: the template adds one with the page's title
    untitled = page.replace(content, "<h1>Home</h1><p>plain</p>")
    assert page_source(untitled) == content_source("<p>plain</p>", "Home", "en")
    assert page_source(untitled) != content_source("<p>plain</p>", "About", "en")
    # another language on the page, another content: another source
    assert page_source(page) != foreseen
    assert page_source(with_page_language(page, "he").replace("words", "other words")) != foreseen


def test_a_page_language_is_foreseen_from_the_top_of_its_front_matter(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    for text, lang in (("---\ntitle: T\nlang: he\ndir: rtl\n---\n# T\n", "he"),
                       ("---\nlang: 'ru'\n---\nlang: he\n", "ru"),
                       ('\ufeff---\nlang: "en"\n---\n', "en"),
                       ("---\ntitle: T\n---\nlang: he\n", None),  # in the text, not the meta
                       ("# No front-matter\nlang: he\n", None),
                       ("---\nlang: not a tag!\n---\n", None),
                       ("---\ntopics:\n  lang: he\n---\n", None),  # not at the top level
                       ("---\n" + "x: 1\n" * 2000 + "lang: he\n---\n", None)):  # too far
        page.write_text(text, encoding="utf-8")
        assert foreseen_language(page) == lang, text[:40]
    assert foreseen_language(None) is None
    assert foreseen_language(tmp_path / "missing.md") is None


def test_the_index_of_the_sources_holds_what_the_whole_pages_give(tmp_path: Path) -> None:
    """Pagefind over each page's search source indexes the same text and facts as Pagefind over
    the whole built pages (navigation and all)."""
    import subprocess

    from postdocs.mkdocs.search_index import EXCLUDED, pagefind_executable

    site = tmp_path / "site"
    _page(site, "reviews/ru/one", "ru", "Первый", "канал", "Модели диффузии учатся быстро.")
    _page(site, "reviews/he/two", "he", "שני", "ערוץ", "מודלים בדיפוזיה לומדים מהר.")
    _page(site, "about", "en", "About", "none", "Plain English words.")
    whole = tmp_path / "whole"
    subprocess.run([str(pagefind_executable()), "--site", str(site), "--output-path",
                    str(whole / "pagefind" / "all"), "--exclude-selectors", ", ".join(EXCLUDED),
                    "--silent"], check=True)
    run_pagefind(site)
    got, expected = _fragments(site), _fragments(whole)
    assert set(got) == {"/reviews/ru/one/", "/reviews/he/two/", "/about/"}
    assert got == expected


def _store_site(tmp_path: Path, count: int) -> tuple[Path, SourceStore]:
    site, store = tmp_path / "site", SourceStore(tmp_path / "store")
    site.mkdir()
    for n in range(count):
        lang = "he" if n % 4 else "en"
        html = with_page_language(PAGE.format(
            title=f"Page {n}", channel=f"ch{n % 3}", text=f"word{n} common okapi"), lang)
        store.put(f"reviews/p{n}/", page_source(html))
    return site, store


def test_shards_split_each_language_and_unchanged_shards_are_kept(tmp_path: Path) -> None:
    site, store = _store_site(tmp_path, 24)  # 18 Hebrew pages, 6 English
    shards, _plan = plan_shards({u: lang for u, (lang, _d) in store.record.items()}, 5)
    assert sorted(shards) == ["en-0", "en-1", "he-0", "he-1", "he-2", "he-3"]
    assert sorted(u for urls in shards.values() for u in urls) == sorted(store.record)
    make_index(site, store, shard_pages=5)
    assert _shards(site) == {"en": {"pages": 6, "shards": ["en-0", "en-1"]},
                             "he": {"pages": 18, "shards": ["he-0", "he-1", "he-2", "he-3"]}}
    fragments = _fragments(site)
    assert len(fragments) == 24 and "word7" in fragments["/reviews/p7/"]
    # one page changes: its shard alone is indexed again, the others keep their files
    entries = {s: (site / "pagefind" / s / "pagefind-entry.json").read_text("utf-8")
               for s in shards}
    changed = next(name for name, urls in shards.items() if "reviews/p7/" in urls)
    store.put("reviews/p7/", page_source(with_page_language(PAGE.format(
        title="Page 7", channel="ch1", text="rewritten zebra"), "he")))
    reclaim(site, store)  # as a build does first
    make_index(site, store, shard_pages=5)
    again = {s: (site / "pagefind" / s / "pagefind-entry.json").read_text("utf-8")
             for s in shards}
    assert [s for s in shards if again[s] != entries[s]] == [changed]
    assert "zebra" in _fragments(site)["/reviews/p7/"]
    # a page gone leaves its shard and the index
    store.keep_only(u for u in store.record if u != "reviews/p7/")
    reclaim(site, store)
    make_index(site, store, shard_pages=5)
    assert "/reviews/p7/" not in _fragments(site) and len(_fragments(site)) == 23


def test_the_store_writes_a_source_only_when_it_changed(tmp_path: Path) -> None:
    site, store = _store_site(tmp_path, 3)
    source = dict(store.sources(["reviews/p1/"]))["reviews/p1/"].decode("utf-8")
    assert store.put("reviews/p1/", source) is False  # the same source: nothing written
    assert store.put("reviews/p1/", source.replace("word1", "other")) is True
    assert store.put("reviews/p1/", source) is True
    store.save()
    again = SourceStore(tmp_path / "store")
    assert again.record == store.record
    assert dict(again.sources(sorted(store.record))) == dict(store.sources(sorted(store.record)))
    # a page the store has no source of is read from its built HTML; a URL that would leave
    # the store is not kept
    built = tmp_path / "built.html"
    built.write_text(with_page_language(PAGE.format(title="X", channel="c", text="late"), "ru"),
                     encoding="utf-8")
    again.fill({"reviews/late/": str(built), "../escape/": str(built)})
    assert again.record["reviews/late/"][0] == "ru" and "../escape/" not in again.record
    assert not (tmp_path / "escape").exists()
    # the home page: `""` to `Page.url`, `./` to `File.url`; one page whichever names it
    again.put("", page_source(built.read_text("utf-8")))
    again.keep_only([*again.record, "./"])
    again.fill({"./": str(built)})
    assert "" in again.record and "./" not in again.record
    assert [url for url, _source in again.sources(["", "./"])] == [""]
    again.put("reviews/p2/", None)
    assert "reviews/p2/" not in again.record and not list(again.sources(["reviews/p2/"]))
    again.save()
    assert "reviews/p2/" not in SourceStore(tmp_path / "store").record
    # changes not saved are not kept (a build that stopped half-way)
    again.put("reviews/p0/", None)
    assert "reviews/p0/" in SourceStore(tmp_path / "store").record


def test_a_store_that_cannot_be_read_is_started_again(tmp_path: Path) -> None:
    _site, store = _store_site(tmp_path, 3)
    store.close()
    store.path.write_bytes(b"not a database " * 100)
    again = SourceStore(tmp_path / "store")
    assert again.record == {}
    assert again.put("reviews/p1/", page_source(with_page_language(
        PAGE.format(title="X", channel="c", text="t"), "en"))) is True
    again.save()
    assert list(SourceStore(tmp_path / "store").record) == ["reviews/p1/"]
    # earlier versions kept a file per page under pages/ and the record in sources.json
    old = tmp_path / "store" / "pages" / "reviews" / "p1"
    old.mkdir(parents=True)
    (old / "index.html").write_text("<html></html>", encoding="utf-8")
    (tmp_path / "store" / "sources.json").write_text("{}", encoding="utf-8")
    assert list(SourceStore(tmp_path / "store").record) == ["reviews/p1/"]
    assert not (tmp_path / "store" / "pages").exists()
    assert not (tmp_path / "store" / "sources.json").exists()


def test_a_shard_is_indexed_from_memory_or_from_the_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # each run's pages are written where files cost least (a file system in memory), and the
    # folder is gone after the run; without one, or when it is full, into the store
    from postdocs.mkdocs import search_index

    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setattr(search_index, "MEMORY_FS", memory)
    seen: list[Path] = []
    write_into = search_index._write_into

    def watched(work: Path, store: SourceStore, urls: list[str]) -> Path:
        seen.append(work)
        return write_into(work, store, urls)

    monkeypatch.setattr(search_index, "_write_into", watched)
    site, store = _store_site(tmp_path, 6)
    # what a killed build left there goes (its process is gone), another build's stays
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (memory / f"postdocs-{gone}-he-0-x1" / "reviews").mkdir(parents=True)
    (memory / f"postdocs-{os.getppid()}-he-0-x2").mkdir()
    (memory / "other-program").mkdir()
    make_index(site, store, shard_pages=5)
    indexed = _fragments(site)
    assert len(indexed) == 6 and seen and all(w.parent == memory for w in seen)
    assert sorted(p.name for p in memory.iterdir()) == sorted([
        f"postdocs-{os.getppid()}-he-0-x2", "other-program"])
    shutil.rmtree(memory)
    memory.mkdir()

    def full(work: Path, store: SourceStore, urls: list[str]) -> Path:
        seen.append(work)
        if work.parent == memory:
            shutil.rmtree(work)
            raise OSError(28, "No space left on device")
        return write_into(work, store, urls)

    monkeypatch.setattr(search_index, "_write_into", full)
    seen.clear()
    shutil.rmtree(site)
    site.mkdir()
    shutil.rmtree(store.root / "bundles")
    make_index(site, store, shard_pages=5)
    assert _fragments(site) == indexed
    assert {w.parent for w in seen} == {memory, store.root / "work"}
    assert list(memory.iterdir()) == []
    monkeypatch.setattr(search_index, "MEMORY_FS", tmp_path / "none")  # no such file system
    seen.clear()
    shutil.rmtree(store.root / "bundles")
    make_index(site, store, shard_pages=5)
    assert _fragments(site) == indexed and {w.parent for w in seen} == {store.root / "work"}


def test_a_store_damaged_after_it_was_opened_is_dropped_with_a_clear_error(
        tmp_path: Path) -> None:
    import sqlite3

    _site, store = _store_site(tmp_path, 3)
    store.save()

    class Damaged:
        def execute(self, *args: object) -> None:
            raise sqlite3.DatabaseError("database disk image is malformed")

        def close(self) -> None:
            pass

    store._db = Damaged()  # type: ignore[assignment]
    with pytest.raises(OutputError, match="could not be read .*malformed.* kept anew"):
        list(store.sources(["reviews/p1/"]))
    assert store.record == {} and not store.path.exists()
    assert SourceStore(tmp_path / "store").record == {}


def test_a_store_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("a file where the store's folder goes", encoding="utf-8")
    store = SourceStore(tmp_path / "store")
    with pytest.raises(OutputError, match="search sources could not be kept"):
        store.put("reviews/p1/", page_source(with_page_language(
            PAGE.format(title="X", channel="c", text="t"), "en")))


def test_urls_with_glob_characters_are_indexed(tmp_path: Path) -> None:
    """URLs with characters that globs and shells read are indexed as they are."""
    site, store = _store_site(tmp_path, 2)
    for url in ("odd/a,b{c}[d]/", "odd/(e)!f#g/", "odd/ünï/"):
        store.put(url, page_source(with_page_language(PAGE.format(
            title=url, channel="c", text="okapi"), "en")))
    make_index(site, store)
    assert {"/odd/a,b{c}[d]/", "/odd/(e)!f#g/", "/odd/ünï/"} <= set(_fragments(site))


def test_a_build_takes_the_site_shards_back_and_keeps_the_unchanged(tmp_path: Path) -> None:
    site, store = _store_site(tmp_path, 12)
    make_index(site, store, shard_pages=4)
    shards = _shards(site)["he"]["shards"]
    assert not (store.root / "bundles" / shards[0]).exists()  # moved into the site
    stamp = (site / "pagefind" / shards[0] / "pagefind-entry.json").stat().st_ino
    reclaim(site, store)  # what a build does before MkDocs empties the site
    shutil.rmtree(site)
    site.mkdir()
    make_index(site, store, shard_pages=4)  # nothing changed: nothing indexed again
    assert (site / "pagefind" / shards[0] / "pagefind-entry.json").stat().st_ino == stamp
    assert len(_fragments(site)) == 12


def test_the_search_source_leaves_out_the_links_to_other_reviews() -> None:
    page = with_page_language(PAGE.format(title="T", channel="c", text="words"), "en").replace(
        '<div class="postdocs-crosslinks">',
        '<div class="postdocs-crosslinks"><div class="inner"><p>nested</p></div>')
    source = page_source(page)
    assert source is not None
    assert "Crosslinked" not in source and "nested" not in source and "postdocs-crosslinks" \
        not in source
    assert "words" in source and source.count("<div") == source.count("</div>")
    # a block left open is left for Pagefind's --exclude-selectors
    broken = page_source(page.replace("</ul></div>\n</article>", "</ul>\n</article>"))
    assert broken is not None and "Crosslinked" in broken


def test_shards_are_ranges_in_write_order_and_keep_their_pages(tmp_path: Path) -> None:
    pages = {f"reviews/c{n // 10}/p{n % 10}/": "he" for n in range(30)}
    pages["reviews/c1-x/q/"] = "he"  # "c1-x" is written after "c1/…" (its folder sorts after)
    shards, plan = plan_shards(pages, 10)
    assert [len(u) for u in shards.values()] == [7, 8, 8, 8]  # 31 pages: four ranges
    order = [u for urls in shards.values() for u in sorted(urls, key=lambda u: u.split("/"))]
    assert order == sorted(pages, key=lambda u: u.split("/"))  # each shard a run of pages
    assert order.index("reviews/c1-x/q/") == order.index("reviews/c1/p9/") + 1
    # a new page goes into the range it falls in; every other shard keeps its pages
    again, plan2 = plan_shards({**pages, "reviews/c2/p45/": "he"}, 10, plan)
    changed = [name for name in shards if again[name] != shards[name]]
    assert len(changed) == 1 and "reviews/c2/p45/" in again[changed[0]] and plan2 == plan
    # a page gone leaves its range only; a range left empty is dropped
    gone = {u: lang for u, lang in pages.items() if u not in shards["he-1"]}
    fewer, _ = plan_shards(gone, 10, plan)
    assert sorted(fewer) == ["he-0", "he-2", "he-3"]
    assert {n: fewer[n] for n in fewer} == {n: shards[n] for n in fewer}
    # a range past the size is cut in two, the others kept; a new language gets its ranges
    more = {**pages, **{f"reviews/c0/p0{n}/": "he" for n in range(4)}, "en/a/": "en"}
    cut, _ = plan_shards(more, 10, plan)
    assert sorted(cut) == ["en-0", "he-0", "he-1", "he-2", "he-3", "he-4"]
    assert [n for n in shards if cut[n] != shards[n]] == ["he-0"]
    assert sorted(cut["he-0"] + cut["he-4"]) == sorted(
        shards["he-0"] + [f"reviews/c0/p0{n}/" for n in range(4)])
    # a language with more than twice the shards it needs is cut afresh
    few = {u: "he" for u in sorted(pages)[:8]}
    assert len(plan_shards(few, 3)[0]) == 3
    assert len(plan_shards({u: "he" for u in sorted(few)[:2]}, 1,
                           plan_shards(few, 1)[1])[0]) == 2


def test_the_plan_is_kept_between_builds(tmp_path: Path) -> None:
    site, store = _store_site(tmp_path, 24)
    make_index(site, store, shard_pages=5)
    plan = load_plan(store, 5)
    assert plan is not None and sorted(plan) == ["en", "he"]
    assert load_plan(store, 6) is None  # another shard size: planned afresh
    # a page added at the start of a language's order: its first shard alone changes
    store.put("reviews/a/", page_source(with_page_language(PAGE.format(
        title="A", channel="c", text="first"), "he")))
    before = {s: (site / "pagefind" / s / "pagefind-entry.json").read_text("utf-8")
              for s in _shards(site)["he"]["shards"]}  # type: ignore[union-attr]
    reclaim(site, store)
    make_index(site, store, shard_pages=5)
    after = {s: (site / "pagefind" / s / "pagefind-entry.json").read_text("utf-8")
             for s in before}
    assert [s for s in before if before[s] != after[s]] == ["he-0"]
    assert len(_fragments(site)) == 25


def test_shards_are_indexed_while_pages_are_written(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    site, store = tmp_path / "site", SourceStore(tmp_path / "store")
    site.mkdir()
    urls = [f"reviews/p{n:02d}/" for n in range(20)]
    foreseen = {u: "he" if n < 12 else "en" for n, u in enumerate(urls)}
    streaming = StreamingIndexer(store, foreseen, shard_pages=5)  # p12 turns out Hebrew
    assert sorted(streaming.shards) == ["en-0", "en-1", "he-0", "he-1", "he-2"]
    for n, url in enumerate(urls):
        lang = "he" if n < 13 else "en"
        store.put(url, page_source(with_page_language(PAGE.format(
            title=f"P{n}", channel="c", text=f"word{n}"), lang)))
        streaming.written(url)
        streaming.wait()
        if n == 7:  # the first two Hebrew shards are whole: made already
            assert (store.root / "bundles" / "he-1" / "pagefind-entry.json").is_file()
    made = store.root / "bundles" / "he-0" / "pagefind-entry.json"
    stamp = made.stat().st_ino
    with caplog.at_level("INFO", logger="mkdocs.plugins.postdocs"):
        make_index(site, store, shard_pages=5, streaming=streaming)
    assert (site / "pagefind" / "he-0" / "pagefind-entry.json").stat().st_ino == stamp
    fragments = _fragments(site)
    assert sorted(fragments) == [f"/{u}" for u in urls]
    assert "word12" in fragments["/reviews/p12/"]
    # he-2 (p08–p12) was not whole as foreseen: made again at the end, with every page
    shards = _shards(site)
    assert shards["he"] == {"pages": 13, "shards": ["he-0", "he-1", "he-2"]}
    assert shards["en"] == {"pages": 7, "shards": ["en-0", "en-1"]}
    logged = [r.getMessage() for r in caplog.records if "search index made" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].endswith("5 of 5 shards indexed again, 4 while the pages were written)")
