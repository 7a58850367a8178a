"""Links that never break: build the seed site, record every URL, then correct titles (in a dump
and in the overrides), move a boundary, add posts, re-import a channel as a Desktop export,
rename a page on purpose, drop a review and merge two; rebuild, and every recorded URL still
answers 200 from a real HTTP server: the page itself, or a redirect (followed) to the right page.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urljoin
from urllib.request import urlopen

import pytest
import yaml

from postdocs.cli import main
from postdocs.config import load_project
from postdocs.readers import read_input
from postdocs.urls import permalinks

from .conftest import copy_project, served

RIZZ = "content/channels/rizzearch"
REFRESH_RE = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')
LOC_RE = re.compile(r"<loc>([^<]+)</loc>")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mkdocs(root: Path, out: Path, site_url: str) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true",
               POSTDOCS_SITE_URL=site_url)
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=root, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def _get(url: str) -> tuple[int, str]:
    try:
        with urlopen(url, timeout=10) as resp:  # noqa: S310 - our own local server
            return resp.status, resp.read().decode("utf-8", "replace")
    except HTTPError as exc:
        return exc.code, ""


def _answer(url: str) -> tuple[str, str]:
    """Follow meta refreshes (at most 3) from `url`: the final URL and its page."""
    for _ in range(4):
        status, body = _get(url)
        assert status == 200, f"{url}: HTTP {status}"
        m = REFRESH_RE.search(body)
        if not m:
            return url, body
        assert "<script" not in body  # a redirect that needs no script
        canonical = re.search(r'<link rel="canonical" href="([^"]+)">', body)
        assert canonical and urljoin(url, m.group(1)) == urljoin(url, canonical.group(1))
        url = urljoin(url, m.group(1))
    raise AssertionError(f"{url}: redirect loop")


def _to_desktop_json(root: Path, channel: str, first_id: int) -> None:
    """Re-import a channel: its posts as a Telegram Desktop `result.json` (same text, message
    ids, dates), replacing its text dumps in channels.yml."""
    project = load_project(root)
    ch = next(c for c in project.channels if c.id == channel)
    messages = []
    for f in ch.files:
        for post in read_input(project.channels_dir / f, ch).posts:
            text = post.title + "\n\n" + "\n".join(line.text for line in post.lines)
            messages.append({"id": first_id + len(messages), "type": "message",
                             "date": f"2024-01-{1 + len(messages) % 28:02d}T12:00:00",
                             "date_unixtime": str(1704110400 + 86400 * len(messages)),
                             "from": ch.name, "from_id": "channel42", "text": text,
                             "text_entities": [{"type": "plain", "text": text}]})
    folder = project.channels_dir / channel
    (folder / "result.json").write_text(json.dumps(
        {"name": ch.name, "type": "public_channel", "id": 42, "messages": messages},
        ensure_ascii=False), encoding="utf-8")
    config = root / "content" / "channels.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for item in data["channels"]:
        if item["id"] == channel:
            item["files"] = [f"{channel}/result.json"]
            item["format"] = "auto"
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: {old!r} found {text.count(old)} times"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _registry(root: Path) -> permalinks.Registry:
    return permalinks.load(root / "content")


def test_every_recorded_url_still_answers_after_edits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    port = _free_port()
    site_url = f"http://127.0.0.1:{port}/"
    monkeypatch.setenv("POSTDOCS_SITE_URL", site_url)
    assert main(["--root", str(root), "build", "-q"]) == 0
    _mkdocs(root, tmp_path / "site1", site_url)
    sitemap1 = tmp_path / "site1" / "sitemap.xml"  # an index of sitemap-pages.xml
    recorded = LOC_RE.findall((tmp_path / "site1" / "sitemap-pages.xml").read_text(
        encoding="utf-8"))
    assert len(recorded) > 214
    before = _registry(root).by_url()
    retentive = next(u for u, e in before.items() if e.title.startswith("Retentive Network"))
    cope = next(u for u, e in before.items() if e.title.startswith("Contextual Position"))
    same_task = next(u for u, e in before.items() if e.title.startswith("Same Task, More"))
    value_learning = next(u for u, e in before.items() if e.title.startswith("Is Value Learning"))
    unsupervised = next(u for u, e in before.items() if e.title.startswith("Unsupervised Learn"))
    cppo = next(u for u, e in before.items() if e.title.startswith("CPPO"))

    # 1–3. Three titles corrected: in a dump, with a new override, by changing an override.
    rizz0 = root / RIZZ / "000_6219d51e455967f7.txt"
    _edit(rizz0, "Same Task, More Tokens: the Impact", "Same Task, More Tokens (corrected): the "
          "Impact")
    overrides = root / "content" / "overrides.yml"
    _edit(overrides, 'title: "EQUIVARIANT CONTRASTIVE LEARNING"',
          'title: "Equivariant Contrastive Learning (corrected again)"')
    with overrides.open("a", encoding="utf-8") as fh:
        fh.write('  "004_71cc8ab0bbd831e0.txt:620":\n'
                 '    title: "Neural Parameter Symmetries: Their Empirical Impact (corrected)"\n')
    # 3b. A title corrected by the review's URL (its source line moves below, as posts are added
    # at the top of its dump: a key `<file>:<line>` would no longer find it).
    with overrides.open("a", encoding="utf-8") as fh:
        fh.write(f'  "{cope}":\n    title: "CoPE: Contextual Position Encoding (by URL)"\n')
    # 4. A boundary moved: Retentive Network's title line (and the end of CoPE's review before
    # it) moves up two paragraphs, which now open Retentive Network's review.
    _edit(rizz0, "\n\n👀LINK\n🔥7👍42🤔1\nRetentive Network: A Successor to Transformer for "
          "Large Language Models\n", "\n")
    _edit(rizz0, "\n\nсмущает только Figure 3", "\n\n👀LINK\n🔥7👍42🤔1\nRetentive Network: A "
          "Successor to Transformer for Large Language Models\n\nсмущает только Figure 3")
    # 4b. Two reviews merged (the end of one and the title of the next became text).
    _edit(rizz0, "\n\n👀LINK\n🔥3👌1\nUnsupervised Learning by Predicting Noise",
          "\nUnsupervised Learning by Predicting Noise")
    # 4c. A review deleted from the dump (CPPO's, up to its reactions line).
    text = rizz0.read_text(encoding="utf-8")
    start = text.index("CPPO: Continual Learning")
    end = text.index("🤯3🕊1🥴1\n", start) + len("🤯3🕊1🥴1\n")
    rizz0.write_text(text[:start] + text[end:], encoding="utf-8")
    # 5. Posts added (one at the top of a dump: every later post's line number shifts).
    text = rizz0.read_text(encoding="utf-8")
    head, sep, rest = text.partition("Download Telegram\n")
    assert sep
    rizz0.write_text(head + sep + "A Brand New Review Of Something\n\nсовсем новый обзор, "
                     "которого раньше не было, про новую статью и её идеи\n\n👀LINK\n❤1\n"
                     + rest.rstrip("\n") + "\nAnother Added Review\n\nещё один новый обзор в "
                     "конце файла, тоже с текстом подлиннее\n\n👀LINK\n❤2\n", encoding="utf-8")
    # 6. A channel re-imported from another format: gonzo_ML as a Desktop export.
    _to_desktop_json(root, "gonzo_ML", 100)
    # 7. A page renamed on purpose (`slug:`), keyed by the review's current source.
    with overrides.open("a", encoding="utf-8") as fh:
        fh.write('  "004_71cc8ab0bbd831e0.txt:1":\n    slug: two-stage-backpropagation\n')

    capsys.readouterr()
    assert main(["--root", str(root), "build"]) == 0
    out = capsys.readouterr().out
    assert "permalinks:" in out and "added 2 reviews" in out and "1 moved" in out
    assert "1 merged" in out and "1 no longer in the inputs" in out
    after = _registry(root)
    by_url = after.by_url()
    # Every review kept its entry and URL (but the one renamed on purpose).
    assert set(before) <= set(by_url) | {"reviews/MathyAIwithMike/2bp-2-stage-backpropagation/"}
    moved = by_url["reviews/MathyAIwithMike/two-stage-backpropagation/"]
    assert moved.redirects == ("reviews/MathyAIwithMike/2bp-2-stage-backpropagation/",)
    # The re-imported channel's reviews gained their Telegram links, kept their URLs.
    gonzo = [e for e in after.entries if e.channel == "gonzo_ML"]
    assert len(gonzo) == 3 and all(e.telegram for e in gonzo)
    assert by_url[same_task].title.startswith("Same Task, More Tokens (corrected)")
    assert by_url[retentive].redirect_to is None and by_url[cope].redirect_to is None
    assert "Q K V" not in by_url[cope].opening  # the boundary did move
    assert by_url[unsupervised].redirect_to == value_learning

    # `postdocs check` against the published sitemap: nothing would stop answering.
    capsys.readouterr()
    assert main(["--root", str(root), "check", "--against", str(sitemap1)]) == 0
    assert "would stop answering" not in capsys.readouterr().out

    _mkdocs(root, tmp_path / "site2", site_url)
    with served(tmp_path / "site2", port) as base:
        assert base == site_url
        for url in recorded:
            final, page = _answer(url)
            assert final.startswith(site_url)
        # The renamed page redirects to the review's new URL, which is the review itself.
        final, page = _answer(site_url + "reviews/MathyAIwithMike/2bp-2-stage-backpropagation/")
        assert final == site_url + "reviews/MathyAIwithMike/two-stage-backpropagation/"
        assert "2BP: 2-Stage Backpropagation" in page
        # The merged review's URL leads to the review it is now part of.
        final, _ = _answer(site_url + unsupervised)
        assert final == site_url + value_learning
        # The deleted review's URL says so and links the channel on Telegram.
        final, page = _answer(site_url + cppo)
        assert final == site_url + cppo
        assert "no longer in the copy of the channel" in page and "https://t.me/rizzearch" in page
        # Same page, same review: the corrected title is shown at the old URL.
        _, page = _answer(site_url + same_task)
        assert "Same Task, More Tokens (corrected)" in page
        _, page = _answer(site_url + "reviews/MathyAIwithMike/the-empirical-impact-of-neural-"
                          "parameter-symmetries-or-lack-thereof/")
        assert "Neural Parameter Symmetries: Their Empirical Impact (corrected)" in page
        # The re-imported channel's pages link their Telegram posts now.
        gemini = next(u for u in before if u.startswith("reviews/gonzo_ML/an-in-depth"))
        _, page = _answer(site_url + gemini)
        assert "t.me/gonzo_ML/" in page  # now links the Telegram post
        _, page = _answer(site_url + cope)
        assert "CoPE: Contextual Position Encoding (by URL)" in page


def test_check_fails_on_a_url_that_would_stop_answering(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path / "project")
    assert main(["--root", str(root), "build", "-q"]) == 0
    # Without the registry a corrected title would move the page: check says which URL breaks.
    (root / "content" / permalinks.REGISTRY_FILE).unlink()
    _edit(root / RIZZ / "000_6219d51e455967f7.txt", "Same Task, More Tokens: the Impact",
          "Same Task, Fewer Tokens: the Impact")
    capsys.readouterr()
    assert main(["--root", str(root), "check"]) == 6
    out, err = capsys.readouterr()
    assert ("same-task-more-tokens-the-impact-of-input-length-on-the-reasoning-performance-of/: "
            "would stop answering") in out
    # (the former addresses the registry kept as redirects would stop answering too)
    lost = re.search(r"postdocs: error: (\d+) URLs of the previous build would stop answering", err)
    assert lost and int(lost[1]) == out.count(": would stop answering") >= 1, err


def test_undated_reviews_are_dated_by_first_sight_and_fill_the_feeds(corpus: object) -> None:
    from postdocs.pipeline import Corpus
    from postdocs.render.feeds import ALL_FEED
    from postdocs.render.pages import render_post

    assert isinstance(corpus, Corpus)
    russian = [p for p in corpus.posts if p.lang == "ru"]
    assert russian and all(p.date is not None for p in russian)
    added = [p for p in corpus.posts if p.date_source == "first-seen"]
    assert {p.lang for p in added} == {"ru", "he"}
    page = render_post(added[0])
    assert "date_source: first-seen" in page and "added to this site" in page
    from postdocs.config import load_project
    from postdocs.pipeline import iter_pages

    from .conftest import ROOT

    pages = dict(iter_pages(load_project(ROOT), corpus))
    feed = str(pages[ALL_FEED])
    assert '<summary type="text" xml:lang="ru">' in feed
    channel = str(pages["channels/rizzearch.md"])
    assert "date unknown" not in channel and f"added {added[0].date}" in channel


def test_static_html_says_the_review_language_and_build_warns_of_the_placeholder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path / "project")
    monkeypatch.delenv("POSTDOCS_SITE_URL", raising=False)
    assert main(["--root", str(root), "build"]) == 0
    err = capsys.readouterr().err
    assert err.count("site_url is still the placeholder https://example.org/postdocs/") == 1
    _mkdocs(root, tmp_path / "site", "https://reviews.test/")
    monkeypatch.setenv("POSTDOCS_SITE_URL", "https://reviews.test/")
    assert main(["--root", str(root), "build"]) == 0
    assert "placeholder" not in capsys.readouterr().err
    site = tmp_path / "site"
    registry = _registry(root)
    langs: dict[str, set[str]] = {}
    turn_back = '<script>document.documentElement.dir = "ltr";</script>'
    for e in registry.entries:
        html = (site / e.url / "index.html").read_text(encoding="utf-8")
        # the document's language and direction in the static HTML, before anything else
        m = re.match(r"\s*<!doctype html>\s*(<html [^>]*>)", html)
        assert m, e.url
        langs.setdefault(e.channel, set()).add(m.group(1))
        # a right-to-left review's head turns <html> back to the chrome's direction before
        # the body is parsed (readers with JavaScript see the left-to-right interface)
        head = html.split("</head>")[0]
        assert (turn_back in head) == ('dir="rtl"' in m.group(1)), e.url
    assert langs == {"rizzearch": {'<html lang="ru" class="no-js">'},
                     "gonzo_ML": {'<html lang="ru" class="no-js">'},
                     "MathyAIwithMike": {'<html lang="he" dir="rtl" class="no-js">'}}
    home = (site / "index.html").read_text(encoding="utf-8")
    assert re.match(r'\s*<!doctype html>\s*<html lang="en" class="no-js">', home)
    assert turn_back not in home


def test_a_renamed_channel_keeps_every_old_url_as_a_redirect(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path / "project")
    assert main(["--root", str(root), "build", "-q"]) == 0
    old = [e.url for e in _registry(root).entries if e.channel == "gonzo_ML"]
    config = root / "content" / "channels.yml"
    _edit(config, "  - id: gonzo_ML\n", "  - id: gonzo_renamed\n    formerly: [gonzo_ML]\n")
    capsys.readouterr()
    assert main(["--root", str(root), "build"]) == 0
    assert f"{len(old)} moved (old URLs redirect)" in capsys.readouterr().out
    docs = root / "content" / "docs"
    for url in [*old, "channels/gonzo_ML/"]:
        page = (docs / url / "index.html").read_text(encoding="utf-8")
        target = REFRESH_RE.search(page)
        assert target, url
        new = urljoin("https://site.test/" + url, target.group(1)).removeprefix("https://site.test/")
        assert new == url.replace("gonzo_ML", "gonzo_renamed")
        assert (docs / (new.rstrip("/") + ".md")).is_file()
    assert main(["--root", str(root), "check"]) == 0


def test_a_slug_override_must_be_a_name_a_page_can_have(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path / "project")
    with (root / "content" / "overrides.yml").open("a", encoding="utf-8") as fh:
        fh.write('  "004_71cc8ab0bbd831e0.txt:1":\n    slug: index\n')
    assert main(["--root", str(root), "build", "-q"]) == 2
    assert "overrides.yml:" in capsys.readouterr().err


def test_an_override_keyed_by_url_holds_after_its_slug_moved_the_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_project(tmp_path / "project")
    old = "reviews/MathyAIwithMike/2bp-2-stage-backpropagation/"
    with (root / "content" / "overrides.yml").open("a", encoding="utf-8") as fh:
        fh.write(f'  "{old}":\n    slug: two-stage-backpropagation\n    title: "2BP, renamed"\n')
    for _ in range(2):  # the second build finds the review by its former URL
        capsys.readouterr()
        assert main(["--root", str(root), "build"]) == 0
        assert "matches no review" not in capsys.readouterr().err
        page = root / "content" / "docs" / "reviews" / "MathyAIwithMike"
        assert "title: '2BP, renamed'" in (page / "two-stage-backpropagation.md").read_text(
            encoding="utf-8")
        assert (page / "2bp-2-stage-backpropagation" / "index.html").is_file()
