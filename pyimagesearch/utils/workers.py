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


def resolve_workers(setting: int | None, cap: int | None = None) -> int:
    """Threads for a job: the setting when given (``BUILD_WORKERS``, ``WORKERS``), else one
    per available core, at most ``cap`` (loader threads of training: 4, which keep a GPU
    fed; more only compete with the model for the CPU)."""
    if setting is not None:
        return max(1, int(setting))
    cores = available_cores()
    return cores if cap is None else max(1, min(cap, cores))


def default_workers() -> int:
    """One thread per available core."""
    return resolve_workers(None)
