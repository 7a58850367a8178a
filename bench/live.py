"""Live preview as `make serve` runs it, driven from outside: used by the benchmark and a test.

`LivePreview` starts the two processes `make serve` starts on a project folder — `postdocs
watch` and `mkdocs serve --dirty` on a free local port — waits until the site is served, and
always stops both (Ctrl-C first, so MkDocs removes its temporary site folder; then a kill).
`measure_one_post` edits one line of one input several times and times each edit until the
served page of the edited review shows it: the one-post-changed rebuild a writer waits for.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

# Unbuffered: the logs are read while the processes run (each rebuild's reported time).
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true",
       "PYTHONHASHSEED": "0", "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ctrl_c_works() -> None:
    """In the child: Ctrl-C raises KeyboardInterrupt even if this run started with SIGINT
    ignored (a background job of a non-interactive shell), so MkDocs cleans up on SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _peak_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(m.group(1)) if m else 0


def _site_mount(project: Path) -> str:
    """The path MkDocs serves the site under: the path of `site_url` (mkdocs.yml's default,
    or POSTDOCS_SITE_URL as mkdocs.yml reads it)."""
    m = re.search(r"^site_url:.*?\"(https?://[^\"]+)\"", (project / "mkdocs.yml").read_text(
        encoding="utf-8"), re.M)
    url = os.environ.get("POSTDOCS_SITE_URL") or (m.group(1) if m else "/")
    path = urlsplit(url).path
    return path if path.endswith("/") else path + "/"


class LivePreview:
    """`postdocs watch` + `mkdocs serve --dirty` on `project`, as `make serve` runs them."""

    def __init__(self, project: Path, bin_dir: Path, *, debounce: float | None = None) -> None:
        self.project = project
        self.bin_dir = bin_dir
        self.debounce = debounce
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}{_site_mount(project)}"
        self.tmp = Path(tempfile.mkdtemp(prefix="postdocs-live-"))
        self.watch_log = self.tmp / "watch.log"
        self.serve_log = self.tmp / "serve.log"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.peak_kb = 0
        self.peaks_kb: dict[str, int] = {}  # "postdocs" / "mkdocs" → its peak resident size

    def __enter__(self) -> LivePreview:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _spawn(self, cmd: list[str], log: Path, env: dict[str, str]) -> None:
        with log.open("wb") as out:
            self.procs.append(subprocess.Popen(
                cmd, cwd=self.project, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_ctrl_c_works))

    def _start(self) -> None:
        watch = [str(self.bin_dir / "postdocs"), "--root", str(self.project), "watch"]
        if self.debounce is not None:
            watch += ["--interval", str(self.debounce)]
        self._spawn(watch, self.watch_log, ENV)
        # MkDocs serves from a folder made by tempfile: keep it in ours, removed in close().
        self._spawn([str(self.bin_dir / "mkdocs"), "serve", "--dirty", "--no-strict", "-a",
                     f"127.0.0.1:{self.port}", "-f", str(self.project / "mkdocs.yml")],
                    self.serve_log, {**ENV, "TMPDIR": str(self.tmp)})

    def wait_ready(self, timeout: float) -> None:
        """Until the site is served and the watcher watches (MkDocs first builds the site)."""
        self._until(lambda: "watching" in self.log("watch") and self.fetch("") is not None,
                    timeout, "the site to be served")

    def log(self, which: str) -> str:
        log = self.watch_log if which == "watch" else self.serve_log
        return log.read_text(encoding="utf-8", errors="replace")

    def fetch(self, url: str) -> str | None:
        """The served text at `url` (relative to the site), None while it is not there."""
        try:
            with urllib.request.urlopen(self.base + url, timeout=600) as r:
                return str(r.read().decode("utf-8"))
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None

    def _until(self, ready: Callable[[], bool], timeout: float, what: str,
               step: float = 0.05) -> None:
        end = time.monotonic() + timeout
        while not ready():
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"{p.args[0]} exited ({p.returncode}) while waiting for "
                                       f"{what}:\n{self.log('watch')[-3000:]}\n"
                                       f"{self.log('serve')[-3000:]}")
            if time.monotonic() > end:
                raise TimeoutError(f"no {what} after {timeout:.0f} s:\n"
                                   f"{self.log('watch')[-3000:]}\n{self.log('serve')[-3000:]}")
            time.sleep(step)

    def wait_served(self, url: str, text: str, timeout: float) -> None:
        self._until(lambda: text in (self.fetch(url) or ""), timeout, f"'{text}' at {url}")

    def close(self) -> None:
        """Ctrl-C to both, a kill for whatever is left after 20 s; then remove the logs."""
        for p in self.procs:
            name = Path(str(p.args[0])).name
            self.peaks_kb[name] = max(self.peaks_kb.get(name, 0), _peak_kb(p.pid))
            self.peak_kb = max(self.peak_kb, self.peaks_kb[name])
        for p in self.procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGINT)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def change_one_post(project: Path, marker: str) -> None:
    """Edit one line of one input, as an author fixing a typo would: append `marker`."""
    channels = sorted((project / "content" / "channels").rglob("*.txt"))
    target = channels[len(channels) // 2]
    lines = target.read_text(encoding="utf-8").split("\n")
    idx = next(i for i, line in enumerate(lines) if len(line) > 80)
    lines[idx] = lines[idx] + f" ({marker})"
    target.write_text("\n".join(lines), encoding="utf-8")


def _page_with(docs: Path, marker: str) -> str | None:
    """The review page whose own text holds `marker`: not a page that merely lists the edited
    review (its cross-link lists are HTML lines, and may drop it after the next edit)."""
    for page in sorted((docs / "reviews").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        if marker in text and any(marker in line for line in text.split("\n")
                                  if not line.startswith("<")):
            return page.relative_to(docs).as_posix()
    return None


@dataclass
class LiveTimes:
    """Seconds per edit until served, and the parts the two processes report per rebuild."""

    total: list[float] = field(default_factory=list)
    postdocs: list[float] = field(default_factory=list)
    mkdocs: list[float] = field(default_factory=list)
    peak_kb: int = 0
    peaks_kb: dict[str, int] = field(default_factory=dict)  # per process: postdocs, mkdocs

    def median(self, which: str) -> float:
        values: list[float] = getattr(self, which)
        return statistics.median(values) if values else float("nan")


def _reported(log: str, pattern: str) -> list[float]:
    return [float(x) for x in re.findall(pattern, log)]


def measure_one_post(project: Path, bin_dir: Path, runs: int, *,
                     timeout: float = 3600) -> LiveTimes:
    """Median-ready times of `runs` one-line edits, each until the served page shows it."""
    times = LiveTimes()
    label = f"edit {uuid.uuid4().hex[:8]}"  # new to the page, whatever earlier runs appended
    with LivePreview(project, bin_dir) as lp:
        lp.wait_ready(timeout)
        # Not timed: find the edited review's page (and let the first rebuild settle).
        change_one_post(project, f"{label} 0")
        docs = project / "content" / "docs"
        found: list[str] = []

        def page_found() -> bool:
            if "postdocs: error" in lp.log("watch"):
                raise RuntimeError(f"the watcher failed:\n{lp.log('watch')[-3000:]}")
            if "postdocs: rebuilt in" in lp.log("watch"):
                page = _page_with(docs, f"({label} 0)")
                if page:
                    found.append(page)
                    return True
            return False

        lp._until(page_found, timeout, "the edited page")
        url = found[0].removesuffix(".md") + "/"
        lp.wait_served(url, f"({label} 0)", timeout)
        watch_seen, serve_seen = len(lp.log("watch")), len(lp.log("serve"))
        for n in range(1, runs + 1):
            time.sleep(0.5)  # a writer does not save twice within half a second
            start = time.perf_counter()
            change_one_post(project, f"{label} {n}")
            lp.wait_served(url, f"({label} {n})", timeout)
            times.total.append(time.perf_counter() - start)
        watch, serve = lp.log("watch")[watch_seen:], lp.log("serve")[serve_seen:]
        times.postdocs = _reported(watch, r"postdocs: rebuilt in ([\d.]+) s")
        times.mkdocs = _reported(serve, r"Documentation built in ([\d.]+) seconds")
    times.peak_kb = lp.peak_kb
    times.peaks_kb = dict(lp.peaks_kb)
    return times
