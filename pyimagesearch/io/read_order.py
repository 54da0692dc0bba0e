"""The order the training loader reads rows in: fully random, or blocks that stream.

``SHUFFLE = "random"`` (the default) is a permutation of every row: each batch's rows lie
anywhere in the file, which is fine while the file sits in the page cache and slow once it
does not (a set larger than memory is read one scattered row at a time from disk).
``SHUFFLE = "block"`` cuts the rows into runs of ``SHUFFLE_BLOCK`` consecutive rows, puts
the blocks in a random order and shuffles the rows again inside each window of
``SHUFFLE_WINDOW`` blocks: a batch draws from a few thousand consecutive rows, read almost
sequentially, and each window is read once. Both are made from a ``numpy`` generator
seeded with ``(seed, epoch)``: the same seed gives the same order, epoch after epoch, and
a resumed run gets the batches it would have had. Rows stored as JPEG bytes are read a
whole block at a time in block order (:class:`BlockCache`: one h5py call a block, the
blocks of the last two windows kept in memory), so that a window is read from disk in
sequence and shuffled in memory: cold, 25,000 JPEG rows, as fast as reading them in file
order (docs/PERFORMANCE.md).

Example:
    >>> order = epoch_order(10, np.random.default_rng([1, 0, 0]), "block", 2, 2)
    >>> sorted(order.tolist()) == list(range(10))
    True
    >>> np.array_equal(order, epoch_order(10, np.random.default_rng([1, 0, 0]), "block", 2, 2))
    True
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import h5py
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


class BlockCache:
    """Rows of a data set of encoded (variable-length) rows, read a whole block of
    ``block`` rows at a time (one h5py call), the last ``capacity`` blocks kept. Not
    thread-safe: the loader calls it under its h5py lock.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "rows.hdf5")
        >>> with h5py.File(path, "w") as db:
        ...     rows = db.create_dataset("rows", (10,), h5py.vlen_dtype(np.uint8))
        ...     for i in range(10):
        ...         rows[i] = np.full(i + 1, i, np.uint8)
        ...     cache = BlockCache(rows, block=4, capacity=2)
        ...     [len(row) for row in cache.rows(np.array([1, 5, 9]))], list(cache.blocks)
        ([2, 6, 10], [1, 2])
    """

    def __init__(self, dataset: h5py.Dataset, block: int, capacity: int) -> None:
        self.dataset, self.block, self.capacity = dataset, int(block), max(1, int(capacity))
        self.blocks: OrderedDict[int, np.ndarray] = OrderedDict()

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The stored rows ``rows`` (a 1-D object array, in the order asked)."""
        rows = np.asarray(rows, np.int64)
        out = np.empty(len(rows), object)
        of_block = rows // self.block
        for b in np.unique(of_block).tolist():
            mine = np.flatnonzero(of_block == b)
            out[mine] = self._block(b)[rows[mine] - b * self.block]
        return out

    def _block(self, b: int) -> np.ndarray:
        if b in self.blocks:
            self.blocks.move_to_end(b)
            return self.blocks[b]
        data = self.blocks[b] = self.dataset[b * self.block : (b + 1) * self.block]
        while len(self.blocks) > self.capacity:
            self.blocks.popitem(last=False)
        return data
