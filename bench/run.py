"""`make bench`: postdocs against tg-archive and Hugo on synthetic corpora at 1×, 10×, 100×.

For each size: preprocessing alone (posts/s, MB/s), a full `make site`-equivalent build, a
no-change rebuild, a one-post-changed rebuild in live preview (`live.py`: `postdocs watch` +
`mkdocs serve --dirty` running as `make serve` runs them; one line of one input edited, timed
until the served page shows the edit), peak memory (`/usr/bin/time -v`; the live preview's two
processes by their peak RSS), the two reference builds on the same posts, and the floor of
any MkDocs + Material site of that many pages (one-line pages, no postdocs). Several runs,
median reported. Results go to bench/results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from corpus import make
from live import measure_one_post

from postdocs.config import load_project
from postdocs.pipeline import process

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true",
       "PYTHONHASHSEED": "0"}


@dataclass
class Timing:
    seconds: float
    max_rss_kb: int


@dataclass
class SizeResult:
    scale: int
    posts: int = 0
    mbytes: float = 0.0
    t: dict[str, list[float]] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)

    def med(self, key: str) -> float:
        return statistics.median(self.t[key]) if self.t.get(key) else float("nan")

    def add(self, key: str, timing: Timing) -> None:
        self.t.setdefault(key, []).append(timing.seconds)
        self.rss[key] = max(self.rss.get(key, 0), timing.max_rss_kb)


def run(cmd: list[str], cwd: Path) -> Timing:
    """Run a command under /usr/bin/time -v; return wall seconds and peak RSS. The disk is
    settled first (`sync`, not timed): otherwise the previous step's writes (a site of up to
    1.5 GB, removed or copied) are flushed during the timed run, on this kind of machine
    making each new file several times slower to create, for whichever tool runs next."""
    os.sync()
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, env=ENV,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: command failed ({proc.returncode}): {' '.join(cmd)}\n"
                 f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return Timing(seconds, int(m.group(1)) if m else 0)


def reset(project: Path, pristine: Path) -> None:
    shutil.rmtree(project / "content" / "docs", ignore_errors=True)
    shutil.copytree(pristine, project / "content" / "docs")
    shutil.rmtree(project / "site", ignore_errors=True)
    shutil.rmtree(project / ".postdocs-cache", ignore_errors=True)  # a full build starts cold


def bench_postdocs(project: Path, res: SizeResult, runs: int) -> None:
    postdocs = [str(VENV_BIN / "postdocs"), "--root", str(project), "build", "-q"]
    mkdocs = [str(VENV_BIN / "mkdocs"), "build", "--strict", "-q", "-f",
              str(project / "mkdocs.yml")]
    pristine = project.parent / f"{project.name}-docs-pristine"
    if not pristine.exists():
        shutil.copytree(project / "content" / "docs", pristine)
    for n in range(runs):
        reset(project, pristine)
        pre = run(postdocs, project)
        res.add("preprocess", pre)
        mk = run(mkdocs, project)
        res.add("mkdocs", mk)
        res.add("full", Timing(pre.seconds + mk.seconds, max(pre.max_rss_kb, mk.max_rss_kb)))
        a, b = run(postdocs, project), run(mkdocs, project)
        res.add("nochange", Timing(a.seconds + b.seconds, max(a.max_rss_kb, b.max_rss_kb)))
        print(f"  run {n + 1}: preprocess {pre.seconds:.2f}s, full {pre.seconds + mk.seconds:.2f}s,"
              f" no-change {a.seconds + b.seconds:.2f}s", flush=True)


def bench_live(project: Path, res: SizeResult, runs: int) -> None:
    """The one-post rebuild as `make serve` does it (see live.py), with what each side took."""
    times = measure_one_post(project, VENV_BIN, runs)
    res.t["onepost"] = times.total
    res.t["live_postdocs"] = times.postdocs
    res.t["live_mkdocs"] = times.mkdocs
    res.rss["live"] = times.peak_kb
    res.rss["live_postdocs"] = times.peaks_kb.get("postdocs", 0)
    res.rss["live_mkdocs"] = times.peaks_kb.get("mkdocs", 0)
    print(f"  live preview, one post changed: {' '.join(f'{t:.2f}s' for t in times.total)} "
          f"(postdocs {times.median('postdocs'):.2f}s, MkDocs {times.median('mkdocs'):.2f}s)",
          flush=True)


def bench_tgarchive(project: Path, ref_bin: Path, work: Path, res: SizeResult, runs: int) -> None:
    corpus = process(load_project(project))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    subprocess.run([str(ref_bin / "tg-archive"), "--new", "--path", "site-src"], cwd=work,
                   env=ENV, check=True, capture_output=True)
    src = work / "site-src"
    base = dt.datetime(2023, 1, 1)
    rows = []
    for i, p in enumerate(corpus.posts):
        when = dt.datetime.combine(p.date, dt.time()) if p.date else base + dt.timedelta(hours=i)
        rows.append(json.dumps({"id": i + 1, "date": when.isoformat(),
                                "content": p.title + "\n\n" + p.text}, ensure_ascii=False))
    subprocess.run([str(ref_bin / "python"), str(ROOT / "bench" / "tgarchive_fill.py"),
                    str(src / "data.sqlite")], input="\n".join(rows), text=True, check=True,
                   env=ENV, cwd=src)
    config = (src / "config.yaml").read_text(encoding="utf-8")
    config = re.sub(r"^group:.*$", 'group: "bench"', config, flags=re.M)
    (src / "config.yaml").write_text(config, encoding="utf-8")
    for _ in range(runs):
        shutil.rmtree(src / "site", ignore_errors=True)
        res.add("tgarchive", run([str(ref_bin / "tg-archive"), "--build", "-c", "config.yaml",
                                  "-d", "data.sqlite"], src))


HUGO_LAYOUT = """<!doctype html><html lang="{{ .Site.Language.Lang }}"><head><meta charset="utf-8">
<title>{{ .Title }}</title></head><body><nav><a href="{{ .Site.Home.RelPermalink }}">home</a></nav>
<main><h1>{{ .Title }}</h1>{{ .Content }}
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</main></body></html>
"""


def bench_hugo(project: Path, ref_bin: Path, work: Path, res: SizeResult, runs: int) -> None:
    if work.exists():
        shutil.rmtree(work)
    (work / "layouts" / "_default").mkdir(parents=True)
    for name in ("single.html", "list.html"):
        (work / "layouts" / "_default" / name).write_text(HUGO_LAYOUT, encoding="utf-8")
    (work / "layouts" / "index.html").write_text(HUGO_LAYOUT, encoding="utf-8")
    (work / "hugo.toml").write_text(
        'baseURL = "http://127.0.0.1/"\ntitle = "bench"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n'
        "[markup.goldmark.renderer]\nunsafe = false\n", encoding="utf-8")
    shutil.copytree(project / "content" / "docs" / "reviews", work / "content" / "reviews")
    for _ in range(runs):
        shutil.rmtree(work / "public", ignore_errors=True)
        res.add("hugo", run([str(ref_bin / "hugo"), "--quiet", "-s", str(work)], work))


def bench_floor(work: Path, res: SizeResult, runs: int) -> None:
    """The least any MkDocs + Material site of this many pages costs: one page per review, each
    a heading and one line, out of the navigation, with Material's search; no postdocs."""
    if work.exists():
        shutil.rmtree(work)
    (work / "docs" / "r").mkdir(parents=True)
    for i in range(res.posts):
        (work / "docs" / "r" / f"p{i}.md").write_text(
            f"# Review {i}\n\nOne line of review number {i}.\n", encoding="utf-8")
    (work / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (work / "mkdocs.yml").write_text(
        "site_name: floor\ntheme:\n  name: material\nplugins:\n  - search\n"
        "nav:\n  - index.md\n", encoding="utf-8")
    for _ in range(runs):
        shutil.rmtree(work / "site", ignore_errors=True)
        res.add("floor", run([str(VENV_BIN / "mkdocs"), "build", "-q"], work))


def exponent(a: SizeResult, b: SizeResult, key: str) -> float:
    return math.log(b.med(key) / a.med(key)) / math.log(b.posts / a.posts)


def report(results: list[SizeResult], refs: bool) -> str:
    head = ("| size | reviews | MB | preprocess s | reviews/s | MB/s | full build s | no-change s "
            "| one-post s | build peak MB |")
    lines = ["## postdocs", "", head, "|" + "---|" * 10]
    for r in results:
        pre = r.med("preprocess")
        peak = max(r.rss.get(k, 0) for k in ("preprocess", "mkdocs", "full", "nochange")) / 1024
        lines.append(
            f"| {r.scale}× | {r.posts} | {r.mbytes:.1f} | {pre:.2f} | {r.posts / pre:,.0f} | "
            f"{r.mbytes / pre:.1f} | {r.med('full'):.1f} | {r.med('nochange'):.1f} | "
            f"{r.med('onepost'):.1f} | {peak:.0f} |")
    lines += ["", "## One-post rebuild in live preview (medians, seconds)", "",
              "| size | edit → served page | postdocs rebuild | MkDocs dirty rebuild | rest "
              "| peak MB postdocs watch | peak MB mkdocs serve |",
              "|---|---|---|---|---|---|---|"]
    for r in results:
        rest = r.med("onepost") - r.med("live_postdocs") - r.med("live_mkdocs")
        lines.append(f"| {r.scale}× | {r.med('onepost'):.2f} | {r.med('live_postdocs'):.2f} | "
                     f"{r.med('live_mkdocs'):.2f} | {rest:.2f} | "
                     f"{r.rss.get('live_postdocs', 0) / 1024:.0f} | "
                     f"{r.rss.get('live_mkdocs', 0) / 1024:.0f} |")
    if refs:
        lines += ["", "## Reference points (same posts)", "",
                  "*MkDocs floor*: `mkdocs build` of as many one-line pages (Material, its "
                  "search, out of the navigation), no postdocs: the least a site built with "
                  "MkDocs and Material costs at this size.", "",
                  "| size | tg-archive s | Hugo s | MkDocs floor s | postdocs ÷ tg-archive "
                  "| postdocs ÷ Hugo | floor ÷ tg-archive |",
                  "|---|---|---|---|---|---|---|"]
        for r in results:
            lines.append(
                f"| {r.scale}× | {r.med('tgarchive'):.2f} | {r.med('hugo'):.2f} | "
                f"{r.med('floor'):.2f} | {r.med('full') / r.med('tgarchive'):.1f} | "
                f"{r.med('full') / r.med('hugo'):.1f} | "
                f"{r.med('floor') / r.med('tgarchive'):.1f} |")
    if len(results) > 1:
        lines += ["", "## Growth exponents (time ∝ reviews^k)", "",
                  "| between | preprocess | full build | one-post rebuild |"
                  + (" tg-archive | Hugo |" if refs else ""),
                  "|---|---|---|---|" + ("---|---|" if refs else "")]
        for a, b in zip(results, results[1:], strict=False):
            row = (f"| {a.scale}× → {b.scale}× | {exponent(a, b, 'preprocess'):.2f} | "
                   f"{exponent(a, b, 'full'):.2f} | {exponent(a, b, 'onepost'):.2f} |")
            if refs:
                row += f" {exponent(a, b, 'tgarchive'):.2f} | {exponent(a, b, 'hugo'):.2f} |"
            lines.append(row)
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scales", default="1,10,100", help="comma-separated replica counts")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--runs-large", type=int, default=1,
                    help="runs per measurement at 100x and above (each takes minutes)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/postdocs-bench"))
    ap.add_argument("--ref-bin", type=Path, default=ROOT / ".venv-bench" / "bin",
                    help="bin folder holding tg-archive and hugo; '' to skip them")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    args = ap.parse_args()
    refs = bool(str(args.ref_bin)) and (args.ref_bin / "tg-archive").exists()
    from postdocs.readers import READERS

    results = []
    for scale in (int(s) for s in args.scales.split(",")):
        print(f"{scale}×: generating corpus", flush=True)
        project = args.work / f"{scale}x"
        shutil.rmtree(args.work / f"{scale}x-docs-pristine", ignore_errors=True)
        stats = make(ROOT, project, scale, json_format="telegram-json" in READERS)
        res = SizeResult(scale=scale, mbytes=stats["bytes"] / 1e6)
        runs = args.runs if scale < 100 else args.runs_large
        bench_postdocs(project, res, runs)
        bench_live(project, res, max(runs, 3))
        res.posts = len(process(load_project(project)).posts)
        if refs:
            bench_tgarchive(project, args.ref_bin, args.work / f"{scale}x-tgarchive", res,
                            runs)
            bench_hugo(project, args.ref_bin, args.work / f"{scale}x-hugo", res, runs)
            bench_floor(args.work / f"{scale}x-floor", res, runs)
        results.append(res)
        print(report(results, refs), flush=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"# Benchmark results\n\nRun {stamp} on {os.cpu_count()} cores, "
            f"{args.runs} runs per measurement below 100x, {args.runs_large} at 100x (median; "
            "at least 3 edits for the one-post rebuild). Reproduce with `make bench`.\n\n"
            "*one-post* is live preview as `make serve` runs it: `postdocs watch` and "
            "`mkdocs serve --dirty` on a local port; one line of one input is edited and the "
            "time runs until the served page of that review shows the edit. *rest* is the time "
            "neither process reports as building: noticing the change (postdocs' debounce, "
            "MkDocs' file events and its 0.1 s delay) and the HTTP polls. *build peak MB* is "
            "the largest resident size of `postdocs build` or `mkdocs build`; live preview's "
            "peaks are given per process.\n\n"
            + report(results, refs))
    args.out.write_text(text, encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
