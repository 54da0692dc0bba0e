"""One process's share of every batch, in a run of several processes (``multi_worker``):
its rows of the global batch, with the random numbers those rows get in a one-process run.

The loader draws the patches and the augmentation of a batch in one call per quantity,
one value per image (``rng.uniform(low, high, n)``). :class:`SharedDraws` stands in for
the batch's generator: asked for ``n`` values (this process's rows), it draws the global
batch's ``total`` and hands back this process's slice, so process ``k`` of ``N`` gets
exactly what rows ``k*n .. (k+1)*n - 1`` get when one process makes the whole batch.

>>> import numpy as np
>>> whole = np.random.default_rng(7).uniform(0, 1, 6)
>>> share = SharedDraws(np.random.default_rng(7), total=6, start=3, stop=6)
>>> bool(np.array_equal(share.uniform(0, 1, 3), whole[3:]))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

# The generator methods a loader step draws with, and where their size argument is.
_SIZE_POSITION = {"uniform": 2, "integers": 2, "normal": 2, "random": 0, "standard_normal": 0,
                  "choice": 1, "binomial": 2, "beta": 2, "exponential": 1}  # fmt: skip


class SharedDraws:
    """A ``numpy.random.Generator`` whose per-image draws (size ``stop - start`` first)
    come from the global batch's draws of ``total`` values, sliced to ``start:stop``;
    any other draw is the generator's own."""

    def __init__(self, rng: np.random.Generator, total: int, start: int, stop: int) -> None:
        self._rng, self._total, self._start, self._stop = rng, total, start, stop

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._rng, name)
        if name not in _SIZE_POSITION:
            return method
        position = _SIZE_POSITION[name]

        def draw(*args: Any, **kwargs: Any) -> Any:
            args, kwargs, widened = self._widen(position, list(args), dict(kwargs))
            values = method(*args, **kwargs)
            return values[self._start : self._stop] if widened else values

        return draw

    def _widen(self, position: int, args: list, kwargs: dict) -> tuple[list, dict, bool]:
        """The size argument made the global batch's, when it is this share's."""
        size = kwargs.get("size", args[position] if position < len(args) else None)
        local = self._stop - self._start
        first = size[0] if isinstance(size, tuple) and size else size
        if not isinstance(first, (int, np.integer)) or first != local:
            return args, kwargs, False
        wide = (self._total, *size[1:]) if isinstance(size, tuple) else self._total
        if "size" in kwargs:
            kwargs["size"] = wide
        else:
            args[position] = wide
        return args, kwargs, True


def process_share(
    positions: np.ndarray, rng: np.random.Generator, part: tuple[int, int]
) -> tuple[np.ndarray, SharedDraws]:
    """Process ``part[0]`` of ``part[1]``'s rows among a global batch's sorted
    ``positions`` (equal, contiguous shares; the rows a last, smaller batch cannot share
    evenly are left out), and the generator its rows draw from.

    >>> rows, draws = process_share(np.arange(10, 20), np.random.default_rng(0), (1, 2))
    >>> rows.tolist()
    [15, 16, 17, 18, 19]
    """
    process, processes = part
    each = len(positions) // processes
    start, stop = process * each, (process + 1) * each
    return positions[start:stop], SharedDraws(rng, len(positions), start, stop)
