"""`postdocs add`: a Desktop export becomes a configured channel with its files in content/.

The export is read first (a broken export changes nothing), then copied into
`content/channels/<handle>/` under a temporary name, the entry is appended to
`content/channels.yml` (its text and comments kept; the result is validated before it is
written, atomically), and only then the copy is renamed into place.

Only what the pages use is copied: the export's message files and the media of its posts (album
photos included). The report says how many other files of the export were left out, and why.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..config import CHANNELS_FILE, HANDLE_RE, parse_channels
from ..errors import ConfigError, InputError
from ..model import ChannelConfig, Direction
from ..readers import READERS, sniff, telegram_html, telegram_json, telegram_preview
from .fetch_preview import FetchOptions, FetchReport, fetch_channel, write_atomic


@dataclass(frozen=True)
class AddReport:
    handle: str
    format: str
    files_entry: str
    posts: int
    copied: int = 0  # files copied: the export's message files and the media its pages use
    left_out: tuple[tuple[str, int], ...] = ()  # (why, how many files), see LEFT_OUT


# Why a file of the export folder is not copied.
LEFT_OUT = {
    "no-page": "media files of messages that make no page (media-only messages that are no "
               "part of a post's album)",
    "thumbnail": "thumbnails (the pages show the full photos)",
    "viewer": "files of the export's own viewer (css/, js/, images/)",
    "unused": "other files no page uses",
}


def _export_root(export: Path, fmt: str) -> tuple[Path, str]:
    """The folder to copy and the file/folder entry for channels.yml (relative to it)."""
    if export.is_dir():
        return export, "result.json" if fmt == telegram_json.FORMAT else ""
    if fmt == telegram_html.FORMAT:
        return export.parent, ""
    return export.parent, export.name


def _left_out(folder: Path | None, copied: set[Path], no_page: set[Path]) -> Counter[str]:
    """Files of the export not copied, by reason (see LEFT_OUT).

    The folder is scanned only when it is the export's own (the user named the folder, or an
    HTML export's): a `result.json` named on its own may sit among unrelated files.
    """
    out: Counter[str] = Counter({"no-page": len(no_page)})
    if folder is None:
        return out
    for f in sorted(folder.rglob("*")):
        real = f.resolve()
        if not f.is_file() or real in copied or real in no_page:
            continue
        top = f.relative_to(folder).parts[0]
        if top in ("css", "js", "images"):
            out["viewer"] += 1
        elif f.stem.endswith("_thumb"):
            out["thumbnail"] += 1
        else:
            out["unused"] += 1
    return out


def _entry_text(entry: dict[str, object], indent: str) -> str:
    dumped = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=10_000)
    return "".join(indent + line + "\n" for line in dumped.splitlines())


def add_channel(root: Path, export: Path, name: str, handle: str, lang: str = "en",
                direction: str | None = None, chat: str | None = None) -> AddReport:
    root = root.resolve()
    content = root / "content"
    channels_file = content / CHANNELS_FILE
    if not HANDLE_RE.match(handle):
        raise ConfigError(str(channels_file), f"'{handle}' is not a Telegram handle "
                          "(letters, digits, _)")
    if not export.exists():
        raise InputError(str(export), "export not found")
    text = channels_file.read_text(encoding="utf-8") if channels_file.is_file() else (
        "channels:\n")
    existing = parse_channels(text, str(channels_file))
    if any(ch.id == handle for ch in existing):
        raise ConfigError(str(channels_file), f"channel '{handle}' is already configured")
    dest = content / "channels" / handle
    if dest.exists():
        raise ConfigError(str(channels_file), f"{dest} already exists; move it away first")
    fmt = sniff(export)
    if fmt not in (telegram_json.FORMAT, telegram_html.FORMAT):
        raise InputError(str(export), f"a {fmt} dump, not a Telegram Desktop export; copy it "
                         "into content/channels/ and add it to channels.yml by hand")
    d: Direction = "rtl" if (direction or ("rtl" if lang == "he" else "ltr")) == "rtl" else "ltr"
    probe = ChannelConfig(id=handle, name=name, url=f"https://t.me/{handle}", lang=lang, dir=d,
                          format=fmt, files=("x",), chat=chat)
    result = READERS[fmt](export, probe)  # a broken export stops here, before any change
    src_root, inner = _export_root(export, fmt)
    entry_file = handle  # the export's folder: its media belong to it
    entry: dict[str, object] = {"id": handle, "name": name, "url": f"https://t.me/{handle}",
                                "lang": lang, "dir": d, "format": fmt, "files": [entry_file]}
    if chat:
        entry["chat"] = chat
    items = re.findall(r"^([ \t]*)- id:", text, re.M)
    indent = items[-1] if items else "  "
    new_text = text if text.endswith("\n") else text + "\n"
    new_text += _entry_text(entry, indent)
    if not [ch for ch in parse_channels(new_text, str(channels_file)) if ch.id == handle]:
        raise ConfigError(str(channels_file), "cannot append to the channels list (is "
                          "'channels' the last key?); add the entry by hand")
    if fmt == telegram_html.FORMAT:
        sources = telegram_html.export_files(export)
    else:
        sources = [export / "result.json" if export.is_dir() else export]
    sources += [Path(m.source) for post in result.posts for m in post.media]
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{handle}-", dir=dest.parent))
    tmp_yml = content / f".{CHANNELS_FILE}.{handle}.tmp"
    moved = False
    try:
        base = src_root.resolve()
        for src in sources:  # the export's pages and the media they use, nothing else
            rel = src.resolve().relative_to(base)
            (staging / "export" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, staging / "export" / rel)
        tmp_yml.write_text(new_text, encoding="utf-8")
        os.replace(staging / "export", dest)
        moved = True
        os.replace(tmp_yml, channels_file)
    except OSError as exc:
        if moved:
            shutil.rmtree(dest, ignore_errors=True)
        raise InputError(str(export), f"cannot copy the export: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        tmp_yml.unlink(missing_ok=True)
    copied = {src.resolve() for src in sources}
    scanned = src_root if export.is_dir() or fmt == telegram_html.FORMAT else None
    why = _left_out(scanned, copied, {Path(f) for f in result.left_out} - copied)
    return AddReport(handle=handle, format=fmt, files_entry=entry_file, posts=len(result.posts),
                     copied=len(copied), left_out=tuple((k, why[k]) for k in LEFT_OUT if why[k]))


# --- channels read from Telegram's public web preview -------------------------------------------


@dataclass(frozen=True)
class PreviewAddReport:
    handle: str
    files_entry: str
    joined: bool  # the channel was configured already (e.g. from a text dump): pages added to it
    fetch: FetchReport


def _append_file(text: str, handle: str, entry: str) -> str | None:
    """channels.yml's text with `entry` appended to the `files` list of channel `handle`; None
    when the list cannot be found in the usual block layout (then the user edits it)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines)
                  if re.match(rf"^\s*-\s+id:\s*['\"]?{re.escape(handle)}['\"]?\s*$", line)), None)
    if start is None:
        return None
    item_indent = len(lines[start]) - len(lines[start].lstrip())
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) <= item_indent),
               len(lines))
    files = next((i for i in range(start, end) if re.match(r"^\s*(-\s+)?files:\s*$", lines[i])),
                 None)
    if files is None:
        return None
    last = files
    for i in range(files + 1, end):
        if re.match(r"^\s*-\s+\S", lines[i]):
            last = i
        elif lines[i].strip() and not lines[i].lstrip().startswith("#"):
            break
    if last == files:
        return None
    indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    lines.insert(last + 1, f"{indent}- {entry}\n")
    return "".join(lines)


def add_preview_channel(root: Path, handle: str, name: str, lang: str = "en",
                        direction: str | None = None,
                        opts: FetchOptions | None = None) -> PreviewAddReport:
    """Fetch the whole history of `@handle` into content/channels/<handle>/preview/, then list
    it in channels.yml: a new channel, or one more input of a configured channel (its text dump
    and the fetched pages then make one review per post). An interrupted run leaves the pages
    fetched so far; running it again goes on from there."""
    root = root.resolve()
    content = root / "content"
    channels_file = content / CHANNELS_FILE
    if not HANDLE_RE.match(handle):
        raise ConfigError(str(channels_file), f"'{handle}' is not a Telegram handle "
                          "(letters, digits, _)")
    text = channels_file.read_text(encoding="utf-8") if channels_file.is_file() else (
        "channels:\n")
    listed = re.search(r"^\s*-\s+id:", text, re.M) is not None  # `channels:` alone: none yet
    existing = {ch.id.lower(): ch for ch in parse_channels(text, str(channels_file))} if (
        listed) else {}
    entry_file = f"{handle}/{telegram_preview.STORE_DIR}"
    configured = existing.get(handle.lower())
    if configured is not None and entry_file in configured.files:
        raise ConfigError(str(channels_file), f"channel '{handle}' already reads its preview "
                          f"pages ({entry_file}); run 'postdocs fetch {handle}' for new posts")
    if configured is not None:
        new_text = _append_file(text, configured.id, f"{configured.id}/"
                                f"{telegram_preview.STORE_DIR}")
        if new_text is None:
            raise ConfigError(str(channels_file), f"cannot find the 'files' list of channel "
                              f"'{handle}'; add '{entry_file}' to it by hand")
        handle = configured.id
        entry_file = f"{handle}/{telegram_preview.STORE_DIR}"
    else:
        d: Direction = "rtl" if (direction or ("rtl" if lang == "he" else "ltr")) == "rtl" \
            else "ltr"
        entry: dict[str, object] = {"id": handle, "name": name, "url": f"https://t.me/{handle}",
                                    "lang": lang, "dir": d, "format": telegram_preview.FORMAT,
                                    "files": [entry_file]}
        items = re.findall(r"^([ \t]*)- id:", text, re.M)
        new_text = (text if text.endswith("\n") else text + "\n") + _entry_text(
            entry, items[-1] if items else "  ")
    parsed = [ch for ch in parse_channels(new_text, str(channels_file)) if ch.id == handle]
    if not parsed or entry_file not in parsed[0].files:
        raise ConfigError(str(channels_file), "cannot append to the channels list (is "
                          "'channels' the last key?); add the entry by hand")
    report = fetch_channel(content / "channels" / entry_file, handle, opts or FetchOptions())
    if channels_file.is_file() and channels_file.read_text(encoding="utf-8") != text:
        raise ConfigError(str(channels_file), "changed while the pages were fetched; run the "
                          "same 'postdocs add' again (the pages fetched are kept)")
    write_atomic(channels_file, new_text.encode("utf-8"))
    return PreviewAddReport(handle=handle, files_entry=entry_file, joined=configured is not None,
                            fetch=report)
