"""Review text as a reader sees it, checked against the dump lines it comes from."""

from __future__ import annotations

from pathlib import Path

from postdocs.model import ChannelConfig
from postdocs.pipeline import Corpus, read_one
from postdocs.render.markup import text_to_markdown
from postdocs.render.pages import body_markdown, render_post

from .safe_html import to_html

DUMP = "004_71cc8ab0bbd831e0.txt"


def test_wrapped_ocr_lines_continue_their_paragraph_or_item(tmp_path: Path) -> None:
    dump = tmp_path / "digest.txt"
    dump.write_text("\n".join([
        "המאמר היומי של מייק 01.06.24 A Paper Title",
        "",
        "- first item that is",
        " wrapped here",
        " and here",
        " - second item",
        "a paragraph",
        " goes on",
        "",
        " after a blank line: a paragraph of its own",
        "$$x",
        " y$$",
        ":מבוא",
        "?כיצד לפתח מודלים?",
        "https://arxiv.org/abs/2405.18047",
    ]) + "\n", encoding="utf-8")
    ch = ChannelConfig(id="m", name="M", url="https://t.me/m", lang="he", dir="rtl",
                       format="ocr-digest", files=("digest.txt",))
    result = read_one(dump, ch)
    (post,) = result.posts
    assert [(sl.number, sl.text) for sl in post.lines] == [
        (3, "- first item that is wrapped here and here"), (6, " - second item"),
        (7, "a paragraph goes on"), (10, " after a blank line: a paragraph of its own"),
        (11, "$$x"), (12, " y$$"), (13, "מבוא:"), (14, "?כיצד לפתח מודלים?"),
        (15, "https://arxiv.org/abs/2405.18047")]
    assert not set(range(1, result.ledger.total_lines + 1)) - result.ledger.accounted


def test_real_wrapped_list_items_stay_whole(corpus: Corpus) -> None:
    posts = {p.line: p for p in corpus.posts if p.source_file == DUMP}
    # 004:3611-3614: two list items, each wrapped onto an indented second line by the OCR
    page = render_post(posts[3515])
    assert ("- התפשטות חלקיקים (particle propagation): שיטות מונטה קרלו רציפות (SMC) מפיצות "
            "חלקיקים מרובים דרך התפלגויות כדי לקרב את הפוסטריור.\n- דגימה מפותלת") in page
    assert "\n\nמרובים דרך" not in page
    # 004:2410-2411: a paragraph wrapped the same way stays one paragraph
    page = render_post(posts[2389])
    assert "עדכונים בשכבה זו מתבצעים באימון, מה שהופך אותם ליקרים חישובית." in page
    # 004:3297-3299: an indented line after a blank line is a paragraph of its own
    page = render_post(posts[3275])
    assert "\n\nθ מודל מדיניות המפורמטר על ידי θ ." in page


def test_real_section_labels_get_their_colon_back(corpus: Corpus) -> None:
    # 004:2951 `:מבוא`, 004:3291 `:כאשר`: the right-to-left extraction put the colon first
    posts = {p.line: p for p in corpus.posts if p.source_file == DUMP}
    assert {sl.number: sl.text for sl in posts[2947].lines}[2951] == "מבוא:"
    page = render_post(posts[3275])
    assert "\n\nכאשר:\n\n" in page and ":כאשר" not in page


def test_links_to_the_channels_own_posts_use_its_handle(corpus: Corpus) -> None:
    # 004:49 `https://t.me/MathyAlwithMike/78`: OCR read the handle's `I` as `l`
    posts = {p.line: p for p in corpus.posts if p.source_file == DUMP}
    page = render_post(posts[41])
    assert "[https://t.me/MathyAIwithMike/78](<https://t.me/MathyAIwithMike/78>)" in page
    assert not any("MathyAlwithMike" in sl.text for p in posts.values() for sl in p.lines)
    assert posts[41].permalink == "https://t.me/MathyAIwithMike/78"


def test_ocr_damaged_titles_are_corrected_by_overrides(corpus: Corpus) -> None:
    # content/overrides.yml: each title checked against the review's arXiv link (the dump keeps
    # the OCR damage, pinned in tests/data/004_posts.tsv)
    posts = {p.line: p for p in corpus.posts if p.source_file == DUMP}
    assert posts[265].title == 'TextGrad: Automatic "Differentiation" via Text'
    assert posts[1263].title.startswith("Training Large Language Models for Reasoning")
    assert posts[1645].title == "EQUIVARIANT CONTRASTIVE LEARNING"
    assert posts[1828].title == "Beyond Preferences in AI Alignment"
    assert posts[1535].title == "Differential Transformer"
    assert {posts[n].title_source for n in (265, 1263, 1535)} == {"override"}
    assert not [w for w in corpus.warnings if "overrides.yml" in w.path]


def test_bullets_after_a_numbered_item_are_its_sub_items() -> None:
    # Markdown makes a bullet that follows a numbered item one more *numbered* item (so `- 5. …`
    # showed as `9. 5. …` on 004:1156); nested, each keeps its bullet and its own number
    md = text_to_markdown(["1. ניתוח:", "- אחת", "- 5. שתיים", "2. בדיקות:", "- שלוש"])
    assert md == "1. ניתוח:\n    - אחת\n    - 5&#46; שתיים\n2. בדיקות:\n    - שלוש\n"
    html = to_html(md)
    assert html.count("<ol>") == 1 and html.count("<ul>") == 2 and html.count("<li>") == 5


def test_real_numbered_list_with_sub_bullets(corpus: Corpus) -> None:
    # 004:2231-2241: `1. ניתוח תיאורטי:` and `2. בדיקות אמפיריות …`, three bullets under each
    posts = {p.line: p for p in corpus.posts if p.source_file == DUMP}
    html = to_html(body_markdown(posts[2223]))
    ol = html[html.index("<ol>"):html.index("</ol>")]
    assert ol.count("<ul>") == 2 and ol.count("<li>") == 9  # 1, 2 (3 bullets each), 3
    assert "<li>ניתוח תיאורטי:<ul>" in ol and "<li>בדיקות אמפיריות" in ol
