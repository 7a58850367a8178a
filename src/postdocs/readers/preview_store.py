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
    return StoreIndex(handle=str(data.get("handle") or ""), pages=list(pages),
                      complete=bool(data.get("complete")),
                      deleted=[int(x) for x in data.get("deleted") or []],
                      edited=[int(x) for x in data.get("edited") or []],
                      media={str(k): str(v) for k, v in dict(media).items()})


def read_page(path: Path) -> str:
    try:
        return gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(str(path), f"cannot read the stored page: {exc}") from None


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
        page = parse_page(read_page(folder / name), index.handle)
        if page.meta.name:
            meta = page.meta
        for msg in page.messages:
            messages[msg.id] = msg
        if problems is not None:
            problems.extend((str(folder / name), p) for p in page.problems)
        if skipped is not None:
            skipped.extend([str(folder / name)] * page.skipped)
    return messages, meta
