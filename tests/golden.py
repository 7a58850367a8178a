"""Golden pages: the rendered pages of a sample of posts, kept in tests/golden/ and compared byte
for byte by tests/test_golden.py. After an intended change, regenerate them and review the diff:

    make golden        # = python -m tests.golden --update

To add a sample, append its source (`<dump file>:<first line>`) to SAMPLES and run `make golden`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from postdocs.config import Project, load_project
from postdocs.model import Post
from postdocs.pipeline import Corpus, process, render_site
from postdocs.urls.slugs import page_path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = Path(__file__).resolve().parent / "golden"

SAMPLES: list[str] = [
    # rizzearch: no second copy, a trailer after a blank line, reactions read
    "000_6219d51e455967f7.txt:72",
    # rizzearch: two copies, the fuller line kept, `подслушано здесь` once, no reactions line
    "001_72cd830eb3fd8acc.txt:53",
    # rizzearch: an `UPD:` trailer, reactions with bare counts (raw only)
    "003_8482c2f02d444865.txt:31",
    # gonzo-ML: authors, a non-arXiv paper, a merged continuation
    "002_b7ad3dc60f2b3f48.txt:16",
    # gonzo-ML: arXiv paper and code repository
    "002_b7ad3dc60f2b3f48.txt:47",
    # OCR digest: the first review (links, a `מאמר:` label after the URL)
    "004_71cc8ab0bbd831e0.txt:1",
    # OCR digest: a repaired date (`92.06.24` → 2024-06-02) in a header with two damaged dates
    "004_71cc8ab0bbd831e0.txt:23",
    # OCR digest: header lost; title stated in the first sentence; date unknown
    "004_71cc8ab0bbd831e0.txt:61",
    # OCR digest: title and first paragraph share the header line; link closing a sentence
    "004_71cc8ab0bbd831e0.txt:620",
    # OCR digest: display math broken over lines by eaten `\n…`/`\r…` escapes, repaired
    "004_71cc8ab0bbd831e0.txt:3275",
]


def golden_name(post: Post) -> str:
    """`<channel>--<dump stem>--<line>.md`: stable as long as the post's source is."""
    return f"{post.channel}--{Path(post.source_file).stem}--{post.line}.md"


def rendered(project: Project, corpus: Corpus) -> dict[str, str]:
    """The current page text of every sample (as the site has it), by golden file name."""
    site = render_site(project, corpus)
    by_source = {p.source: p for p in corpus.posts}
    missing = [s for s in SAMPLES if s not in by_source]
    if missing:
        raise KeyError(f"golden samples not found among the posts: {', '.join(missing)}")
    return {golden_name(by_source[s]): site[page_path(by_source[s])] for s in SAMPLES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite the golden pages")
    args = parser.parse_args(argv)
    project = load_project(ROOT)
    pages = rendered(project, process(project))
    GOLDEN_DIR.mkdir(exist_ok=True)
    changed = [n for n, text in pages.items()
               if not (GOLDEN_DIR / n).is_file()
               or (GOLDEN_DIR / n).read_bytes() != text.encode("utf-8")]
    stale = sorted(p.name for p in GOLDEN_DIR.glob("*.md") if p.name not in pages)
    if args.update:
        for n in changed:
            (GOLDEN_DIR / n).write_bytes(pages[n].encode("utf-8"))
        for n in stale:
            (GOLDEN_DIR / n).unlink()
        print(f"golden: {len(changed)} written, {len(stale)} removed, "
              f"{len(pages) - len(changed)} unchanged")
        return 0
    for n in changed:
        print(f"golden: {n} differs from the rendered page", file=sys.stderr)
    for n in stale:
        print(f"golden: {n} is no longer a sample", file=sys.stderr)
    return 1 if changed or stale else 0


if __name__ == "__main__":
    sys.exit(main())
