"""Threaded decoding for image pipelines: an ordered map, and blocks filled in place.

OpenCV releases the GIL while decoding and resizing, so threads overlap fully without
copying images between processes.

Example:
    >>> [(i, result) for i, result, _ in threaded_map(len, ["a", "bb", "ccc"], workers=2)]
    [(0, 1), (1, 2), (2, 3)]
    >>> for block in threaded_blocks(load_into, paths, (256, 256, 3), block_size=128):
    ...     writer.add(block.rows, labels[block.indices])     # doctest: +SKIP
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from pyimagesearch.parallel.workers import default_workers

T = TypeVar("T")
R = TypeVar("R")


def threaded_map(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int | None = None,
    in_flight: int | None = None,
    catch: type[BaseException] | tuple[type[BaseException], ...] = (),
) -> Iterator[tuple[int, R | None, BaseException | None]]:
    """Apply ``fn`` to ``items`` in threads; yield ``(index, result, error)`` in input order.

    At most ``in_flight`` items are pending at once, so memory stays bounded however
    slow the consumer is. Exceptions of the types in ``catch`` are yielded as ``error``
    (with ``result`` None); any other exception propagates.
    """
    workers = workers or default_workers()
    in_flight = in_flight or workers * 4
    pending: deque[Future[Any]] = deque()

    def call(item: T) -> tuple[R | None, BaseException | None]:
        try:
            return fn(item), None
        except catch as exc:  # type: ignore[misc]
            return None, exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        iterator = iter(items)
        index = 0
        try:
            for item in iterator:
                pending.append(pool.submit(call, item))
                if len(pending) >= in_flight:
                    result, error = pending.popleft().result()
                    yield index, result, error
                    index += 1
            while pending:
                result, error = pending.popleft().result()
                yield index, result, error
                index += 1
        finally:
            for future in pending:
                future.cancel()


@dataclass
class FilledBlock:
    """Consecutive items decoded into one array; failed items are left out.

    ``rows[j]`` is item ``indices[j]`` and ``results[j]`` what the fill function returned
    for it; ``errors`` lists ``(index, exception)`` of the items that failed.
    """

    indices: np.ndarray
    rows: np.ndarray
    results: list[Any]
    errors: list[tuple[int, BaseException]]

    @property
    def listed(self) -> int:
        return len(self.indices) + len(self.errors)


def threaded_blocks(
    fill: Callable[[T, np.ndarray], R],
    items: Sequence[T],
    row_shape: tuple[int, ...],
    dtype: Any = np.uint8,
    block_size: int = 128,
    workers: int | None = None,
    catch: type[BaseException] | tuple[type[BaseException], ...] = (),
    ahead: int = 2,
) -> Iterator[FilledBlock]:
    """Decode ``items`` straight into preallocated blocks of rows, in threads, in order.

    ``fill(item, out)`` writes one item into ``out`` (a row of the block, shape
    ``row_shape``) and returns anything small (e.g. channel sums). The main thread copies
    nothing per item: it gets whole blocks, ready to write with one HDF5 call, while the
    next ``ahead`` blocks decode. A block's ``rows`` stay valid until the next block is
    requested. Exceptions of the types in ``catch`` mark their item as failed; any other
    exception propagates.
    """
    workers = workers or default_workers()
    block_size = max(1, int(block_size))
    buffers = [np.empty((block_size, *row_shape), dtype) for _ in range(ahead + 1)]

    def call(item: T, out: np.ndarray) -> tuple[R | None, BaseException | None]:
        try:
            return fill(item, out), None
        except catch as exc:  # type: ignore[misc]
            return None, exc

    def finish(start: int, buffer: np.ndarray, futures: list[Future[Any]]) -> FilledBlock:
        outcomes = [future.result() for future in futures]
        ok = np.array([error is None for _, error in outcomes], dtype=bool)
        indices = start + np.flatnonzero(ok)
        rows = buffer[: len(futures)] if ok.all() else buffer[: len(futures)][ok]
        results = [result for result, error in outcomes if error is None]
        errors = [(start + j, error) for j, (_, error) in enumerate(outcomes) if error]
        return FilledBlock(indices, rows, results, errors)

    pending: deque[tuple[int, np.ndarray, list[Future[Any]]]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pyis-decode") as pool:
        try:
            for number, start in enumerate(range(0, len(items), block_size)):
                buffer = buffers[number % len(buffers)]
                stop = min(start + block_size, len(items))
                futures = [
                    pool.submit(call, items[i], buffer[i - start]) for i in range(start, stop)
                ]
                pending.append((start, buffer, futures))
                if len(pending) > ahead:
                    yield finish(*pending.popleft())
            while pending:
                yield finish(*pending.popleft())
        finally:
            for _, _, futures in pending:
                for future in futures:
                    future.cancel()
