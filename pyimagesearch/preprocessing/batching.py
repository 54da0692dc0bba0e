"""Run per-image OpenCV work of a batch on a shared thread pool (OpenCV releases the GIL).

Example:
    >>> out = np.empty((4, 8, 8, 3), np.uint8)
    >>> def fill(i):
    ...     out[i] = i
    >>> parallel_for(4, fill)
    >>> int(out[3, 0, 0, 0])
    3
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from pyimagesearch.utils.workers import resolve_workers

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def default_threads() -> int:
    """Threads used for batch work: one per core (``PYIMAGESEARCH_THREADS`` overrides)."""
    env = os.environ.get("PYIMAGESEARCH_THREADS")
    return resolve_workers(int(env) if env else None)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(default_threads(), thread_name_prefix="pyis-batch")
        return _POOL


def parallel_for(n: int, fn: Callable[[int], None], threads: int | None = None) -> None:
    """Call ``fn(i)`` for ``i in range(n)``, split into one contiguous chunk per thread.

    With one thread (or a tiny batch) everything runs in the calling thread.
    """
    threads = default_threads() if threads is None else max(1, threads)
    if threads == 1 or n < 2:
        for i in range(n):
            fn(i)
        return
    bounds = np.linspace(0, n, min(threads, n) + 1).astype(int)

    def run(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            fn(i)

    futures = [_pool().submit(run, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    for future in futures:
        future.result()


def parallel_chunks(n: int, fn: Callable[[int, int], None], threads: int | None = None) -> None:
    """Call ``fn(lo, hi)`` on one contiguous slice of ``range(n)`` per thread (NumPy ufuncs
    release the GIL, so slices of one vectorized operation run in parallel)."""
    threads = default_threads() if threads is None else max(1, threads)
    if threads == 1 or n < 2:
        fn(0, n)
        return
    bounds = np.linspace(0, n, min(threads, n) + 1).astype(int)
    futures = [_pool().submit(fn, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    for future in futures:
        future.result()
