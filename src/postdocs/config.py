"""Loading and validating the channels configuration (`content/channels.yml`)."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import safe_yaml
from .errors import ConfigError
from .model import ChannelConfig, Direction
from .render.markup import clean_text, clean_title

CHANNELS_FILE = "channels.yml"
HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
URL_RE = re.compile(r"^https?://[^\s<>\"'`\\]+$")
# Names Windows will not create as files or folders (any case, any extension).
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                    *(f"lpt{i}" for i in range(10))}
# Channel ids that would name a page or folder the site generates (`channels/<id>.md` next to
# `channels/index.md`; top-level pages and folders), compared in lower case.
RESERVED_IDS = frozenset({
    "index", "reviews", "topics", "papers", "tags", "feeds", "charts", "channels", "assets",
    "search", "about", "404", "sitemap", "_snippets", "stylesheets", "javascripts",
})
# Keys whose value is one text (`chat` may be a chat's numeric id).
TEXT_KEYS = ("name", "url", "lang", "dir", "format", "description", "chat")
# Every key a channel may have; any other is refused (a typo would otherwise be ignored silently).
CHANNEL_KEYS = frozenset({"id", *TEXT_KEYS, "files", "authors", "formerly"})
KNOWN_FORMATS = ("auto", "web-preview", "ocr-digest", "telegram-json", "telegram-html",
                 "telegram-preview")


@dataclass(frozen=True)
class Project:
    """Where things live. All paths are absolute."""

    root: Path  # the folder holding mkdocs.yml
    content: Path  # content/
    channels_dir: Path  # content/channels/
    docs: Path  # content/docs/ (MkDocs' docs_dir)
    channels: tuple[ChannelConfig, ...]
    site_url: str = ""  # public address from mkdocs.yml (or POSTDOCS_SITE_URL), ends with "/"

    @property
    def channels_file(self) -> Path:
        return self.content / CHANNELS_FILE


def _require(data: dict[str, Any], key: str, where: str, path: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise ConfigError(path, f"{where}: missing required key '{key}'")
    return data[key]


def parse_channels(text: str, path: str) -> tuple[ChannelConfig, ...]:
    """Validate the channels file's text; every error names the file and the channel."""
    data = safe_yaml.load(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("channels"), list):
        raise ConfigError(path, "expected a mapping with a 'channels' list")
    seen: set[str] = set()
    channels: list[ChannelConfig] = []
    for i, item in enumerate(data["channels"], start=1):
        cid = _channel_id(item, f"channel #{i}", path)
        if cid.lower() in seen:  # folders differing only in case are one folder on some systems
            raise ConfigError(path, f"channel '{cid}': defined twice")
        seen.add(cid.lower())
        channels.append(_channel(item, cid, path))
    return tuple(channels)


def _channel_id(item: object, where: str, path: str) -> str:
    """A channel entry's id, once the entry's id, keys and text values are checked."""
    if not isinstance(item, dict):
        raise ConfigError(path, f"{where}: expected a mapping")
    cid = _require(item, "id", where, path)
    if not isinstance(cid, str) or not HANDLE_RE.match(cid):
        raise ConfigError(path, f"{where}: id must be a Telegram handle (letters, digits, _), "
                          f"not {str(cid)[:80]!r}")
    where = f"channel '{cid}'"
    if cid.lower() in WINDOWS_RESERVED:
        raise ConfigError(path, f"{where}: id is a reserved file name on Windows")
    if cid.lower() in RESERVED_IDS:
        raise ConfigError(path, f"{where}: id is the name of a page or folder the site "
                          f"generates ({', '.join(sorted(RESERVED_IDS))}); choose another")
    unknown = sorted(str(k) for k in item if k not in CHANNEL_KEYS)
    if unknown:
        raise ConfigError(path, f"{where}: unknown key {unknown[0][:80]!r} (known: "
                          f"{', '.join(sorted(CHANNEL_KEYS))})")
    for key in TEXT_KEYS:
        value = item.get(key)
        if value is None:
            continue
        if not isinstance(value, str) and not (key == "chat" and type(value) is int):
            raise ConfigError(path, f"{where}: '{key}' must be text, not "
                              f"{type(value).__name__}")
    return cid


def _channel(item: dict[str, Any], cid: str, path: str) -> ChannelConfig:
    """A channel entry with a checked id → its configuration (or the entry's first error)."""
    where = f"channel '{cid}'"
    direction = str(item.get("dir", "ltr"))
    if direction not in ("ltr", "rtl"):
        raise ConfigError(path, f"{where}: dir must be 'ltr' or 'rtl', not '{direction}'")
    fmt = str(item.get("format", "auto"))
    if fmt not in KNOWN_FORMATS:
        raise ConfigError(
            path, f"{where}: unknown format '{fmt}' (known: {', '.join(KNOWN_FORMATS)})"
        )
    files = item.get("files")
    if not isinstance(files, list) or not files or not all(isinstance(f, str) for f in files):
        raise ConfigError(path, f"{where}: 'files' must be a non-empty list of paths")
    for f in files:
        if Path(f).is_absolute() or ".." in Path(f).parts:
            raise ConfigError(path, f"{where}: file '{f}' must be inside the channels folder")
    lang = str(item.get("lang", "en"))
    if not LANG_RE.match(lang):
        raise ConfigError(path, f"{where}: lang must be a language code like 'ru' or 'he'")
    url = str(item.get("url") or f"https://t.me/{cid}")
    if not URL_RE.match(url):
        raise ConfigError(path, f"{where}: url must be an http(s) address")
    authors, formerly = _names(item, where, path)
    dir_value: Direction = "rtl" if direction == "rtl" else "ltr"
    return ChannelConfig(
        id=cid,
        name=clean_title(str(item.get("name") or cid)),
        url=url,
        lang=lang,
        dir=dir_value,
        format=fmt,
        files=tuple(files),
        description=clean_text(str(item.get("description") or "")),
        authors=tuple(clean_text(a) for a in authors),
        chat=None if item.get("chat") is None else str(item["chat"]),
        formerly=tuple(formerly),
    )


def _names(item: dict[str, Any], where: str, path: str) -> tuple[list[str], list[str]]:
    """The entry's `authors` and `formerly` (former ids; one may be given as text)."""
    authors = item.get("authors") or []
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise ConfigError(path, f"{where}: 'authors' must be a list of names")
    formerly = item.get("formerly") or []
    if isinstance(formerly, str):
        formerly = [formerly]
    if not isinstance(formerly, list) or not all(
            isinstance(f, str) and HANDLE_RE.match(f) for f in formerly):
        raise ConfigError(path, f"{where}: 'formerly' must be a list of former ids")
    return authors, formerly


class _MkDocsLoader(yaml.SafeLoader):
    """Safe loader that understands MkDocs' `!ENV` and skips `!!python/...` objects."""


def _env_tag(loader: yaml.SafeLoader, node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    else:
        items = [loader.construct_scalar(n) for n in node.value
                 if isinstance(n, yaml.ScalarNode)]
        names, default = items[:-1] or items, items[-1] if len(items) > 1 else None
    for name in names:
        value = os.environ.get(str(name))
        if value:
            return value
    return None if default is None else str(default)


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    return None


_MkDocsLoader.add_constructor("!ENV", _env_tag)
_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)


def read_site_url(mkdocs_yml: Path) -> str:
    """`site_url` as MkDocs will see it (env var resolved), with a trailing slash; "" if none."""
    if not mkdocs_yml.is_file():
        return ""
    try:
        data = yaml.load(mkdocs_yml.read_text(encoding="utf-8"), Loader=_MkDocsLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(str(mkdocs_yml), f"not valid YAML: {exc}") from None
    url = str(data.get("site_url") or "") if isinstance(data, dict) else ""
    if url and not url.endswith("/"):
        url += "/"
    return url


def check_input(channels_dir: Path, f: str, where: str, path: str) -> None:
    """A listed input must be a regular file or a folder whose real path (symbolic links
    followed) is inside the channels folder: a link elsewhere could publish any file of the
    machine, and reading a FIFO or a device blocks forever. Checked with `os.stat`, before
    anything opens it."""
    listed = channels_dir / f
    if not os.path.lexists(listed):
        raise ConfigError(path, f"{where}: file '{f}' not found in {channels_dir}")
    try:
        real = listed.resolve(strict=True)
        mode = os.stat(real).st_mode
    except (OSError, RuntimeError) as exc:  # a dangling link, a loop of links, no permission
        raise ConfigError(path, f"{where}: file '{f}' cannot be read: "
                          f"{getattr(exc, 'strerror', None) or exc}") from None
    if channels_dir.resolve() not in real.parents:
        raise ConfigError(path, f"{where}: file '{f}' leads to {real}, outside {channels_dir} "
                          "(a symbolic link?)")
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ConfigError(path, f"{where}: file '{f}' is not a regular file or folder (a FIFO, "
                          "device or socket)")


def load_project(root: Path) -> Project:
    """Read `content/channels.yml` below `root` and check that every listed file exists."""
    root = root.resolve()
    content = root / "content"
    path = content / CHANNELS_FILE
    if not path.is_file():
        raise ConfigError(str(path), "channels configuration not found")
    channels = parse_channels(path.read_text(encoding="utf-8"), str(path))
    channels_dir = content / "channels"
    for ch in channels:
        for f in ch.files:
            check_input(channels_dir, f, f"channel '{ch.id}'", str(path))
    return Project(
        root=root, content=content, channels_dir=channels_dir, docs=content / "docs",
        channels=channels, site_url=read_site_url(root / "mkdocs.yml"),
    )
