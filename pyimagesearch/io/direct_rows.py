"""Read whole rows of an uncompressed HDF5 data set straight from the file, side by side.

h5py runs every call behind one global lock, holding Python's GIL for tens of
microseconds a row, so loader threads reading an images data set take turns: on a
16-core machine the training loader delivered no more with 16 threads than with one
(``benchmarks/bench_loader_scaling.py``, docs/PERFORMANCE.md). Where each row lies whole
in the file (an unfiltered data set, contiguous or chunked along the first axis only,
as ``HDF5DatasetWriter`` writes images), the file offset of every row is known once the
file is open, and ``os.preadv`` copies rows straight into the batch with the GIL
released. Anything else (compression, a user block, a row in no chunk, a platform
without ``preadv``) keeps h5py's reads: :meth:`DirectRowReader.open` returns None. Rows
read straight from the file are compared with the checksums written with them, as h5py's
reads are (:mod:`pyimagesearch.io.checksums`): a damaged row is one line naming the file
and the row.

Example (not run by the tests: needs a builder HDF5 file):
    >>> reader = DirectRowReader.open(db["images"], "train.hdf5")   # doctest: +SKIP
    >>> batch = np.empty((3, 256, 256, 3), np.uint8)                # doctest: +SKIP
    >>> reader.read_into(np.array([4, 9, 10]), batch)               # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os

import h5py
import numpy as np

from pyimagesearch.io.checksums import RowChecks


class DirectRowReader:
    """Reads rows of one data set with ``os.preadv`` (safe in threads), each compared with
    its checksum the first time it is read, when ``checks`` are given."""

    def __init__(
        self, path: str, offsets: np.ndarray, row_bytes: int, checks: RowChecks | None = None
    ) -> None:
        self.path = path
        self.offsets = offsets
        self.row_bytes = int(row_bytes)
        self.checks = checks
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))

    @classmethod
    def open(cls, dataset: h5py.Dataset, path: str | os.PathLike[str]) -> DirectRowReader | None:
        """A reader for ``dataset`` of the file ``path``, or None where its rows do not
        lie whole and unfiltered in the file. The first and last rows are read both
        ways and compared before the reader is trusted; every read is checked against the
        file's row checksums (where it has them)."""
        offsets = row_offsets(dataset)
        if offsets is None or not hasattr(os, "preadv"):
            return None
        row_bytes = int(np.prod(dataset.shape[1:], dtype=np.int64)) * dataset.dtype.itemsize
        reader = cls(str(path), offsets, row_bytes, RowChecks.of(dataset, path))
        try:
            ends = np.array([0, len(offsets) - 1])
            direct = np.empty((2, *dataset.shape[1:]), dataset.dtype)
            reader._read(ends, direct)
            if np.array_equal(direct, dataset[np.unique(ends)][[0, -1]]):
                return reader
        except Exception:  # anything odd: h5py reads the file instead
            pass
        reader.close()
        return None

    def read_into(self, rows: np.ndarray, out: np.ndarray) -> None:
        """Rows ``rows`` into ``out`` (C-contiguous, one row per entry). Rows that follow
        each other in the file are one read. Raises OSError on a short read (a file cut
        off after it was opened), DatasetError for a row whose checksum differs (each row
        is compared the first time this reader reads it)."""
        self._read(rows, out)
        if self.checks is not None:
            self.checks.check(rows, out)

    def _read(self, rows: np.ndarray, out: np.ndarray) -> None:
        flat = out.reshape(len(rows), -1).view(np.uint8)
        starts = self.offsets[np.asarray(rows, dtype=np.int64)]
        # runs of rows whose bytes follow each other: one preadv each
        breaks = np.flatnonzero(np.diff(starts) != self.row_bytes) + 1
        bounds = np.concatenate(([0], breaks, [len(rows)]))
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            want = (hi - lo) * self.row_bytes
            got = os.preadv(self.fd, [flat[lo:hi]], int(starts[lo]))
            if got != want:
                raise OSError(f"cut off: read {got} of {want} bytes")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def row_offsets(dataset: h5py.Dataset) -> np.ndarray | None:
    """The file offset of every row of ``dataset``, or None where rows are not stored
    whole and unfiltered (or not stored at all yet)."""
    dtype = dataset.dtype
    if dataset.ndim < 1 or len(dataset) == 0 or dtype.kind not in "biuf" or not dtype.isnative:
        return None
    if dataset.file.userblock_size:
        return None
    plist = dataset.id.get_create_plist()
    if plist.get_nfilters():
        return None
    row_bytes = int(np.prod(dataset.shape[1:], dtype=np.int64)) * dtype.itemsize
    layout = plist.get_layout()
    if layout == h5py.h5d.CONTIGUOUS:
        base = dataset.id.get_offset()
        if base is None:
            return None
        return base + np.arange(len(dataset), dtype=np.int64) * row_bytes
    if layout != h5py.h5d.CHUNKED or tuple(dataset.chunks[1:]) != tuple(dataset.shape[1:]):
        return None
    per_chunk = dataset.chunks[0]
    offsets = np.full(len(dataset), -1, dtype=np.int64)

    def note(info) -> None:
        if info.byte_offset is None or info.filter_mask:
            return
        first = info.chunk_offset[0]
        last = min(first + per_chunk, len(dataset))
        offsets[first:last] = info.byte_offset + np.arange(last - first) * row_bytes

    if hasattr(dataset.id, "chunk_iter"):
        dataset.id.chunk_iter(note)
    else:  # older HDF5: one call a chunk
        for index in range(dataset.id.get_num_chunks()):
            note(dataset.id.get_chunk_info(index))
    return None if (offsets < 0).any() else offsets
