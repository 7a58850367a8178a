"""Living channels: Telegram's public web preview fetched, stored, read and merged.

The fetch tests run `postdocs add`/`fetch` against a stand-in for the service on 127.0.0.1
(`tests/preview_server.py`: the service's page markup and paging, its redirect for a channel
without a preview, scripted 429/500/slow answers). `tests/fixtures/telegram_preview/kinds.html`
is one page written like the service's with every kind of message.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import shutil
import socket
import time
from pathlib import Path

import pytest

from postdocs.cli import main
from postdocs.config import load_project
from postdocs.model import ChannelConfig, Post, Remark
from postdocs.patterns import is_reactions_line
from postdocs.pipeline import process, render_site
from postdocs.readers import read_input, webpreview
from postdocs.readers.preview_page import parse_page
from postdocs.readers.telegram_preview import read
from postdocs.render.body import blocks_markdown
from postdocs.sources.fetch_preview import FetchOptions, Store, fetch_channel, parse_preview_url
from postdocs.urls import slugs

from .conftest import copy_project, seed
from .preview_server import Channel, Msg, PreviewServer, Scripted, emoji, text_html

FIX = Path(__file__).parent / "fixtures" / "telegram_preview"
KINDS = (FIX / "kinds.html").read_text(encoding="utf-8")
CHANNEL = ChannelConfig(id="paper_notes", name="Paper notes", url="https://t.me/paper_notes",
                        lang="en", dir="ltr", format="telegram-preview", files=("x",))
FAST = ["--delay", "0", "--backoff", "0.05", "--timeout", "2"]


def kinds_store(tmp: Path) -> Path:
    folder = tmp / "paper_notes" / "preview"
    store = Store(folder, "paper_notes")
    store.add_page(KINDS)
    store.index.complete = True
    store.save()
    return folder


def empty_project(tmp: Path) -> Path:
    (tmp / "content").mkdir(parents=True)
    (tmp / "content" / "channels.yml").write_text("channels:\n", encoding="utf-8")
    return tmp


def channel_messages(n: int, start: int = 1) -> list[Msg]:
    base = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
    return [Msg(i, text_html([f"Review number {i}", "", f"The body of review {i}."]),
                datetime=(base + dt.timedelta(hours=i)).isoformat())
            for i in range(start, start + n)]


# --- the markup ------------------------------------------------------------------------------


def test_every_message_kind_of_a_preview_page_is_read() -> None:
    page = parse_page(KINDS, "paper_notes")
    assert page.before == 3 and page.has_history
    assert page.meta.name == "Paper notes" and page.meta.subscribers == "1.01K"
    by_id = {m.id: m for m in page.messages}
    assert sorted(by_id) == [3, 4, 5, 6, 9, 10, 11, 12, 13, 14, 15, 16]
    assert by_id[3].service
    m = by_id[4]
    assert m.datetime == "2024-01-02T09:30:15+00:00" and m.views == "1.2K" and m.edited
    assert [(r.emoji, r.count, r.kind) for r in m.reactions] == [
        ("🔥", 42, "emoji"), ("👍", 1500, "emoji"), ("⭐", 3, "paid"), ("", 7, "custom_emoji")]
    kinds = {(p.type, p.text) for p in m.parts}
    for expected in [("bold", "Attention Is All You Need"), ("italic", "the"),
                     ("bold", "classic"), ("underline", "underlined"),
                     ("strikethrough", "struck"), ("spoiler", "a spoiler"),
                     ("code", "softmax(QK^T)"), ("hashtag", "#transformers"),
                     ("mention", "@someone"), ("link", "https://github.com/org/repo"),
                     ("blockquote", "Quoted words")]:
        assert expected in kinds
    link = next(p for p in m.parts if p.type == "text_link")
    assert link.attr == "https://arxiv.org/abs/1706.03762?a=1&b=2"  # the service's &amp;amp;
    pre = next(p for p in m.parts if p.type == "pre")
    assert pre.attr == "python" and "return softmax" in pre.text
    assert [a.url for a in by_id[6].attachments] == [
        "https://cdn4.telesco.pe/file/album-one.jpg", "https://cdn4.telesco.pe/file/album-two.jpg"]
    assert by_id[9].forwarded_from == "Other channel"
    assert by_id[9].forwarded_link == "https://t.me/other_channel/77"
    assert (by_id[10].reply_to, by_id[10].reply_text) == (4, "Attention Is All You Need")
    assert by_id[10].card is not None and by_id[10].card.site == "arXiv.org"
    assert [a.kind for a in by_id[10].attachments] == []  # the card's image is the card's
    assert by_id[11].attachments[0].kind == "video" and by_id[11].attachments[0].name == "0:31"
    doc = by_id[12].attachments[0]
    assert (doc.kind, doc.name, doc.detail) == ("document", "lecture-notes.pdf", "2.1 MB")
    poll = by_id[13].poll
    assert poll is not None and poll.question == "Which optimizer do you use?"
    assert poll.answers == (("AdamW", 62), ("Lion", 38))
    assert [a.kind for a in by_id[14].attachments] == ["sticker"]
    assert by_id[15].not_supported and not by_id[15].parts
    assert by_id[10].views == "1.1M"
    # markup nobody has seen is reported with the message, never a crash
    assert page.problems == ("message 16: markup not recognised: tgme_widget_message_hologram",)


def test_pages_become_posts_with_ids_dates_permalinks_and_safe_markdown(tmp_path: Path) -> None:
    result = read(kinds_store(tmp_path), CHANNEL)
    posts = {p.message_id: p for p in result.posts}
    assert sorted(posts) == [4, 6, 9, 10, 11, 12, 13, 16]
    p = posts[4]
    assert p.title == "Attention Is All You Need"
    assert p.permalink == "https://t.me/paper_notes/4"
    assert p.datetime == "2024-01-02T09:30:15+00:00" and p.date == dt.date(2024, 1, 2)
    assert p.continuations == 1  # message 5 has no title: it goes on with the review
    md = blocks_markdown(p.blocks)
    for piece in ["<em>the</em>", "<strong>classic</strong>", "<u>underlined</u>",
                  "<s>struck</s>", '<span class="tg-spoiler">a spoiler</span>',
                  "`softmax(QK^T)`", "[text link](<https://arxiv.org/abs/1706.03762?a=1&b=2>)",
                  "```python\ndef attention(q, k, v):", "> Quoted words",
                  "and it goes on in a second message", "<small>1.2K views · edited</small>"]:
        assert piece in md, piece
    # hostile text stays text
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "](javascript" not in md and "{: onclick" not in md
    assert "\\href" not in md.replace("&#92;href", "")
    assert "🖼 Photo: see [the post on Telegram](<https://t.me/paper_notes/6>)" in (
        blocks_markdown(posts[6].blocks))
    assert "Forwarded from [Other channel](<https://t.me/other_channel/77>)" in (
        blocks_markdown(posts[9].blocks))
    assert posts[10].reply_to == 4
    assert "> [Fast Transformer Decoding" in blocks_markdown(posts[10].blocks)
    assert "&lt;b&gt;are&lt;/b&gt;" in blocks_markdown(posts[10].blocks)
    assert "https://arxiv.org/abs/1911.02150" in posts[10].text  # the card's paper is found
    assert "🎬 Video (0:31)" in blocks_markdown(posts[11].blocks)
    assert "📄 File lecture-notes.pdf (2.1 MB)" in blocks_markdown(posts[12].blocks)
    assert posts[13].title == "Which optimizer do you use?"
    assert "- AdamW — 62%" in blocks_markdown(posts[13].blocks)
    assert dict(posts[9].extra)["views"] == "15.3K"
    # every message is accounted for
    ledger = result.ledger
    assert ledger.total_lines == 12
    assert ledger.accounted == set(range(1, 13))
    assert ledger.categories["service messages"] == 1
    assert ledger.categories["merged continuations"] == 1
    assert ledger.categories["media-only messages"] == 2  # the sticker, the unsupported box
    assert any("message 16: markup not recognised" in w.message for w in result.warnings)


def test_a_store_folder_is_read_as_fetched_pages_whatever_the_channel_format(
        tmp_path: Path) -> None:
    folder = kinds_store(tmp_path)
    other = ChannelConfig(**{**CHANNEL.__dict__, "format": "web-preview"})
    assert read_input(folder, other).format == "telegram-preview"


def test_stored_pages_are_gzip_with_no_timestamp(tmp_path: Path) -> None:
    folder = kinds_store(tmp_path)
    data = (folder / "pages" / "000001.html.gz").read_bytes()
    assert data[4:8] == b"\0\0\0\0"  # mtime 0: the same page gives the same bytes
    assert gzip.decompress(data).decode() == KINDS
    index = json.loads((folder / "index.json").read_text())
    assert index["pages"] == ["pages/000001.html.gz"] and index["complete"] is True


def test_preview_urls() -> None:
    assert parse_preview_url("https://t.me/s/rizzearch") == ("https://t.me", "rizzearch")
    assert parse_preview_url("https://t.me/s/gonzo_ML/") == ("https://t.me", "gonzo_ML")
    assert parse_preview_url("http://127.0.0.1:8080/mirror/s/x_y?before=3") == (
        "http://127.0.0.1:8080/mirror", "x_y")
    assert parse_preview_url("https://t.me/rizzearch") is None
    assert parse_preview_url("result.json") is None


# --- fetching --------------------------------------------------------------------------------


def run(root: Path, *args: str) -> int:
    return main(["--root", str(root), *args])


def test_add_fetches_the_whole_history_and_builds_pages(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = empty_project(tmp_path)
    with PreviewServer() as s:
        msgs = channel_messages(45)
        msgs[0] = Msg(1, "Channel created", service=True)
        s.channels["demo"] = Channel("Demo", msgs)
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo reviews", *FAST) == 0
        assert s.log == ["/s/demo", "/s/demo?before=26", "/s/demo?before=6"]
        assert all(a.startswith("postdocs/") for a in s.agents)
    out = capsys.readouterr().out
    assert "44 new" not in out and "45 new" in out and "history complete" in out
    config = (root / "content" / "channels.yml").read_text()
    assert "format: telegram-preview" in config and "- demo/preview" in config
    store = root / "content" / "channels" / "demo" / "preview"
    assert sorted(p.name for p in (store / "pages").iterdir()) == [
        "000001.html.gz", "000002.html.gz", "000003.html.gz"]
    project = load_project(root)
    posts = [p for p in process(project, use_cache=False).posts if p.channel == "demo"]
    assert sorted(p.message_id or 0 for p in posts) == list(range(2, 46))
    post = next(p for p in posts if p.message_id == 30)
    assert post.permalink == "https://t.me/demo/30"
    assert post.datetime == "2024-03-02T14:00:00+00:00"
    assert slugs.page_path(post) == "reviews/demo/review-number-30.md"
    assert run(root, "check") == 0
    assert run(root, "build") == 0
    page = (root / "content" / "docs" / "reviews" / "demo" / "review-number-30.md").read_text()
    assert "permalink: https://t.me/demo/30" in page and "views: '1.2K'" in page


def test_fetch_asks_only_for_new_pages(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = empty_project(tmp_path)
    with PreviewServer() as s:
        s.channels["demo"] = Channel("Demo", channel_messages(45))
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo", *FAST) == 0
        store = root / "content" / "channels" / "demo" / "preview"
        before = sorted((store / "pages").iterdir())
        s.log.clear()
        assert run(root, "fetch", "--base-url", s.base, *FAST) == 0
        assert s.log == ["/s/demo"]  # nothing new: one request, nothing stored
        assert sorted((store / "pages").iterdir()) == before
        s.channels["demo"].messages += channel_messages(25, start=46)
        s.log.clear()
        assert run(root, "fetch", "demo", "--base-url", s.base, *FAST) == 0
        # 25 new messages: the newest page and the one before it, no older page
        assert s.log == ["/s/demo", "/s/demo?before=51"]
    assert "@demo: 25 new, 0 edited, 0 deleted" in capsys.readouterr().out
    posts = process(load_project(root), use_cache=False).posts
    assert sorted(p.message_id or 0 for p in posts) == list(range(1, 71))


def test_fetch_without_preview_channels_says_so(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path / "site")
    assert run(root, "fetch") == 0
    assert "no channel reads Telegram's web preview yet" in capsys.readouterr().out
    assert run(root, "fetch", "rizzearch") == 2
    assert "no channel reads preview pages for rizzearch" in capsys.readouterr().err


def test_the_environment_variable_stands_in_for_the_service(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = empty_project(tmp_path)
    with PreviewServer() as s:
        s.channels["demo"] = Channel("Demo", channel_messages(3))
        monkeypatch.setenv("POSTDOCS_TELEGRAM_BASE_URL", s.base)
        assert run(root, "add", "https://t.me/s/demo", "--name", "Demo", *FAST) == 0
        assert s.log == ["/s/demo"]


def test_edits_and_deletions_are_noticed_and_deleted_posts_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = empty_project(tmp_path)
    with PreviewServer() as s:
        s.channels["demo"] = Channel("Demo", channel_messages(30))
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo", *FAST) == 0
        msgs = s.channels["demo"].messages
        msgs[27].text = text_html(["Review number 28", "", "A corrected body."])
        msgs[27].edited = True
        del msgs[29]  # messages 29 and 30 (the newest) deleted on Telegram
        del msgs[28]
        assert run(root, "fetch", "--recheck", "5", "--base-url", s.base, *FAST) == 0
    assert "@demo: 0 new, 1 edited, 2 deleted" in capsys.readouterr().out
    index = json.loads((root / "content/channels/demo/preview/index.json").read_text())
    assert index["edited"] == [28] and index["deleted"] == [29, 30]
    posts = {p.message_id: p for p in process(load_project(root), use_cache=False).posts}
    assert "A corrected body." in blocks_markdown(posts[28].blocks)
    assert "edited" in blocks_markdown(posts[28].blocks)
    assert dict(posts[29].extra)["deleted"] == "true"
    assert "Deleted on Telegram" in blocks_markdown(posts[29].blocks)
    assert "The body of review 29." in blocks_markdown(posts[29].blocks)


def test_429_with_retry_after_is_honoured(tmp_path: Path) -> None:
    root = empty_project(tmp_path)
    with PreviewServer() as s:
        s.channels["demo"] = Channel("Demo", channel_messages(3))
        s.script["/s/demo"] = [Scripted(429, {"Retry-After": "1"})]
        start = time.monotonic()
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo", *FAST) == 0
        assert time.monotonic() - start >= 1.0
        assert s.log == ["/s/demo", "/s/demo"]


def test_5xx_and_a_slow_answer_are_retried_with_back_off(tmp_path: Path) -> None:
    root = empty_project(tmp_path)
    with PreviewServer() as s:
        s.channels["demo"] = Channel("Demo", channel_messages(3))
        s.script["/s/demo"] = [Scripted(500), Scripted(503), Scripted(200, delay=1.5)]
        start = time.monotonic()
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo", "--delay", "0",
                   "--backoff", "0.1", "--timeout", "0.5") == 0
        assert len(s.log) == 4
        # back-off 0.1, 0.2, 0.4 s and one timeout of 0.5 s
        assert time.monotonic() - start >= 0.1 + 0.2 + 0.4 + 0.5


def test_errors_are_one_line_and_change_nothing(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = empty_project(tmp_path)
    config = (root / "content" / "channels.yml").read_text()
    with socket.socket() as sock:  # a port nobody listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert run(root, "add", f"http://127.0.0.1:{port}/s/demo", "--name", "D", "--retries",
               "1", *FAST[:4]) == 7
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot connect" in err and "offline?" in err
    assert err.startswith("postdocs: error: ") and "Traceback" not in err
    with PreviewServer() as s:
        assert run(root, "add", f"{s.base}/s/nobody_here", "--name", "N", *FAST) == 7
        err = capsys.readouterr().err.strip()
        assert "@nobody_here has no public web preview" in err and len(err.splitlines()) == 1
        s.channels["demo"] = Channel("Demo", channel_messages(3))
        s.script["/s/demo"] = [Scripted(500)] * 3
        assert run(root, "add", f"{s.base}/s/demo", "--name", "D", "--retries", "2",
                   *FAST) == 7
        assert "server error 500 (gave up after 3 attempts)" in capsys.readouterr().err
    assert (root / "content" / "channels.yml").read_text() == config
    assert not (root / "content" / "channels" / "demo").exists()
    assert not (root / "content" / "channels" / "nobody_here").exists()


def test_a_server_that_does_not_page_back_is_an_error_not_a_loop(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = empty_project(tmp_path)
    with PreviewServer() as s:
        s.channels["demo"] = Channel("Demo", channel_messages(45))
        s.page = lambda handle, before: PreviewServer.page(s, handle, None)  # type: ignore
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo", *FAST) == 7
        assert len(s.log) == 2
    assert "the server does not page back" in capsys.readouterr().err


def test_an_interrupted_fetch_resumes_where_it_stopped(tmp_path: Path) -> None:
    root = empty_project(tmp_path)
    store = root / "content" / "channels" / "demo" / "preview"
    with PreviewServer() as s:
        s.channels["demo"] = Channel("Demo", channel_messages(65))
        s.fail_after = 2  # the third request and all after it fail
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo", "--retries", "0",
                   *FAST) == 7
        assert s.log == ["/s/demo", "/s/demo?before=46", "/s/demo?before=26"]
        kept = {p.name: p.read_bytes() for p in (store / "pages").iterdir()}
        assert sorted(kept) == ["000001.html.gz", "000002.html.gz"]
        assert json.loads((store / "index.json").read_text())["complete"] is False
        assert "demo" not in (root / "content" / "channels.yml").read_text()
        s.fail_after = None
        s.log.clear()
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo", *FAST) == 0
        # the newest page again (anything new?), then on from the oldest message stored
        assert s.log == ["/s/demo", "/s/demo?before=26", "/s/demo?before=6"]
    for name, data in kept.items():
        assert (store / "pages" / name).read_bytes() == data  # stored pages never rewritten
    posts = process(load_project(root), use_cache=False).posts
    assert sorted(p.message_id or 0 for p in posts) == list(range(1, 66))


def test_media_are_downloaded_with_a_size_cap_and_shown(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "site")
    jpeg = b"\xff\xd8\xff\xe0" + b"0" * 2000
    with PreviewServer() as s:
        photo = (f'<a class="tgme_widget_message_photo_wrap" href="https://t.me/demo/{{}}" '
                 f"style=\"width:800px;background-image:url('{s.base}/file/{{}}.jpg')\">"
                 '<div class="tgme_widget_message_photo" style="padding-top:56%"></div></a>')
        msgs = channel_messages(3)
        msgs[1].before_text = photo.format(2, "small")
        msgs[2].before_text = photo.format(3, "big")
        s.channels["demo"] = Channel("Demo", msgs)
        s.files["/file/small.jpg"] = ("image/jpeg", jpeg)
        s.files["/file/big.jpg"] = ("image/jpeg", jpeg * 10)
        folder = root / "content" / "channels" / "demo" / "preview"
        report = fetch_channel(folder, "demo", FetchOptions(
            base_url=s.base, delay=0, media=True, media_max_bytes=5000, progress=False))
    assert report.photos == 1
    assert any("over the 5000-byte cap" in w for w in report.warnings)
    assert (folder / "media" / "2-1.jpg").read_bytes() == jpeg
    assert json.loads((folder / "index.json").read_text())["media"] == {
        "2-1": "media/2-1.jpg", "3-1": ""}  # the one over the cap is not asked for again
    posts = {p.message_id: p for p in read(folder, ChannelConfig(
        id="demo", name="Demo", url="https://t.me/demo", lang="en", dir="ltr",
        format="telegram-preview", files=("demo/preview",))).posts}
    assert [m.target for m in posts[2].media] == ["2-1.jpg"]
    assert ("Photo: see [the post on Telegram](<https://t.me/demo/3>)"
            in blocks_markdown(posts[3].blocks))


def test_a_photo_without_a_length_is_not_downloaded_past_the_cap(tmp_path: Path) -> None:
    """A server that sends no Content-Length (or lies) cannot make the fetch read an endless
    body: the download stops as soon as it passes the cap."""
    root = copy_project(tmp_path / "site")
    with PreviewServer() as s:
        msgs = channel_messages(2)
        msgs[1].before_text = (
            f'<a class="tgme_widget_message_photo_wrap" href="https://t.me/demo/2" '
            f"style=\"width:800px;background-image:url('{s.base}/file/endless.jpg')\">"
            '<div class="tgme_widget_message_photo" style="padding-top:56%"></div></a>')
        s.channels["demo"] = Channel("Demo", msgs)
        s.endless["/file/endless.jpg"] = 0
        folder = root / "content" / "channels" / "demo" / "preview"
        report = fetch_channel(folder, "demo", FetchOptions(
            base_url=s.base, delay=0, media=True, media_max_bytes=100_000, progress=False))
        sent = s.endless["/file/endless.jpg"]
    assert report.photos == 0
    assert any("over the 100000-byte cap" in w for w in report.warnings), report.warnings
    assert json.loads((folder / "index.json").read_text())["media"] == {"2-1": ""}
    assert sent < 16 * 2**20, sent  # stopped early: the server had 64 MiB to send


# --- one review per post across a text dump and its fetched pages ------------------------------


def dump_as_pages(posts: list[Post]) -> list[Msg]:
    """The posts of a seed text dump as the service shows them: one message per message of the
    copy (a review that goes on after a reactions line or a media box is several messages), the
    text once (the copy doubled some), the head lines (paper authors, `Статья:`, `Код:`) in the
    text, the `👀LINK` marker a real link, ids with gaps (albums, deleted messages)."""
    msgs: list[Msg] = []
    mid = 100
    # later than every seed review and first-seen date, so they are in the feeds (newest 50)
    start = dt.datetime(2030, 6, 1, 9, 0, tzinfo=dt.UTC)
    raw: dict[str, list[str]] = {}

    def starts_message(source: str, number: int) -> bool:
        lines = raw.setdefault(source, seed(source).read_text(encoding="utf-8").splitlines())
        k = number - 2
        while k >= 0 and not lines[k].strip():
            k -= 1
        return k >= 0 and (is_reactions_line(lines[k])
                           or lines[k].strip() in webpreview.BOILERPLATE)

    for i, p in enumerate(posts):
        head = [p.title] if p.title_source == "header" else []
        if p.authors:
            head.append(", ".join(p.authors))
        head += [f"Статья: https://arxiv.org/abs/{x}" if "/" not in x else f"Статья: {x}"
                 for x in p.papers] + [f"Код: {c}" for c in p.code]
        groups: list[list[str]] = [[*head, ""] if head else []]
        for line in p.lines:
            if groups[-1] and starts_message(p.source_file, line.number):
                groups.append([])
            groups[-1].append(line.text)
        when = start + dt.timedelta(days=i)
        for k, group in enumerate(groups):
            text = text_html(group)
            if p.link_lost and k == 0:
                text += ("<br/><br/>" + emoji("👀") + f'<a href="https://arxiv.org/abs/2401.'
                         f'{i:05d}" target="_blank" rel="noopener" onclick="return confirm('
                         '\'Open this link?\\n\\n\'+this.href);">LINK</a>')
            msgs.append(Msg(mid, text, datetime=(when + dt.timedelta(minutes=k)).isoformat()))
            mid += 1 + (i + k) % 3
    return msgs


@pytest.mark.parametrize("handle", ["rizzearch", "gonzo_ML"])
def test_switching_a_seed_channel_to_fetched_pages_changes_no_url(
        tmp_path: Path, handle: str) -> None:
    root = copy_project(tmp_path / "site")
    before = process(load_project(root), use_cache=False)
    seed_posts = [p for p in before.posts if p.channel == handle]
    urls_before = {p.source: slugs.page_path(p) for p in before.posts}
    pages_before = set(render_site(load_project(root), before))
    messages = dump_as_pages(seed_posts)
    with PreviewServer() as s:
        s.channels[handle] = Channel(handle, messages)
        assert run(root, "add", f"{s.base}/s/{handle}", "--name", handle, *FAST) == 0
    config = (root / "content" / "channels.yml").read_text()
    assert config.count(f"- id: {handle}") == 1 and f"- {handle}/preview" in config
    after = process(load_project(root), use_cache=False)
    urls_after = {p.source: slugs.page_path(p) for p in after.posts}
    assert urls_after == urls_before  # every review, every channel: the same URL
    assert set(render_site(load_project(root), after)) == pages_before
    merged = [p for p in after.posts if p.channel == handle]
    assert len(merged) == len(seed_posts)  # one review per post, no doubles
    # the reviews that span several messages were several messages on the pages too
    assert sum(p.continuations for p in merged) == sum(p.continuations for p in seed_posts)
    assert len(messages) == len(seed_posts) + sum(p.continuations for p in seed_posts)
    for p in merged:
        assert p.message_id is not None and p.permalink == f"https://t.me/{handle}/{p.message_id}"
        assert p.datetime is not None and p.date_source == "export"
    assert any(f"{handle}: {len(seed_posts)} posts of the text dumps" in n for n in after.notes)
    assert run(root, "check") == 0
    # each review is listed once on its channel page, on each of its topic pages, in the feeds
    pages = render_site(load_project(root), after)
    for p in merged:
        href = f'/reviews/{handle}/{p.slug}/"'
        assert pages[slugs.channel_path(handle)].count(href) == 1
        entry = f"/reviews/{handle}/{p.slug}/</id>"
        assert pages["feeds/all.xml"].count(entry) == 1
        for topic in p.topics:
            assert pages[slugs.topic_path(topic)].count(href) == 1
            assert pages[f"feeds/{topic}.xml"].count(entry) == 1
    for path, text in pages.items():
        if path.startswith("feeds/"):
            ids = re.findall(r"<entry>\s*<title>.*?</title>\s*<id>(.*?)</id>", text, re.S)
            assert len(ids) == len(set(ids)), path


def test_a_configured_channel_cannot_add_its_pages_twice(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    root = empty_project(tmp_path)
    with PreviewServer() as s:
        s.channels["demo"] = Channel("Demo", channel_messages(3))
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo", *FAST) == 0
        assert run(root, "add", f"{s.base}/s/demo", "--name", "Demo", *FAST) == 2
    assert "run 'postdocs fetch demo'" in capsys.readouterr().err
    shutil.rmtree(root / "content" / "channels" / "demo")


def test_the_pages_workflow_fetches_daily_and_commits_before_building() -> None:
    import yaml

    from .conftest import ROOT

    workflow = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"]
    steps = workflow["jobs"]["build"]["steps"]
    runs = [str(s.get("run", "")) for s in steps]
    fetch = next(i for i, r in enumerate(runs) if "postdocs fetch" in r)
    assert fetch < runs.index("make site-incremental")
    step = runs[fetch]
    assert step.index("postdocs fetch") < step.index("postdocs build") < step.index("git add -A")
    assert "git add -A content/channels content/*.yml" in step and "git push" in step
    assert steps[fetch]["if"] == "github.event_name == 'schedule'"
    assert workflow["permissions"]["contents"] == "write"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "To turn it off" in readme.split("## Hosting", 1)[1]


def test_a_progress_bar_on_a_terminal_only(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with PreviewServer() as s:
        s.channels["demo"] = Channel("Demo", channel_messages(45))
        fetch_channel(tmp_path / "a", "demo", FetchOptions(base_url=s.base, delay=0,
                                                           progress=True))
        bar = capsys.readouterr().err
        assert "@demo" in bar and "msg" in bar and "pages=3" in bar  # messages, pages, rate
        fetch_channel(tmp_path / "b", "demo", FetchOptions(base_url=s.base, delay=0))
        assert capsys.readouterr().err == ""  # stderr is no terminal here: no bar


def test_same_post_merge_rules() -> None:
    from postdocs.link import same_post
    from postdocs.model import Ledger, ReadResult, SourceLine

    def dump(line: int, title: str, body: str) -> Post:
        return Post(channel="c", source_file="dump.txt", line=line, title=title,
                    body=(SourceLine(line + 1, body),), authors=("A. Author",))

    def fetched(mid: int, title: str, body: str) -> Post:
        return Post(channel="c", source_file="t.me/c", line=mid, title=title,
                    body=(SourceLine(mid, body),),
                    message_id=mid, permalink=f"https://t.me/c/{mid}",
                    datetime="2024-05-01T10:00:00+00:00")

    def result(fmt: str, posts: list[Post]) -> ReadResult:
        return ReadResult(path=fmt, format=fmt, posts=tuple(posts), ledger=Ledger(path=fmt))

    dumps = [dump(1, "Same title", "Body one, as copied."),  # matched by title and body
             dump(10, "Twice", "First text."), dump(20, "Twice", "Second text."),  # by body
             dump(30, "Only in the dump", "Nothing fetched."),
             dump(40, "Edited later", "The old wording of the body.")]  # by the title alone
    pages = [fetched(5, "Same title", "Body one, as copied! 👀LINK"),
             fetched(6, "Twice", "Second text."), fetched(7, "Twice", "First text."),
             fetched(8, "Edited later", "A new wording entirely."),
             fetched(9, "Only fetched", "New post."), fetched(3, "From the export", "x")]
    export = [Post(channel="c", source_file="t.me/c", line=3, title="From the export",
                   message_id=3, body=(Remark("footer", "export copy"),))]
    posts, notes = same_post.merge([result("web-preview", dumps),
                                    result("telegram-preview", pages),
                                    result("telegram-json", export)])
    by_source = {p.source: p for p in posts}
    assert by_source["dump.txt:1"].message_id == 5
    assert by_source["dump.txt:1"].authors == ("A. Author",)  # the dump's head lines stay
    assert by_source["dump.txt:10"].message_id == 7 and by_source["dump.txt:20"].message_id == 6
    assert by_source["dump.txt:30"].message_id is None
    assert by_source["dump.txt:40"].message_id == 8
    assert by_source["dump.txt:40"].title == "Edited later"
    assert by_source["t.me/c:9"].message_id == 9  # new on the pages: a review of its own
    assert [p.blocks for p in posts if p.message_id == 3] == [(Remark("footer", "export copy"),)]
    assert len(posts) == 7  # 5 dump posts, 1 new fetched, 1 export post: no doubles
    assert notes == ["c: 4 posts of the text dumps are one review each with their fetched copies"
                     " (id, date and permalink from the fetched pages)",
                     "c: 1 fetched posts are in the channel's Desktop export too; the export's "
                     "copy is the review"]


# --- with the permalink registry (content/permalinks.yml) ----------------------------------------


def test_a_merged_review_keeps_its_registry_url_and_the_entry_learns_its_telegram_post(
        tmp_path: Path) -> None:
    from postdocs.urls import permalinks

    root = copy_project(tmp_path / "site")
    registry_file = root / "content" / "permalinks.yml"
    before = process(load_project(root), use_cache=False)
    seed_posts = [p for p in before.posts if p.channel == "rizzearch"]
    # a review whose registered URL is not what its title gives (renamed once, say): only the
    # registry knows it
    target = seed_posts[0]
    registered = f"reviews/rizzearch/{target.slug}/"
    text = registry_file.read_text(encoding="utf-8")
    assert f"url: {registered}\n" in text
    registry_file.write_text(text.replace(f"url: {registered}\n",
                                          "url: reviews/rizzearch/an-older-address/\n"),
                             encoding="utf-8")
    before = process(load_project(root), use_cache=False)
    urls_before = {p.source: slugs.page_path(p) for p in before.posts}
    assert urls_before[target.source] == "reviews/rizzearch/an-older-address.md"
    with PreviewServer() as s:
        s.channels["rizzearch"] = Channel("rizzearch", dump_as_pages(seed_posts))
        assert run(root, "add", f"{s.base}/s/rizzearch", "--name", "rizzearch", *FAST) == 0
    assert run(root, "build", "-q") == 0  # saves the registry
    after = process(load_project(root), use_cache=False)
    assert {p.source: slugs.page_path(p) for p in after.posts} == urls_before
    merged = next(p for p in after.posts if p.source == target.source)
    assert merged.message_id is not None
    entry = permalinks.load(root / "content").by_url()["reviews/rizzearch/an-older-address/"]
    assert f"t.me/rizzearch/{merged.message_id}" in entry.telegram  # known by its post now
    # the text dumps can go: the fetched pages alone keep every URL (the registry knows them)
    config = root / "content" / "channels.yml"
    kept = [line for line in config.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.strip().startswith("- rizzearch/0")]
    config.write_text("".join(kept), encoding="utf-8")
    alone = process(load_project(root), use_cache=False)
    fetched_only = {slugs.page_path(p) for p in alone.posts if p.channel == "rizzearch"}
    assert fetched_only == {u for u in urls_before.values() if u.startswith("reviews/rizzearch/")}
