"""Live preview's rebuilder: react to file system events at once, not on the next poll.

`watch()` listens (watchdog: inotify on Linux, the native API elsewhere, polling where none
works) to `content/*.yml` and everything under `content/channels/`, waits until the inputs have
been quiet for `debounce` seconds (an editor's save is several events), and then calls
`rebuild()` if a file's size or modification time really changed. Events in `content/docs/`
(postdocs' own output) and plain reads are ignored. A failing rebuild is the caller's to report;
watching goes on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

# Events that do not change a file: our own build reads every input.
_READ_ONLY = frozenset({"opened", "closed_no_write"})

InputState = tuple[tuple[str, int, int], ...]


def input_state(root: Path) -> InputState:
    """(path, mtime, size) of every input: the configuration files and the channels' files."""
    content = root / "content"
    paths = list(content.glob("*.yml"))
    channels = content / "channels"
    if channels.is_dir():
        paths += [p for p in channels.rglob("*") if p.is_file()]
    state = []
    for p in sorted(paths):
        try:
            st = p.stat()
        except OSError:
            continue
        state.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(state)


class _Changes(FileSystemEventHandler):
    """Sets `changed` on any event that may change an input."""

    def __init__(self, content: Path) -> None:
        self.content = str(content)
        self.channels = os.path.join(self.content, "channels")
        self.changed = threading.Event()

    def _is_input(self, path: str) -> bool:
        if path == self.channels or path.startswith(self.channels + os.sep):
            return True
        return os.path.dirname(path) == self.content and path.endswith(".yml")

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in _READ_ONLY:
            return
        paths = (os.fsdecode(event.src_path), os.fsdecode(event.dest_path))
        if any(p and self._is_input(p) for p in paths):
            self.changed.set()


def _observer(content: Path, handler: _Changes) -> BaseObserver:
    """The system's file events on the content folder (not recursive: content/docs is our
    output) and on content/channels (recursive); polling once a second if events fail."""
    for make in (Observer, lambda: PollingObserver(timeout=1.0)):
        observer = make()
        try:
            observer.schedule(handler, str(content), recursive=False)
            channels = content / "channels"
            if channels.is_dir():
                observer.schedule(handler, str(channels), recursive=True)
            observer.start()
            return observer
        except OSError:  # e.g. the inotify watch limit is reached
            continue
    raise OSError(f"{content}: cannot watch for changes")


def watch(root: Path, rebuild: Callable[[], None], *, debounce: float = 0.1,
          ready: Callable[[], None] = lambda: None,
          stop: threading.Event | None = None) -> None:
    """Call `rebuild()` after every change of the inputs, until `stop` is set (or forever)."""
    content = root / "content"
    handler = _Changes(content)
    observer = _observer(content, handler)
    watched_channels = (content / "channels").is_dir()
    last = input_state(root)
    ready()
    try:
        while stop is None or not stop.is_set():
            if not handler.changed.wait(timeout=0.5):
                continue
            while True:  # until the inputs are quiet for `debounce` seconds
                handler.changed.clear()
                if not handler.changed.wait(timeout=debounce):
                    break
            if not watched_channels and (content / "channels").is_dir():
                observer.schedule(handler, str(content / "channels"), recursive=True)
                watched_channels = True
            state = input_state(root)
            if state == last:
                continue
            last = state
            rebuild()
    finally:
        observer.stop()
        observer.join()
