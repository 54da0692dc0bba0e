"""Run per-image OpenCV work of a batch on a shared thread pool (OpenCV releases the GIL),
and allocate batches that TensorFlow takes without a copy.

Where batches are already made side by side (a loader with several threads), splitting
each batch again over the pool only adds hand-offs: inside :func:`inline_batches` the
work runs in the calling thread, and :func:`opencv_single_threaded` keeps OpenCV's own
threads from competing with the loader's (8 loader threads on 16 cores: augmented batches
6,460 images/s split again, 13,163 whole; ``benchmarks/bench_loader_variants.py``).

Example:
    >>> out = np.empty((4, 8, 8, 3), np.uint8)
    >>> def fill(i):
    ...     out[i] = i
    >>> parallel_for(4, fill)
    >>> int(out[3, 0, 0, 0])
    3
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from pyimagesearch.parallel.workers import resolve_workers

_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_INLINE = threading.local()
_OPENCV_LOCK = threading.Lock()
_OPENCV_HOLDERS = 0
_OPENCV_THREADS = 0
_THREADS: list[int] = []  # batch_threads() counts, innermost last


@contextlib.contextmanager
def inline_batches() -> Iterator[None]:
    """In this thread, :func:`parallel_for` and :func:`parallel_chunks` run their work
    here instead of on the shared pool (the caller is already one of several threads)."""
    before = getattr(_INLINE, "on", False)
    _INLINE.on = True
    try:
        yield
    finally:
        _INLINE.on = before


def hold_opencv_single_threaded() -> None:
    """OpenCV runs each call on one thread until every holder has released it (the
    parallelism is ours: one image, or one batch, per thread)."""
    global _OPENCV_HOLDERS, _OPENCV_THREADS
    with _OPENCV_LOCK:
        if _OPENCV_HOLDERS == 0:
            _OPENCV_THREADS = cv2.getNumThreads()
            cv2.setNumThreads(1)
        _OPENCV_HOLDERS += 1


def release_opencv_threads() -> None:
    """Undo one :func:`hold_opencv_single_threaded`; the last one restores OpenCV's own
    thread count."""
    global _OPENCV_HOLDERS
    with _OPENCV_LOCK:
        if _OPENCV_HOLDERS == 0:
            return
        _OPENCV_HOLDERS -= 1
        if _OPENCV_HOLDERS == 0:
            cv2.setNumThreads(_OPENCV_THREADS)


@contextlib.contextmanager
def opencv_single_threaded() -> Iterator[None]:
    """OpenCV on one thread inside the block (see :func:`hold_opencv_single_threaded`)."""
    hold_opencv_single_threaded()
    try:
        yield
    finally:
        release_opencv_threads()


def _serial(threads: int) -> bool:
    return threads == 1 or getattr(_INLINE, "on", False)


# TensorFlow takes a NumPy array as a tensor without copying it only when its data is
# aligned to 64 bytes; NumPy's own allocations are aligned to 16.
BATCH_ALIGNMENT = 64


def empty_batch(shape: tuple[int, ...], dtype) -> np.ndarray:
    """``np.empty(shape, dtype)`` whose data starts on a 64-byte boundary, so that a batch
    handed to TensorFlow (``tf.numpy_function``, ``fit``) is not copied on the way.

    Example:
        >>> empty_batch((2, 3), np.float32).ctypes.data % 64
        0
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + BATCH_ALIGNMENT, np.uint8)
    start = -raw.ctypes.data % BATCH_ALIGNMENT
    return raw[start : start + nbytes].view(dtype).reshape(shape)


@contextlib.contextmanager
def batch_threads(threads: int) -> Iterator[None]:
    """Inside the block, batch work is split over at most ``threads`` threads (1: all of
    it in the calling thread), e.g. to measure one core.

    >>> with batch_threads(1):
    ...     default_threads()
    1
    """
    _THREADS.append(max(1, int(threads)))
    try:
        yield
    finally:
        _THREADS.pop()


def default_threads() -> int:
    """Threads used for batch work: one per core (inside :func:`batch_threads`, its count)."""
    return _THREADS[-1] if _THREADS else resolve_workers(None)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            size = max(resolve_workers(None), default_threads())
            _POOL = ThreadPoolExecutor(size, thread_name_prefix="pyis-batch")
        return _POOL


def parallel_for(n: int, fn: Callable[[int], None], threads: int | None = None) -> None:
    """Call ``fn(i)`` for ``i in range(n)``, split into one contiguous chunk per thread.

    With one thread (or a tiny batch) everything runs in the calling thread.
    """
    threads = default_threads() if threads is None else max(1, threads)
    if _serial(threads) or n < 2:
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
    if _serial(threads) or n < 2:
        fn(0, n)
        return
    bounds = np.linspace(0, n, min(threads, n) + 1).astype(int)
    futures = [_pool().submit(fn, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    for future in futures:
        future.result()
