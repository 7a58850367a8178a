"""Per-input and per-post work on every core: reading, enrichment and topics, review pages.

The pipeline's per-item stages are pure functions of one input file or one post (and of values
every item shares: the channel's configuration, the taxonomy, the site's names). `Workers.map`
runs such a function over a list in a process pool, in chunks, and returns the results in the
list's order, so the output is the same whatever the number of workers (`--jobs`;
tests/test_parallel.py builds a site with one and with two workers and compares every page byte
for byte). The cross-post stages (identity, references, slugs, overrides, indexes) stay in the
calling process; related reviews score each review against an index of all of them, made here
and inherited by workers forked after it (`map_inherited`).

With one job, or fewer items than make a pool worth starting, the function runs in the calling
process. Workers are forked where the platform allows it and no other thread runs (they start in
milliseconds and share the loaded code and data); elsewhere they are spawned.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a pool costs more than it saves (starting workers, pickling).
MIN_ITEMS = 64
CHUNKS_PER_WORKER = 4
# What `Workers.map_inherited`'s workers read: set in the calling process just before they are
# forked, so they inherit it with the rest of its memory; None otherwise.
_INHERITED: Any = None


def default_jobs() -> int:
    return os.cpu_count() or 1


def _chunk(items: Sequence[T], n: int) -> list[Sequence[T]]:
    size = max(1, -(-len(items) // n))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _run_chunk(fn: Callable[[T, Any], R], shared: Any, chunk: Sequence[T],
               setup: Callable[[Any], Any] | None = None) -> list[R]:
    context = setup(shared) if setup is not None else shared
    return [fn(item, context) for item in chunk]


def _run_inherited(fn: Callable[[T, Any], R], chunk: Sequence[T]) -> list[R]:
    return [fn(item, _INHERITED) for item in chunk]


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class Workers:
    """A lazily started process pool of `jobs` workers; `map` keeps the input order."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        self._pool: Executor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            if self._frozen:
                gc.unfreeze()
                self._frozen = False

    _frozen = False

    def _executor(self) -> Executor:
        if self._pool is None:
            context: multiprocessing.context.BaseContext
            if _can_fork():
                context = multiprocessing.get_context("fork")
                # the parent's objects (on a large site, hundreds of MB of posts) stay
                # shared with the forked workers: the collector would otherwise touch, and so
                # copy, every page of memory holding them in each worker
                gc.freeze()
                self._frozen = True
            else:  # forking a process that runs threads is unsafe
                context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)
        return self._pool

    def map(self, fn: Callable[[T, Any], R], items: Sequence[T], shared: Any = None,
            min_items: int = MIN_ITEMS, setup: Callable[[Any], Any] | None = None) -> list[R]:
        """`[fn(item, shared) for item in items]`, spread over the workers. `fn` must be a
        module-level function; an exception in a worker is raised here (the first in order).
        `setup` (module-level too): what every item shares is made from `shared` once per
        chunk in the worker (a compiled matcher: cheaper made there than sent), and `fn` gets
        `setup(shared)` instead; nothing is kept in the worker beyond the chunk."""
        if not items:
            return []
        if self.jobs == 1 or len(items) < max(min_items, 2):
            return _run_chunk(fn, shared, items, setup)
        chunks = _chunk(items, self.jobs * CHUNKS_PER_WORKER)
        pool = self._executor()
        futures = [pool.submit(_run_chunk, fn, shared, c, setup) for c in chunks]
        out: list[R] = []
        for f in futures:
            out.extend(f.result())
        return out

    def map_inherited(self, fn: Callable[[T, Any], R], items: Sequence[T], shared: Any,
                      min_items: int = MIN_ITEMS) -> list[R]:
        """`[fn(item, shared) for item in items]`, spread over workers forked for this call,
        which inherit `shared` instead of receiving it: for a large value the calling process
        made (the related reviews' index: pickling it would cost more than the work). The
        pool `map` uses is closed first (its threads would make forking unsafe). Where the
        platform cannot fork, with one job or few items, the function runs here."""
        global _INHERITED
        if self.jobs == 1 or len(items) < max(min_items, 2):
            return [fn(item, shared) for item in items]
        self.close()
        if not _can_fork():
            return [fn(item, shared) for item in items]
        _INHERITED = shared
        gc.freeze()  # as in `_executor`: the workers share the parent's memory, not copy it
        try:
            with ProcessPoolExecutor(max_workers=self.jobs,
                                     mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_run_inherited, fn, c)
                           for c in _chunk(items, self.jobs * CHUNKS_PER_WORKER)]
                return [r for f in futures for r in f.result()]
        finally:
            _INHERITED = None
            gc.unfreeze()

    def imap(self, fn: Callable[[T, Any], R], items: Sequence[T], shared: Any = None,
             chunk: int = 64, ahead: int = 4) -> Iterator[R]:
        """`map`, yielding results in order as they come, with at most `ahead` chunks per
        worker in flight: the caller consumes (writes) early results while workers make the
        next ones, and never holds all the results at once."""
        if self.jobs == 1 or len(items) < max(MIN_ITEMS, 2):
            for item in items:
                yield fn(item, shared)
            return
        pool = self._executor()
        chunks = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        pending: list[Any] = []
        nxt = 0
        while nxt < len(chunks) or pending:
            while nxt < len(chunks) and len(pending) < self.jobs * ahead:
                pending.append(pool.submit(_run_chunk, fn, shared, chunks[nxt]))
                nxt += 1
            yield from pending.pop(0).result()
