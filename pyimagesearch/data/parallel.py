"""Ordered, bounded, threaded map for image decoding.

OpenCV releases the GIL while decoding and resizing, so threads overlap fully without
copying images between processes.

Example:
    >>> for index, result, error in threaded_map(load, paths, workers=4):
    ...     ...                                               # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """Worker threads to use by default: one per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


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
