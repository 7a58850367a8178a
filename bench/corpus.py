"""Synthetic corpora for the benchmark: the real seed dumps replayed N times.

Each replica keeps the real text and structure but gets varied titles (so slugs and paper groups
differ) and, for the dated digest and the Desktop exports, dates shifted back by up to three
years: a realistic archive spans a few years (the seeds' own dates run from 2024 to early
2025), and no date is in the future (Hugo skips future pages; tg-archive writes a page per
month, so a corpus spread over decades costs it far more than a real one). Replicas are
written in every input format the project reads: the dumps' own formats, and a Telegram
Desktop JSON export made from the posts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zlib
from pathlib import Path

import yaml

from postdocs.config import Project, load_project
from postdocs.model import ChannelConfig
from postdocs.readers import read_input

_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?!\d)")
SUFFIXES = ("", " revisited", " (replay)", " — notes", " again", " II", " redux", " v2")


def _variant(title: str, replica: int) -> str:
    if replica == 0:
        return title
    word = SUFFIXES[replica % len(SUFFIXES)] or " re"
    return f"{title}{word} {replica}"


SPAN_DAYS = 3 * 365  # replicas are spread over three years before the seeds' dates


def _back(replica: int) -> int:
    """How many days replica `replica` is moved back (0 for the seeds themselves)."""
    return (replica * 383) % SPAN_DAYS if replica else 0


def _shift_dates(line: str, days: int) -> str:
    def sub(m: re.Match[str]) -> str:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        full = y + 2000 if y < 100 else y
        try:
            date = dt.date(full, mo, d) + dt.timedelta(days=days)
        except ValueError:
            return m.group(0)  # a damaged date stays damaged
        yy = f"{date.year % 100:02d}" if len(m.group(3)) == 2 else str(date.year)
        return f"{date.day:02d}.{date.month:02d}.{yy}"

    return _DATE_RE.sub(sub, line)


def _desktop_json(name: str, handle: str, posts: list[tuple[str, list[str], dt.datetime]],
                  first_id: int) -> dict[str, object]:
    messages = []
    for k, (title, body, when) in enumerate(posts):
        text = title + "\n\n" + "\n".join(body)
        messages.append({
            "id": first_id + k,
            "type": "message",
            "date": when.strftime("%Y-%m-%dT%H:%M:%S"),
            "date_unixtime": str(int(when.replace(tzinfo=dt.UTC).timestamp())),
            "from": name,
            "from_id": f"channel{zlib.crc32(handle.encode())}",
            "text": text,
            "text_entities": [{"type": "plain", "text": text}],
        })
    return {"name": name, "type": "public_channel", "id": 1000 + first_id, "messages": messages}


def make(root: Path, out: Path, scale: int, json_format: bool) -> dict[str, int]:
    """Write a project folder at `out` holding `scale` replicas of the seeds' channels."""
    project = load_project(root)
    _site_files(root, out)
    channels: list[dict[str, object]] = []
    stats = {"posts_hint": 0, "bytes": 0}
    for ch in project.channels:
        for replica in range(scale):
            as_json = json_format and replica % 3 == 2
            channels.append(_replica(project, ch, replica, as_json, out, stats))
    (out / "content" / "channels.yml").write_text(
        yaml.safe_dump({"channels": channels}, allow_unicode=True, sort_keys=False),
        encoding="utf-8")
    return stats


def _site_files(root: Path, out: Path) -> None:
    """A fresh project folder with the seeds' site configuration, look and hand-written pages."""
    if out.exists():
        shutil.rmtree(out)
    (out / "content" / "channels").mkdir(parents=True)
    shutil.copy(root / "mkdocs.yml", out / "mkdocs.yml")
    if (root / "overrides").is_dir():
        shutil.copytree(root / "overrides", out / "overrides")
    docs = out / "content" / "docs"
    docs.mkdir()
    for f in ("index.md", "about.md", "tags.md"):
        if (root / "content" / "docs" / f).is_file():
            shutil.copy(root / "content" / "docs" / f, docs / f)
    for f in (root / "content").glob("*.yml"):
        if f.name != "channels.yml":
            shutil.copy(f, out / "content" / f.name)


def _replica(project: Project, ch: ChannelConfig, replica: int, as_json: bool, out: Path,
             stats: dict[str, int]) -> dict[str, object]:
    """One replica of a seed channel written under `out`: its channels.yml entry."""
    handle = ch.id if replica == 0 else f"{ch.id}_r{replica}"
    folder = out / "content" / "channels" / handle
    folder.mkdir(parents=True)
    files: list[str] = []
    entry: dict[str, object] = {
        "id": handle, "name": f"{ch.name} #{replica}", "url": f"https://t.me/{handle}",
        "lang": ch.lang, "dir": ch.dir, "files": files,
        "format": "telegram-json" if as_json else ch.format,
    }
    json_posts: list[tuple[str, list[str], dt.datetime]] = []
    shift = -_back(replica)
    for f in ch.files:
        src = project.channels_dir / f
        result = read_input(src, ch)
        new = _replica_lines(src, ch, {p.line for p in result.posts}, replica, shift)
        if as_json:
            base = dt.datetime(2024, 6, 1) + dt.timedelta(days=shift)
            for k, p in enumerate(result.posts):
                body = [new[s.number - 1] for s in p.lines]
                json_posts.append((_variant(p.title, replica), body,
                                   base + dt.timedelta(hours=6 * (len(json_posts) + k))))
        else:
            target = folder / Path(f).name
            target.write_text("\n".join(new), encoding="utf-8")
            files.append(f"{handle}/{target.name}")
            stats["bytes"] += target.stat().st_size
        stats["posts_hint"] += len(result.posts)
    if as_json:
        target = folder / "result.json"
        data = _desktop_json(str(entry["name"]), handle, json_posts, 1 + replica * 10000)
        target.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        entry["files"] = [f"{handle}/result.json"]
        stats["bytes"] += target.stat().st_size
    return entry


def _replica_lines(src: Path, ch: ChannelConfig, titles: set[int], replica: int,
                   shift: int) -> list[str]:
    """The lines of one seed file in a replica: titles varied, an OCR digest's dates moved."""
    new = []
    for i, line in enumerate(src.read_text(encoding="utf-8").split("\n"), start=1):
        if i in titles:
            line = _variant(line, replica)
        if ch.format == "ocr-digest" and replica:
            line = _shift_dates(line, shift)
        new.append(line)
    return new
