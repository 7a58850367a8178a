"""Hostile and broken input (README: "Hostile and broken input"): every case below failed
before the fix it names. Text from any field of any input is text; no input can include a file,
publish a file of the machine, block a build, or end it with anything but a located error and
the README's exit code; a failed move into place leaves the previous pages."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from postdocs.cli import main
from postdocs.config import load_project
from postdocs.output import writer
from postdocs.output.writer import COMMIT, load_manifest
from postdocs.pipeline import process, render_site
from postdocs.render.markup import LINE_BREAKS, clean_text, clean_title, guard_page

from .conftest import ROOT
from .safe_html import inspect, to_html

PASSWD_FIRST_LINE = Path("/etc/passwd").read_text(encoding="utf-8").split("\n")[0]


# --- helpers -----------------------------------------------------------------------------------

def _message(mid: int, text: Any, **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"id": mid, "type": "message", "date": "2024-03-01T12:00:00",
                         "date_unixtime": str(1709283600 + mid), "from": "Chan",
                         "from_id": "channel1", "text": text}
    if isinstance(text, list):
        m["text_entities"] = text
    m.update(extra)
    return m


def _export_project(tmp: Path, messages: list[dict[str, Any]], extra_yml: str = "",
                    channel_id: str = "chan", lang: str = "en") -> Path:
    """A project (the repository's config and theme) whose one channel is a JSON export."""
    (tmp / "content" / "channels" / "chan").mkdir(parents=True, exist_ok=True)
    (tmp / "content" / "docs").mkdir(exist_ok=True)
    for f in ("topics.yml",):
        (tmp / "content" / f).write_text((ROOT / "content" / f).read_text(encoding="utf-8"),
                                         encoding="utf-8")
    (tmp / "content" / "channels.yml").write_text(
        f"channels:\n  - id: {channel_id}\n    name: Chan\n    lang: {lang}\n"
        f"    dir: {'rtl' if lang == 'he' else 'ltr'}\n    format: telegram-json\n"
        f"    files: [chan/result.json]\n{extra_yml}", encoding="utf-8")
    export = {"name": "Chan", "type": "public_channel", "id": 1, "messages": messages}
    (tmp / "content" / "channels" / "chan" / "result.json").write_text(
        json.dumps(export, ensure_ascii=False), encoding="utf-8")
    return tmp


def _run(tmp: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--no-cache", "--root", str(tmp), *(args or ("build", "-q"))])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    return code, err


def _pages_html(tmp: Path) -> dict[str, str]:
    """Every generated Markdown page rendered with the site's extensions (snippets with
    `check_paths`, as in mkdocs.yml: an include of a missing file raises)."""
    project = load_project(tmp)
    pages = render_site(project, process(project, use_cache=False))
    out: dict[str, str] = {}
    for path, text in pages.items():
        if path.endswith(".md"):
            body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
            out[path] = to_html(body)
    return out


# Elements and links a Desktop export's page has by itself (formatting, code, quotes, the
# "Media not shown" note, the rule before a continuation, photos, mailto/tel links).
_EXPORT_MARKUP = re.compile(
    r"element <(strong|em|s|code|pre|blockquote|hr|details|summary|img|bdi)>"
    r"|attribute (src|alt|open)=.* on <(img|details)>"
    r"|link to '(mailto|tel):[^']*'|link to '(\.\./)*(reviews|channels|topics|tags|papers)/.*'"
    r"|link to '[\w-]+/[\w.-]+'|link to '(\.\./)*[\w-]+(/|\.md)'")


# postdocs' own facts for the search index (render.py `_search_data`): exactly this shape, so
# anything injected into it does not match and is inspected like the rest of the page.
_SEARCH_DATA = re.compile(
    r'<div class="postdocs-search-data" hidden>\n?<span data-pagefind-filter="[\w\[\], -]+" '
    r'data-pagefind-meta="[\w\[\], -]+"(?: data-\w+="[^"<>]*")+></span>\n?'
    r'(?:<span data-pagefind-filter="topic\[data-value\]" data-value="[^"<>]*"></span>\n?)*'
    r'</div>'
    r'|<div class="postdocs-search-data" hidden lang="he">[\u0590-\u05FF\w\- ]*</div>')


def _inspect_export_page(page: str) -> tuple[list[str], str]:
    """`safe_html.inspect` for a Desktop export's review page: its own markup allowed, and
    no admonition but the page's own note, no image from elsewhere."""
    problems, shown = inspect(_SEARCH_DATA.sub("", page))
    problems = [p for p in problems if not _EXPORT_MARKUP.fullmatch(p)]
    problems += [f"admonition {k}" for k in re.findall(r'class="admonition (\w+)', page)
                 if k != "note"]
    problems += [f"img {src}" for src in re.findall(r'<img[^>]* src="([^"]*)"', page)
                 if not re.fullmatch(r"[\w-]+/[\w.-]+", src)]
    return problems, shown


# --- one escaping rule -------------------------------------------------------------------------

def test_clean_text_makes_every_line_break_a_newline_and_drops_controls() -> None:
    for br in ["\r\n", *LINE_BREAKS]:
        assert clean_text(f"a{br}b") == "a\nb", repr(br)
    assert clean_text("a\x00b\x01c\x9fd\te") == "abcd\te"
    assert clean_title("\u202eabc\u202c \u2066x\u2069\r\ny\u200f") == "abc x y\u200f"


@pytest.mark.parametrize("line", [
    '--8<-- "/etc/passwd"', '  --8<-- "home.md"', "--8<-- 'index.md'", "--8<--",
    ';--8<-- "escaped"', ";;--8<--", "--8<-- [start:x]", "keep --8<-- [end:name] this",
    '---8<--- "x"', 'a --8<-- "b" c', "--8<-- [start:x] --8<-- [end:x]",
])
def test_guarded_code_shows_snippet_syntax_as_written(line: str) -> None:
    """In a code block and a code span (the places text is literal) every form of snippet
    syntax is shown as written and reads no file."""
    fenced = to_html(guard_page(f"```text\n{line}\n/etc/passwd\n--8<--\n```\n"))
    assert PASSWD_FIRST_LINE not in fenced
    shown = re.sub(r"<[^>]+>", "", fenced).replace("&quot;", '"').replace("&lt;", "<")
    shown = shown.replace("&#39;", "'")
    assert f"{line}\n/etc/passwd\n--8<--" in shown
    span = to_html(guard_page(f"`{line}`\n"))
    assert line.strip() in re.sub(r"<[^>]+>", "", span).replace("&quot;", '"').replace(
        "&lt;", "<").replace("&#39;", "'")


def test_desktop_entities_with_line_breaks_stay_text(tmp_path: Path) -> None:
    """Issue cases: a `code` entity `\\r\\r<script>…\\r\\r` (a raw HTML block once MkDocs read
    the page with universal newlines), sticker emoji `<img onerror>`, and `\\r`, LS, NEL in
    hashtags, custom emoji, bot commands, link labels, file names and forwarded-from."""
    payload = "\r!!! danger\r    <script>window.__pwned=1</script>\u2028---\x85```\r"
    text = [{"type": "bold", "text": "Title"}, "\n",
            {"type": "code", "text": "\r\r<script>window.__pwned=1</script>\r\r"}, " ",
            {"type": "hashtag", "text": "#tag" + payload}, " ",
            {"type": "custom_emoji", "text": "x" + payload, "document_id": "1"}, " ",
            {"type": "bot_command", "text": "/start" + payload}, " ",
            {"type": "text_link", "text": "label" + payload, "href": "https://example.org/"},
            " ", {"type": "cashtag", "text": "$X" + payload}]
    messages = [
        _message(1, text, forwarded_from="Fwd" + payload, file="files/none.pdf",
                 file_name="name" + payload),
        _message(2, "", file="x.webp", media_type="sticker", reply_to_message_id=1,
                 sticker_emoji="<img src=x onerror=\"window.__pwned=1\">" + payload),
    ]
    _export_project(tmp_path, messages)
    page = next(v for k, v in _pages_html(tmp_path).items() if k.startswith("reviews/"))
    problems, shown = _inspect_export_page(page)
    assert problems == []
    assert page.count("<hr") == 1  # before the continuation (the sticker), no other
    assert "<script>window.__pwned=1</script>" in shown
    assert '<img src=x onerror="window.__pwned=1">' in shown
    assert "!!! danger" in shown
    for tag in ("<h1", "<pre", "<h2"):
        assert tag not in page.split("</h1>", 1)[1], tag


def test_code_blocks_include_no_file_and_keep_the_strict_build_going(tmp_path: Path) -> None:
    """Issue case: a `pre` entity `--8<-- "/etc/passwd"` aborted `mkdocs build --strict` for
    the whole site; `--8<-- "home.md"` pulled the home snippet into a review."""
    pre = '--8<-- "/etc/passwd"\n--8<-- "home.md"\n--8<--\n/etc/passwd\n--8<--'
    text = [{"type": "bold", "text": "Includes"}, "\n", {"type": "pre", "text": pre},
            "\n", {"type": "code", "text": '--8<-- "home.md"'}, " and ",
            {"type": "code", "text": "x --8<-- [start:a] y"}]
    _export_project(tmp_path, [_message(1, text)])
    page = next(v for k, v in _pages_html(tmp_path).items() if k.startswith("reviews/"))
    assert PASSWD_FIRST_LINE not in page
    assert "Channels" not in page  # nothing of the home snippet
    shown = re.sub(r"<[^>]+>", "", page).replace("&quot;", '"').replace("&lt;", "<")
    assert pre in shown
    assert '--8<-- "home.md"' in shown and "x --8<-- [start:a] y" in shown


def test_text_is_unescaped_once_only_where_the_format_is_html(tmp_path: Path) -> None:
    """Issue case: `&amp;lt;script&amp;gt;` displayed as `<script>` (decoded twice). A JSON
    export's text is shown as written; an HTML export's is decoded once (by its parser)."""
    _export_project(tmp_path, [_message(1, "Title\n&amp;lt;b&amp;gt; and &lt;i&gt;")])
    page = next(v for k, v in _pages_html(tmp_path).items() if k.startswith("reviews/"))
    assert "&amp;lt;b&amp;gt; and &lt;i&gt;" in inspect(page)[1]
    html_export = ROOT / "tests" / "fixtures" / "hostile" / "channels" / "hostile_html"
    from postdocs.model import ChannelConfig
    from postdocs.readers import telegram_html
    ch = ChannelConfig(id="h", name="h", url="https://t.me/h", lang="he", dir="rtl",
                       format="telegram-html", files=("h",))
    posts = telegram_html.read(html_export, ch).posts
    from postdocs.render.body import blocks_markdown
    bodies = [blocks_markdown(p.blocks) for p in posts]  # the body as the page writes it
    body = to_html(next(b for b in bodies if "twice" in b))
    assert "&lt;script&gt;window.__pwned='html-twice'&lt;/script&gt;" in inspect(body)[1]


def test_text_dump_line_breaks_of_every_kind_end_lines(tmp_path: Path) -> None:
    """A web-preview dump: `\\r`, NEL, LS, PS, VT, FF end lines like `\\n` (the text rule of
    the Desktop readers), so no line break inside a line can start a block."""
    (tmp_path / "content" / "channels" / "chan").mkdir(parents=True)
    (tmp_path / "content" / "docs").mkdir()
    (tmp_path / "content" / "channels.yml").write_text(
        "channels:\n  - id: chan\n    format: web-preview\n    files: [chan/d.txt]\n",
        encoding="utf-8")
    body = "\n".join(["Chan", "10 subscribers", "Download Telegram",
                      "A title", "one\u2028!!! danger \"x\"\x85    <script>s</script>"
                      "\u2029--8<-- \"/etc/passwd\"\x0b---\x0c```", "👍1", ""])
    (tmp_path / "content" / "channels" / "chan" / "d.txt").write_text(body, encoding="utf-8")
    page = next(v for k, v in _pages_html(tmp_path).items() if k.startswith("reviews/"))
    problems, shown = _inspect_export_page(page)  # the review header's own markup allowed
    assert problems == [] and "admonition" not in page and "<pre" not in page
    for line in ("one", '!!! danger "x"', "<script>s</script>", '--8<-- "/etc/passwd"', "---",
                 "```"):
        assert f"\n{line}\n" in shown + "\n", line
    assert PASSWD_FIRST_LINE not in page


# --- property: any string in any field of a Desktop export is text -----------------------------

_ALPHABET = st.sampled_from(
    list("ab019 \t-_*#>=+:?/\\`[]()!|~^{}$&;<>\"'%.@,") + list(LINE_BREAKS)
    + ["\x00", "\x01", "\x9f", "\u202e", "\u200f", "\u05d0", "\u0436"])
_TOKENS = st.sampled_from([
    "<script>window.__pwned=1</script>", "<img src=x onerror=alert(1)>", "--8<--",
    '--8<-- "/etc/passwd"', '--8<-- "home.md"', "[start:x]", "!!! danger", "```", "~~~",
    "{: onclick=x}", "$x$", "$$", "&amp;lt;", "&#13;", "<div markdown>", "</div>", "---",
    "# h", "    ", "- ", "1. ", "[a](javascript:x)", "\\(", "]: x", "\r\n",
])
_FIELD = st.lists(st.one_of(_TOKENS, st.text(_ALPHABET, max_size=5)), max_size=6).map("".join)
_ENTITY_TYPES = ["plain", "bold", "italic", "code", "pre", "text_link", "hashtag", "cashtag",
                 "bot_command", "custom_emoji", "mention_name", "blockquote", "spoiler",
                 "email", "phone", "link", "mention", "underline", "strikethrough"]


def _shown(text: str) -> str:
    """A field's text as the page shows it: the text rule, a list line's marker (`- `, `1. `)
    made list markup (the one structure text keeps), white space collapsed."""
    lines = [re.sub(r"^\s*(?:[-+]|\d{1,3}\.)\s+", "", line)
             for line in clean_text(text).split("\n")]
    return " ".join(clean_title(" ".join(lines)).split())


@st.composite
def _exports(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str]]:
    """Messages whose every string field is drawn, and the texts that must be on a page."""
    entities = [{"type": "bold", "text": "T" + draw(_FIELD)}]
    for kind in draw(st.lists(st.sampled_from(_ENTITY_TYPES), min_size=1, max_size=6)):
        e: dict[str, Any] = {"type": kind, "text": draw(_FIELD)}
        if kind == "text_link":
            e["href"] = draw(st.sampled_from(["https://example.org/", "javascript:x"]))
        if kind == "pre":
            e["language"] = draw(_FIELD)
        entities += [e, "\n"]
    main_msg = _message(1, entities, forwarded_from=draw(_FIELD),
                        poll={"question": draw(_FIELD), "total_voters": 1, "closed": False,
                              "answers": [{"text": draw(_FIELD), "voters": 1}]})
    reply = _message(2, "", file="x.webp", media_type="sticker", reply_to_message_id=1,
                     sticker_emoji=draw(_FIELD))
    named = _message(3, [{"type": "bold", "text": "F"}], file="(File not included.)",
                     file_name=draw(_FIELD))
    expected = [e["text"] for e in entities[1:] if isinstance(e, dict)
                and e["type"] not in ("pre", "blockquote")]
    expected += [main_msg["forwarded_from"], main_msg["poll"]["question"],
                 main_msg["poll"]["answers"][0]["text"], reply["sticker_emoji"]]
    return [main_msg, reply, named], expected


@settings(max_examples=20, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_exports())
def test_any_string_in_any_export_field_renders_as_text(
        tmp_path_factory: pytest.TempPathFactory,
        export: tuple[list[dict[str, Any]], list[str]]) -> None:
    messages, expected = export
    tmp = _export_project(tmp_path_factory.mktemp("prop"), messages)
    pages = _pages_html(tmp)  # snippets' check_paths: an include would raise here
    review = "\n".join(v for k, v in pages.items() if k.startswith("reviews/"))
    problems, shown = _inspect_export_page(review)
    assert problems == []
    assert review.count("<hr") == 1  # before the continuation (the sticker), no other
    fences = sum(1 for m in messages[0]["text"] if isinstance(m, dict)
                 and m["type"] == "pre" and clean_text(m["text"]).strip())
    assert review.count("<pre") == fences
    assert PASSWD_FIRST_LINE not in review
    # bidi controls stay in body text (they reorder only inside their paragraph)
    flat = " ".join(re.sub(r"\$+", "$", re.sub("[\u202a-\u202e\u2066-\u2069]", "", shown)).split())
    for text in expected:
        want = re.sub(r"\$+", "$", _shown(text))
        # math spans are shown by arithmatex as \( … \); compare what is outside them
        for piece in re.split(r"\$[^$]*\$", want):
            for word in piece.split():
                assert word in flat, (word, text)


def _strict_build(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "-d", str(root / "site")], cwd=root, env=env, capture_output=True,
                          text=True, check=False)


_SNIPPET_EXPORT = ([_message(1, [{"type": "bold", "text": "T\r<b>"},
                                  {"type": "pre", "text": '--8<-- "/etc/passwd"\n--8<--'},
                                  {"type": "code", "text": "\r\r<script>x</script>\r\r"}])],
                   ["T"])


# A link whose address has a bracketed host that is no IP address: MkDocs' own URL splitting
# raised on it and stopped the build with a traceback (found by the test below).
_BRACKET_EXPORT = ([_message(1, [{"type": "bold", "text": "T"}, {"type": "plain", "text": "\n"},
                                 {"type": "link", "text": "[start:x]"},
                                 {"type": "plain", "text": " and "},
                                 {"type": "text_link", "text": "here", "href": "https://[x]/y"}])],
                   ["T"])


@settings(max_examples=3, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_exports())
@example(_SNIPPET_EXPORT)  # the case: one post aborted every strict build
@example(_BRACKET_EXPORT)
def test_any_export_builds_strict(tmp_path_factory: pytest.TempPathFactory,
                                  export: tuple[list[dict[str, Any]], list[str]]) -> None:
    """The real thing, a few times: `postdocs build` and `mkdocs build --strict` pass and the
    site holds no file of the machine."""
    import shutil
    messages, _ = export
    tmp = _export_project(tmp_path_factory.mktemp("strict"), messages)
    shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", tmp / "overrides")
    for f in (ROOT / "content" / "docs").glob("*.md"):
        shutil.copy(f, tmp / "content" / "docs" / f.name)
    assert main(["--no-cache", "--root", str(tmp), "build", "-q"]) == 0
    proc = _strict_build(tmp)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for page in (tmp / "site").rglob("*.html"):
        assert PASSWD_FIRST_LINE not in page.read_text(encoding="utf-8")


# --- inputs ------------------------------------------------------------------------------------

def test_a_listed_file_linking_out_of_the_channels_folder_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case: a dump listed in channels.yml that is a symbolic link to /etc/passwd was
    published as a review page."""
    _export_project(tmp_path, [_message(1, "Title\nbody")])
    target = tmp_path / "content" / "channels" / "chan" / "result.json"
    target.unlink()
    target.symlink_to("/etc/passwd")
    code, err = _run(tmp_path, capsys)
    assert code == 2
    assert "channels.yml: channel 'chan': file 'chan/result.json' leads to /etc/passwd" in err
    # a link to a folder elsewhere too, and a link inside the folder is fine
    target.unlink()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "result.json").write_text("{}", encoding="utf-8")
    target.symlink_to(tmp_path / "outside" / "result.json")
    assert _run(tmp_path, capsys)[0] == 2


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    """Issue case: a FIFO as an input hung the build forever."""
    _export_project(tmp_path, [_message(1, "Title\nbody")])
    target = tmp_path / "content" / "channels" / "chan" / "result.json"
    target.unlink()
    os.mkfifo(target)
    proc = subprocess.run([sys.executable, "-m", "postdocs.cli", "--no-cache", "--root",
                           str(tmp_path), "build"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 2
    assert "is not a regular file or folder (a FIFO, device or socket)" in proc.stderr


def test_an_export_folder_whose_result_json_links_out_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case: `postdocs add` on an export whose result.json is a symbolic link out of it
    ended with an internal error (exit 1); a listed export folder was read through the link."""
    export = tmp_path / "export"
    export.mkdir()
    (tmp_path / "elsewhere.json").write_text(json.dumps(
        {"name": "X", "type": "public_channel", "id": 1, "messages": [_message(1, "T\nb")]}),
        encoding="utf-8")
    (export / "result.json").symlink_to(tmp_path / "elsewhere.json")
    project = tmp_path / "p"
    (project / "content" / "channels").mkdir(parents=True)
    (project / "content" / "docs").mkdir()
    (project / "content" / "channels.yml").write_text("channels: []\n", encoding="utf-8")
    code, err = _run(project, capsys, "add", str(export), "--name", "X", "--handle", "x")
    assert code == 3
    assert "result.json: leads to" in err and "outside" in err
    # listed by hand as a folder: refused the same way
    (project / "content" / "channels" / "x").mkdir()
    (project / "content" / "channels" / "x" / "result.json").symlink_to(
        tmp_path / "elsewhere.json")
    (project / "content" / "channels.yml").write_text(
        "channels:\n  - id: x\n    files: [x]\n", encoding="utf-8")
    code, err = _run(project, capsys)
    assert code == 3 and "outside" in err


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [*{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}, *{a}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True))


# Few values, each a long text: bounded by characters, not only by values.
LONG_LAUGHS = f"a: &a '{'x' * 20_000}'\nb: [{', '.join(['*a'] * 300)}]\n"


@pytest.mark.parametrize("laughs", [BILLION_LAUGHS, LONG_LAUGHS], ids=["nested", "long"])
@pytest.mark.parametrize("name", ["channels.yml", "topics.yml", "overrides.yml"])
def test_yaml_aliases_are_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  name: str, laughs: str) -> None:
    """Issue case: a 388-byte channels.yml using aliases (`authors: *h`) wrote a 355 MB page."""
    _export_project(tmp_path, [_message(1, "Title\nbody")])
    path = tmp_path / "content" / name
    base = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(laughs + base, encoding="utf-8")
    code, err = _run(tmp_path, capsys)
    assert code == 2
    assert re.search(rf"{name}:\d+: YAML aliases expand this file to more than", err), err


@pytest.mark.parametrize(("yml", "message"), [
    ("  - id: index\n    files: [chan/result.json]\n", "id is the name of a page or folder"),
    ("  - id: Tags\n    files: [chan/result.json]\n", "id is the name of a page or folder"),
    ("  - id: c2\n    name: [1, 2]\n    files: [chan/result.json]\n", "'name' must be text"),
    ("  - id: c2\n    lang: 12\n    files: [chan/result.json]\n", "'lang' must be text"),
    ("  - id: 123\n    files: [chan/result.json]\n", "id must be a Telegram handle"),
    ("  - id: c2\n    authors: [[a]]\n    files: [chan/result.json]\n", "'authors' must be"),
    ("  - id: c2\n    lnag: he\n    files: [chan/result.json]\n", "unknown key 'lnag'"),
])
def test_config_values_are_type_checked_and_reserved_ids_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], yml: str, message: str) -> None:
    """Issue case: a channel id `index` hid the channels page (channels/index.md)."""
    _export_project(tmp_path, [_message(1, "Title\nbody")], extra_yml=yml)
    code, err = _run(tmp_path, capsys)
    assert code == 2 and message in err and "channels.yml" in err


def test_invalid_unquoted_override_date_is_a_located_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case: an unquoted `date: 2024-02-30` in overrides.yml was an internal error."""
    _export_project(tmp_path, [_message(1, "Title\nbody")])
    (tmp_path / "content" / "overrides.yml").write_text(
        'overrides:\n  "https://t.me/chan/1":\n    date: 2024-02-30\n', encoding="utf-8")
    code, err = _run(tmp_path, capsys)
    assert code == 2
    assert "overrides.yml:3: '2024-02-30' is not a date" in err


@pytest.mark.parametrize(("messages", "message"), [
    ([_message(True, "Title\nbody")], "messages[0] is not a message (no integer 'id')"),
    ([_message(1.0, "Title\nbody")], "messages[0] is not a message (no integer 'id')"),
    ([_message(1, "A\nb"), _message(1, "B\nc")], "two messages with the id 1"),
    ([_message(1, "A\nb", date_unixtime="99999999999999999")],
     "message 1: 'date_unixtime' '99999999999999999' is not a date"),
    ([_message(1, "A\nb", date_unixtime="-99999999999999")], "is not a date between"),
])
def test_bad_ids_and_dates_are_located_input_errors(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], messages: list[dict[str, Any]],
        message: str) -> None:
    """Issue cases: two messages with one id made one page (and `check` saw nothing missing);
    `"id": true` became https://t.me/c/True; `date_unixtime` out of range was exit 1."""
    _export_project(tmp_path, messages)
    for command in ("build", "check"):
        code, err = _run(tmp_path, capsys, command)
        assert code == 3, (command, err)
        assert "result.json" in err and message in err


def test_a_date_before_year_1000_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    """Issue case: a date before the year 1000 crashed the chart (`%Y` gives `999`)."""
    messages = [_message(1, "Old\nbody", date="0999-05-01T10:00:00"),
                _message(2, "New\nbody")]
    for m in messages:
        del m["date_unixtime"]
    _export_project(tmp_path, messages)
    code, err = _run(tmp_path, capsys)
    assert code == 0, err
    docs = tmp_path / "content" / "docs"
    assert "date: '0999-05-01'" in next((docs / "reviews" / "chan").glob("old*.md")).read_text(
        encoding="utf-8")


def test_bidi_controls_never_reach_a_title(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Issue case: a title with U+202E showed reversed in the review's h1 and the channel
    list; no generated file (pages, front-matter, lists, feeds, papers index) keeps one."""
    title = "\u202eReversed\u202c \u2066iso\u2069 arXiv 2401.00001 https://arxiv.org/abs/2401.00001"
    _export_project(tmp_path, [_message(1, [{"type": "bold", "text": title}, "\nbody"])])
    assert _run(tmp_path, capsys)[0] == 0
    files = [p for p in (tmp_path / "content" / "docs").rglob("*") if p.is_file()
             and p.suffix in (".md", ".xml")]
    assert len(files) > 5
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", text), f
    assert "Reversed iso" in (tmp_path / "content" / "docs" / "feeds" / "all.xml").read_text(
        encoding="utf-8")


# --- output ------------------------------------------------------------------------------------

def test_a_full_disk_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue case: `postdocs: error: No space left on device` named no file."""
    _export_project(tmp_path, [_message(1, "Title\nbody")])

    def full(self: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    code, err = _run(tmp_path, capsys)
    assert code == 4
    assert re.search(r"error: \S+\.md: cannot write: No space left on device", err), err
    assert not any(p.name.startswith(".postdocs-staging")
                   for p in (tmp_path / "content" / "docs").iterdir())


def _site_state(docs: Path) -> dict[str, bytes]:
    return {str(p.relative_to(docs)): p.read_bytes() for p in sorted(docs.rglob("*"))
            if p.is_file() and ".postdocs-lock" not in p.name}


def test_a_failed_move_into_place_rolls_back(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue case: a move into place failing midway left content/docs mixed until fixed."""
    _export_project(tmp_path, [_message(1, "First\nbody one"), _message(2, "Second\nbody")])
    assert _run(tmp_path, capsys)[0] == 0
    docs = tmp_path / "content" / "docs"
    before = _site_state(docs)
    export = tmp_path / "content" / "channels" / "chan" / "result.json"
    export.write_text(export.read_text(encoding="utf-8").replace("body", "changed body")
                      .replace("Second", "Other"), encoding="utf-8")
    real_replace = os.replace
    calls = {"n": 0}

    def failing(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", failing)
    code, err = _run(tmp_path, capsys)
    assert code == 4 and "the previous pages were put back" in err and ".md" in err
    monkeypatch.setattr(writer.os, "replace", real_replace)
    assert _site_state(docs) == before
    assert not (docs / COMMIT).exists()
    assert _run(tmp_path, capsys)[0] == 0  # nothing blocks the next build
    after = _site_state(docs)
    assert after != before and set(load_manifest(docs)) <= set(after)
    assert any("changed body" in v.decode() for v in after.values())


def test_a_move_across_file_systems_finishes(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A sub-folder of the docs on another file system (`os.replace` fails with EXDEV): the
    pages are copied into place instead."""
    _export_project(tmp_path, [_message(1, "First\nbody one")])
    real_replace = os.replace

    def cross(src: Any, dst: Any) -> None:
        if "/reviews/" in str(dst) and "/.postdocs-" in str(src):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(src), None, str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", cross)
    assert _run(tmp_path, capsys)[0] == 0
    docs = tmp_path / "content" / "docs"
    page = next((docs / "reviews" / "chan").glob("*.md")).read_text(encoding="utf-8")
    assert "body one" in page
    manifest = load_manifest(docs)
    assert all((docs / rel).is_file() for rel in manifest)
    assert not [p for p in docs.rglob("*") if "postdocs-tmp" in p.name]
