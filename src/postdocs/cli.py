"""The command line: `main(argv) -> int` is the only place that exits."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Container
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import __version__, collector
from .config import load_project
from .errors import (
    ConfigError,
    LocatedWarning,
    LostUrlsError,
    OutputError,
    PostdocsError,
    UnaccountedLinesError,
)
from .model import ReadResult
from .output.writer import write_pages
from .pipeline import CARDS_NOT_DRAWN, Corpus, iter_pages, process, site_assets, site_cards
from .readers.preview_store import is_store
from .sources.fetch_preview import (
    FetchError,
    FetchOptions,
    FetchReport,
    base_url,
    fetch_channel,
    parse_preview_url,
)
from .state import BuildState
from .topics.report import print_evaluation, print_topics
from .urls import permalinks

PLACEHOLDER_HOST = "://example.org/"  # the site_url mkdocs.yml ships with


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="postdocs", description=__doc__)
    p.add_argument("--version", action="version", version=f"postdocs {__version__}")
    p.add_argument("--no-cache", action="store_true",
                   help="parse every input again instead of reusing .postdocs-cache/")
    p.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                   help="processes for per-input and per-post work (default: one per core; "
                   "the pages are the same for any number)")
    p.add_argument("--root", type=Path, default=Path("."),
                   help="project folder (holds mkdocs.yml and content/); default: current")
    sub = p.add_subparsers(dest="command", required=True)
    _site_commands(sub)
    _source_commands(sub)
    return p


def _site_commands(sub: Any) -> None:
    """build, check, site, topics and watch: the commands that read the inputs."""
    b = sub.add_parser("build", help="write one Markdown page per post into content/docs/")
    b.add_argument("--force", action="store_true",
                   help="overwrite generated pages even if edited by hand")
    b.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    b.add_argument("--verbose", "-v", action="store_true",
                   help="also print each repair of the input (derived titles, repaired dates "
                   "…), which the summary line otherwise only counts")
    c = sub.add_parser("check", help="read every input and report, per file, where each line "
                       "went, and any URL of the previous build that would stop answering")
    c.add_argument("--against", metavar="SITEMAP", type=Path, default=None,
                   help="the previous build's URLs from this sitemap.xml (default: the "
                   "docs folder's manifest of the last `postdocs build`)")
    s = sub.add_parser("site", help="build the pages, then the site with MkDocs (strict), "
                       "as `make site`")
    s.add_argument("--incremental", action="store_true",
                   help="render only what changed since the last build of site/ (with "
                   "content/docs/ and .postdocs-cache/ kept from it); the same site as a clean "
                   "build")
    s.add_argument("--force", action="store_true",
                   help="overwrite generated pages even if edited by hand")
    s.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    s.add_argument("--verbose", "-v", action="store_true",
                   help="also print each repair of the input (as `build -v`)")
    t = sub.add_parser("topics", help="print, per topic, the reviews it holds")
    t.add_argument("--explain", action="store_true",
                   help="also print the evidence (which terms matched where, with weights)")
    t.add_argument("--eval", metavar="FILE", type=Path,
                   help="compare with a labelled file; print precision, recall and F1 per topic")
    w = sub.add_parser("watch", help="rebuild pages whenever an input or configuration changes")
    w.add_argument("--interval", type=float, default=0.1, metavar="S",
                   help="rebuild once the inputs have been quiet for S seconds (default 0.1)")


def _source_commands(sub: Any) -> None:
    """add and fetch: the commands that bring inputs in."""
    a = sub.add_parser("add", help="add a channel: from its public web preview "
                       "(https://t.me/s/<handle>: fetches its whole history) or from a Telegram "
                       "Desktop export (config entry + copy into content/channels/<handle>/)")
    a.add_argument("export", metavar="SOURCE",
                   help="https://t.me/s/<handle>, or result.json, messages.html, or the "
                        "export's folder")
    a.add_argument("--name", required=True, help="the channel's display name")
    a.add_argument("--handle", default=None,
                   help="the channel's Telegram handle (exports; a preview URL names it)")
    a.add_argument("--lang", default="en", help="default language (ru, he, en …)")
    a.add_argument("--dir", choices=("ltr", "rtl"), default=None,
                   help="text direction (default: rtl for he, else ltr)")
    a.add_argument("--chat", default=None,
                   help="full-account export: the chat's name or id")
    _fetch_options(a)
    f = sub.add_parser("fetch", help="fetch new posts of the channels read from the web preview "
                       "(all, or the handles named)")
    f.add_argument("handles", nargs="*", metavar="HANDLE")
    f.add_argument("--recheck", type=int, default=10, metavar="N",
                   help="compare the newest N stored messages again, for edits and deletions "
                        "(default 10)")
    _fetch_options(f)


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"not a number of processes: {value!r}")
    return n


def _fetch_options(p: argparse.ArgumentParser) -> None:
    """Options of the commands that read https://t.me/s/<handle>."""
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="stand-in for https://t.me with the same paths (a mirror, a test "
                        "server); default: $POSTDOCS_TELEGRAM_BASE_URL, else https://t.me")
    p.add_argument("--delay", type=float, default=1.0, metavar="S",
                   help="seconds between two requests (default 1)")
    p.add_argument("--timeout", type=float, default=20.0, metavar="S",
                   help="seconds to wait for an answer (default 20)")
    p.add_argument("--retries", type=int, default=4, metavar="N",
                   help="further attempts after a 429, 5xx, timeout or refused connection "
                        "(default 4)")
    p.add_argument("--backoff", type=float, default=2.0, metavar="S",
                   help="first wait after a failed attempt, doubled each time (default 2; a "
                        "429's Retry-After wins)")
    p.add_argument("--media", action="store_true",
                   help="download the photos of fetched posts (at most 5 MB each) and show "
                        "them; without it, pages link the post on Telegram")


def cmd_build(args: argparse.Namespace, shown: list[ReadResult] | None = None,
              state: BuildState | None = None) -> int:
    """`shown` (the watcher's): reader results whose warnings were printed by an earlier
    rebuild; an input read again (changed) has new results, so its warnings show again.
    `state` (the watcher's): what it keeps between rebuilds (`state.py`). Full collections of
    the cycle collector are held back while it runs (`collector.py`)."""
    with collector.paused():
        return _build(args, shown, state)


def _build(args: argparse.Namespace, shown: list[ReadResult] | None,
           state: BuildState | None) -> int:
    project = load_project(args.root)
    jobs = 1 if state is not None else args.jobs  # the watcher reuses results in memory
    corpus = process(project, use_cache=not args.no_cache, jobs=jobs, state=state)
    card_files, card_note = site_cards(project, corpus, use_cache=not args.no_cache)
    report = write_pages(project.docs, iter_pages(project, corpus, jobs, state),
                         force=args.force, assets=site_assets(corpus) | card_files, state=state)
    if report.recovered:
        print(f"note: {project.docs}: {report.recovered}", file=sys.stderr)
    registry_file = project.content / permalinks.REGISTRY_FILE
    changed = (corpus.registry_changed or not registry_file.is_file()) and permalinks.save(
        corpus.registry, registry_file, corpus.cache if state is None else None)
    if not args.quiet:
        news = corpus.permalinks
        if changed or news.added or news.moved or news.merged or news.missing:
            print("postdocs: " + news.summary(_shown(str(registry_file))))
        if PLACEHOLDER_HOST in project.site_url and not shown:  # the watcher: once
            print(f"warning: {_shown(str(project.root / 'mkdocs.yml'))}: site_url is still the "
                  f"placeholder {project.site_url}: canonical links, feeds and Open Graph "
                  "previews will point to a host that is not the site (set site_url, or "
                  "POSTDOCS_SITE_URL for one build)", file=sys.stderr)
        verbose = bool(args.verbose)
        printed = _print_warnings(corpus, skip={id(r) for r in shown or ()}, fold=True,
                                  repairs=verbose)
        if shown is not None:
            shown[:] = corpus.results
        for note in corpus.notes:
            print(f"note: {note}", file=sys.stderr)
        if card_note.startswith(CARDS_NOT_DRAWN):  # something to act on: not only counted
            print(f"warning: {card_note}", file=sys.stderr)
        print(
            f"postdocs: {len(corpus.posts)} posts, {report.total} files: "
            f"{len(report.written)} written, {report.unchanged} unchanged, "
            f"{len(report.removed)} removed; {card_note}"
            + _warnings_summary(corpus, printed, verbose)
        )
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    """`build`, then `mkdocs build --strict` (`--dirty` with `--incremental`: the `postdocs`
    plugin makes it whole, mkdocs/incremental.py) in its own process."""
    import subprocess

    code = cmd_build(args)
    if code:
        return code
    config = (args.root / "mkdocs.yml").resolve()
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)]
    cmd += ["--dirty"] if args.incremental else []
    cmd += ["--quiet"] if args.quiet else []
    start = time.perf_counter()
    env = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", **os.environ}
    proc = subprocess.run(cmd, cwd=config.parent, env=env, check=False)
    if proc.returncode:
        raise OutputError(f"{config}: mkdocs build failed (exit {proc.returncode})")
    if not args.quiet:
        print(f"postdocs: site built in {time.perf_counter() - start:.1f} s"
              + (" (incremental)" if args.incremental else ""))
    return 0


def _warnings_summary(corpus: Corpus, printed: int, verbose: bool) -> str:
    """The end of `build`'s summary line: the warnings printed above, and the repairs of the
    input counted by kind (most first), with where to read them one by one."""
    repairs = Counter(w.repair for r in corpus.results for w in r.warnings if w.repair)
    text = f"; warnings above: {printed}" if printed else ""
    if repairs and not verbose:
        kinds = ", ".join(f"{kind} {n}" for kind, n in
                          sorted(repairs.items(), key=lambda kv: (-kv[1], kv[0])))
        text += (f"; input repairs (`postdocs check` or `postdocs build -v` lists each): "
                 f"{kinds}")
    return text


def _print_warnings(corpus: Corpus, skip: Container[int] = (), fold: bool = False,
                    repairs: bool = True) -> int:
    """Reader warnings (`file:line: message`): whatever was guessed or kept raw; returns how
    many lines were printed. With `fold` (`build`), warnings of a foldable kind are one line per
    file, at the first one's line. Without `repairs` (`build` without `-v`), documented repairs
    of the input are left out (the summary line counts them)."""
    count = 0
    for r in corpus.results:
        if id(r) in skip:
            continue
        folded: dict[str, list[LocatedWarning]] = {}
        for w in r.warnings:
            if w.repair and not repairs:
                continue
            if fold and w.fold:
                folded.setdefault(w.fold, []).append(w)
                continue
            print(f"warning: {replace(w, path=_shown(w.path))}", file=sys.stderr)
            count += 1
        for kind, ws in folded.items():
            summary = replace(ws[0], path=_shown(ws[0].path), message=(
                kind.format(n=len(ws)) + " (`postdocs check` lists each)"))
            print(f"warning: {summary}", file=sys.stderr)
            count += 1
    for w in corpus.warnings:  # configuration: stale or unknown overrides
        print(f"warning: {replace(w, path=_shown(w.path))}", file=sys.stderr)
        count += 1
    return count


def _shown(path: str) -> str:
    """A path as users typed it: relative to the current folder when inside it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


# Ledger categories that count events (messages), not lines.
_EVENTS = ("merged continuations", "media-only messages", "repeated OCR passages",
           "short repeated OCR passages", "math delimiters restored", "split links rejoined")
# OCR repairs by kind, as `check` names them.
_OCR_REPAIRS = (("repeats", "repeated OCR passages"),
                ("short-repeats", "short repeated OCR passages"),
                ("math-delimiters", "math delimiters restored"),
                ("split-links", "split links rejoined"))


def cmd_check(args: argparse.Namespace) -> int:
    project = load_project(args.root)
    corpus = process(project, use_cache=not args.no_cache, jobs=args.jobs)
    _print_warnings(corpus)
    repaired = Counter(p.source_file for p in corpus.posts if p.date_source == "repaired")
    unaccounted_total = 0
    for r in corpus.results:
        ledger = r.ledger
        name = Path(r.path).name
        missing = sorted(set(range(1, ledger.total_lines + 1)) - ledger.accounted)
        unaccounted_total += len(missing)
        cats = ledger.categories
        how = ", sniffed" if r.sniffed else ""
        print(f"{name} [{r.format}{how}]: posts={len(r.posts)} "
              f"merged-continuations={cats['merged continuations']} "
              f"media-only={cats['media-only messages']} repaired-dates={repaired[name]} "
              f"ocr-repeats={cats['repeated OCR passages'] + cats['short repeated OCR passages']} "
              f"unaccounted={len(missing)}")
        dropped = sorted((k.split(":", 1)[1], v) for k, v in cats.items()
                         if k.startswith("boilerplate:") and v)
        if r.format == "ocr-digest":
            print("  ocr repairs: " + ", ".join(f"{k}={cats[v]}" for k, v in _OCR_REPAIRS))
        print("  boilerplate dropped: "
              + (", ".join(f"{k}={v}" for k, v in dropped) if dropped else "none"))
        lines = sorted((k, v) for k, v in cats.items()
                       if v and k not in _EVENTS and not k.startswith("boilerplate:"))
        print("  lines: " + ", ".join(f"{k}={v}" for k, v in lines))
        for n in missing[:20]:
            print(f"  {_shown(r.path)}:{n}: line not accounted for")
    lost = _lost_urls(args, corpus)
    if unaccounted_total:
        raise UnaccountedLinesError(f"{unaccounted_total} input lines are not accounted for")
    if lost:
        raise LostUrlsError(f"{lost} URLs of the previous build would stop answering (listed "
                            "above; a deliberate move needs a `slug:` override, see README)")
    return 0


def _lost_urls(args: argparse.Namespace, corpus: Corpus) -> int:
    """Print the URLs of the previous build that this one would not answer; their number."""
    from .urls import check

    project = load_project(args.root)
    current = {u for path, _ in iter_pages(project, corpus)
               if (u := check.url_of_file(path)) is not None}
    current |= check.hand_written(project.docs)
    if args.against is not None:
        previous = check.from_sitemap(args.against, project.site_url)
        source = _shown(str(args.against))
    else:
        previous = check.from_manifest(project.docs)
        source = "the last build"
    gone = check.lost(previous, current, corpus.registry)
    print(f"urls: {len(previous)} of {source}, {len(previous) - len(gone)} still answer"
          + (f", {len(gone)} would stop answering:" if gone else ""))
    for k in gone:
        where = _shown(k.path) + (f":{k.line}" if k.line else "")
        print(f"  {where}: {k.url or '(home page)'}: would stop answering")
    return len(gone)


def cmd_topics(args: argparse.Namespace) -> int:
    project = load_project(args.root)
    corpus = process(project, use_cache=not args.no_cache, jobs=args.jobs)
    for w in corpus.warnings:
        print(f"warning: {replace(w, path=_shown(w.path))}", file=sys.stderr)
    if args.eval is not None:
        return print_evaluation(corpus, args.eval)
    return print_topics(corpus, explain=args.explain)


def cmd_watch(args: argparse.Namespace) -> int:
    """Rebuild as soon as an input changes (file system events, `watch.py`). Errors are
    printed and watching goes on."""
    from .mkdocs.watch import watch

    root: Path = args.root
    state = BuildState()  # rebuilds reuse the results of unchanged posts (state.py)
    shown: list[ReadResult] = []  # a rebuild prints the warnings of changed inputs only

    def rebuild() -> None:
        start = time.perf_counter()
        try:
            # verbose: the repairs too, of the changed inputs only (see `shown`), as one edits
            cmd_build(argparse.Namespace(root=root, force=False, quiet=False, verbose=True,
                                         no_cache=args.no_cache, jobs=1), shown, state)
        except PostdocsError as exc:
            print(f"postdocs: error: {exc}", file=sys.stderr)
        except Exception as exc:  # a file system error or a bug: say it, keep watching
            if os.environ.get("POSTDOCS_DEBUG"):
                raise
            print(f"postdocs: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        else:
            print(f"postdocs: rebuilt in {time.perf_counter() - start:.2f} s", flush=True)
        # the cycles of the results this rebuild replaced; the pages are written, and MkDocs
        # renders them meanwhile (`collector.py`)
        collector.collect()

    def ready() -> None:
        print(f"postdocs: watching {root / 'content'} for changes", file=sys.stderr,
              flush=True)

    watch(root, rebuild, debounce=args.interval, ready=ready)
    return 0


def _options(args: argparse.Namespace, base: str | None = None) -> FetchOptions:
    return FetchOptions(base_url=base_url(args.base_url or base), delay=max(0.0, args.delay),
                        timeout=args.timeout, retries=max(0, args.retries),
                        backoff=max(0.0, args.backoff), recheck=getattr(args, "recheck", 10),
                        media=args.media)


def _print_fetch(report: FetchReport) -> None:
    for w in report.warnings:
        print(f"warning: {w}", file=sys.stderr)
    state = "history complete" if report.complete else "history incomplete (run again)"
    print(f"postdocs: @{report.handle}: {report.new} new, {report.edited} edited, "
          f"{report.deleted} deleted messages; {report.requests} requests, "
          f"{report.pages_stored} pages stored" + (f", {report.photos} photos" if report.photos
                                                  else "") + f"; {state}")


def cmd_add(args: argparse.Namespace) -> int:
    from .sources.add_export import LEFT_OUT, add_channel, add_preview_channel

    preview = parse_preview_url(args.export)
    if preview is not None:
        origin, handle = preview
        own = origin if urlsplit(origin).hostname not in ("t.me", "telegram.me") else None
        padd = add_preview_channel(args.root, handle, name=args.name, lang=args.lang,
                                   direction=args.dir, opts=_options(args, own))
        _print_fetch(padd.fetch)
        how = "pages added to the configured channel" if padd.joined else "added channel"
        print(f"postdocs: {how} '{padd.handle}' (telegram-preview, content/channels/"
              f"{padd.files_entry}); run 'make site' to build it")
        return 0
    if args.handle is None:
        raise ConfigError(str(args.root / "content" / "channels.yml"),
                          "--handle is needed to add an export")
    report = add_channel(args.root, Path(args.export), name=args.name, handle=args.handle,
                         lang=args.lang, direction=args.dir, chat=args.chat)
    print(f"postdocs: added channel '{report.handle}' ({report.format}, {report.posts} posts) "
          f"from content/channels/{report.files_entry}; run 'make site' to build it")
    left = sum(n for _, n in report.left_out)
    print(f"postdocs: copied {report.copied} files (the export's messages and the media its "
          f"pages use); left out {left}" + (":" if left else ""))
    for why, n in report.left_out:
        print(f"  {n} {LEFT_OUT[why]}")
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    """Fetch every channel that reads a preview store (or the ones named); one failing channel
    does not stop the others."""
    from .readers.preview_store import STORE_DIR

    project = load_project(args.root)
    stores = {ch.id.lower(): (ch.id, project.channels_dir / f) for ch in project.channels
              for f in ch.files if is_store(project.channels_dir / f)}
    if not stores and not args.handles:
        print("postdocs: no channel reads Telegram's web preview yet (add one with "
              "'postdocs add https://t.me/s/<handle>'); nothing to fetch")
        return 0
    wanted = [h.lstrip("@").lower() for h in args.handles] or list(stores)
    unknown = [h for h in wanted if h not in stores]
    if unknown:
        raise ConfigError(str(project.channels_file), f"no channel reads preview pages for "
                          f"{', '.join(unknown)} (add it with 'postdocs add https://t.me/s/"
                          f"<handle>', which stores them in <handle>/{STORE_DIR})")
    failed = 0
    opts = _options(args)
    for key in wanted:
        handle, folder = stores[key]
        try:
            _print_fetch(fetch_channel(folder, handle, opts))
        except PostdocsError as exc:
            failed += 1
            print(f"postdocs: error: {exc}", file=sys.stderr)
    return FetchError.exit_code if failed else 0


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "build": cmd_build, "check": cmd_check, "site": cmd_site, "topics": cmd_topics,
    "watch": cmd_watch, "add": cmd_add, "fetch": cmd_fetch,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except PostdocsError as exc:
        print(f"postdocs: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if args.command in ("add", "fetch"):
            print("postdocs: interrupted; the pages fetched so far are kept: run the same "
                  "command again to go on from there", file=sys.stderr)
        else:
            print("postdocs: interrupted; the pages are all previous or all new, never a mix",
                  file=sys.stderr)
        return 130
    except OSError as exc:  # the file system refused (disk full, permissions, a path vanished)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"postdocs: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return OutputError.exit_code
    except Exception as exc:  # a bug: still one clear line, never a traceback for users
        if os.environ.get("POSTDOCS_DEBUG"):
            raise
        print(f"postdocs: internal error: {type(exc).__name__}: {exc} — please report it with "
              "the command you ran (POSTDOCS_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
