"""Two checkouts' full builds, run alternately on one synthetic corpus size.

A full build is what `make site` runs: `postdocs build`, then `mkdocs build --strict`, cold (a
fresh copy of the generated project each time). Each side's corpus is made by its own
`bench/corpus.py`, with its own venv. The sides run before, after, before, after …, so the
machine's load falls on both alike; wall time follows that load, CPU time (user + system of the
build and every process it started) much less.

    .venv/bin/python bench/alternate.py --before /tmp/old-checkout --before-bin /tmp/old-venv/bin \
        --scale 10 --pairs 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true",
       "PYTHONHASHSEED": "0"}


def generate(root: Path, bin_dir: Path, project: Path, scale: int) -> None:
    code = ("import sys; from pathlib import Path; sys.path.insert(0, {bench!r}); "
            "from corpus import make; from postdocs.readers import READERS; "
            "make(Path({root!r}), Path({project!r}), {scale}, "
            "json_format='telegram-json' in READERS)").format(
                bench=str(root / "bench"), root=str(root), project=str(project), scale=scale)
    subprocess.run([str(bin_dir / "python"), "-c", code], check=True, env=ENV, cwd=root)


def full_build(bin_dir: Path, project: Path) -> dict[str, object]:
    steps = []
    for cmd in ([str(bin_dir / "postdocs"), "--root", str(project), "build", "-q"],
                [str(bin_dir / "mkdocs"), "build", "--strict", "-q"]):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=project, env=ENV, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"alternate: {' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        steps.append((round(time.perf_counter() - start, 2), round(cpu, 2)))
    return {"s": round(sum(w for w, _ in steps), 2), "cpu": round(sum(c for _, c in steps), 2),
            "steps": steps,
            "files": sum(1 for p in (project / "site").rglob("*") if p.is_file())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--before", type=Path, required=True, help="the other checkout")
    ap.add_argument("--before-bin", type=Path, required=True, help="its venv's bin folder")
    ap.add_argument("--after", type=Path, default=ROOT)
    ap.add_argument("--after-bin", type=Path, default=Path(sys.executable).parent)
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/postdocs-alternate"))
    args = ap.parse_args()
    sides = {"before": (args.before, args.before_bin), "after": (args.after, args.after_bin)}
    for side, (root, bin_dir) in sides.items():
        if not (args.work / f"{side}-pristine").exists():
            generate(root, bin_dir, args.work / f"{side}-pristine", args.scale)
    rows: list[dict[str, object]] = []
    for pair in range(args.pairs):
        for side, (_, bin_dir) in sides.items():
            project = args.work / side
            shutil.rmtree(project, ignore_errors=True)
            shutil.copytree(args.work / f"{side}-pristine", project, symlinks=True)
            load = os.getloadavg()[0]
            rows.append({"pair": pair, "side": side, "load": round(load, 2),
                         **full_build(bin_dir, project)})
            print(json.dumps(rows[-1]), flush=True)
    for key in ("s", "cpu"):
        for side in sides:
            values = [float(str(r[key])) for r in rows if r["side"] == side]
            print(f"{side} {key}: median {statistics.median(values):.2f} "
                  f"({min(values):.2f}–{max(values):.2f})")
        ratios = [float(str(b[key])) / float(str(a[key]))
                  for a, b in zip(rows[0::2], rows[1::2], strict=True)]
        print(f"after ÷ before ({key}), per pair: {', '.join(f'{r:.2f}' for r in ratios)}; "
              f"median {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
