"""The store of a channel's fetched preview pages: `content/channels/<handle>/preview/`.

`index.json` lists the pages (`pages/000001.html.gz` …, gzip, in the order fetched) and what
fetching learnt (history complete, edited and deleted ids, downloaded photos). `preview_fetch.py`
writes it; the reader (`telegram_preview.py`) only reads it.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..model import ChannelMeta
from .preview_page import PreviewMessage, parse_page
from .text import regular_file

FORMAT = "telegram-preview"
INDEX = "index.json"
STORE_DIR = "preview"  # content/channels/<handle>/preview/


@dataclass
class StoreIndex:
    """`index.json` of a store: the pages in the order fetched and what fetching learnt."""

    handle: str
    pages: list[str] = field(default_factory=list)  # "pages/000001.html.gz", oldest fetch first
    complete: bool = False  # paged back to the channel's first message
    deleted: list[int] = field(default_factory=list)  # gone from the preview; kept, marked
    edited: list[int] = field(default_factory=list)  # changed since first fetched
    media: dict[str, str] = field(default_factory=dict)  # "<id>-<n>" → "media/<file>"

    def dumps(self) -> str:
        data = {"format": FORMAT, "handle": self.handle, "complete": self.complete,
                "pages": self.pages, "deleted": sorted(set(self.deleted)),
                "edited": sorted(set(self.edited)),
                "media": dict(sorted(self.media.items()))}
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def is_store(path: Path) -> bool:
    return path.is_dir() and (path / INDEX).is_file()


def load_index(folder: Path) -> StoreIndex:
    path = folder / INDEX
    regular_file(path, inside=folder)  # never a link out of the store, a FIFO or a device
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"not a readable preview index: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(str(path), f"not a {FORMAT} index (no \"format\": \"{FORMAT}\")")
    pages = data.get("pages") or []
    if not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
        raise InputError(str(path), "'pages' must be a list of file names")
    for p in pages:
        if Path(p).is_absolute() or ".." in Path(p).parts:
            raise InputError(str(path), f"page {p!r} must be inside the store folder")
    media = data.get("media") or {}
    ids = {key: data.get(key) or [] for key in ("deleted", "edited")}
    for key, value in ids.items():
        if not isinstance(value, list) or not all(
                isinstance(x, int) and not isinstance(x, bool) for x in value):
            raise InputError(str(path), f"'{key}' must be a list of message ids (integers)")
    if not isinstance(media, dict):
        raise InputError(str(path), "'media' must be a mapping of message ids to files")
    return StoreIndex(handle=str(data.get("handle") or ""), pages=list(pages),
                      complete=bool(data.get("complete")),
                      deleted=list(ids["deleted"]), edited=list(ids["edited"]),
                      media={str(k): str(v) for k, v in media.items()})


# A stored page is one page of the preview (tens of KB); far more is not a page (a gzip bomb).
MAX_PAGE_BYTES = 32 * 1024 * 1024


def read_page(path: Path, inside: Path | None = None) -> str:
    """A stored page's HTML: a regular file inside the store, at most `MAX_PAGE_BYTES` once
    decompressed."""
    regular_file(path, inside=inside if inside is not None else path.parent)
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read(MAX_PAGE_BYTES + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(str(path), f"cannot read the stored page: {exc}") from None
    if len(data) > MAX_PAGE_BYTES:
        raise InputError(str(path), f"more than {MAX_PAGE_BYTES // 2**20} MB once decompressed: "
                         "not a stored page")
    return data.decode("utf-8", errors="replace")


def stored_messages(folder: Path, index: StoreIndex,
                    problems: list[tuple[str, str]] | None = None,
                    skipped: list[str] | None = None
                    ) -> tuple[dict[int, PreviewMessage], ChannelMeta]:
    """Every message of the store, the copy of the last page fetched winning (edits). What
    could not be read is added to `problems` ((page file, message)); `skipped` gets the page
    file once for each message widget that could not be read at all."""
    messages: dict[int, PreviewMessage] = {}
    meta = ChannelMeta()
    for name in index.pages:
        page = parse_page(read_page(folder / name, inside=folder), index.handle)
        if page.meta.name:
            meta = page.meta
        for msg in page.messages:
            messages[msg.id] = msg
        if problems is not None:
            problems.extend((str(folder / name), p) for p in page.problems)
        if skipped is not None:
            skipped.extend([str(folder / name)] * page.skipped)
    return messages, meta
