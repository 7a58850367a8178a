"""Python's cycle collector paused while a build runs, and run once over what the build made.

A build keeps about a million objects alive until it ends (the posts, their pages, the caches,
the watcher's state; MkDocs' files and pages). Python's cycle collector walks every live object
each time the long-lived ones have grown by a quarter, many times a build: at 100× a third of a
watcher's rebuild, and a third of a no-change `mkdocs build --dirty` (bench/results.md).
Reference counting still frees every object without a cycle as soon as it is unused; only
objects in a reference cycle wait for the collector. A paused build leaves those (about 43,000
objects at 100×) to one collection of the objects made since the pause, when it ends. Objects
older than the build are left to the collector's usual full collections between builds.

`pause()` and `resume()` are two calls, not only a `with` block, for the MkDocs plugin, whose
build begins and ends in different hooks. A pause taken while the collector was already off
(an outer pause, or a caller's `gc.disable()`) changes nothing, and neither does its resume.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def pause() -> bool:
    """Stop automatic collections; returns whether they ran (what `resume` is given)."""
    running = gc.isenabled()
    gc.disable()
    return running


def resume(running: bool) -> None:
    """End a pause (`running`: what `pause` returned): collect the objects made since (the
    youngest two generations: nothing was collected while paused) and let the collector run
    again. A pause of a collector that was already off is left as it is."""
    if running:
        gc.collect(1)
        gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    running = pause()
    try:
        yield
    finally:
        resume(running)
