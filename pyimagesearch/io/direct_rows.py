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
and the row. The index of a shard set (:mod:`pyimagesearch.io.shards`: a virtual data set
whose sources are the shards' whole data sets) is read the same way, each row straight
from its shard. JPEG rows (variable-length bytes, in HDF5's global heap) are read through
h5py: a batch's bytes are a tenth of its raw rows, and decoding is the loader's work.

Example (not run by the tests: needs a builder HDF5 file):
    >>> reader = DirectRowReader.open(db["images"], "train.hdf5")   # doctest: +SKIP
    >>> batch = np.empty((3, 256, 256, 3), np.uint8)                # doctest: +SKIP
    >>> reader.read_into(np.array([4, 9, 10]), batch)               # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import h5py
import numpy as np

from pyimagesearch.io.checksums import RowChecks


class DirectRowReader:
    """Reads rows of one data set with ``os.preadv`` (safe in threads), each compared with
    its checksum the first time it is read, when ``checks`` are given."""

    def __init__(
        self,
        path: str | list[str],
        offsets: np.ndarray,
        row_bytes: int,
        checks: RowChecks | None = None,
        which: np.ndarray | None = None,
    ) -> None:
        """``path``: the file, or the files (``which``: the file of each row)."""
        self.paths = [path] if isinstance(path, str) else list(path)
        self.path = self.paths[0]
        self.offsets = offsets
        self.which = np.zeros(len(offsets), np.int64) if which is None else which
        self.row_bytes = int(row_bytes)
        self.checks = checks
        self.fds: list[int] = []
        for one in self.paths:
            self.fds.append(os.open(one, os.O_RDONLY | getattr(os, "O_BINARY", 0)))

    @classmethod
    def open(cls, dataset: h5py.Dataset, path: str | os.PathLike[str]) -> DirectRowReader | None:
        """A reader for ``dataset`` of the file ``path``, or None where its rows do not
        lie whole and unfiltered in the file. The first and last rows are read both
        ways and compared before the reader is trusted; every read is checked against the
        file's row checksums (where it has them)."""
        offsets, files, which = row_offsets(dataset), str(path), None
        if offsets is None and dataset.is_virtual:
            files, which, offsets = virtual_row_offsets(dataset, path) or (None, None, None)
        if offsets is None or not hasattr(os, "preadv"):
            return None
        row_bytes = int(np.prod(dataset.shape[1:], dtype=np.int64)) * dataset.dtype.itemsize
        reader = cls(files, offsets, row_bytes, RowChecks.of(dataset, path), which)
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
        rows = np.asarray(rows, dtype=np.int64)
        starts, files = self.offsets[rows], self.which[rows]
        # runs of rows whose bytes follow each other in one file: one preadv each
        breaks = np.flatnonzero((np.diff(starts) != self.row_bytes) | (np.diff(files) != 0)) + 1
        bounds = np.concatenate(([0], breaks, [len(rows)]))
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            want = (hi - lo) * self.row_bytes
            got = os.preadv(self.fds[files[lo]], [flat[lo:hi]], int(starts[lo]))
            if got != want:
                raise OSError(f"cut off: read {got} of {want} bytes")

    def close(self) -> None:
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds = []


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


def virtual_row_offsets(
    dataset: h5py.Dataset, path: str | os.PathLike[str]
) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """``(source files, file of each row, offset of each row in its file)`` of a virtual
    data set each of whose sources is a whole data set mapped onto one run of its rows
    (a shard set's index), or None where that is not so."""
    folder = Path(path).parent
    files: list[str] = []
    which = np.full(len(dataset), -1, np.int64)
    offsets = np.full(len(dataset), -1, np.int64)
    for vmap in dataset.virtual_sources():
        if (vmap.src_space.get_select_type() != h5py.h5s.SEL_ALL
                or vmap.vspace.get_select_type() != h5py.h5s.SEL_HYPERSLABS):  # fmt: skip
            return None
        blocks = vmap.vspace.get_select_hyper_blocklist()
        if len(blocks) != 1:
            return None
        lo, hi = int(blocks[0][0][0]), int(blocks[0][1][0]) + 1
        source = folder / vmap.file_name
        with h5py.File(source, "r") as db:
            inner = row_offsets(db[vmap.dset_name])
        if inner is None or len(inner) != hi - lo:
            return None
        which[lo:hi], offsets[lo:hi] = len(files), inner
        files.append(str(source))
    return None if (which < 0).any() else (files, which, offsets)
