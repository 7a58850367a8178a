"""Live preview (`mkdocs serve --dirty`, as `make serve` runs it) kept whole.

A dirty rebuild renders only the pages whose Markdown is newer than their HTML. Some things then
go wrong on their own, and the `postdocs` plugin puts them right:

- A page whose Markdown is gone (its post was removed, or renamed by a new title) kept its HTML
  in the served folder: the plugin deletes the HTML of pages gone since the last build
  (`gone_pages`), unless another file of this build is written there (the redirect a
  page renamed on purpose leaves at its old URL), before the search index is made again
  from the served folder.
- MkDocs notices changes by polling the docs folder every 0.5 s (a stat of every file each
  time): `use_file_events` gives its server the system's file events instead (inotify on
  Linux), so a rebuild starts about 0.1 s after postdocs wrote, and nothing polls.
- A page that includes a snippet (the home page includes `_snippets/home.md`, which postdocs
  regenerates) is not itself newer than its HTML: `snippet_includers` finds the pages to rebuild
  when a snippet changed.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from mkdocs.structure.files import File, Files
from watchdog.events import FileSystemEvent, FileSystemEventHandler

SNIPPETS = "_snippets/"
SNIPPET_MARK = "--8<--"
GENERATED_REVIEWS = "reviews/"  # review pages never include snippets (markup.py escapes `-`)


def page_urls(files: Files) -> dict[str, str]:
    """Page URL as `Page.url` and search give it (the home page is '') → its HTML file."""
    return {"" if f.url in (".", "./") else f.url: f.abs_dest_path
            for f in files.documentation_pages()}


def gone_pages(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """The HTML files of pages that were there at the last build and are not now."""
    return [before[url] for url in sorted(before.keys() - now.keys())]


def snippet_includers(files: Files, since: float) -> list[File]:
    """Pages that include a snippet, when a snippet changed after `since` (epoch seconds)."""
    snippets = [f for f in files if f.src_uri.startswith(SNIPPETS) and f.abs_src_path]
    if not any(os.path.getmtime(str(f.abs_src_path)) > since for f in snippets):
        return []
    out = []
    for f in files.documentation_pages():
        if f.src_uri.startswith((GENERATED_REVIEWS, SNIPPETS)) or not f.abs_src_path:
            continue
        with open(f.abs_src_path, encoding="utf-8", errors="replace") as fh:
            if SNIPPET_MARK in fh.read():
                out.append(f)
    return out


def force_rebuild(file: File) -> None:
    """Have a dirty build render this page although its Markdown did not change."""
    file.is_modified = lambda: True  # type: ignore[method-assign]


def use_file_events(server: Any) -> bool:
    """Swap a MkDocs 1.6.1 `LiveReloadServer`'s polling observer (not started yet: `on_serve`)
    for watchdog's native one, keeping what it watches. False (and polling) if the system's
    file events do not work here (no inotify, its limit reached) or MkDocs changed."""
    from watchdog.observers import Observer

    paths = getattr(server, "_watched_paths", None)
    refs = getattr(server, "_watch_refs", None)
    if not isinstance(paths, dict) or not isinstance(refs, dict) or not paths:
        return False
    probe = Observer()
    try:
        for path in paths:
            probe.schedule(FileSystemEventHandler(), path, recursive=True)
        probe.start()
    except OSError:
        return False
    finally:
        if probe.is_alive():
            probe.stop()
            probe.join()
    # watchdog warns when a folder created and removed in a burst (postdocs' staging) is
    # watched again; nothing is lost
    warnings.filterwarnings("ignore", "Callback with id", RuntimeWarning)
    observer = Observer()
    schedule = observer.schedule

    def schedule_changes(handler: Any, path: Any, *, recursive: bool = False,
                         event_filter: Any = None, follow_symlink: bool = False) -> Any:
        # MkDocs rebuilds on any event of a file, and inotify also reports opening and
        # closing (MkDocs' own build reads every page): only changes may start a build.
        return schedule(_NoHidden(handler, path), path, recursive=recursive,
                        event_filter=event_filter or _changes(), follow_symlink=follow_symlink)

    observer.schedule = schedule_changes  # type: ignore[method-assign,assignment]
    server.observer.unschedule_all()
    counts = dict(paths)
    paths.clear()
    refs.clear()
    server.observer = observer
    for path, count in counts.items():
        server.watch(path)  # schedules MkDocs' own handler on the new observer
        paths[path] = count
    return True


def _changes() -> list[Any]:
    from watchdog import events as e

    # Not "closed": a file opened for writing and closed unchanged (postdocs' lock file, taken
    # at the start of every rebuild) reports it, and started a build before the pages changed.
    return [e.FileCreatedEvent, e.FileDeletedEvent, e.FileModifiedEvent, e.FileMovedEvent]


class _NoHidden(FileSystemEventHandler):
    """Passes on events except those of hidden paths inside `root`: MkDocs leaves dot files
    out of the site, and postdocs' staging, commit and manifest files changed after the pages
    did (a second build that found nothing new)."""

    def __init__(self, handler: FileSystemEventHandler, root: str) -> None:
        self.handler = handler
        self.root = os.path.abspath(root)

    def dispatch(self, event: FileSystemEvent) -> None:
        paths = [os.fsdecode(p) for p in (event.src_path, event.dest_path) if p]
        if not all(self._hidden(p) for p in paths):  # a move out of staging is a change
            self.handler.dispatch(event)

    def _hidden(self, path: str) -> bool:
        parts = os.path.relpath(path, self.root).split(os.sep)
        return any(p.startswith(".") and p not in (".", "..") for p in parts)
