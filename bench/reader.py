"""What a reader pays, at 1×, 10×, 100× the seeds, measured in Chromium.

For each size: the corpus is generated (corpus.py), built as `make site` builds it (`postdocs
build`, `mkdocs build --strict`, which makes the search index), and served on 127.0.0.1. Then,
in Debian's headless Chromium (Playwright), each from an empty cache:

- opening one review from a shared link: bytes transferred (the review's own images aside),
  whether anything of search was asked for, and what of it was Material's `sitemap.xml` (its
  instant navigation downloads that file with the first page);
- following a link of that review to its channel page: whether instant navigation kept the
  document (no full page load) and the bytes it cost;
- a search query typed into the search box: bytes and time until the results are shown, for a
  first query (nothing of search loaded yet), a second query (another word) and the first word
  again (its chunks cached);
- the largest listing page (topic, channel, papers pages, home) in bytes of HTML;
- the time the search index adds to a build: what the build's own indexing step took (wall
  and CPU seconds, Pagefind's included), as the `postdocs` plugin logs it.

Bytes are what the network delivered (Chromium's DevTools protocol: `encodedDataLength` of
every finished request), from a local server that gzip-compresses text files as static hosts
do (GitHub Pages, Netlify, nginx with `gzip on`); the raw size of the files opened is given
beside. Results go to bench/reader-results.md.

    .venv/bin/python bench/reader.py --scales 1,10
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from corpus import make

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true",
       "PYTHONHASHSEED": "0"}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LISTINGS = ("channels", "topics", "papers")
QUERIES = ("Mamba", "диффузия", "Mamba")  # first, second (another language), first again
IMAGE = ("Image",)


@dataclass
class Result:
    scale: int
    reviews: int = 0
    build_s: float = 0.0
    index_s: float = 0.0  # what the index adds to the build: from the last page written
    index_all_s: float = 0.0  # from the first shard begun (while MkDocs writes pages) to the end
    index_cpu_s: float = 0.0  # Pagefind's user + system time
    load: float = 0.0  # the machine's 1-minute load average before the build
    index_mb: float = 0.0
    review_kb: float = 0.0
    review_raw_kb: float = 0.0
    review_search_requests: int = 0
    review_images_kb: float = 0.0
    review_sitemap_kb: float = 0.0  # of review_kb: sitemap.xml as delivered
    sitemap_pages_kb: tuple[float, float] = (0.0, 0.0)  # sitemap-pages.xml raw, gzip (crawlers)
    instant: bool = False  # following a link kept the document (Material's instant navigation)
    instant_kb: float = 0.0
    query_load: float = 0.0  # the load average when the queries started
    queries: list[tuple[str, float, float, int]] = field(default_factory=list)  # q, kB, ms, n
    largest_listing: tuple[str, float] = ("", 0.0)


_INDEX_LOG = re.compile(r"search index made in ([0-9.]+) s after the last page \(([0-9.]+) s "
                        r"since the first page, ([0-9.]+) CPU-s")


def build(project: Path) -> tuple[float, float, float, float]:
    """`make site`'s two steps, cold; returns their wall seconds, and the index's seconds after
    the last page, seconds since the first page and Pagefind's CPU seconds (from the plugin's
    log line: MkDocs' INFO level, so not `-q`)."""
    start = time.perf_counter()
    logged = ""
    for cmd in ([str(VENV_BIN / "postdocs"), "--root", str(project), "build", "-q"],
                [str(VENV_BIN / "mkdocs"), "build", "--strict"]):
        proc = subprocess.run(cmd, cwd=project, env=ENV, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
        logged += proc.stderr
    m = _INDEX_LOG.search(logged)
    if m is None:
        sys.exit("bench: the build did not log its search index step")
    return (time.perf_counter() - start, float(m.group(1)), float(m.group(2)),
            float(m.group(3)))


_COMPRESSED = (".html", ".css", ".js", ".json", ".xml", ".svg", ".txt")


class _Host(SimpleHTTPRequestHandler):
    """A static host as readers meet one: text files gzip-compressed when the browser accepts
    it (Pagefind's own files are compressed already and go as they are)."""

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if (path.suffix not in _COMPRESSED or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serving(site: Path) -> Iterator[str]:
    handler = functools.partial(_Host, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class Meter:
    """Bytes delivered to one page, by request, from Chromium's network events."""

    def __init__(self, page: Any) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        self.urls: dict[str, tuple[str, str]] = {}
        self.decoded: dict[str, int] = {}
        self.bytes: list[tuple[str, str, int]] = []  # url, type, bytes
        self.raw: list[int] = []  # the same requests' bytes after decompression
        self.cdp.on("Network.responseReceived", lambda e: self.urls.__setitem__(
            e["requestId"], (e["response"]["url"], e.get("type", ""))))
        self.cdp.on("Network.dataReceived", lambda e: self.decoded.__setitem__(
            e["requestId"], self.decoded.get(e["requestId"], 0) + int(e["dataLength"])))
        self.cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, e: dict[str, Any]) -> None:
        self.bytes.append((*self.urls.get(e["requestId"], ("?", "")),
                           int(e["encodedDataLength"])))
        self.raw.append(self.decoded.get(e["requestId"], 0))

    def mark(self) -> int:
        return len(self.bytes)

    def since(self, mark: int) -> list[tuple[str, str, int]]:
        return self.bytes[mark:]

    def raw_since(self, mark: int) -> int:
        return sum(self.raw[mark:])


def review_to_open(site: Path) -> str:
    """A review of median size among the Hebrew channel's (the seeds' largest channel)."""
    pages = sorted((p.stat().st_size, str(p.relative_to(site).parent))
                   for p in (site / "reviews" / "MathyAIwithMike").glob("*/index.html"))
    return pages[len(pages) // 2][1] + "/"


def largest_listing(site: Path) -> tuple[str, float]:
    sizes = [(p.stat().st_size, str(p.relative_to(site)))
             for folder in LISTINGS for p in (site / folder).rglob("index.html")]
    sizes.append(((site / "index.html").stat().st_size, "index.html"))
    size, name = max(sizes)
    return name, size / 1024


_TIME_QUERY = """async (q) => {
    const box = document.querySelector('[data-postdocs-search]');
    const input = document.querySelector('input.md-search__input');
    const list = document.querySelector('.md-search-result__list');
    box.removeAttribute('data-shown');
    const start = performance.now();
    input.value = q;
    input.dispatchEvent(new Event('input', {bubbles: true}));
    while (box.dataset.shown !== q) await new Promise(r => setTimeout(r, 2));
    return [performance.now() - start, list.children.length];
}"""


def measure_reader(res: Result, site: Path, base: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844},
                                          service_workers="block")
            page = context.new_page()
            meter = Meter(page)
            page.goto(base + review_to_open(site), wait_until="load")
            page.wait_for_load_state("networkidle")
            opened = meter.since(0)
            res.review_kb = sum(b for _, kind, b in opened if kind not in IMAGE) / 1024
            res.review_raw_kb = meter.raw_since(0) / 1024
            res.review_images_kb = sum(b for _, kind, b in opened if kind in IMAGE) / 1024
            res.review_search_requests = sum(1 for url, _, _ in opened if "pagefind" in url)
            res.review_sitemap_kb = sum(b for url, _, b in opened
                                        if url.endswith("/sitemap.xml")) / 1024
            page.evaluate("() => { window.__postdocsBench = 1; }")  # lost on a full load
            mark = meter.mark()
            page.click(".postdocs-review-header a[href*='/channels/']")
            page.wait_for_url("**/channels/**")
            page.wait_for_load_state("networkidle")
            res.instant = bool(page.evaluate("() => window.__postdocsBench === 1"))
            res.instant_kb = sum(b for _, _, b in meter.since(mark)) / 1024
            page.go_back()
            page.wait_for_load_state("networkidle")
            page.set_viewport_size({"width": 1280, "height": 900})
            page.keyboard.press("/")
            page.wait_for_function(
                "() => document.activeElement.matches('input.md-search__input')")
            mark = meter.mark()
            res.query_load = os.getloadavg()[0]
            for q in QUERIES:
                ms, shown = page.evaluate(_TIME_QUERY, q)
                page.wait_for_load_state("networkidle")
                got = meter.since(mark)
                mark = meter.mark()
                res.queries.append((q, sum(b for _, _, b in got) / 1024, ms, int(shown)))
            context.close()
        finally:
            browser.close()


def report(results: list[Result]) -> str:
    lines = ["| size | reviews | open a review (kB) | of it sitemap.xml | search requests on "
             "opening | link followed: instant, kB | "
             + " | ".join(f"query {i + 1} «{q}» kB / ms" for i, q in enumerate(QUERIES))
             + " | largest listing page | index: s after the last page, s in all (Pagefind "
             "CPU s) | index MB | sitemap-pages.xml "
             "kB (gzip) | full build s | load at build, queries |",
             "|---|---|---|---|---|---|" + "---|" * len(QUERIES) + "---|---|---|---|---|---|"]
    for r in results:
        cells = [f"{kb:.0f} kB / {ms:.0f} ms" for _, kb, ms, _ in r.queries]
        lines.append(
            f"| {r.scale}× | {r.reviews:,} | {r.review_kb:.0f} ({r.review_raw_kb:.0f}) | "
            f"{r.review_sitemap_kb:.1f} kB | {r.review_search_requests} | "
            f"{'yes' if r.instant else 'NO'}, {r.instant_kb:.0f} kB | "
            + " | ".join(cells)
            + f" | {r.largest_listing[1]:.0f} kB ({r.largest_listing[0]}) | {r.index_s:.1f}, "
            f"{r.index_all_s:.1f} ({r.index_cpu_s:.1f}) | {r.index_mb:.1f} | "
            f"{r.sitemap_pages_kb[0]:.0f} "
            f"({r.sitemap_pages_kb[1]:.0f}) | {r.build_s:.1f} | {r.load:.1f}, "
            f"{r.query_load:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scales", default="1,10,100")
    ap.add_argument("--work", type=Path, default=Path("/tmp/postdocs-reader-bench"))
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "reader-results.md")
    args = ap.parse_args()
    from postdocs.readers import READERS

    results = []
    for scale in (int(s) for s in args.scales.split(",")):
        print(f"{scale}×: generating corpus", flush=True)
        project = args.work / f"{scale}x"
        make(ROOT, project, scale, json_format="telegram-json" in READERS)
        res = Result(scale=scale, load=os.getloadavg()[0])
        shutil.rmtree(project / ".postdocs-cache", ignore_errors=True)  # a cold build
        res.build_s, res.index_s, res.index_all_s, res.index_cpu_s = build(project)
        site = project / "site"
        res.reviews = sum(1 for _ in (site / "reviews").glob("*/*/index.html"))
        res.index_mb = sum(p.stat().st_size for p in (site / "pagefind").rglob("*")
                           if p.is_file()) / 1e6
        res.largest_listing = largest_listing(site)
        pages_map = (site / "sitemap-pages.xml").read_bytes()
        res.sitemap_pages_kb = (len(pages_map) / 1024, len(gzip.compress(pages_map, 6)) / 1024)
        with serving(site) as base:
            measure_reader(res, site, base)
        results.append(res)
        print(report(results), flush=True)
        write(args.out, results)  # after each size: a long run stopped early keeps the others
    print(f"written to {args.out}")
    return 0


def write(out: Path, results: list[Result]) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    out.write_text(
        f"# What a reader pays\n\nRun {stamp} at commit {commit} on {os.cpu_count()} cores "
        "(`bench/reader.py`). "
        "Bytes as delivered by a server that gzip-compresses text files (raw file sizes in "
        "parentheses); the review opened is the median-"
        "size Hebrew review, on a 390 px wide screen; queries are typed into the search box "
        "of that page one after another (times from the keystroke until the results are "
        "shown, the box's 50 ms typing pause included). *index*: the plugin indexes the "
        "search shards while MkDocs writes the pages; *s after the last page* is what it adds "
        "to the build, *s in all* the time from the first page written to the index's end. "
        "*sitemap-pages.xml*: the list of every "
        "page, for search engines only (readers download `sitemap.xml`, an index of it). "
        "*load*: the machine's load average when the size's build started and when the "
        "queries started (2 cores shared with other work: wall times grow with it; the "
        "index's CPU time does not).\n\n" + report(results),
        encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
