"""Telegram Desktop exports (JSON and HTML): one channel, both formats, same pages.

The fixtures in tests/fixtures/desktop/ follow the exporter's output (export_output_json.cpp,
export_output_html.cpp): `json/` and `html/` hold the same sixteen messages of "Paper Notes"
(@paper_notes), the HTML split over messages.html and messages2.html; `full/` is a
full-account export; `bad/` holds broken inputs.

The sixteen messages: 1 and 10 are service messages; 2, 3, 5, 6, 7, 12 and 13 have pages; 4, 8
and 9 reply to 2, 3 and 6 and continue them; 11 is a lone photo after a service message; 13 is
an album (its caption and photo, then 14 and 15, photos of the same second: 15's left out of the
export); 16 is a photo sent five minutes after the album (`joined` in the HTML export, as the
exporter joins a sender's messages within 15 minutes, but no part of the album).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from postdocs.cli import main
from postdocs.config import load_project
from postdocs.errors import InputError
from postdocs.model import ChannelConfig, Post
from postdocs.output.writer import write_pages
from postdocs.pipeline import process, render_site, site_assets
from postdocs.readers import read_input, sniff
from postdocs.readers.desktop_text import TextPart, text_block, to_lines
from postdocs.render.body import blocks_markdown, join_lines

from .conftest import ROOT

FIX = Path(__file__).parent / "fixtures" / "desktop"
CHANNEL = {"id": "paper_notes", "name": "Paper Notes", "lang": "en", "dir": "ltr"}


def make_project(tmp: Path, export: Path, entry: dict[str, object]) -> Path:
    root = tmp / "proj"
    channels = root / "content" / "channels"
    channels.mkdir(parents=True)
    if export.is_dir():
        shutil.copytree(export, channels / "paper_notes")
    else:
        (channels / "paper_notes").mkdir()
        shutil.copyfile(export, channels / "paper_notes" / export.name)
    (root / "content" / "channels.yml").write_text(
        yaml.safe_dump({"channels": [{**CHANNEL, **entry}]}), encoding="utf-8")
    return root


def site(tmp: Path, kind: str) -> tuple[dict[str, str], dict[str, str], list[Post]]:
    root = make_project(tmp / kind, FIX / kind, {"files": ["paper_notes"]})
    project = load_project(root)
    corpus = process(project)
    assets = {rel: hashlib.sha256(Path(src).read_bytes()).hexdigest()
              for rel, src in site_assets(corpus).items()}
    return render_site(project, corpus), assets, corpus.posts


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, str],
                                                                     dict[str, str], list[Post]]]:
    tmp = tmp_path_factory.mktemp("desktop")
    return {kind: site(tmp, kind) for kind in ("json", "html")}


def page(both: dict[str, tuple[dict[str, str], dict[str, str], list[Post]]], slug: str) -> str:
    return both["json"][0][f"reviews/paper_notes/{slug}.md"]


def test_json_and_html_exports_give_identical_pages_and_media(both: dict[str, tuple[
        dict[str, str], dict[str, str], list[Post]]]) -> None:
    json_pages, json_assets, _ = both["json"]
    html_pages, html_assets, _ = both["html"]
    reviews = sorted(p for p in json_pages if p.startswith("reviews/"))
    assert len(reviews) == 7  # messages 2, 3, 5, 6, 7, 12, 13
    assert json_pages == html_pages
    # photo_1 (message 2), lora.pdf (3), the album's two photos included in the export (13, 14)
    assert json_assets == html_assets and sorted(json_assets) == [
        "reviews/paper_notes/attention-is-all-you-need-re-read/"
        "2-1-photo_1-01-03-2024_12-00-00.jpg",
        "reviews/paper_notes/dpo-direct-preference-optimization/"
        "13-1-photo_3-05-03-2024_10-00-00.jpg",
        "reviews/paper_notes/dpo-direct-preference-optimization/"
        "14-1-photo_4-05-03-2024_10-00-00.jpg",
        "reviews/paper_notes/lora-low-rank-adaptation-of-large-language-models/3-1-lora.pdf"]


def test_album_photos_join_the_post_they_follow(both: dict[str, tuple[
        dict[str, str], dict[str, str], list[Post]]]) -> None:
    for kind in ("json", "html"):
        dpo = both[kind][0]["reviews/paper_notes/dpo-direct-preference-optimization.md"]
        # the caption's photo and message 14's, in order, then message 15's note (left out)
        assert dpo.index("![Photo 1](dpo-direct-preference-optimization/13-1-photo_3-") < \
            dpo.index("![Photo 2](dpo-direct-preference-optimization/14-1-photo_4-")
        assert "Photo not included in the export" in dpo
        assert "* * *" not in dpo and "continuations:" not in dpo  # album items, not replies
        # message 16 (five minutes later) and message 11 (after a service message) are on no page
        pages = "".join(both[kind][0].values())
        assert "photo_5" not in pages and "photo_2" not in pages


def test_permalinks_exact_dates_and_front_matter(both: dict[str, tuple[
        dict[str, str], dict[str, str], list[Post]]]) -> None:
    text = page(both, "lora-low-rank-adaptation-of-large-language-models")
    meta = yaml.safe_load(text.split("---\n")[1])
    # result.json: "date": "2024-03-01T18:30:05", "date_unixtime": "1709307005" → UTC+3;
    # messages.html: title="01.03.2024 18:30:05 UTC+03:00".
    assert meta["datetime"] == "2024-03-01T18:30:05+03:00"
    assert meta["date"] == "2024-03-01" and meta["date_source"] == "export"
    assert meta["permalink"] == "https://t.me/paper_notes/3"
    assert meta["message_id"] == 3
    assert meta["papers"] == ["2106.09685"]
    assert meta["tags"] == ["finetuning"]
    # a custom emoji reaction: in result.json `"type": "custom_emoji"` with its document id; in
    # messages.html a link around the exporter's stand-in 👋 (read as the same reaction)
    assert meta["reactions"] == [{"emoji": "❤", "count": 5},
                                 {"emoji": "", "count": 4, "kind": "custom_emoji"}]
    assert ('<strong>Original post:</strong> <a href="https://t.me/paper_notes/3">on Telegram</a>'
            in text)
    assert "<strong>Date:</strong> 2024-03-01 18:30 UTC+03:00 ·" in text


def test_formatting_and_every_entity_type(both: dict[str, tuple[
        dict[str, str], dict[str, str], list[Post]]]) -> None:
    text = page(both, "attention-is-all-you-need-re-read")
    expected = [
        "<em>no recurrence</em>", "<u>only attention</u>", "<s>convolutions</s>",
        '<span class="tg-spoiler">it scales</span>', "`softmax(QK^T/sqrt(d))V`",
        "```\ndef attention(q, k, v):\n    return softmax(q @ k.T) @ v\n```",
        "> Attention is all you need.\n>\n> Really.",
        "[@ml_digest](<https://t.me/ml_digest>)", "and Ada Lovelace for",
        "[slides](<https://example.org/slides?a=1&b=%3C2%3E>)",
        "Tags: &#35;transformers &#35;nlp, ticker &#36;NVDA, bot /start",
        "[notes@example.org](<mailto:notes@example.org>)",
        "[+1 555 0100](<tel:+15550100>), card 4242 4242 4242 4242 🔥",
        "[https://arxiv.org/abs/1706.03762](<https://arxiv.org/abs/1706.03762>)",
        # text that looks like Markdown or HTML stays text
        "&#35; not a heading, &lt;b&gt;not html&lt;/b&gt;, &#91;not&#93;(a link), "
        "&#42;not emphasis&#42;",
        "- first point\n- second point",
    ]
    for snippet in expected:
        assert snippet in text, snippet
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["tags"] == ["transformers", "nlp"]
    assert meta["reactions"] == [{"emoji": "👍", "count": 12}, {"emoji": "🔥", "count": 3},
                                 {"emoji": "⭐", "count": 2, "kind": "paid"}]


def test_media_on_pages(both: dict[str, tuple[dict[str, str], dict[str, str], list[Post]]],
                        tmp_path: Path) -> None:
    attention = page(both, "attention-is-all-you-need-re-read")
    img = "attention-is-all-you-need-re-read/2-1-photo_1-01-03-2024_12-00-00.jpg"
    assert f'[![Photo 1]({img})]({img}){{ .glightbox data-type="image" }}' in attention
    lora = page(both, "lora-low-rank-adaptation-of-large-language-models")
    assert "📎 [lora.pdf](lora-low-rank-adaptation-of-large-language-models/3-1-lora.pdf)" in lora
    scaling = page(both, "scaling-laws-for-neural-language-models")
    assert '!!! note "Media not shown"\n    Photo not included in the export' in scaling
    part_two = page(both, "attention-part-two-multi-head")
    assert "File 'attention-notes.pdf' not included in the export" in part_two
    # the media are copied next to the page, owned through the manifest
    root = make_project(tmp_path, FIX / "html", {"files": ["paper_notes"]})
    assert main(["--root", str(root), "build", "-q"]) == 0
    copied = root / "content" / "docs" / "reviews" / "paper_notes" / img
    assert copied.read_bytes() == (FIX / "html" / "photos" /
                                   "photo_1@01-03-2024_12-00-00.jpg").read_bytes()
    manifest = (root / "content" / "docs" / ".postdocs-manifest.json").read_text()
    assert f"reviews/paper_notes/{img}" in manifest


def test_continuations_replies_forwards_polls_stickers(both: dict[str, tuple[
        dict[str, str], dict[str, str], list[Post]]]) -> None:
    attention = page(both, "attention-is-all-you-need-re-read")
    assert "* * *\n\nA follow-up: the positional encodings" in attention  # message 4
    assert "continuations: 1" in attention
    # message 12 (messages2.html) answers message 2 (messages.html) with a bold title of its own
    part_two = page(both, "attention-part-two-multi-head")
    assert "↩ In reply to [Attention Is All You Need, re-read]" \
           "(attention-is-all-you-need-re-read.md)" in part_two
    qlora = page(both, "qlora-efficient-finetuning-of-quantized-llms")
    assert "(lora-low-rank-adaptation-of-large-language-models.md)" in qlora
    lora = page(both, "lora-low-rank-adaptation-of-large-language-models")
    assert "* * *\n\n👏" in lora  # the sticker reply (message 8), shown as its emoji
    moe = page(both, "mixture-of-experts-explained")
    assert "*Forwarded from Other ML Channel*" in moe and "forwarded_from: Other ML Channel" in moe
    assert "**Poll:** Read it?\n\n- Yes — 5 votes\n- Not yet — 2 votes\n- No — 0 votes" in moe
    assert "Total voters: 7" in moe


@pytest.mark.parametrize("kind", ["json", "html"])
def test_ledger_counts_every_message(kind: str) -> None:
    channel = ChannelConfig(id="paper_notes", name="Paper Notes", url="", lang="en",
                            dir="ltr", format="auto", files=("x",))
    result = read_input(FIX / kind, channel)
    cats = result.ledger.categories
    assert (cats["posts"], cats["merged continuations"], cats["service messages"],
            cats["media-only messages"], cats["album media"]) == (7, 3, 2, 2, 2)
    assert result.ledger.total_lines == 16 and len(result.ledger.accounted) == 16
    # the files of the two media-only messages (11 and 16), for `add` to report
    assert [Path(f).name for f in result.left_out] == [
        "photo_2@03-03-2024_09-31-00.jpg", "photo_5@05-03-2024_10-05-00.jpg"]
    assert result.sniffed and result.format == f"telegram-{kind}"


def full_channel(chat: str | None) -> ChannelConfig:
    return ChannelConfig(id="deep_papers", name="Deep Papers", url="", lang="en", dir="ltr",
                         format="telegram-json", files=("x",), chat=chat)


def test_full_account_export() -> None:
    result = read_input(FIX / "full" / "result.json", full_channel("1555000111"))
    posts = {p.message_id: p for p in result.posts}
    assert sorted(posts) == [41, 42]
    ddpm = posts[41]
    assert ddpm.title == "Denoising Diffusion Probabilistic Models"
    assert ddpm.datetime == "2023-11-01T10:30:00"  # "date" only: naive local time
    assert dict(ddpm.extra)["edited"] == "2023-11-01T11:05:00"
    body = blocks_markdown(ddpm.blocks)  # the body as the page writes it
    assert "```python\nfor t in reversed(range(T)):\n    x = step(x, t)\n```" in body
    assert '??? quote "Quote"\n\n    A long quote from the paper,\n\n    folded by default.' \
        in body
    # an entity type the reader does not know is text, escaped like any other
    assert "(<https://arxiv.org/abs/2006.11239>) &#91;v2, &#42;revised&#42;&#93;" \
        in body
    assert [(r.emoji, r.count, r.kind) for r in ddpm.reactions] == [
        ("🔥", 9, "emoji"), ("", 4, "custom_emoji"), ("⭐", 1, "paid")]
    # 2023-11-03T19:45:00 local, unixtime 1699029900 = 16:45 UTC → UTC+03:00
    assert posts[42].datetime == "2023-11-03T19:45:00+03:00"
    assert result.ledger.categories["service messages"] == 1
    (warning,) = result.warnings
    assert "message 42" in str(warning) and "photo_3@03-11-2023_19-45-00.jpg" in str(warning)
    assert str(warning).startswith(str(FIX / "full" / "result.json"))
    assert "Photo missing from the export folder." in blocks_markdown(posts[42].blocks)
    # without 'chat', the channel's name finds it
    assert len(read_input(FIX / "full" / "result.json", full_channel(None)).posts) == 2


def test_full_account_export_chat_not_found_lists_chats() -> None:
    with pytest.raises(InputError) as err:
        read_input(FIX / "full" / "result.json", full_channel("Nope"))
    message = str(err.value)
    assert "chat 'Nope' not found" in message
    assert "'Saved Messages' (id 100200300, saved_messages)" in message
    assert "'Deep Papers' (id 1555000111, public_channel)" in message


def test_sniffing_reports_and_explicit_format_wins(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert sniff(FIX / "json") == "telegram-json"
    assert sniff(FIX / "json" / "result.json") == "telegram-json"
    assert sniff(FIX / "full" / "result.json") == "telegram-json"
    assert sniff(FIX / "html") == "telegram-html"
    assert sniff(FIX / "html" / "messages.html") == "telegram-html"
    seeds = ROOT / "content" / "channels"
    assert sniff(seeds / "rizzearch" / "000_6219d51e455967f7.txt") == "web-preview"
    assert sniff(seeds / "MathyAIwithMike" / "004_71cc8ab0bbd831e0.txt") == "ocr-digest"
    root = make_project(tmp_path, FIX / "json", {"files": ["paper_notes"]})
    assert main(["--root", str(root), "check"]) == 0
    assert "paper_notes [telegram-json, sniffed]: posts=7 " in capsys.readouterr().out
    make_project(tmp_path / "b", FIX / "json",
                 {"files": ["paper_notes/result.json"], "format": "telegram-json"})
    assert main(["--root", str(tmp_path / "b" / "proj"), "check"]) == 0
    assert "result.json [telegram-json]: posts=7 " in capsys.readouterr().out
    # an explicit format is used as given, even when the content says otherwise
    make_project(tmp_path / "c", FIX / "json", {"files": ["paper_notes"],
                                                "format": "telegram-html"})
    assert main(["--root", str(tmp_path / "c" / "proj"), "check"]) == 3
    assert "no messages.html" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("bad", "fmt", "expected"),
    [
        ("truncated.json", "auto", ["truncated.json:", "not valid JSON",
                                    "truncated", "after message 2"]),
        ("not_export.json", "auto", ["not_export.json", "not a Telegram Desktop export"]),
        ("not_export.json", "telegram-json", ["not_export.json",
                                              "not a Telegram Desktop export"]),
        ("elsewhere.html", "auto", ["elsewhere.html", "not a Telegram Desktop export"]),
    ],
)
def test_bad_exports_fail_cleanly_and_keep_previous_pages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str, fmt: str,
        expected: list[str]) -> None:
    root = make_project(tmp_path, FIX / "json", {"files": ["paper_notes"]})
    assert main(["--root", str(root), "build", "-q"]) == 0
    docs = root / "content" / "docs"
    before = {p: p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()}
    shutil.copyfile(FIX / "bad" / bad, root / "content" / "channels" / "paper_notes" / bad)
    (root / "content" / "channels.yml").write_text(yaml.safe_dump({"channels": [
        {**CHANNEL, "files": [f"paper_notes/{bad}"], "format": fmt}]}), encoding="utf-8")
    capsys.readouterr()
    assert main(["--root", str(root), "build"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    for snippet in expected:
        assert snippet in err, snippet
    after = {p: p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()}
    assert after == before


def test_missing_media_file_is_a_located_warning(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path, FIX / "json", {"files": ["paper_notes"]})
    (root / "content" / "channels" / "paper_notes" / "files" / "lora.pdf").unlink()
    assert main(["--root", str(root), "build"]) == 0
    err = capsys.readouterr().err
    assert "result.json: message 3: media file 'files/lora.pdf' is missing" in err
    lora = (root / "content" / "docs" / "reviews" / "paper_notes" /
            "lora-low-rank-adaptation-of-large-language-models.md").read_text(encoding="utf-8")
    assert "File missing from the export folder." in lora and "](lora-low" not in lora


def test_stale_media_are_removed_with_their_post(tmp_path: Path) -> None:
    src = tmp_path / "a.jpg"
    src.write_bytes(b"img")
    out = tmp_path / "docs"
    first = write_pages(out, {"p.md": "P\n"}, assets={"p/a.jpg": str(src)})
    assert sorted(first.written) == ["p.md", "p/a.jpg"]
    assert write_pages(out, {"p.md": "P\n"}, assets={"p/a.jpg": str(src)}).unchanged == 2
    gone = write_pages(out, {"q.md": "Q\n"})
    assert sorted(gone.removed) == ["p.md", "p/a.jpg"] and not (out / "p").exists()


def test_unsafe_links_stay_text() -> None:
    parts = [TextPart("text_link", "click", "javascript:alert(1)"), TextPart("plain", " and "),
             TextPart("text_link", "data", "data:text/html,<b>x</b>"),
             TextPart("plain", "\n<script>alert(1)</script>"),
             TextPart("mention", "@bad handle")]
    block = text_block(to_lines(parts))
    assert block is not None
    md = join_lines(block.lines)
    assert "javascript" not in md and "data:" not in md and "<script>" not in md
    assert md == "click and data\n\n&lt;script&gt;alert(1)&lt;/script&gt;@bad handle"


def seed_project(tmp: Path) -> Path:
    root = tmp / "site"
    root.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", root / "overrides")
    shutil.copytree(ROOT / "content", root / "content",
                    ignore=shutil.ignore_patterns("reviews", "channels_index", ".postdocs-*",
                                                  "_snippets", "topics", "papers", "tags", "feeds",
                                                  "charts"))
    generated = root / "content" / "docs" / "channels"
    if generated.is_dir():
        shutil.rmtree(generated)
    return root


def test_add_command_then_build_the_site(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = seed_project(tmp_path)
    args = ["--root", str(root), "add", str(FIX / "html"), "--name", "Paper Notes",
            "--handle", "paper_notes"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "added channel 'paper_notes' (telegram-html, 7 posts)" in out
    # messages.html, messages2.html, photo_1, lora.pdf and the album's photo_3 and photo_4
    assert "copied 6 files (the export's messages and the media its pages use); left out 2:\n" \
           "  2 media files of messages that make no page" in out
    config = (root / "content" / "channels.yml").read_text(encoding="utf-8")
    assert config.startswith("# Channels shown on the site.")  # comments kept
    assert "  - id: rizzearch" in config and "- paper_notes\n" in config
    copied = root / "content" / "channels" / "paper_notes"
    assert sorted(str(p.relative_to(copied)) for p in copied.rglob("*") if p.is_file()) == [
        "files/lora.pdf", "messages.html", "messages2.html",
        "photos/photo_1@01-03-2024_12-00-00.jpg", "photos/photo_3@05-03-2024_10-00-00.jpg",
        "photos/photo_4@05-03-2024_10-00-00.jpg"]
    assert main(args) == 2  # twice: a configuration error, nothing changed
    assert "already configured" in capsys.readouterr().err
    assert main(["--root", str(root), "build", "-q"]) == 0
    docs = root / "content" / "docs"
    review = docs / "reviews" / "paper_notes" / "attention-is-all-you-need-re-read.md"
    assert review.is_file()
    assert ">Attention Is All You Need, re-read</a>" in (docs / "channels" /
                                                         "paper_notes.md").read_text()
    env = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", "PATH": ""}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"],
                          cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    html = (root / "site" / "reviews" / "paper_notes" / "attention-is-all-you-need-re-read" /
            "index.html").read_text(encoding="utf-8")
    # the photo opens in a lightbox (a plain link to the full image without JavaScript)
    photo = "2-1-photo_1-01-03-2024_12-00-00.jpg"
    assert (f'<a class="glightbox" data-type="image" href="{photo}"><img alt="Photo 1" '
            f'src="{photo}" /></a>') in html
    assert (root / "site" / "reviews" / "paper_notes" / "attention-is-all-you-need-re-read" /
            "2-1-photo_1-01-03-2024_12-00-00.jpg").is_file()
    assert '<a href="https://t.me/paper_notes/2">on Telegram</a>' in html
    assert "<strong>that</strong>" in html and "<blockquote>" in html
    # the export's reviews join the topic pages (the DPO review is about preference optimisation
    # and RLHF, LoRA about fine-tuning) and are cross-linked with the seed channels' reviews
    site = root / "site"
    for topic, slug in [("alignment", "dpo-direct-preference-optimization"),
                        ("fine-tuning", "lora-low-rank-adaptation-of-large-language-models")]:
        listing = (site / "topics" / topic / "index.html").read_text(encoding="utf-8")
        assert f'href="../../reviews/paper_notes/{slug}/"' in listing, topic
        review = (site / "reviews" / "paper_notes" / slug / "index.html").read_text(
            encoding="utf-8")
        related = review.split(">Related reviews<", 1)[1].split("<h2", 1)[0]
        seeds = {ch["id"] for ch in yaml.safe_load(config)["channels"]} - {"paper_notes"}
        linked = set(re.findall(r'href="\.\./\.\./([^/"]+)/[^"]+"', related))
        assert linked & seeds, (slug, linked)


def test_add_rejects_a_broken_export_without_changes(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = seed_project(tmp_path)
    before = (root / "content" / "channels.yml").read_bytes()
    assert main(["--root", str(root), "add", str(FIX / "bad" / "truncated.json"), "--name",
                 "X", "--handle", "x_channel"]) == 3
    assert "truncated.json" in capsys.readouterr().err
    assert (root / "content" / "channels.yml").read_bytes() == before
    assert not (root / "content" / "channels" / "x_channel").exists()


def test_the_same_export_twice_is_one_clear_error(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path, FIX / "json", {"files": ["paper_notes"]})
    shutil.copytree(FIX / "html", root / "content" / "channels" / "paper_notes" / "html")
    (root / "content" / "channels.yml").write_text(yaml.safe_dump({"channels": [
        {**CHANNEL, "files": ["paper_notes", "paper_notes/html"]}]}), encoding="utf-8")
    assert main(["--root", str(root), "build"]) == 3
    err = capsys.readouterr().err
    assert "message 2 is read twice" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 100_000, "JSON nested too deeply to be a Telegram export"),
        ('{"name": "x", "type": "public_channel", "messages": [{"type": "message"}]}',
         "messages[0] is not a message (no integer 'id')"),
        ('{"name": "x", "type": "public_channel", "messages": [{"id": 5, "text": 7}]}',
         "message 5: 'text' is neither a string nor a list"),
    ],
)
def test_malformed_json_exports(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_input(path, full_channel(None))
    assert str(err.value) == f"{path}: {expected}" or str(err.value).startswith(f"{path}:1:")


def test_odd_values_in_an_export_do_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(
        '{"name": "x", "type": "public_channel", "messages": [{"id": 5, "type": "message", '
        '"date": "not a date", "text": "Title\\nbody", "reactions": [{"type": "emoji", '
        '"count": "many", "emoji": "👍"}], "poll": {"question": "q", "answers": 3}}]}',
        encoding="utf-8")
    (post,) = read_input(path, full_channel(None)).posts
    assert post.title == "Title" and post.datetime is None and post.date is None
    assert post.reactions[0].count == 0


def test_export_posts_give_plain_text_to_the_later_stages(both: dict[str, tuple[
        dict[str, str], dict[str, str], list[Post]]]) -> None:
    post = next(p for p in both["json"][2] if p.message_id == 2)
    assert "<strong>" not in post.text and "\\#" not in post.text
    assert "Why it matters: no recurrence, only attention, convolutions;" in post.text
    # a text link's target is part of the text, so link and paper detection see it
    assert "https://example.org/slides?a=1&b=%3C2%3E" in post.links
    assert post.papers == ("1706.03762",)
    meta = yaml.safe_load(page(both, "attention-is-all-you-need-re-read").split("---\n")[1])
    assert meta["description"].startswith("The paper: Why it matters: no recurrence")


def test_media_paths_never_leave_the_export(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for the site")
    export = tmp_path / "export"
    export.mkdir()
    (export / "photos").mkdir()
    (export / "photos" / "link.png").symlink_to(secret)
    messages = [
        {"id": n, "type": "message", "photo": path, "text": f"Post {n}\nbody"}
        for n, path in enumerate(["../secret.png", str(secret), "photos/link.png"], start=1)
    ]
    (export / "result.json").write_text(json.dumps(
        {"name": "x", "type": "public_channel", "messages": messages}), encoding="utf-8")
    result = read_input(export, full_channel(None))
    assert all(not p.media for p in result.posts)
    assert len(result.warnings) == 3
    assert all("leaves the export folder" in str(w) for w in result.warnings)


def album_export(tmp: Path, messages: list[dict[str, object]]) -> Path:
    export = tmp / "export"
    (export / "photos").mkdir(parents=True)
    for m in messages:
        if isinstance(m.get("photo"), str) and not str(m["photo"]).startswith("("):
            (export / str(m["photo"])).write_bytes(str(m["id"]).encode())
    (export / "result.json").write_text(json.dumps(
        {"name": "x", "type": "public_channel", "messages": messages}), encoding="utf-8")
    return export


def msg(mid: int, time: str, text: str = "", sender: str = "channel1", **extra: object
        ) -> dict[str, object]:
    return {"id": mid, "type": "message", "date": f"2024-03-05T{time}", "from": "Paper Notes",
            "from_id": sender, "text": text, **extra}


def test_album_rule_attaches_only_consecutive_media_of_the_same_sender_and_minute(
        tmp_path: Path) -> None:
    messages = [
        msg(1, "09:00:00", photo="photos/first.jpg"),  # the first message: nothing to join
        msg(2, "10:00:00", "Post A\nbody", photo="photos/a1.jpg"),
        msg(3, "10:00:00", photo="photos/a2.jpg"),  # same second: album
        msg(4, "10:00:59", photo="photos/a3.jpg"),  # 59 s after the previous item: album
        msg(5, "10:00:59", file="(File not included. Change data exporting settings to "
            "download.)", file_name="a4.pdf"),  # an item left out of the export: a note
        msg(6, "10:02:00", photo="photos/late.jpg"),  # 61 s later: dropped
        msg(7, "10:02:00", photo="photos/after-dropped.jpg"),  # follows a dropped one
        msg(8, "11:00:00", "Post B\nbody"),
        msg(9, "11:00:00", sender="user42", photo="photos/other.jpg"),  # another sender
        msg(10, "12:00:00", "Post C\nbody"),
        {"id": 11, "type": "service", "date": "2024-03-05T12:00:00", "action": "pin_message",
         "text": ""},
        msg(12, "12:00:00", photo="photos/after-service.jpg"),  # not right after the post
        msg(13, "12:00:00", photo="photos/reply.jpg", reply_to_message_id=10),  # a reply
        msg(14, "12:00:00", photo="photos/after-reply.jpg"),  # joins C through the reply
    ]
    result = read_input(album_export(tmp_path, messages), full_channel(None))
    posts = {p.message_id: p for p in result.posts}
    assert sorted(posts) == [2, 8, 10]
    assert [m.target for m in posts[2].media] == ["2-1-a1.jpg", "3-1-a2.jpg", "4-1-a3.jpg"]
    assert "File 'a4.pdf' not included in the export" in blocks_markdown(posts[2].blocks)
    assert posts[8].media == ()
    assert [m.target for m in posts[10].media] == ["13-1-reply.jpg", "14-1-after-reply.jpg"]
    cats = result.ledger.categories
    assert (cats["album media"], cats["media-only messages"], cats["merged continuations"]) \
        == (4, 5, 1)
    assert sorted(Path(f).name for f in result.left_out) == [
        "after-dropped.jpg", "after-service.jpg", "first.jpg", "late.jpg", "other.jpg"]


def test_html_reactions_follow_the_exporter(tmp_path: Path) -> None:
    """`span.reactions` as export_output_html.cpp writes it: no count when every reactor is
    shown (the userpics are the count), `active` for the exporting user's own reaction."""
    html = (FIX / "html" / "messages2.html").read_text(encoding="utf-8")
    reactions = """<span class="reactions">
 <span class="reaction active">
  <span class="emoji">
🤯
  </span>
  <span class="userpics">
   <div class="userpic userpic3" style="width: 20px; height: 20px">
    <div class="initials" style="line-height: 20px" title="Ada Lovelace">AL</div>
   </div>
   <div class="userpic userpic5" style="width: 20px; height: 20px">
    <div class="initials" style="line-height: 20px" title="Alan Turing">AT</div>
   </div>
  </span>
 </span>
 <span class="reaction">
  <span class="emoji">
<a href="" onclick="return ShowNotLoadedEmoji();">👋</a>
  </span>
  <span class="count">
3
  </span>
 </span>
</span>"""
    start = html.index('<span class="reactions">')
    end = html.index("</div>", start)  # the reactions end where message 12's body does
    export = tmp_path / "html"
    shutil.copytree(FIX / "html", export)
    (export / "messages2.html").write_text(html[:start] + reactions + "\n" + html[end:],
                                           encoding="utf-8")
    channel = ChannelConfig(id="paper_notes", name="Paper Notes", url="", lang="en",
                            dir="ltr", format="auto", files=("x",))
    post = next(p for p in read_input(export, channel).posts if p.message_id == 12)
    assert [(r.emoji, r.count, r.kind) for r in post.reactions] == [
        ("🤯", 2, "emoji"), ("", 3, "custom_emoji")]


def test_add_reports_each_file_it_leaves_out(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "ChatExport_2024-03-05"
    shutil.copytree(FIX / "html", export)
    extra = ["css/style.css", "js/script.js", "images/back.png", "images/back@2x.png",
             "photos/photo_1@01-03-2024_12-00-00_thumb.jpg", "notes.txt"]
    for rel in extra:
        (export / rel).parent.mkdir(parents=True, exist_ok=True)
        (export / rel).write_text(rel, encoding="utf-8")
    root = seed_project(tmp_path)
    assert main(["--root", str(root), "add", str(export), "--name", "Paper Notes",
                 "--handle", "paper_notes"]) == 0
    out = capsys.readouterr().out
    assert out.endswith(
        "postdocs: copied 6 files (the export's messages and the media its pages use); "
        "left out 8:\n"
        "  2 media files of messages that make no page (media-only messages that are no part "
        "of a post's album)\n"
        "  1 thumbnails (the pages show the full photos)\n"
        "  4 files of the export's own viewer (css/, js/, images/)\n"
        "  1 other files no page uses\n")
    copied = root / "content" / "channels" / "paper_notes"
    assert not any((copied / rel).exists() for rel in extra)
