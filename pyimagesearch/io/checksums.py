"""Checksums that show damage inside an HDF5 file, which HDF5 itself does not notice.

``HDF5DatasetWriter`` records, in every file it writes, one CRC-32 of each row's bytes (the
``row_checksums`` data set, uint32, one per image or feature row: a row stays one unit,
whatever its format; of a JPEG row, the bytes stored) and one CRC-32 of the whole
content of every small data set (labels, paths, label names, split codes, the row
checksums themselves) in that data
set's ``crc32`` attribute. :func:`~pyimagesearch.io.hdf5_dataset.open_hdf5` checks the
small data sets on opening; the row checksums are compared wherever rows are read
(:func:`~pyimagesearch.io.hdf5_dataset.read_rows`), by the training loader and the direct
row reader the first time each reads a row (:class:`RowChecks`: a file does not change
under an open reader, so later epochs cost nothing). ``zlib.crc32`` releases the GIL for
rows of more than 5 KB, so loader threads check side by side (0.05 ms for a 256x256 RGB
row on the reference machine; the cost is in docs/PERFORMANCE.md). Files written before
the checksums were are read as they are, with one note that they cannot be verified.

Example:
    >>> rows = np.zeros((3, 4, 4, 3), np.uint8)
    >>> expected = row_crcs(rows)
    >>> rows[1, 0, 0, 0] = 9                      # damage in row 1
    >>> check_rows("test.hdf5", "images", np.arange(3), rows, expected)
    Traceback (most recent call last):
    ...
    pyimagesearch.errors.DatasetError: test.hdf5 row 1 is damaged (its checksum differs \
from the one written with it); rebuild it with build_dataset.py --overwrite
"""

from __future__ import annotations

import os
import zlib

import h5py
import numpy as np

from pyimagesearch.errors import DatasetError

ROW_CHECKSUMS = "row_checksums"  # the data set of one CRC-32 per row
OF = "of"  # its attribute: the data set whose rows it checks ("images", "features", ...)
CRC_ATTR = "crc32"  # the attribute of a small data set: the CRC-32 of its content
REBUILT_BY = {
    "images": "rebuild it with build_dataset.py --overwrite",
    "features": "extract the features again with extract_features.py --overwrite",
    "activations": "extract the activations again with extract_features.py --overwrite",
}


def row_crcs(rows: np.ndarray, positions: np.ndarray | None = None) -> np.ndarray:
    """The CRC-32 of each row's bytes (of the rows at ``positions`` only, when given), as
    uint32 (rows first, any shape and type; an object array of encoded rows, e.g. JPEG
    bytes: the CRC-32 of each row's stored bytes)."""
    if rows.dtype == object:
        at = range(len(rows)) if positions is None else positions.tolist()
        return np.fromiter((zlib.crc32(rows[i]) for i in at), np.uint32, len(at))
    flat = np.ascontiguousarray(rows).reshape(len(rows), -1).view(np.uint8)
    at = range(len(flat)) if positions is None else positions.tolist()
    return np.fromiter((zlib.crc32(flat[i]) for i in at), np.uint32, len(at))


def content_crc(values: np.ndarray) -> int:
    """The CRC-32 of a small data set's content: numbers as little-endian bytes; strings
    (h5py's bytes, or str) each as its length, then its bytes."""
    values = np.asarray(values)
    if values.dtype.kind not in "OSU":
        return zlib.crc32(np.ascontiguousarray(values, values.dtype.newbyteorder("<")))
    crc = 0
    for value in values.reshape(-1).tolist():
        data = value if isinstance(value, bytes) else os.fsencode(str(value))
        crc = zlib.crc32(data, zlib.crc32(len(data).to_bytes(8, "little"), crc))
    return crc


def rebuild_hint(data_key: str | None) -> str:
    """What rebuilds a file whose rows are ``data_key``."""
    return REBUILT_BY.get(data_key or "", "rebuild it")


def stored_checksums(
    dataset: h5py.Dataset, rows: slice | np.ndarray | int | None = None
) -> np.ndarray | None:
    """The checksums written with ``dataset``'s rows ``rows`` (None: all of them), or None
    for a file written before they were (or a data set they do not check)."""
    db = dataset.file
    key = dataset.name.strip("/")
    if ROW_CHECKSUMS not in db or str(db[ROW_CHECKSUMS].attrs.get(OF, "")) != key:
        return None
    sums = db[ROW_CHECKSUMS]
    if rows is None:
        return np.asarray(sums[:], np.uint32)
    index = np.arange(len(sums))[rows]
    if np.ndim(index) == 0:
        return np.asarray(sums[int(index)], np.uint32).reshape(1)
    if not len(index):
        return np.empty(0, np.uint32)
    lo, hi = int(index.min()), int(index.max()) + 1  # one read, whatever the order
    return np.asarray(sums[lo:hi], np.uint32)[index - lo]


def check_rows(
    path: str | os.PathLike[str],
    data_key: str,
    rows: np.ndarray,
    data: np.ndarray,
    expected: np.ndarray,
    positions: np.ndarray | None = None,
) -> None:
    """Raise one line naming the file and the first row of ``rows`` (file rows, in the
    order of ``data``) whose bytes differ from their checksum in ``expected``; with
    ``positions``, only the entries of ``data`` at those positions are compared (and
    ``expected`` holds their checksums)."""
    bad = np.flatnonzero(row_crcs(data, positions) != expected)
    if not len(bad):
        return
    at = bad if positions is None else positions[bad]
    first = int(np.asarray(rows).reshape(-1)[at[0]])
    more = f", as do {len(bad) - 1} more of the {len(data)} rows read" if len(bad) > 1 else ""
    raise DatasetError(
        f"{path} row {first}{_in_shard(path, data_key, first)} is damaged (its checksum "
        f"differs from the one written with it{more}); {rebuild_hint(data_key)}"
    )


def _in_shard(path: str | os.PathLike[str], data_key: str, row: int) -> str:
    """`` (row R of SHARD)`` where ``path`` is a shard set's index, else nothing."""
    from pyimagesearch.io.shards import shard_row  # shards imports this module

    found = shard_row(path, data_key, row)
    return f" (row {found[1]} of {found[0]})" if found else ""


class RowChecks:
    """The checksums of one data set's rows, each row compared the first time it is read
    through this object (safe in threads: at worst a row is compared twice).

    Example:
        >>> rows = np.arange(12, dtype=np.uint8).reshape(4, 3)
        >>> checks = RowChecks("f.hdf5", "images", row_crcs(rows))
        >>> checks.check(np.array([1, 2]), rows[1:3])
        >>> int(checks.checked.sum())
        2
    """

    def __init__(self, path: str | os.PathLike[str], data_key: str, expected: np.ndarray):
        self.path, self.data_key, self.expected = path, data_key, expected
        self.checked = np.zeros(len(expected), bool)

    @classmethod
    def of(cls, dataset: h5py.Dataset, path: str | os.PathLike[str]) -> RowChecks | None:
        """The checks of ``dataset`` (of the file ``path``); None without checksums."""
        expected = stored_checksums(dataset)
        return None if expected is None else cls(path, dataset.name.strip("/"), expected)

    def check(self, rows: np.ndarray, data: np.ndarray) -> None:
        """Compare the rows of ``data`` (file rows ``rows``) not compared before."""
        rows = np.asarray(rows, dtype=np.int64)
        todo = np.flatnonzero(~self.checked[rows])
        if len(todo):
            new = rows[todo]
            check_rows(self.path, self.data_key, rows, data, self.expected[new], todo)
            self.checked[new] = True
