"""Shared fixtures: the repository root, the seed project, a copy of it to build, and the one
headless browser of the session."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from postdocs.config import Project, load_project
from postdocs.output.writer import load_manifest
from postdocs.pipeline import Corpus, process

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = ROOT / "content" / "channels"


def seed(name: str) -> Path:
    """The repository's copy of a seed dump, found by its file name under content/channels/
    (the tests need nothing beside the repository)."""
    found = sorted(CHANNELS.glob(f"*/{name}"))
    assert len(found) == 1, f"seed {name}: {found}"
    return found[0]


@pytest.fixture(scope="session")
def project() -> Project:
    return load_project(ROOT)


@pytest.fixture(scope="session")
def corpus(project: Project) -> Corpus:
    return process(project)


def copy_project(dest: Path, fonts: bool = False) -> Path:
    """The project's hand-written files (config, content, overrides) copied into `dest`, without
    the pages of earlier builds, so a test can build the site without touching the work tree.
    `fonts`: the vendored fonts too (`make vendor`), so the build draws link-preview cards."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", dest / "overrides")
    docs = ROOT / "content" / "docs"
    generated = {str(docs / p) for p in load_manifest(docs)}

    def skip(folder: str, names: list[str]) -> list[str]:
        return [n for n in names
                if n.startswith(".postdocs") or str(Path(folder) / n) in generated]

    shutil.copytree(ROOT / "content", dest / "content", ignore=skip)
    if fonts:
        shutil.copytree(ROOT / "vendor" / "fonts", dest / "vendor" / "fonts")
    return dest


def project_without_channels(root: Path) -> Path:
    """The project's configuration, look, taxonomy and hand-written pages in `root`, with no
    channel: the seeds' registry and fixes (permalinks.yml, overrides.yml) belong to the seeds,
    so a test project of other channels starts without them."""
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", root / "overrides")
    (root / "content" / "docs").mkdir(parents=True)
    for f in (ROOT / "content").glob("*.yml"):
        if f.name not in ("channels.yml", "permalinks.yml", "overrides.yml"):
            shutil.copy(f, root / "content" / f.name)
    for f in (ROOT / "content" / "docs").glob("*.md"):
        shutil.copy(f, root / "content" / "docs" / f.name)
    return root


def installed_browser() -> str:
    """The installed Chromium or Chrome (never a downloaded browser build): `CHROMIUM`, else
    the first found in the search order of scripts/find-browser (as `make test` passes it);
    "" if none."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    found = subprocess.run([str(ROOT / "scripts" / "find-browser")], capture_output=True,
                           text=True, check=False)
    return found.stdout.strip() if found.returncode == 0 else ""


# Without the background-networking flags Chromium tries to reach Google's hosts at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for every browser test (Playwright's sync API allows one driver
    per thread, and starting a browser costs seconds)."""
    from playwright.sync_api import sync_playwright

    chromium = installed_browser()
    assert chromium and Path(chromium).is_file(), (
        f"no browser ({chromium or 'none found'}): set CHROMIUM, or see `make browser`")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
    finally:
        pw.stop()


class _QuietFiles(SimpleHTTPRequestHandler):
    """Static files, no log lines; a browser that hangs up early is no error."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):
            super().handle()


@contextlib.contextmanager
def served(site: Path, port: int = 0) -> Iterator[str]:
    """A built site over HTTP on 127.0.0.1 (a real server: scripts, fonts and KaTeX load as on a
    host); its base URL. `port` 0: any free port."""
    server = ThreadingHTTPServer(("127.0.0.1", port),
                                 functools.partial(_QuietFiles, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()



def served_index(fetch: Any) -> dict[str, tuple[str, ...]]:
    """The search index a site serves (`fetch`: path → text or None): each language → the
    content hashes of its shards (each shard's Pagefind entry file); {} while it is not all
    there (made again meanwhile)."""
    try:
        index = json.loads(fetch("pagefind/postdocs-index.json") or "{}")
        out: dict[str, tuple[str, ...]] = {}
        for lang, entry in index.get("languages", {}).items():
            hashes = []
            for shard in entry["shards"]:
                own = json.loads(fetch(f"pagefind/{shard}/pagefind-entry.json") or "{}")
                hashes.append(str(own["languages"][lang]["hash"]))
            out[lang] = tuple(hashes)
    except (ValueError, KeyError, TypeError):
        return {}
    return out
