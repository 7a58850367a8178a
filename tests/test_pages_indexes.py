"""Home, topic and channel pages; the chart of reviews per month."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from xml.etree import ElementTree as ET

import pytest

from postdocs import pipeline
from postdocs.config import Project
from postdocs.model import ChannelConfig, ChannelMeta, Post, SourceLine
from postdocs.pipeline import Corpus, render_site
from postdocs.render.chart import SEEN_NOTE, months, reviews_per_month_svg, segments
from postdocs.render.indexes import channel_pages, home_snippet, topic_pages
from postdocs.render.pages import SiteContext

RU = ChannelConfig(id="ru_chan", name="Русский канал", url="https://t.me/ru_chan", lang="ru",
                   dir="ltr", format="auto", files=("a.txt",))
HE = ChannelConfig(id="he_chan", name="ערוץ", url="https://t.me/he_chan", lang="he",
                   dir="rtl", format="auto", files=("b.txt",))
CTX = SiteContext(site_url="https://example.net/", channels={"ru_chan": RU, "he_chan": HE},
                  topic_names={"rl": "Reinforcement learning", "diffusion": "Diffusion",
                               "graphs": "Graphs"},
                  topic_order=("rl", "diffusion", "alignment", "ssm"), prerender=False)


def _post(n: int, channel: str = "ru_chan", date: dt.date | None = None,
          topics: tuple[str, ...] = (), lang: str = "ru") -> Post:
    return Post(channel=channel, source_file="a.txt", line=n, title=f"Paper {n}",
                slug=f"paper-{n}", body=(SourceLine(n + 1, f"Текст обзора номер {n}."),),
                date=date, topics=topics, primary_topic=topics[0] if topics else None,
                lang=lang, dir="rtl" if lang == "he" else "ltr")


POSTS = [
    _post(1, topics=("graphs",)),  # undated
    _post(2, date=dt.date(2024, 5, 1), topics=("rl",)),
    _post(3, date=dt.date(2024, 7, 9), topics=("rl", "diffusion")),
    _post(4, channel="he_chan", date=dt.date(2024, 6, 2), topics=("diffusion",), lang="he"),
    _post(5, topics=("rl",)),  # undated, after 1 in dump order
    _post(6, date=dt.date(2024, 7, 9), topics=()),
]


@pytest.fixture(autouse=True)
def markdown_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review lists in their Markdown form, whose text these tests read (`CTX` and the seed
    site's context say `prerender=False`); tests/test_prerender.py proves the HTML form
    postdocs writes builds the same site byte for byte."""
    real = pipeline.site_context
    monkeypatch.setattr(pipeline, "site_context",
                        lambda *a, **k: replace(real(*a, **k), prerender=False))


def _titles(page: str) -> list[str]:
    return re.findall(r"^- \*\*\[([^\]]+)\]", page, re.M)


def test_topic_page_lists_newest_first_then_undated_with_facts_and_excerpt() -> None:
    pages = topic_pages(POSTS, CTX)
    rl = pages["topics/rl.md"]
    assert _titles(rl) == ["Paper 3", "Paper 2", "Paper 5"]
    assert "[Paper 3](../reviews/ru_chan/paper-3.md)" in rl
    assert "2024-07-09 · [<bdi>Русский канал</bdi>](../channels/ru_chan.md) · Russian" in rl
    assert "date unknown" in rl.split("Paper 5")[1]
    assert 'lang="ru" dir="ltr">Текст обзора номер 3.</span>' in rl
    assert "feed: feeds/rl.xml" in rl
    # a topic of undated reviews only has no feed
    assert "feed:" not in pages["topics/graphs.md"]


def test_topics_index_puts_taxonomy_order_first_then_the_rest() -> None:
    index = topic_pages(POSTS, CTX)["topics/index.md"]
    names = re.findall(r"^- \[([^\]]+)\]", index, re.M)
    assert names == ["Reinforcement learning", "Diffusion", "Graphs"]
    assert "Reinforcement learning](rl.md) — 3 reviews" in index


def test_hebrew_excerpt_is_marked_rtl() -> None:
    page = topic_pages(POSTS, CTX)["topics/diffusion.md"]
    assert '<span class="postdocs-excerpt" lang="he" dir="rtl">' in page


def test_channel_page_has_description_authors_telegram_link_and_reviews() -> None:
    meta = {"ru_chan": ChannelMeta(name="x", description="Описание канала", authors=("@a", "@b"))}
    pages = channel_pages((RU, HE), meta, POSTS, CTX)
    ru = pages["channels/ru_chan.md"]
    assert "Описание канала" in ru and "**Authors:**\n\n- @a\n- @b\n" in ru
    assert "<https://t.me/ru_chan>" in ru
    assert _titles(ru) == ["Paper 3", "Paper 6", "Paper 2", "Paper 1", "Paper 5"]
    assert "[<bdi>ערוץ</bdi>](he_chan.md) — 1 review" in pages["channels/index.md"]


def test_config_description_wins_over_dump_header() -> None:
    ch = ChannelConfig(id="ru_chan", name="n", url="https://t.me/ru_chan", lang="ru", dir="ltr",
                       format="auto", files=("a.txt",), description="From config")
    pages = channel_pages((ch,), {"ru_chan": ChannelMeta(description="From dump")}, POSTS, CTX)
    assert "From config" in pages["channels/ru_chan.md"]
    assert "From dump" not in pages["channels/ru_chan.md"]


def test_home_has_totals_tiles_chart_latest_and_channels() -> None:
    home = home_snippet((RU, HE), POSTS, CTX, has_chart=True)
    assert ("**6 reviews** from **2 channels** in **2 languages** (Russian, Hebrew), "
            "4 of them dated") in home
    tiles = home.split('<div class="grid cards postdocs-topics" markdown>')[1].split("</div>")[0]
    assert re.findall(r"\[\*\*([^*]+)\*\*\]", tiles) == ["Reinforcement learning", "Diffusion",
                                                          "Graphs"]
    assert "[**Diffusion**](topics/diffusion.md)  \n  2 reviews" in tiles
    # the review without a topic is listed at the end of the topics index, linked from here
    assert "[1 review without a topic](topics/index.md#without-a-topic)." in home
    index = topic_pages(POSTS, CTX)["topics/index.md"]
    untopiced = index.split("## Without a topic (1) {#without-a-topic}")[1]
    assert _titles(untopiced) == [p.title for p in POSTS if not p.topics]
    assert "](charts/reviews-per-month.svg)" in home
    latest = home.split("## Latest reviews")[1].split("## Channels")[0]
    assert _titles(latest) == ["Paper 3", "Paper 6", "Paper 4", "Paper 2"]
    assert "[<bdi>ערוץ</bdi>](channels/he_chan.md) — 1 review" in home


def test_chart_axis_has_every_month_and_ignores_a_far_outlier() -> None:
    assert months(POSTS) == ["2024-05", "2024-06", "2024-07"]
    outlier = _post(9, date=dt.date(2007, 4, 1), topics=("rl",))
    assert months([*POSTS, outlier]) == ["2024-05", "2024-06", "2024-07"]
    home = home_snippet((RU, HE), [*POSTS, outlier], CTX, has_chart=True)
    assert "1 dated review far outside this range is not shown." in home


NAMED = ("rl", "diffusion", "alignment", "ssm")


def test_chart_is_deterministic_svg_with_topics_in_legend() -> None:
    svg = reviews_per_month_svg(POSTS, NAMED, CTX.topic_name)
    assert svg is not None
    assert svg == reviews_per_month_svg(POSTS, NAMED, CTX.topic_name)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<dc:date>" not in svg  # no build timestamp
    texts = "".join(root.itertext())
    for label in ("2024-05", "2024-06", "2024-07", "Reinforcement learning", "Diffusion",
                  "Other topics"):
        assert label in texts
    assert reviews_per_month_svg([_post(1)], (), str) is None


def _bars(svg: str) -> dict[str, int]:
    """Reviews per legend name, read from the bars' tooltips (`2024-07: 1 × Diffusion`)."""
    out: dict[str, int] = {}
    for month_value, name in re.findall(r"<title>\d{4}-\d\d: (\d+) × ([^<]+)</title>", svg):
        out[name] = out.get(name, 0) + int(month_value)
    return out


def test_chart_shows_the_named_topics_and_other() -> None:
    """Five groups at most, whatever the number of topics: the named ones and "other"."""
    posts = [_post(10 + i, date=dt.date(2024, 6, 1), topics=(t,))
             for i, t in enumerate(("graphs", "llm", "efficiency", "evaluation", "nlp", "data"))]
    posts += [_post(30, date=dt.date(2024, 6, 3), topics=("llm", "ssm")),  # a named second one
              _post(31, date=dt.date(2024, 6, 4), topics=("alignment",))]
    svg = reviews_per_month_svg(posts, NAMED, CTX.topic_name)
    assert svg is not None
    assert _bars(svg) == {"Other topics": 6, "ssm": 1, "alignment": 1}  # CTX names two only
    root = ET.fromstring(svg)
    legend = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")
              if t.text and not t.text[:1].isdigit() and t.text != "reviews"]
    assert legend == ["Reinforcement learning", "Diffusion", "alignment", "ssm", "Other topics"]
    fills = set(re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" '
                           r'fill="(#[0-9A-Fa-f]{6})"', svg))
    assert len(fills) <= 5


def _seen(n: int, date: dt.date, topics: tuple[str, ...] = ()) -> Post:
    """A review whose input gives no date, dated by when the site first saw it."""
    return replace(_post(n, date=date, topics=topics), date_source="first-seen")


def test_chart_shows_reviews_dated_by_first_sight_after_a_break() -> None:
    added = [_seen(20, dt.date(2026, 12, 7), ("rl",)), _seen(21, dt.date(2026, 12, 7)),
             _seen(22, dt.date(2027, 1, 3), ("diffusion",))]
    outlier = _post(9, date=dt.date(2007, 4, 1), topics=("rl",))  # an OCR-damaged date
    posts = [*POSTS, *added, outlier]
    assert segments(posts) == [["2024-05", "2024-06", "2024-07"], ["2026-12", "2027-01"]]
    svg = reviews_per_month_svg(posts, NAMED, CTX.topic_name)
    assert svg is not None and svg == reviews_per_month_svg(posts, NAMED, CTX.topic_name)
    root = ET.fromstring(svg)
    # every dated review is in a bar but the outlier; those dated by first sight are striped
    seen = {k: v for k, v in _bars(svg).items() if k.endswith(f", {SEEN_NOTE}")}
    assert sum(_bars(svg).values()) == sum(1 for p in posts if p.date) - 1
    assert seen == {f"Reinforcement learning, {SEEN_NOTE}": 1, f"Other topics, {SEEN_NOTE}": 1,
                    f"Diffusion, {SEEN_NOTE}": 1}
    striped = re.findall(r'<rect [^>]*fill="url\(#(pd-seen-\d+)\)"><title>[^<]*'
                         + re.escape(SEEN_NOTE), svg)
    assert len(striped) == 3
    assert all(f'<pattern id="{pid}"' in svg for pid in striped)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Added to this site" in texts and "(publication date unknown)" in texts
    assert {"2026-12", "2027-01", "2024-07"} <= set(texts) and "2025-06" not in texts
    # one break of the axis: two baselines, and its mark between them
    assert len(re.findall(r'<line [^>]*stroke="#333333"', svg)) == 2
    assert len(re.findall(r'<path d="M[^"]+" stroke="#333333"', svg)) == 1
    home = home_snippet((RU, HE), posts, CTX, has_chart=True)
    assert ("Striped: 3 reviews without a date of their own, counted in the month they were "
            "added to this site (2026-12 to 2027-01).") in home
    assert "1 dated review far outside this range is not shown." in home
    # near the others, a first-seen month extends the run: no break
    near = [*POSTS, _seen(23, dt.date(2024, 9, 1))]
    assert segments(near) == [["2024-05", "2024-06", "2024-07", "2024-08", "2024-09"]]
    near_home = home_snippet((RU, HE), near, CTX, has_chart=True)
    assert "not shown" not in near_home and "Striped: 1 review without a date of its own" \
        in near_home
    # a site of first-seen dates only still has its chart
    assert segments(added) == [["2026-12", "2027-01"]]


def test_seed_site_pages(project: Project, corpus: Corpus) -> None:
    pages = render_site(project, corpus)
    ctx = pipeline.site_context(project)
    assert ctx.site_url.endswith("/")
    assert "charts/reviews-per-month.svg" in pages  # the Hebrew digest has dated reviews
    home = pages["_snippets/home.md"]
    assert f"**{len(corpus.posts)} reviews** from **3 channels**" in home
    # The chart holds every review with a date, its own or the day the site first saw it, but
    # the ones the home page names as left off (far from the others, e.g. a misread year).
    bars = _bars(str(pages["charts/reviews-per-month.svg"]))
    left_off = re.search(r"(\d+) dated reviews? far outside this range (?:is|are) not shown",
                         home)
    dated = [p for p in corpus.posts if p.date is not None]
    assert sum(bars.values()) == len(dated) - (int(left_off.group(1)) if left_off else 0)
    added = [p for p in dated if p.date_source == "first-seen"]
    assert added, "the seeds have reviews without a date of their own (the Russian ones)"
    assert sum(v for k, v in bars.items() if k.endswith(SEEN_NOTE)) == len(added)
    assert f"Striped: {len(added)} reviews without a date of their own" in home
    assert "fall far outside" not in home
    rizz = pages["channels/rizzearch.md"]
    # The web-preview header of 000 says: "Кайфули на каждый день", authors @zzmtsvv, @maxnygma.
    assert "Кайфули на каждый день" in rizz and "@zzmtsvv" in rizz
    assert "<https://t.me/rizzearch>" in rizz
    assert len(_titles(rizz)) == sum(1 for p in corpus.posts if p.channel == "rizzearch")


def test_pages_for_readers_name_no_repository_files(project: Project, corpus: Corpus) -> None:
    """Tags, About and the generated index pages speak to readers: no file paths or commands
    of the repository (those are the README's)."""
    pages = {p: (project.docs / p).read_text(encoding="utf-8") for p in ("tags.md", "about.md")}
    pages |= {p: t for p, t in render_site(project, corpus).items()
              if not p.startswith("reviews/") and p.endswith(".md")}
    leaks = re.compile(r"content/|\.ya?ml\b|`postdocs |make (site|vendor|test)|src/postdocs")
    assert {p: m.group(0) for p, t in pages.items() if (m := leaks.search(t))} == {}
    assert "<!-- material/tags -->" in pages["tags.md"]


def test_long_listings_have_the_newest_in_front_and_an_archive_from_the_oldest() -> None:
    from postdocs.render.indexes import PAGE_SIZE, listing_page_path

    posts = [_post(100 + i, date=dt.date(2023 + i % 2, 1 + i % 12, 1 + i % 28), topics=("rl",))
             for i in range(3 * PAGE_SIZE + 7)] + [_post(99, topics=("rl",))]  # one undated
    pages = topic_pages(posts, CTX)
    paths = ["topics/rl.md", "topics/rl/page/2.md", "topics/rl/page/1.md"]  # reading order
    assert sorted(p for p in pages if p.startswith("topics/rl") and p.endswith(".md")) == \
        sorted(paths)
    # pages 3 and 4 of the newest-first pagination (4 pages of 50) send readers to the front
    moved = {p: t for p, t in pages.items() if p.startswith("topics/rl/") and p.endswith(".html")}
    assert sorted(moved) == ["topics/rl/page/3/index.html", "topics/rl/page/4/index.html"]
    assert all('<meta http-equiv="refresh" content="0; url=../../">' in t
               and '<link rel="canonical" href="https://example.net/topics/rl/">' in t
               for t in moved.values())
    assert listing_page_path("papers/index.md", 2) == "papers/page/2.md"
    assert listing_page_path("papers/index.md") == "papers/index.md"
    titles = [_titles(pages[p]) for p in paths]
    # 158 reviews: pages of 50 from the oldest, the last 8 too few for a page of their own
    assert [len(t) for t in titles] == [PAGE_SIZE + 8, PAGE_SIZE, PAGE_SIZE]
    assert sum(titles, []) == _titles("\n".join(  # newest first across pages, undated last
        pages[p] for p in paths)) and titles[2][-1] == "Paper 99"
    assert len({t for ts in titles for t in ts}) == len(posts)
    front, two, one = (pages[p] for p in paths)
    assert ("Pages, newest first: **Latest** [2](rl/page/2.md) [1](rl/page/1.md)"
            " · [Older →](rl/page/2.md)") in front
    assert ("Page 2 of the archive: [Latest](../../rl.md) **2** [1](1.md)"
            " · [← Newer](../../rl.md) · [Older →](1.md)") in two
    assert ("Page 1 of the archive: [Latest](../../rl.md) [2](2.md) **1**"
            " · [← Newer](2.md)") in one
    assert "By year: [2024](" in front and "[date unknown](rl/page/1.md) (1)" in front
    assert "By year: [2024](../../rl.md) · [2023](2.md) · [date unknown](1.md)\n" in two
    assert "search:\n  exclude: true" in two and "search:" not in front
    assert two.startswith("---\ntitle: Reinforcement learning — page 2\n")
    assert "feed: feeds/rl.xml" in front  # the front page keeps the topic page's front-matter
    assert "description: 'Reinforcement learning: 50 reviews, 2023-" in two


def test_a_new_review_leaves_the_listing_archive_as_it_was() -> None:
    """The archive's pages keep their reviews and their text as reviews arrive: one new review
    changes the front page only, or, when it fills the front page, adds an archive page and
    changes the two before it (their links to newer pages) and, on the others, at most the link
    of a year whose newest review moved to it; the first review of a new year adds that year to
    every page's archive by year. The front page stays between half a page
    and one and a half."""
    from postdocs.render.indexes import PAGE_SIZE

    start = dt.date(2020, 1, 1)
    posts = [_post(1000 + i, date=start + dt.timedelta(days=3 * i), topics=("rl",))
             for i in range(4 * PAGE_SIZE)]
    before = topic_pages(posts, CTX)
    grown = years = 0
    for i in range(4 * PAGE_SIZE, 6 * PAGE_SIZE):
        date = start + dt.timedelta(days=3 * i)
        posts.append(_post(1000 + i, date=date, topics=("rl",)))
        after = topic_pages(posts, CTX)
        archive = sorted(p for p in after if p.startswith("topics/rl/page/") and p.endswith(".md"))
        count = len(archive)
        assert PAGE_SIZE // 2 <= len(_titles(after["topics/rl.md"])) < PAGE_SIZE * 3 // 2
        moved = {p for p in after if p.endswith(".html")}  # old page numbers not made yet
        assert moved == {f"topics/rl/page/{n}/index.html"
                         for n in range(count + 1, -(-len(posts) // PAGE_SIZE) + 1)}
        changed = {p for p in after if before.get(p) != after[p]} - moved
        new = {p for p in archive if p not in before}
        if date.year != posts[-2].date.year:
            years += 1
            assert changed == set(after) - moved, changed
            assert all(f"[{date.year}](" in after[p] for p in archive)
        elif new:
            grown += 1
            assert new == {f"topics/rl/page/{count}.md"}
            near = {f"topics/rl/page/{n}.md" for n in range(max(1, count - 2), count + 1)}
            assert near <= changed
            for page in changed - near - {"topics/rl.md", "topics/index.md"}:
                # a year whose newest review left the front page: its link goes to the new page
                lines = [(a, b) for a, b in zip(before[page].split("\n"),
                                                after[page].split("\n"), strict=True) if a != b]
                assert lines and all(b.startswith("By year:") and f"({count}.md)" in b
                                     for a, b in lines), lines
        else:
            assert changed <= {"topics/rl.md", "topics/index.md"}, changed
        before = after
    assert (grown, years) == (2, 1)  # 100 reviews more over 300 days: two archive pages, 2022


def test_a_new_paper_leaves_the_papers_archive_as_it_was() -> None:
    from postdocs.model import PageRef, Paper
    from postdocs.render.papers import PAPERS_PER_PAGE, papers_pages

    def paper(i: int) -> Paper:
        when = dt.date(2020, 1, 1) + dt.timedelta(days=i)
        return Paper(key=f"arxiv:{i}", title=f"Paper {i}", arxiv=f"2001.{i:05d}",
                     reviews=(PageRef(f"reviews/ru_chan/paper-{i}.md", f"Paper {i}",
                                      f"ru_chan · {when}"),), first_date=when)

    papers = [paper(i) for i in range(3 * PAPERS_PER_PAGE + 10)]
    before = papers_pages(papers, CTX)
    rows = {p: t.count("<tr><td") for p, t in before.items()}
    assert rows == {"papers/index.md": PAPERS_PER_PAGE + 10, "papers/page/1.md": PAPERS_PER_PAGE,
                    "papers/page/2.md": PAPERS_PER_PAGE,
                    "papers/page/3/index.html": 0, "papers/page/4/index.html": 0}
    assert 'url=../../">' in before["papers/page/4/index.html"]  # the newest-first page 4
    assert "Paper 0<" in before["papers/page/1.md"] and "Paper 309<" in before["papers/index.md"]
    assert before["papers/page/1.md"].startswith("---\ntitle: Papers — page 1\nsearch:")
    assert "310 papers, 310 reviews" in before["papers/index.md"]
    after = papers_pages([*papers, paper(400)], CTX)
    assert {p for p in after if after[p] != before.get(p)} == {"papers/index.md"}
    # a second review of an old paper changes its row's page and the front page's counts
    old = papers[5]
    again = replace(old, reviews=(*old.reviews, PageRef("reviews/he_chan/x.md", "X", "he")))
    after = papers_pages([again, *papers[:5], *papers[6:]], CTX)
    assert {p for p in after if after[p] != before.get(p)} == {"papers/index.md",
                                                               "papers/page/1.md"}


def test_channel_page_entries_do_not_repeat_the_channel() -> None:
    pages = channel_pages((RU, HE), {}, POSTS, CTX)
    ru = pages["channels/ru_chan.md"]
    assert _titles(ru) == ["Paper 3", "Paper 6", "Paper 2", "Paper 1", "Paper 5"]
    assert "Русский канал</bdi>](" not in ru.split("## Reviews")[1]
    assert "2024-07-09 · Russian" in ru
    # topic pages still name the channel of each entry
    assert "[<bdi>Русский канал</bdi>](../channels/ru_chan.md)" in topic_pages(
        POSTS, CTX)["topics/rl.md"]
