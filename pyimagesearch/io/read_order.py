"""The order the training loader reads rows in: fully random, or blocks that stream.

``SHUFFLE = "random"`` (the default) is a permutation of every row: each batch's rows lie
anywhere in the file, which is fine while the file sits in the page cache and slow once it
does not (a set larger than memory is read one scattered row at a time from disk).
``SHUFFLE = "block"`` cuts the rows into runs of ``SHUFFLE_BLOCK`` consecutive rows, puts
the blocks in a random order and shuffles the rows again inside each window of
``SHUFFLE_WINDOW`` blocks: a batch draws from a few thousand consecutive rows, read almost
sequentially, and each window is read once. Both are made from a ``numpy`` generator
seeded with ``(seed, epoch)``: the same seed gives the same order, epoch after epoch, and
a resumed run gets the batches it would have had.

Example:
    >>> order = epoch_order(10, np.random.default_rng([1, 0, 0]), "block", 2, 2)
    >>> sorted(order.tolist()) == list(range(10))
    True
    >>> np.array_equal(order, epoch_order(10, np.random.default_rng([1, 0, 0]), "block", 2, 2))
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pyimagesearch.config import Config, default

ORDERS = ("random", "block")


def block_order(n: int, rng: np.random.Generator, block: int, window: int) -> np.ndarray:
    """A permutation of ``range(n)``: blocks of ``block`` consecutive rows in a random
    order, the rows shuffled again within each window of ``window`` blocks."""
    if block < 1 or window < 1:
        raise ValueError(f"block and window must be >= 1, got {block} and {window}")
    starts = rng.permutation(np.arange(0, n, block))
    lengths = np.minimum(starts + block, n) - starts
    # row j of the blocks' sequence: its block's start plus its place in the block
    offsets = np.arange(n) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    order = np.repeat(starts, lengths) + offsets
    ends = np.cumsum(lengths)  # where each block ends in the sequence (one may be short)
    bounds = [0, *ends[window - 1 :: window].tolist(), n]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        order[lo:hi] = rng.permutation(order[lo:hi])
    return order


def epoch_order(
    n: int,
    rng: np.random.Generator,
    shuffle: str = "random",
    block: int = default("SHUFFLE_BLOCK"),
    window: int = default("SHUFFLE_WINDOW"),
) -> np.ndarray:
    """The order of ``n`` rows of one epoch (``shuffle``: ``"random"`` or ``"block"``)."""
    if shuffle == "random":
        return rng.permutation(n)
    if shuffle == "block":
        return block_order(n, rng, block, window)
    raise ValueError(f"shuffle must be one of {', '.join(ORDERS)}, got {shuffle!r}")


def read_order(cfg: Config) -> dict[str, Any]:
    """A training loader's read order from SHUFFLE, SHUFFLE_BLOCK and SHUFFLE_WINDOW, as
    ``HDF5DatasetGenerator``'s arguments ``shuffle``, ``shuffle_block``, ``shuffle_window``."""
    return {
        "shuffle": cfg.get("SHUFFLE"),
        "shuffle_block": cfg.get("SHUFFLE_BLOCK"),
        "shuffle_window": cfg.get("SHUFFLE_WINDOW"),
    }
