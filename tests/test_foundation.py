"""The foundation: seeds copied unchanged, every input read, pages written and owned."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from postdocs.cli import main
from postdocs.config import Project, parse_channels
from postdocs.errors import ConfigError, OutputError
from postdocs.output.writer import write_pages
from postdocs.pipeline import Corpus

from .conftest import ROOT

# The seed dumps as they were handed over (sha256 of the originals): the repository's copies
# must stay byte-identical, and this check needs nothing beside the repository.
SEED_SHA256 = {
    "000_6219d51e455967f7.txt": "db1af0317e8d807d4c928b9a3f574b1037d3fd9e267302bf04260475237d4a7a",
    "001_72cd830eb3fd8acc.txt": "a5c02d2cd218b4c569f39a2be3b482666f7b18a5c83ff6fe363ca51a31fa3b65",
    "002_b7ad3dc60f2b3f48.txt": "e766a989a7d89fe9cb4dfc76e68e8e2f0a1b7775b00ffa76b79b99f8729c953f",
    "003_8482c2f02d444865.txt": "e9d0eefc1804f763c278e82357027ae167647d2161cd4ce7489511a4a641abfc",
    "004_71cc8ab0bbd831e0.txt": "20a980f7b6d19c2eac56932029a072268dcff51110433eb62dfdf506ffb55faf",
}


def test_seed_copies_are_byte_identical(project: Project) -> None:
    copies = {p.name: p for ch in project.channels for p in
              (project.channels_dir / f for f in ch.files)}
    assert set(SEED_SHA256) <= set(copies)
    for name, digest in SEED_SHA256.items():
        assert hashlib.sha256(copies[name].read_bytes()).hexdigest() == digest, name


def test_channels_config_names_handles(project: Project) -> None:
    handles = {ch.id: ch for ch in project.channels}
    assert handles["rizzearch"].url == "https://t.me/rizzearch"
    assert handles["gonzo_ML"].url == "https://t.me/gonzo_ML"
    assert handles["MathyAIwithMike"].dir == "rtl"
    assert handles["MathyAIwithMike"].lang == "he"


def test_every_line_accounted(corpus: Corpus) -> None:
    for r in corpus.results:
        missing = set(range(1, r.ledger.total_lines + 1)) - r.ledger.accounted
        assert not missing, f"{r.path}: unaccounted lines {sorted(missing)[:10]}"


def test_check_command_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "check"]) == 0
    out = capsys.readouterr().out
    assert "unaccounted=0" in out and "004_71cc8ab0bbd831e0.txt [ocr-digest]" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("channels: [", "not valid YAML"),
        ("foo: 1", "'channels' list"),
        ("channels:\n  - name: x\n", "missing required key 'id'"),
        ("channels:\n  - id: a\n    files: [x]\n    dir: up\n", "dir must be"),
        ("channels:\n  - id: a\n    files: ['../x']\n", "inside the channels folder"),
        ("channels:\n  - id: a\n    files: [x]\n  - id: a\n    files: [y]\n", "defined twice"),
    ],
)
def test_config_errors_name_the_file(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_channels(text, "content/channels.yml")
    assert str(err.value).startswith("content/channels.yml")
    assert message in str(err.value)


def test_missing_channel_file_is_a_clean_error(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "content" / "channels").mkdir(parents=True)
    (tmp_path / "content" / "channels.yml").write_text(
        "channels:\n  - id: a\n    files: [a/missing.txt]\n", encoding="utf-8")
    assert main(["--root", str(tmp_path), "build"]) == 2
    err = capsys.readouterr().err
    assert "missing.txt" in err and "Traceback" not in err


def test_write_skips_unchanged_removes_stale_and_protects_edits(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    first = write_pages(out, {"a.md": "A\n", "b/c.md": "C\n"})
    assert sorted(first.written) == ["a.md", "b/c.md"]
    again = write_pages(out, {"a.md": "A\n", "b/c.md": "C\n"})
    assert again.written == [] and again.unchanged == 2
    (out / "hand.md").write_text("mine\n", encoding="utf-8")
    gone = write_pages(out, {"a.md": "A2\n"})
    assert gone.written == ["a.md"] and gone.removed == ["b/c.md"]
    assert (out / "hand.md").read_text(encoding="utf-8") == "mine\n"
    assert not (out / "b").exists()
    (out / "a.md").write_text("edited\n", encoding="utf-8")
    with pytest.raises(OutputError, match="edited by hand"):
        write_pages(out, {"a.md": "A3\n"})
    assert write_pages(out, {"a.md": "A3\n"}, force=True).written == ["a.md"]


def test_front_matter_fields(corpus: Corpus) -> None:
    from postdocs.render.pages import render_post

    post = next(p for p in corpus.posts if p.source == "000_6219d51e455967f7.txt:12")
    text = render_post(post)
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["title"].startswith("Same Task, More Tokens")
    assert meta["channel"] == "rizzearch"
    assert meta["lang"] == "ru" and meta["dir"] == "ltr"
    assert meta["source"] == "000_6219d51e455967f7.txt:12"
    # the dump gives no date: the date the permalink registry first saw it, marked as such
    assert meta["date_source"] == "first-seen"
    assert meta["date"] == "2026-12-07"  # content/permalinks.yml
    assert isinstance(meta["topics"], list) and isinstance(meta["papers"], list)
