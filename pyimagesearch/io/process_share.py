"""One process's share of every batch, in a run of several processes (``multi_worker``):
its rows of the global batch, with the random numbers those rows get in a one-process run.

The loader draws the patches and the augmentation of a batch in one call per quantity,
one value per image (``rng.uniform(low, high, n)``). :class:`SharedDraws` stands in for
the batch's generator: asked for ``n`` values (this process's rows), it draws the global
batch's ``total`` and hands back this process's slice, so process ``k`` of ``N`` gets
exactly what rows ``k*n .. (k+1)*n - 1`` get when one process makes the whole batch.

Mixup and CutMix pair each image with a partner anywhere in the global batch:
:func:`share_batch` makes this process's rows, draws the batch's mix as one process does,
then makes the partner rows it lacks (read from the file, augmented with the random
numbers those rows get in one process: the batch's generator as it was before the rows
were made, :class:`SharedDraws` indexed by the partners' positions) and mixes each row
with its partner (:func:`~pyimagesearch.preprocessing.mixing.mix_pairs`): N processes'
mixed shares are exactly the rows of the batch one process mixes.

>>> import numpy as np
>>> whole = np.random.default_rng(7).uniform(0, 1, 6)
>>> share = SharedDraws(np.random.default_rng(7), total=6, rows=slice(3, 6))
>>> bool(np.array_equal(share.uniform(0, 1, 3), whole[3:]))
True
>>> partners = SharedDraws(np.random.default_rng(7), total=6, rows=np.array([0, 4]))
>>> bool(np.array_equal(partners.uniform(0, 1, 2), whole[[0, 4]]))
True
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from pyimagesearch.preprocessing.mixing import mix_pairs

# The generator methods a loader step draws with, and where their size argument is.
_SIZE_POSITION = {"uniform": 2, "integers": 2, "normal": 2, "random": 0, "standard_normal": 0,
                  "choice": 1, "binomial": 2, "beta": 2, "exponential": 1}  # fmt: skip


class SharedDraws:
    """A ``numpy.random.Generator`` whose per-image draws (size: the number of ``rows``
    first) come from the global batch's draws of ``total`` values, taken at ``rows`` (a
    slice or positions in the batch); any other draw is the generator's own."""

    def __init__(self, rng: np.random.Generator, total: int, rows: slice | np.ndarray) -> None:
        self._rng, self._total, self._rows = rng, total, rows
        self._local = len(range(total)[rows]) if isinstance(rows, slice) else len(rows)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._rng, name)
        if name not in _SIZE_POSITION:
            return method
        position = _SIZE_POSITION[name]

        def draw(*args: Any, **kwargs: Any) -> Any:
            args, kwargs, widened = self._widen(position, list(args), dict(kwargs))
            values = method(*args, **kwargs)
            return values[self._rows] if widened else values

        return draw

    def _widen(self, position: int, args: list, kwargs: dict) -> tuple[list, dict, bool]:
        """The size argument made the global batch's, when it is this share's."""
        size = kwargs.get("size", args[position] if position < len(args) else None)
        first = size[0] if isinstance(size, tuple) and size else size
        if not isinstance(first, (int, np.integer)) or first != self._local:
            return args, kwargs, False
        wide = (self._total, *size[1:]) if isinstance(size, tuple) else self._total
        if "size" in kwargs:
            kwargs["size"] = wide
        else:
            args[position] = wide
        return args, kwargs, True


def _own(total: int, part: tuple[int, int]) -> slice:
    process, processes = part
    each = total // processes
    return slice(process * each, (process + 1) * each)


Make = Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray]]


def share_batch(
    make: Make, positions: np.ndarray, rng: np.random.Generator, part: tuple[int, int],
    mixer: Any = None,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Process ``part``'s rows of the global batch at ``positions``, made by
    ``make(positions, draws) -> (images, labels)`` (read, preprocess, augment, one-hot),
    then mixed by ``mixer`` (a ``BatchMixer`` or None) as one process mixes the batch."""
    total, own = len(positions), _own(len(positions), part)
    before = copy.deepcopy(rng) if mixer is not None else None  # the partners' draws
    images, labels = make(positions[own], SharedDraws(rng, total, own))
    if mixer is None or not len(images):
        return images, labels
    mix = mixer.draw(total, images.shape[1], images.shape[2], rng)  # the whole batch's
    if mix.kind is None:
        return images, labels
    partners = mix.order[own]  # each row's partner: its position in the global batch
    mine = np.arange(total)[own]
    extra = np.setdiff1d(partners, mine)  # partners among the other processes' rows
    where = np.zeros(total, np.int64)
    where[mine] = np.arange(len(mine))
    pool_images, pool_labels = images, labels
    if len(extra):
        more_images, more_labels = make(positions[extra], SharedDraws(before, total, extra))
        where[extra] = len(mine) + np.arange(len(extra))
        pool_images = np.concatenate([images, more_images])
        pool_labels = np.concatenate([labels, more_labels])
    pick = where[partners]
    return mix_pairs(mix, images, labels, pool_images[pick], pool_labels[pick])
