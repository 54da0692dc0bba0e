"""How many threads to use: the one answer for decoding, loading and evaluation.

Example:
    >>> resolve_workers(3)
    3
    >>> resolve_workers(None) >= 1
    True
"""

from __future__ import annotations

import os


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# Loader threads of training by default, at most: on a 16-core machine feeding an H200,
# 8 threads made 13,163 augmented images/s and 16 no more (12,849; 4: 9,224), while the
# book's AlexNet there takes 16,956 (docs/PERFORMANCE.md, "Feeding a GPU").
LOADER_THREADS = 8


def resolve_workers(setting: int | None, cap: int | None = None) -> int:
    """Threads for a job: the setting when given (``BUILD_WORKERS``, ``WORKERS``), else one
    per available core, at most ``cap``."""
    if setting is not None:
        return max(1, int(setting))
    cores = available_cores()
    return cores if cap is None else max(1, min(cap, cores))


def default_workers() -> int:
    """One thread per available core."""
    return resolve_workers(None)


def loader_workers(setting: int | None) -> int:
    """Loader threads of training: ``WORKERS`` when set, else one per core up to
    ``LOADER_THREADS`` (more made no more batches, and compete with the model on a CPU)."""
    return resolve_workers(setting, cap=LOADER_THREADS)
