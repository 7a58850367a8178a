"""`make bench`: postdocs against tg-archive, Hugo and the MkDocs floor on synthetic corpora.

Fair comparisons on a shared machine: each reference build is alternated with a postdocs cold
full build in the same loop (postdocs, tg-archive, postdocs, Hugo, postdocs, floor, … for
`--runs` rounds), so each pair ran under the same load; medians, ranges and the ratio of each
pair are reported, with the files and bytes each build wrote and the machine's load average
(`os.getloadavg`) when each run started. The corpora replay the seeds with dates within three
years and never in the future (corpus.py); Hugo runs with `buildFuture` and goldmark's `unsafe`
(so it renders every page and keeps the HTML blocks).

postdocs alone: cold preprocessing (`postdocs build`, empty caches: reviews/s), the full build
(`postdocs build` + `mkdocs build --strict`, as `make site`), a no-change rebuild, one new post
built incrementally with the previous site, pages and caches kept (`postdocs site
--incremental`, as the scheduled workflow runs it), a one-post-changed rebuild in live preview
(`live.py`), and peak memory (`/usr/bin/time -v`). Results go to bench/results.md.
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
from collections.abc import Callable
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
    load: float = 0.0  # the 1-minute load average when the run started


@dataclass
class SizeResult:
    scale: int
    posts: int = 0
    mbytes: float = 0.0
    t: dict[str, list[float]] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)
    load: dict[str, list[float]] = field(default_factory=dict)
    out: dict[str, tuple[int, int]] = field(default_factory=dict)  # files, bytes written
    pairs: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # postdocs, ref

    def med(self, key: str) -> float:
        return statistics.median(self.t[key]) if self.t.get(key) else float("nan")

    def span(self, key: str) -> str:
        values = self.t.get(key) or []
        if not values:
            return "–"
        if len(values) == 1:
            return f"{values[0]:.2f}"
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"

    def add(self, key: str, timing: Timing) -> None:
        self.t.setdefault(key, []).append(timing.seconds)
        self.rss[key] = max(self.rss.get(key, 0), timing.max_rss_kb)
        self.load.setdefault(key, []).append(timing.load)

    def loads(self, *keys: str) -> str:
        values = [v for k in keys for v in self.load.get(k, [])]
        return f"{min(values):.1f}–{max(values):.1f}" if values else "–"


def output_size(folder: Path) -> tuple[int, int]:
    """Files and bytes under `folder` (what a build wrote)."""
    files = size = 0
    for root, _dirs, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(root, name))
    return files, size


def run(cmd: list[str], cwd: Path) -> Timing:
    """Run a command under /usr/bin/time -v; return wall seconds and peak RSS. The disk is
    settled first (`sync`, not timed): otherwise the previous step's writes (a site of up to
    1.5 GB, removed or copied) are flushed during the timed run, on this kind of machine
    making each new file several times slower to create, for whichever tool runs next."""
    os.sync()
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, env=ENV,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"bench: command failed ({proc.returncode}): {' '.join(cmd)}\n"
                 f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return Timing(seconds, int(m.group(1)) if m else 0, load)


def reset(project: Path, pristine: Path) -> None:
    shutil.rmtree(project / "content" / "docs", ignore_errors=True)
    shutil.copytree(pristine, project / "content" / "docs")
    shutil.rmtree(project / "site", ignore_errors=True)
    shutil.rmtree(project / ".postdocs-cache", ignore_errors=True)  # a full build starts cold


def postdocs_cmd(project: Path) -> list[str]:
    return [str(VENV_BIN / "postdocs"), "--root", str(project), "build", "-q"]


def mkdocs_cmd(project: Path) -> list[str]:
    return [str(VENV_BIN / "mkdocs"), "build", "--strict", "-q", "-f", str(project / "mkdocs.yml")]


def postdocs_full(project: Path, res: SizeResult) -> float:
    """One cold full build (empty caches, no previous pages or site): preprocessing, then
    MkDocs. Returns its time."""
    pristine = project.parent / f"{project.name}-docs-pristine"
    if not pristine.exists():
        shutil.copytree(project / "content" / "docs", pristine)
    reset(project, pristine)
    pre = run(postdocs_cmd(project), project)
    res.add("preprocess", pre)
    mk = run(mkdocs_cmd(project), project)
    res.add("mkdocs", mk)
    res.add("full", Timing(pre.seconds + mk.seconds, max(pre.max_rss_kb, mk.max_rss_kb),
                           pre.load))
    res.out["postdocs"] = output_size(project / "site")
    print(f"  postdocs: preprocess {pre.seconds:.2f}s, full {pre.seconds + mk.seconds:.2f}s "
          f"(load {pre.load:.1f})", flush=True)
    return pre.seconds + mk.seconds


def bench_rebuilds(project: Path, res: SizeResult, runs: int, nochange: bool = True) -> None:
    """After a full build: a no-change rebuild, then one new post built incrementally (the
    previous site, pages and caches kept: `postdocs site --incremental`)."""
    if nochange:
        a, b = run(postdocs_cmd(project), project), run(mkdocs_cmd(project), project)
        res.add("nochange", Timing(a.seconds + b.seconds, max(a.max_rss_kb, b.max_rss_kb),
                                   a.load))
    dump, full, held = hold_back_one_post(project)
    site = [str(VENV_BIN / "postdocs"), "--root", str(project), "site", "--incremental", "-q"]
    for _ in range(runs):
        dump.write_text(held, encoding="utf-8")
        run(site, project)  # the site without the post (not timed)
        dump.write_text(full, encoding="utf-8")
        t = run(site, project)  # the post arrives
        res.add("newpost", t)
        print(f"  one new post, incremental: {t.seconds:.2f}s (load {t.load:.1f})", flush=True)


def hold_back_one_post(project: Path) -> tuple[Path, str, str]:
    """A web-preview dump of the corpus, its text, and its text without its last post."""
    from postdocs.readers import read_input

    proj = load_project(project)
    ch = next(c for c in proj.channels if c.format == "web-preview")
    dump = proj.channels_dir / ch.files[-1]
    full = dump.read_text(encoding="utf-8")
    last = max(p.line for p in read_input(dump, ch).posts)
    return dump, full, "\n".join(full.split("\n")[:last - 1])


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


def setup_tgarchive(project: Path, ref_bin: Path, work: Path) -> Path:
    corpus = process(load_project(project), jobs=None)
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
    return src


def tgarchive_once(src: Path, ref_bin: Path, res: SizeResult) -> float:
    shutil.rmtree(src / "site", ignore_errors=True)
    t = run([str(ref_bin / "tg-archive"), "--build", "-c", "config.yaml", "-d", "data.sqlite"],
            src)
    res.add("tgarchive", t)
    res.out["tgarchive"] = output_size(src / "site")
    return t.seconds


HUGO_LAYOUT = """<!doctype html><html lang="{{ .Site.Language.Lang }}"><head><meta charset="utf-8">
<title>{{ .Title }}</title></head><body><nav><a href="{{ .Site.Home.RelPermalink }}">home</a></nav>
<main><h1>{{ .Title }}</h1>{{ .Content }}
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</main></body></html>
"""


def setup_hugo(project: Path, work: Path) -> Path:
    if work.exists():
        shutil.rmtree(work)
    (work / "layouts" / "_default").mkdir(parents=True)
    for name in ("single.html", "list.html"):
        (work / "layouts" / "_default" / name).write_text(HUGO_LAYOUT, encoding="utf-8")
    (work / "layouts" / "index.html").write_text(HUGO_LAYOUT, encoding="utf-8")
    # buildFuture: every page is rendered whatever its date; unsafe: postdocs' HTML blocks are
    # kept (without it goldmark writes `<!-- raw HTML omitted -->` in their place)
    (work / "hugo.toml").write_text(
        'baseURL = "http://127.0.0.1/"\ntitle = "bench"\nbuildFuture = true\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n'
        "[markup.goldmark.renderer]\nunsafe = true\n", encoding="utf-8")
    # the review pages only: redirect pages (HTML, of moved reviews) are no content for Hugo
    shutil.copytree(project / "content" / "docs" / "reviews", work / "content" / "reviews",
                    ignore=shutil.ignore_patterns("*.html"))
    return work


def hugo_once(work: Path, ref_bin: Path, res: SizeResult) -> float:
    shutil.rmtree(work / "public", ignore_errors=True)
    t = run([str(ref_bin / "hugo"), "--quiet", "-s", str(work)], work)
    res.add("hugo", t)
    res.out["hugo"] = output_size(work / "public")
    return t.seconds


def setup_floor(work: Path, posts: int) -> Path:
    """The least any MkDocs + Material site of this many pages costs: one page per review, each
    a heading and one line, out of the navigation, with Material's search; no postdocs."""
    if work.exists():
        shutil.rmtree(work)
    (work / "docs" / "r").mkdir(parents=True)
    for i in range(posts):
        (work / "docs" / "r" / f"p{i}.md").write_text(
            f"# Review {i}\n\nOne line of review number {i}.\n", encoding="utf-8")
    (work / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (work / "mkdocs.yml").write_text(
        "site_name: floor\ntheme:\n  name: material\nplugins:\n  - search\n"
        "nav:\n  - index.md\n", encoding="utf-8")
    return work


def floor_once(work: Path, res: SizeResult) -> float:
    shutil.rmtree(work / "site", ignore_errors=True)
    t = run([str(VENV_BIN / "mkdocs"), "build", "-q"], work)
    res.add("floor", t)
    res.out["floor"] = output_size(work / "site")
    return t.seconds


def bench_paired(project: Path, res: SizeResult, runs: int, ref_bin: Path | None,
                 work: Path, only: set[str] | None = None) -> None:
    """`runs` rounds of: postdocs, tg-archive, postdocs, Hugo, postdocs, floor (each reference
    right after a postdocs cold full build: a pair under the same load)."""
    refs: list[tuple[str, Callable[[], float]]] = []
    if ref_bin is not None:
        src = setup_tgarchive(project, ref_bin, work / f"{project.name}-tgarchive")
        hugo = setup_hugo(project, work / f"{project.name}-hugo")
        refs += [("tgarchive", lambda: tgarchive_once(src, ref_bin, res)),
                 ("hugo", lambda: hugo_once(hugo, ref_bin, res))]
    floor = setup_floor(work / f"{project.name}-floor", res.posts if not only or "floor" in only
                        else 0)
    refs.append(("floor", lambda: floor_once(floor, res)))
    refs = [(name, once) for name, once in refs if only is None or name in only]
    for n in range(runs):
        for name, once in refs:
            ours = postdocs_full(project, res)
            theirs = once()
            res.pairs.setdefault(name, []).append((ours, theirs))
            print(f"  round {n + 1}: postdocs {ours:.2f}s, {name} {theirs:.2f}s "
                  f"(×{ours / theirs:.1f})", flush=True)


def exponent(a: SizeResult, b: SizeResult, key: str) -> float:
    return math.log(b.med(key) / a.med(key)) / math.log(b.posts / a.posts)


def _ratio(pairs: list[tuple[float, float]]) -> str:
    ratios = [a / b for a, b in pairs]
    if not ratios:
        return "–"
    if len(ratios) == 1:
        return f"{ratios[0]:.1f}"
    return f"{statistics.median(ratios):.1f} ({min(ratios):.1f}–{max(ratios):.1f})"


def _out(res: SizeResult, key: str) -> str:
    files, size = res.out.get(key, (0, 0))
    return f"{files:,} / {size / 1e6:.1f}"


REF_NAMES = {"tgarchive": "tg-archive", "hugo": "Hugo", "floor": "MkDocs floor"}


def report(results: list[SizeResult], refs: bool) -> str:
    lines = ["## postdocs (median, range in brackets; seconds)", "",
             "| size | reviews | MB in | cold preprocess | reviews/s | cold full build "
             "| no-change rebuild | one new post, incremental | files / MB out | build peak MB "
             "| load |", "|" + "---|" * 11]
    for r in results:
        pre = r.med("preprocess")
        peak = max(r.rss.get(k, 0) for k in ("preprocess", "mkdocs", "full", "nochange",
                                             "newpost")) / 1024
        lines.append(
            f"| {r.scale}× | {r.posts:,} | {r.mbytes:.1f} | {r.span('preprocess')} | "
            f"{r.posts / pre:,.0f} | {r.span('full')} | {r.span('nochange')} | "
            f"{r.span('newpost')} | {_out(r, 'postdocs')} | {peak:.0f} | "
            f"{r.loads('preprocess', 'mkdocs', 'newpost')} |")
    lines += ["", "## Reference points, each alternated with a postdocs cold full build", "",
              "*ratio* is postdocs ÷ reference for each pair (postdocs, then the reference, "
              "one after the other), median (range). *MkDocs floor*: `mkdocs build` of as many "
              "one-line pages (Material, its search, out of the navigation), no postdocs.", "",
              "| size | reference | pairs | postdocs s | reference s | ratio | postdocs files / MB "
              "| reference files / MB | load |", "|" + "---|" * 9]
    for r in results:
        for key, name in REF_NAMES.items():
            pairs = r.pairs.get(key, [])
            if not pairs:
                continue
            ours = SizeResult(r.scale, t={"x": [a for a, _ in pairs]})
            lines.append(
                f"| {r.scale}× | {name} | {len(pairs)} | {ours.span('x')} | {r.span(key)} | "
                f"{_ratio(pairs)} | {_out(r, 'postdocs')} | {_out(r, key)} | "
                f"{r.loads(key)} |")
    lines += ["", "## One-post rebuild in live preview (medians, seconds)", "",
              "| size | edit → served page | postdocs rebuild | MkDocs dirty rebuild | rest "
              "| peak MB postdocs watch | peak MB mkdocs serve |",
              "|---|---|---|---|---|---|---|"]
    for r in results:
        rest = r.med("onepost") - r.med("live_postdocs") - r.med("live_mkdocs")
        lines.append(f"| {r.scale}× | {r.span('onepost')} | {r.med('live_postdocs'):.2f} | "
                     f"{r.med('live_mkdocs'):.2f} | {rest:.2f} | "
                     f"{r.rss.get('live_postdocs', 0) / 1024:.0f} | "
                     f"{r.rss.get('live_mkdocs', 0) / 1024:.0f} |")
    if len(results) > 1:
        lines += ["", "## Growth exponents (time ∝ reviews^k, medians)", "",
                  "| between | preprocess | full build | one new post | one-post live |"
                  + (" tg-archive | Hugo |" if refs else ""),
                  "|---|---|---|---|---|" + ("---|---|" if refs else "")]
        for a, b in zip(results, results[1:], strict=False):
            row = (f"| {a.scale}× → {b.scale}× | {exponent(a, b, 'preprocess'):.2f} | "
                   f"{exponent(a, b, 'full'):.2f} | {exponent(a, b, 'newpost'):.2f} | "
                   f"{exponent(a, b, 'onepost'):.2f} |")
            if refs:
                row += f" {exponent(a, b, 'tgarchive'):.2f} | {exponent(a, b, 'hugo'):.2f} |"
            lines.append(row)
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scales", default="1,10,100", help="comma-separated replica counts")
    ap.add_argument("--runs", type=int, default=3, help="rounds per measurement (median)")
    ap.add_argument("--runs-large", type=int, default=1,
                    help="rounds per measurement at 100x and above (each takes minutes)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/postdocs-bench"))
    ap.add_argument("--ref-bin", type=Path, default=ROOT / ".venv-bench" / "bin",
                    help="bin folder holding tg-archive and hugo; '' to skip them")
    ap.add_argument("--no-live", action="store_true", help="skip the live preview measurement")
    ap.add_argument("--live-max-scale", type=int, default=0,
                    help="measure live preview only up to this size (0: every size)")
    ap.add_argument("--no-nochange", action="store_true", help="skip the no-change rebuild")
    ap.add_argument("--refs", default="",
                    help="references to pair with postdocs: tgarchive,hugo,floor (default all)")
    ap.add_argument("--incremental-runs", type=int, default=2,
                    help="incremental one-new-post builds per size (at least)")
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
        shutil.copytree(project / "content" / "docs", args.work / f"{scale}x-docs-pristine")
        # untimed: the pages Hugo renders, and the number of reviews
        built = subprocess.run(postdocs_cmd(project)[:-1], check=True, env=ENV, cwd=project,
                               capture_output=True, text=True)
        m = re.search(r"postdocs: (\d+) posts", built.stdout)
        res.posts = int(m.group(1)) if m else len(process(load_project(project)).posts)
        runs = args.runs if scale < 100 else args.runs_large
        bench_paired(project, res, runs, args.ref_bin if refs else None, args.work,
                     set(args.refs.split(",")) if args.refs else None)
        bench_rebuilds(project, res, max(runs, args.incremental_runs), not args.no_nochange)
        if not args.no_live and (not args.live_max_scale or scale <= args.live_max_scale):
            bench_live(project, res, max(runs, 3))
        results.append(res)
        print(report(results, refs), flush=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()
    text = (f"# Benchmark results\n\nRun {stamp} on {os.cpu_count()} cores (load average at "
            f"the end {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}; *load* columns: the "
            "1-minute load average as each timed run started, lowest–highest), "
            f"{args.runs} rounds below 100x, {args.runs_large} at 100x (median; at least 2 "
            "incremental builds and 3 live edits). Reproduce with `make bench`.\n\n"
            "*cold* builds start without caches, pages or site. *one new post, incremental*: "
            "the previous site, pages and caches kept, one post added to a dump, then "
            "`postdocs site --incremental` (pages, then `mkdocs build --dirty` made whole). "
            "*one-post* live is live preview as `make serve` runs it: `postdocs watch` and "
            "`mkdocs serve --dirty` on a local port; one line of one input is edited and the "
            "time runs until the served page of that review shows the edit. *rest* is the time "
            "neither process reports as building. *build peak MB* is the largest resident "
            "size of `postdocs build`, `mkdocs build` or the incremental build.\n\n"
            + report(results, refs))
    args.out.write_text(text, encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
