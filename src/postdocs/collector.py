"""Python's full cycle collections held back while a build runs.

A build keeps about a million objects alive until it ends (the posts, their pages, the caches,
the watcher's state; MkDocs' files and pages). Python's cycle collector walks every live object
in a full collection, which it runs each time the long-lived objects have grown by a quarter:
many times a build. At 100× full collections took 4.3 s of a 15 s watcher rebuild (gc
callbacks), and a no-change `mkdocs build --dirty` took 6.4 s with the collector and 4.1–4.9 s
without it (bench/results.md).

While a build runs, only the young generations are collected: objects in a reference cycle that
die young (Python-Markdown makes a cyclic instance for every page MkDocs renders) are freed as
before, and the long-lived ones are not walked again and again. Reference counting frees every
object without a cycle as soon as it is unused, as always. When the build ends the collector's
thresholds are restored; a process that goes on running (the watcher, `mkdocs serve`) then runs
one full collection (`collect`), so the cycles of the build before (MkDocs' pages of the last
build, the watcher's replaced results) never pile up; one about to exit skips it.

`pause()` and `resume()` are two calls, not only a `with` block, for the MkDocs plugin, whose
build begins and ends in different hooks. A pause inside a pause, or of a collector that is off
(a caller's `gc.disable()`), changes nothing, and neither does its resume.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Full collections run when the count of young collections passes the oldest generation's
# threshold: at this value, never within one build.
NEVER = 1 << 30

Held = tuple[int, int, int] | None  # the thresholds to restore; None: nothing to restore


def pause() -> Held:
    """Hold back full collections; returns what `resume` restores."""
    if not gc.isenabled():
        return None
    thresholds = gc.get_threshold()
    if thresholds[2] >= NEVER:  # already held back
        return None
    gc.set_threshold(thresholds[0], thresholds[1], NEVER)
    return thresholds


def resume(held: Held) -> None:
    """End a pause (`held`: what `pause` returned)."""
    if held is not None:
        gc.set_threshold(*held)


def collect() -> None:
    """One full collection: after a build, in a process that goes on running."""
    gc.collect()


@contextmanager
def paused() -> Iterator[None]:
    held = pause()
    try:
        yield
    finally:
        resume(held)
