"""Python's cycle collector paused while a build runs, and run once over what the build made.

A build keeps about a million objects alive until it ends (the posts, their pages, the caches,
the watcher's state; MkDocs' files and pages). Python's cycle collector walks every live object
each time the long-lived ones have grown by a quarter, many times a build: at 100× a third of a
watcher's rebuild, and a third of a no-change `mkdocs build --dirty` (bench/results.md).
Reference counting still frees every object without a cycle as soon as it is unused; only
objects in a reference cycle wait for the collector. A paused build that goes on
running (the watcher, `mkdocs serve`) leaves those (about 43,000 objects at 100×) to one
collection of the objects made since the pause, when it ends; one that is about to exit
(`postdocs build`, `mkdocs build`) skips it: at 10× it took 1.5 s after a cold `mkdocs build`,
only to free memory the exit frees. Objects older than the build are left to the collector's
usual full collections.

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


def resume(running: bool, collect: bool = True) -> None:
    """End a pause (`running`: what `pause` returned) and let the collector run again; with
    `collect`, first collect the objects made since the pause (the youngest two generations:
    nothing was collected while paused). A pause of a collector that was already off is left
    as it is."""
    if running:
        if collect:
            gc.collect(1)
        gc.enable()


@contextmanager
def paused(collect: bool = True) -> Iterator[None]:
    running = pause()
    try:
        yield
    finally:
        resume(running, collect)
