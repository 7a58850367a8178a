"""Fetching a channel's public web preview (`https://t.me/s/<handle>`) into its store folder.

The store (`content/channels/<handle>/preview/`) holds the pages as served, gzip-compressed
(`pages/000001.html.gz` …, `mtime` 0 so the same page gives the same bytes), and `index.json`
(the pages in the order fetched, whether the history is complete, edited and deleted message
ids, downloaded photos). Every file is written to a temporary name and renamed into place
(`os.replace`), the page before the index that lists it: an interrupted fetch loses nothing and
the next one goes on from the oldest message stored. A page is stored only when it brings a new,
edited or deleted message (views and reactions alone change every day).

Fetching is polite: a User-Agent naming the project, one request per `delay` seconds, the
`Retry-After` of a 429 honoured, exponential back-off on 5xx answers, timeouts and refused
connections; redirects are not followed (the service redirects `/s/<handle>` to `/<handle>`
for a channel without a public preview).
"""

from __future__ import annotations

import email.utils
import gzip
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .. import __version__
from ..errors import PostdocsError
from ..readers.preview_page import PreviewMessage, PreviewPage, parse_page
from ..readers.preview_store import INDEX, StoreIndex, is_store, load_index, stored_messages

DEFAULT_BASE_URL = "https://t.me"
BASE_URL_ENV = "POSTDOCS_TELEGRAM_BASE_URL"
USER_AGENT = (f"postdocs/{__version__} (builds a documentation site from a Telegram channel's "
              "public posts; one request per second)")
MAX_RETRY_AFTER = 600.0  # seconds; a longer Retry-After is an error, not a wait
PREVIEW_URL_RE = re.compile(r"^(?P<base>https?://[^/?#\s]+(?:/[^?#\s]*?)?)/s/"
                            r"(?P<handle>[A-Za-z0-9_]{1,64})/?(?:[?#].*)?$")


class TooLarge(Exception):
    """A download stopped at the size cap: `size` bytes declared or received so far."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class FetchError(PostdocsError):
    """The preview could not be fetched (offline, unknown or private channel, server refusing)."""

    exit_code = 7


@dataclass(frozen=True)
class FetchOptions:
    base_url: str = DEFAULT_BASE_URL
    delay: float = 1.0  # seconds between two requests
    timeout: float = 20.0  # seconds per request
    retries: int = 4  # further attempts after a 429, a 5xx, a timeout, a refused connection
    backoff: float = 2.0  # first wait after a failure; doubles with each further one
    recheck: int = 10  # the newest N stored messages are compared again (edits, deletions)
    media: bool = False  # download the photos of fetched posts
    media_max_bytes: int = 5_000_000
    progress: bool | None = None  # None: a progress bar when stderr is a terminal


@dataclass
class FetchReport:
    handle: str
    requests: int = 0
    pages_stored: int = 0
    new: int = 0
    edited: int = 0
    deleted: int = 0
    photos: int = 0
    complete: bool = False
    warnings: list[str] = field(default_factory=list)


def base_url(option: str | None) -> str:
    """`--base-url`, else the environment variable, else https://t.me (no trailing slash)."""
    value = option or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    if not re.match(r"^https?://[^\s/]+", value):
        raise FetchError(f"base URL {value!r} is not an http(s) address")
    return value.rstrip("/")


def parse_preview_url(url: str) -> tuple[str, str] | None:
    """`https://t.me/s/<handle>` → (base, handle); None for anything else."""
    m = PREVIEW_URL_RE.match(url.strip())
    return (m.group("base"), m.group("handle")) if m else None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class Client:
    """GET with the project's manners (see the module's docstring)."""

    def __init__(self, opts: FetchOptions, sleep: Callable[[float], None] = time.sleep) -> None:
        self.opts = opts
        self.sleep = sleep
        self.requests = 0
        self._last = 0.0
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept-Language": "en"},
            timeout=httpx.Timeout(opts.timeout), follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pace(self) -> None:
        wait = self._last + self.opts.delay - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last = time.monotonic()

    def _capped(self, url: str, max_bytes: int) -> httpx.Response:
        with self._http.stream("GET", url) as r:
            declared = r.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise TooLarge(int(declared))
            body = bytearray()
            for chunk in r.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise TooLarge(len(body))
            return httpx.Response(r.status_code, headers=r.headers, content=bytes(body),
                                  request=r.request)

    def get(self, url: str, what: str, max_bytes: int | None = None) -> httpx.Response:
        """The response to a GET of `url` (2xx or 3xx); FetchError once retries are spent.
        `max_bytes`: the body is streamed and the download stopped (`TooLarge`) as soon as it
        is known to be larger (its Content-Length, or the bytes received so far)."""
        problem = ""
        wait = 0.0
        for attempt in range(self.opts.retries + 1):
            if attempt:
                self.sleep(wait)
            self._pace()
            self.requests += 1
            try:
                r = self._http.get(url) if max_bytes is None else self._capped(url, max_bytes)
            except httpx.TimeoutException:
                problem = f"no answer within {self.opts.timeout:g} s"
            except httpx.ConnectError as exc:
                problem = f"cannot connect ({_reason(exc)}); offline?"
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {_reason(exc)}"
            else:
                if r.status_code < 400:
                    return r
                if r.status_code == 429:
                    after = _retry_after(r.headers.get("Retry-After"))
                    if after is not None and after > MAX_RETRY_AFTER:
                        raise FetchError(f"{what}: the server asks to wait {after:.0f} s (429 "
                                         "Too Many Requests); try again later")
                    problem = "429 Too Many Requests"
                    if attempt < self.opts.retries:
                        wait = after if after is not None else self.opts.backoff * 2 ** attempt
                        continue
                elif r.status_code == 404:
                    raise FetchError(f"{what}: not found (404)")
                elif r.status_code >= 500:
                    problem = f"server error {r.status_code}"
                else:
                    raise FetchError(f"{what}: HTTP {r.status_code}")
            wait = self.opts.backoff * 2 ** attempt
        raise FetchError(f"{what}: {problem} (gave up after {self.opts.retries + 1} attempts)")


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def page_url(base: str, handle: str, before: int | None) -> str:
    return f"{base}/s/{handle}" + (f"?before={before}" if before is not None else "")


def fetch_page(client: Client, base: str, handle: str, before: int | None) -> tuple[str,
                                                                                      PreviewPage]:
    url = page_url(base, handle, before)
    r = client.get(url, url)
    if 300 <= r.status_code < 400:
        target = r.headers.get("Location", "")
        raise FetchError(f"{url}: @{handle} has no public web preview (redirected to "
                         f"{target or 'another page'}): the channel does not exist, is private, "
                         "or its owner turned the preview off")
    html = r.text
    page = parse_page(html, handle)
    if not page.has_history:
        raise FetchError(f"{url}: @{handle} has no public web preview (the page shows no "
                         "message history): the channel does not exist or is private")
    return html, page


# --- the store ---------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename: all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Store:
    """A channel's store folder: pages and index, each written atomically."""

    def __init__(self, folder: Path, handle: str) -> None:
        self.folder = folder
        self.index = load_index(folder) if is_store(folder) else StoreIndex(handle=handle)
        if self.index.handle and self.index.handle.lower() != handle.lower():
            raise FetchError(f"{folder}: holds the pages of @{self.index.handle}, not @{handle}")
        self.index.handle = self.index.handle or handle
        self.messages, _ = stored_messages(folder, self.index) if self.index.pages else ({}, None)

    def add_page(self, html: str) -> str:
        name = f"pages/{len(self.index.pages) + 1:06d}.html.gz"
        write_atomic(self.folder / name, gzip.compress(html.encode("utf-8"), mtime=0))
        self.index.pages.append(name)
        self.save()
        return name

    def save(self) -> None:
        write_atomic(self.folder / INDEX, self.index.dumps().encode("utf-8"))


class _Progress:
    """Messages and pages done, rate and ETA (tqdm), on a terminal only."""

    def __init__(self, enabled: bool, handle: str) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(desc=f"@{handle}", unit=" msg", file=sys.stderr, dynamic_ncols=True,
                            leave=False)
        self.pages = 0

    def update(self, messages: int, total: int | None = None) -> None:
        self.pages += 1
        if self.bar is None:
            return
        if total is not None and self.bar.total is None:
            self.bar.total = total
        self.bar.update(messages)
        self.bar.set_postfix(pages=self.pages)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _compare(store: Store, page: PreviewPage, report: FetchReport, newest: bool = False) -> bool:
    """Record what the page changes; True when it must be stored. A stored message inside the
    page's range of ids (on the newest page: anything after its first id) that the page lacks
    was deleted."""
    index = store.index
    ids = {m.id for m in page.messages}
    fresh: dict[int, PreviewMessage] = {m.id: m for m in page.messages}
    new = [i for i in ids if i not in store.messages]
    edited = [i for i in ids if i in store.messages
              and store.messages[i].content_key() != fresh[i].content_key()]
    gone: list[int] = []
    if ids:
        low, high = min(ids), max(ids)
        if newest and store.messages:
            high = max(high, max(store.messages))
        gone = [i for i in store.messages if low <= i <= high and i not in ids
                and i not in index.deleted]
    back = [i for i in ids if i in index.deleted]
    report.new += len(new)
    report.edited += len(edited)
    report.deleted += len(gone)
    index.edited = sorted(set(index.edited) | set(edited))
    index.deleted = sorted((set(index.deleted) | set(gone)) - set(back))
    store.messages.update(fresh)
    return bool(new or edited or gone or back)


def fetch_channel(folder: Path, handle: str, opts: FetchOptions,
                  client: Client | None = None) -> FetchReport:
    """New messages from the newest stored on (and the newest `recheck` again), then, while the
    history is incomplete, older pages from the oldest stored back to the first message."""
    base = base_url(opts.base_url)
    store = Store(folder, handle)
    report = FetchReport(handle=handle)
    own = client is None
    http = client or Client(opts)
    show = opts.progress if opts.progress is not None else sys.stderr.isatty()
    progress = _Progress(show, handle)
    try:
        known = sorted(store.messages)
        threshold: int | None = None
        if known:
            threshold = known[-opts.recheck] if 0 < opts.recheck <= len(known) else (
                known[0] if opts.recheck > 0 else known[-1])
        before: int | None = None
        reached_first = False
        while True:  # forward: what is new, and the newest `recheck` messages again
            html, page = fetch_page(http, base, handle, before)
            report.warnings += [f"{page_url(base, handle, before)}: {p}" for p in page.problems]
            ids = sorted(m.id for m in page.messages)
            if before is None and ids:
                progress.update(0, total=ids[-1] - (known[-1] if known else 0))
            if _compare(store, page, report, newest=before is None):
                store.add_page(html)
                report.pages_stored += 1
            progress.update(len(ids))
            if not ids or page.before is None:
                reached_first = True
                break
            if threshold is not None and ids[0] <= threshold:
                break
            if before is not None and page.before >= before:
                raise FetchError(f"{page_url(base, handle, before)}: the next page would not be "
                                 f"older (before={page.before}); the server does not page back")
            before = page.before
        if reached_first and not store.index.complete:
            store.index.complete = True
            store.save()
        while not store.index.complete:  # backward: the history not stored yet
            oldest = min(store.messages) if store.messages else None
            html, page = fetch_page(http, base, handle, oldest)
            report.warnings += [f"{page_url(base, handle, oldest)}: {p}" for p in page.problems]
            if _compare(store, page, report):
                store.add_page(html)
                report.pages_stored += 1
            progress.update(len(page.messages))
            if not page.messages or page.before is None or (
                    oldest is not None and min(m.id for m in page.messages) >= oldest):
                store.index.complete = True
                store.save()
        if opts.media:
            report.photos = _download_photos(store, http, opts, report)
    finally:
        progress.close()
        report.requests = http.requests
        if own:
            http.close()
    report.complete = store.index.complete
    return report


def _give_up(store: Store, key: str) -> None:
    """A photo that cannot be shown (too large, not an image, gone) is not asked for again: the
    page links the post instead."""
    store.index.media[key] = ""
    store.save()


_IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
                "image/gif": "gif"}


def _download_photos(store: Store, client: Client, opts: FetchOptions,
                     report: FetchReport) -> int:
    """The photos of stored messages not downloaded yet, each at most `media_max_bytes`."""
    done = 0
    for mid in sorted(store.messages):
        msg = store.messages[mid]
        for n, att in enumerate(msg.attachments, start=1):
            key = f"{mid}-{n}"
            if att.kind != "photo" or key in store.index.media or not att.url:
                continue
            url = ("https:" + att.url) if att.url.startswith("//") else att.url
            if urlsplit(url).scheme not in ("http", "https"):
                continue
            try:
                r = client.get(url, f"photo of message {mid}", max_bytes=opts.media_max_bytes)
            except TooLarge as big:
                report.warnings.append(f"photo of message {mid}: {big.size} bytes or more, over "
                                       f"the {opts.media_max_bytes}-byte cap; linked instead")
                _give_up(store, key)
                continue
            except FetchError as exc:
                report.warnings.append(str(exc))
                if "404" in str(exc):
                    _give_up(store, key)
                continue
            kind = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
            ext = _IMAGE_TYPES.get(kind)
            if r.status_code != 200 or ext is None:
                report.warnings.append(f"photo of message {mid}: not an image ({kind or '?'}); "
                                       "linked instead")
                _give_up(store, key)
                continue
            name = f"media/{key}.{ext}"
            write_atomic(store.folder / name, r.content)
            store.index.media[key] = name
            store.save()
            done += 1
    return done
