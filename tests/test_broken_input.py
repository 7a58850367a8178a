"""Broken input: each case gives one clear error or warning naming the file (and line) with its
documented exit code, or is read correctly when its encoding can be detected; never a traceback,
never a good site replaced by partial output. (README: "Broken input".)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from postdocs import pipeline
from postdocs.cli import main
from postdocs.config import load_project
from postdocs.pipeline import process
from postdocs.readers.text import decode_report

from .conftest import ROOT, seed

WEB = "000_6219d51e455967f7.txt"  # rizzearch, web-preview, Russian
OCR = "004_71cc8ab0bbd831e0.txt"  # MathyAIwithMike, OCR digest, Hebrew


def _project(tmp: Path, name: str, data: bytes, lang: str = "ru", fmt: str = "auto") -> Path:
    """A project with one channel whose only input is `data`, saved as `name`."""
    (tmp / "content" / "channels" / "chan").mkdir(parents=True, exist_ok=True)
    (tmp / "content" / "docs").mkdir(exist_ok=True)
    (tmp / "content" / "channels.yml").write_text(
        f"channels:\n  - id: chan\n    lang: {lang}\n    dir: {'rtl' if lang == 'he' else 'ltr'}"
        f"\n    format: {fmt}\n    files: [chan/{name}]\n", encoding="utf-8")
    (tmp / "content" / "channels" / "chan" / name).write_bytes(data)
    return tmp / "content" / "channels" / "chan" / name


def _run(tmp: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["--no-cache", "--root", str(tmp), *(args or ("build",))])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _posts(tmp: Path) -> list[tuple[str, tuple[str, ...]]]:
    corpus = process(load_project(tmp))
    return [(p.title, tuple(sl.text for sl in p.lines)) for p in corpus.posts]


def _seed(name: str) -> str:
    return seed(name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "binary file (a PNG image)", None),
        (b"%PDF-1.7\n%\xe2\xe3\n", "binary file (a PDF document)", None),
        (b"VIEW IN TELEGRAM\nline two\n\x00\x01\x02\x03 binary junk", "contains NUL bytes", 3),
        (bytes(range(1, 32)) * 40, "binary file (control bytes)", None),
        (b"VIEW IN TELEGRAM\n" + bytes([0x98, 0x81, 0x83, 0x90]) * 50, "no known legacy", 2),
    ],
    ids=["png", "pdf", "nul", "controls", "undecodable"],
)
def test_not_text_is_one_clear_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           data: bytes, message: str, line: int | None) -> None:
    path = _project(tmp_path, "dump.txt", data)
    code, err = _run(tmp_path, capsys)
    assert code == 3
    where = f"{path}:{line}: " if line else f"{path}: "
    assert err.startswith(f"postdocs: error: {where}") and message in err
    assert err.count("\n") == 1


def test_empty_file_is_a_warning_and_no_posts(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = _project(tmp_path, "dump.txt", b"")
    code, err = _run(tmp_path, capsys)
    assert code == 0 and f"{path}: empty file: no posts" in err
    assert _posts(tmp_path) == []


@pytest.mark.parametrize(
    ("codec", "seed", "lang", "guessed"),
    [
        ("utf-8-sig", WEB, "ru", None),
        ("utf-16", WEB, "ru", None),  # with BOM
        ("utf-16-le", WEB, "ru", "no byte-order mark; read as utf-16-le"),
        ("utf-32", WEB, "ru", None),
        ("cp1251", WEB, "ru", "not UTF-8; read as Windows-1251"),
        ("koi8_r", WEB, "ru", "not UTF-8; read as KOI8-R"),
        ("cp1255", OCR, "he", "not UTF-8; read as Windows-1255"),
        ("mixed-eol", WEB, "ru", None),
    ],
)
def test_detected_encodings_read_like_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           codec: str, seed: str, lang: str,
                                           guessed: str | None) -> None:
    text = _seed(seed)
    if seed == OCR:
        text = "\n".join(text.split("\n")[:400]) + "\n"
    if codec.startswith(("cp", "koi")):  # no emoji there: compare with what the page can hold
        text = text.encode(codec, "ignore").decode(codec)
    if codec == "mixed-eol":
        data = text.replace("\n", "\r\n", 40).replace("\n", "\r", 25).encode()
    else:
        data = text.encode(codec)
    plain = tmp_path / "plain"
    _project(plain, "dump.txt", text.encode("utf-8"), lang)
    odd = tmp_path / "odd"
    path = _project(odd, "dump.txt", data, lang)
    code, err = _run(odd, capsys)
    assert code == 0, err
    if guessed:
        assert f"{path}: {guessed}" in err
    expected = _posts(plain)
    assert expected and _posts(odd) == expected


def test_truncated_inside_a_character_keeps_the_rest(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data = _seed(WEB).encode("utf-8")
    cut = data.rindex("я".encode()) + 1  # inside the last two-byte letter
    path = _project(tmp_path, "dump.txt", data[:cut])
    code, err = _run(tmp_path, capsys)
    assert code == 0
    line = data[:cut].count(b"\n") + 1
    assert f"{path}:{line}: the file ends inside a character" in err
    assert len(_posts(tmp_path)) > 3


def test_truncated_json_export_names_file_and_line(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = (ROOT / "tests/fixtures/desktop/json/result.json").read_bytes()
    path = _project(tmp_path, "result.json", data[: len(data) // 2])
    code, err = _run(tmp_path, capsys)
    assert code == 3 and f"postdocs: error: {path}:" in err and "truncated" in err


def test_a_100_mb_dump_is_refused_fast(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    chunk = _seed(WEB).encode("utf-8")
    path = _project(tmp_path, "dump.txt", b"")
    with path.open("wb") as fh:
        for _ in range(100 * 2**20 // len(chunk) + 1):
            fh.write(chunk)
    assert path.stat().st_size >= 100 * 2**20
    code, err = _run(tmp_path, capsys)
    assert code == 3 and f"{path}: 10" in err and "text dumps over 50 MB are not read" in err


def test_a_10_mb_line_is_refused_with_its_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    data = _seed(WEB).encode("utf-8")
    head = b"\n".join(data.split(b"\n")[:20]) + b"\n"
    path = _project(tmp_path, "dump.txt", head + b"x" * (10 * 2**20) + b"\n" + data)
    code, err = _run(tmp_path, capsys)
    assert code == 3 and f"{path}:21: a line of 10,485,760 characters" in err


@pytest.mark.parametrize(
    ("config", "message", "code"),
    [
        ("channels:\n  - id: chan\n    files: [chan/missing.txt]\n", "missing.txt' not found", 2),
        ("channels:\n  - id: chan\n    files: [chan]\n", "a folder without result.json", 3),
        ("channels:\n  - id: chan\n    files: [chan/dump.txt]\n    format: telegram-json\n",
         "not valid JSON", 3),
        ("channels:\n  - id: chan\n    files: chan/dump.txt\n", "'files' must be", 2),
        ("channels:\n  - id: chan\n   files: [x]\n", "not valid YAML", 2),
    ],
    ids=["missing-file", "folder", "wrong-format", "files-not-list", "bad-yaml"],
)
def test_channel_config_with_a_missing_or_wrong_file(tmp_path: Path, config: str, message: str,
                                                     code: int,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _project(tmp_path, "dump.txt", _seed(WEB).encode())
    (tmp_path / "content" / "channels.yml").write_text(config, encoding="utf-8")
    got, err = _run(tmp_path, capsys)
    assert got == code and message in err and err.startswith("postdocs: error: /")


def test_failed_input_leaves_the_good_site(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = _project(tmp_path, "dump.txt", _seed(WEB).encode())
    assert _run(tmp_path, capsys)[0] == 0
    docs = tmp_path / "content" / "docs"
    before = {p: p.read_bytes() for p in docs.rglob("*") if p.is_file()}
    assert any("reviews" in str(p) for p in before)
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert _run(tmp_path, capsys)[0] == 3
    assert {p: p.read_bytes() for p in docs.rglob("*") if p.is_file()} == before


def test_unexpected_exception_is_one_line_and_exit_1(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, "dump.txt", _seed(WEB).encode())

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(pipeline, "iter_pages", boom)
    monkeypatch.setattr("postdocs.cli.iter_pages", boom)
    code, err = _run(tmp_path, capsys)
    assert code == 1 and err.startswith("postdocs: internal error: RuntimeError: something")
    assert err.count("\n") == 1


def test_unwritable_output_is_an_output_error(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    _project(tmp_path, "dump.txt", _seed(WEB).encode())
    shutil.rmtree(tmp_path / "content" / "docs")
    (tmp_path / "content" / "docs").write_text("a file where the docs folder should be")
    code, err = _run(tmp_path, capsys)
    assert code == 4 and "docs" in err


@pytest.mark.parametrize(("seed", "codec", "name"),
                         [(OCR, "cp1255", "Windows-1255"), (WEB, "cp1251", "Windows-1251"),
                          (WEB, "koi8_r", "KOI8-R")])
@pytest.mark.parametrize("lang", ["", "ru", "he"])
def test_legacy_encoding_is_told_apart_whatever_the_channel_says(seed: str, codec: str,
                                                                  name: str, lang: str) -> None:
    text = "\n".join(_seed(seed).split("\n")[:60]).encode(codec, "ignore")
    decoded, warnings = decode_report(text, "x.txt", lang)
    assert [str(w) for w in warnings] == [f"x.txt: not UTF-8; read as {name}"]
    assert decoded == text.decode(codec)
