"""Browser fixtures: the site built from the seed channels, served on 127.0.0.1; the one
headless Debian Chromium of the session comes from tests/conftest.py.

Every page a test opens goes through `Visit`: it records every request and console message,
lets requests to the local server through and blocks (and remembers) any other host, so a
test can assert that the site is self-contained.
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from postdocs.cli import main as postdocs_main
from postdocs.config import load_project
from postdocs.model import Post
from postdocs.pipeline import Corpus, process
from postdocs.render.pages import render_post
from postdocs.urls.slugs import page_path, page_url

from ..conftest import ROOT, copy_project

AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
KATEX_JS = ROOT / "overrides" / "assets" / "vendor" / "katex" / "katex.min.js"
ARTIFACTS = ROOT / "test-artifacts"


PREFIX = "/postdocs/"  # served under a sub-path, as on GitHub Pages
# The seed site's search index in shards of this many pages (a site of 20,000 reviews has
# shards of 1,500): the search box merges several shards of one language, as it does there.
SHARD_PAGES = 60


def _build_site(out: Path, site_url: str, work: Path,
                add: Sequence[Sequence[str]] = ()) -> None:
    """`postdocs build` then `mkdocs build --strict` of a copy of the project (the work tree is
    not touched), into `out`, for the address it is served at: Material's instant navigation
    only follows links that its sitemap lists for that address. `add`: arguments of `postdocs
    add` for more channels (Desktop exports)."""
    assert KATEX_JS.is_file(), f"{KATEX_JS} missing: run `make vendor` (make test does)"
    root = copy_project(work, fonts=True)  # link-preview cards drawn too
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "\n  - postdocs\n" in text
    config.write_text(text.replace("\n  - postdocs\n", "\n  - postdocs:\n      "
                                   f"search_shard_pages: {SHARD_PAGES}\n"), encoding="utf-8")
    for args in add:
        assert postdocs_main(["--root", str(root), "add", *args]) == 0
    assert postdocs_main(["--root", str(root), "build", "--quiet"]) == 0
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true",
               POSTDOCS_SITE_URL=site_url)
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr}"


class _Handler(SimpleHTTPRequestHandler):
    prefix = "/"
    root = "."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=self.root, **kwargs)

    def translate_path(self, path: str) -> str:
        clean = unquote(urlsplit(path).path)
        if not clean.startswith(self.prefix):
            return str(Path(self.root) / "__outside_the_site__")
        return super().translate_path("/" + clean[len(self.prefix):])

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """A missing page gets the site's own 404 page, as a static host would serve it."""
        page = Path(self.root) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass(frozen=True)
class Server:
    base: str  # "http://127.0.0.1:PORT/postdocs/"
    host: str  # "127.0.0.1:PORT"
    root: Path  # the built site
    project: Path  # the copy of the project it was built from

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")


@contextlib.contextmanager
def serving(tmp_path_factory: pytest.TempPathFactory,
            add: Sequence[Sequence[str]] = ()) -> Iterator[Server]:
    """The site (with the channels `add` adds), built for and served at
    http://127.0.0.1:<free port>/postdocs/."""
    out = tmp_path_factory.mktemp("site")
    work = tmp_path_factory.mktemp("project")
    handler = type("SiteHandler", (_Handler,), {"prefix": PREFIX, "root": str(out)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = httpd.server_address[1]
    base = f"http://127.0.0.1:{port}{PREFIX}"
    try:
        _build_site(out, base, work, add)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield Server(base=base, host=f"127.0.0.1:{port}", root=out, project=work)
        httpd.shutdown()
    finally:
        httpd.server_close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The seed site, built for and served at http://127.0.0.1:<free port>/postdocs/."""
    with serving(tmp_path_factory) as served:
        yield served


@pytest.fixture(scope="session")
def built_site(server: Server) -> Path:
    return server.root


@dataclass
class Visit:
    """One browser context and page, with everything it asked for and everything it logged."""

    page: Any
    server: Server
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.server.url(path), wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return response

    def local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or parts.netloc == self.server.host


def _open_visit(browser: Any, server: Server, allow: dict[str, str] | None = None) -> Visit:
    """A fresh context. `allow` maps a foreign URL prefix to a stub body served in its place."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US",
                                  service_workers="block")
    page = context.new_page()
    visit = Visit(page=page, server=server)

    def route(r: Any) -> None:
        url = r.request.url
        if visit.local(url):
            r.continue_()
            return
        visit.foreign.append(url)
        for prefix, body in (allow or {}).items():
            if url.startswith(prefix):
                r.fulfill(status=200, content_type="text/html", body=body)
                return
        r.abort()

    context.route("**/*", route)
    context.on("request", lambda req: visit.requests.append(req.url))
    page.on("console", lambda msg: visit.console_errors.append(
        f"{msg.type}: {msg.text} ({page.url})") if msg.type == "error" else None)
    page.on("response", lambda resp: visit.console_errors.append(
        f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None)
    page.on("pageerror", lambda exc: visit.console_errors.append(f"pageerror: {exc} ({page.url})"))
    return visit


@contextlib.contextmanager
def visiting(browser: Any, server: Server) -> Iterator[Visit]:
    """A fresh browser context on `server`'s site, closed afterwards."""
    v = _open_visit(browser, server)
    try:
        yield v
    finally:
        v.page.context.close()


@pytest.fixture
def visit(browser: Any, server: Server) -> Iterator[Visit]:
    with visiting(browser, server) as v:
        yield v


@pytest.fixture
def open_visit(browser: Any, server: Server) -> Iterator[Any]:
    opened: list[Visit] = []

    def factory(allow: dict[str, str] | None = None) -> Visit:
        v = _open_visit(browser, server, allow)
        opened.append(v)
        return v

    yield factory
    for v in opened:
        v.page.context.close()


# --- the reviews the tests look at, found by what their seed input says -------------------


@pytest.fixture(scope="session")
def site_corpus(server: Server) -> Corpus:
    """The posts of the served site (read from the same copy of the project)."""
    return process(load_project(server.project))


def review_url(post: Post) -> str:
    """The review's address relative to the site root (directory URLs)."""
    return page_url(page_path(post))


def find_post(corpus: Corpus, channel: str, text: str) -> Post:
    """The one post of `channel` whose page holds `text` (a phrase read in the seed dump)."""
    found = [p for p in corpus.posts if p.channel == channel and text in render_post(p)]
    assert len(found) == 1, f"{len(found)} posts of {channel} contain {text!r}"
    return found[0]


# A Russian word and a Hebrew review's formula the seed reviews hold (found by text, never by
# position): the review pages most browser tests open.
RU_WORD = "нехилое"
HE_FORMULA = "p(T(I)) = I_T(p(I))"


@pytest.fixture(scope="module")
def ru_post(site_corpus: Corpus) -> Post:
    return find_post(site_corpus, "rizzearch", RU_WORD)


@pytest.fixture(scope="module")
def he_post(site_corpus: Corpus) -> Post:
    return find_post(site_corpus, "MathyAIwithMike", f"$${HE_FORMULA}$$")
@functools.cache
def axe_source() -> str:
    assert AXE_JS.is_file(), f"{AXE_JS} missing: run `make vendor` (make test does)"
    return AXE_JS.read_text(encoding="utf-8")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives the browser: marked `browser` even if its module forgets."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
