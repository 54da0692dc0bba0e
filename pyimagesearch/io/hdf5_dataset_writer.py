"""HDF5DatasetWriter: buffered, interruption-safe writing of images or features to HDF5.

Example:
    >>> writer = HDF5DatasetWriter((1000, 256, 256, 3), "train.hdf5", buffer_size=500)
    >>> writer.store_class_labels(["cat", "dog"])
    >>> writer.add(images, labels, paths=paths)         # doctest: +SKIP
    >>> writer.close()                                  # doctest: +SKIP

The file is written under a temporary name (``train.hdf5.partial``) and renamed when
``close()`` finishes, with the attribute ``complete=True``: an interrupted run never
leaves a file that looks complete. ``dims[0]`` is the most rows the file may hold; a file
that receives fewer (skipped images) is shrunk to the rows actually written. Every row's
CRC-32 goes to ``row_checksums`` as it is written, and every small data set (labels,
paths, names, columns) gets the CRC-32 of its content on ``close()``, so that readers
notice damage inside the file (:mod:`pyimagesearch.io.checksums`).

With ``storage="jpeg"`` the rows added are JPEG bytes of images of ``dims[1:]`` (one 1-D
uint8 array each, :func:`~pyimagesearch.io.storage.encode_jpeg`), stored as
variable-length rows whose data set says how to decode them
(:mod:`pyimagesearch.io.storage`); their checksums are those of the bytes.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from pyimagesearch.config import default
from pyimagesearch.errors import DatasetError, OutputError
from pyimagesearch.io.checksums import CRC_ATTR, OF, ROW_CHECKSUMS, content_crc, row_crcs
from pyimagesearch.io.storage import (
    ENCODED_DTYPE,
    IMAGE_SHAPE_ATTR,
    QUALITY_ATTR,
    RAW,
    STORAGE_ATTR,
    STORAGES,
    VLEN_OVERHEAD,
    encoded_rows,
)
from pyimagesearch.utils.atomic import partial_path

STRING_DTYPE = h5py.string_dtype(encoding="utf-8")
_ERRNO = re.compile(r"errno = (\d+)")
# Files whose close failed (a full disk fails the final metadata flush too): HDF5 keeps
# them open and tries again when the interpreter exits, which can crash it. The scripts
# end such a process directly after reporting the error (see pyimagesearch.cli.friendly_errors).
_UNCLOSED: set[str] = set()


def unclosed_files() -> set[str]:
    """Partial files whose close failed in this process (normally empty)."""
    return set(_UNCLOSED)


def write_failure(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    """A failed HDF5 write as one line (h5py's own message runs to several hundred
    characters): the file and the system's reason, e.g. "No space left on device"."""
    match = _ERRNO.search(str(exc))
    number = int(match.group(1)) if match else exc.errno
    reason = os.strerror(number) if number else str(exc).split("(")[0].strip()
    return OutputError(f"cannot write {path}: {reason}; nothing was published")


def encode_paths(paths: Sequence[str]) -> list[bytes]:
    """Paths as the bytes the file system uses: a name that is not valid UTF-8 (kept as
    surrogates by ``os.walk``) is stored losslessly; read them back with
    ``read_paths``."""
    return [os.fsencode(p) for p in paths]


# Blocks of at least this many bytes skip the buffer: they are as large as a write needs.
DIRECT_WRITE_BYTES = 16 * 2**20


class HDF5DatasetWriter:
    """Buffer rows (images or features) with their labels and write them in blocks.

    Args:
        dims: shape of the data, rows first, e.g. ``(N, 256, 256, 3)`` or ``(N, 2048)``.
        output_path: the HDF5 file to create.
        data_key: name of the data set (``"images"`` or ``"features"``).
        buffer_size: rows kept in memory between writes; a block of at least that many
            rows (or 16 MB) passed to ``add`` is written directly.
        overwrite: replace an existing file; otherwise refuse with a clear error.
        dtype: storage type; default: the type of the first rows added.
        attrs: file attributes to record (channel order, image size, backbone, ...).
        storage: ``"raw"`` (rows as arrays) or ``"jpeg"`` (rows added as JPEG bytes of
            images of ``dims[1:]``).
        jpeg_quality: the quality the JPEG rows were encoded with (recorded).
        dataKey, bufSize: the book's names for ``data_key`` and ``buffer_size``.
    """

    def __init__(
        self,
        dims: Sequence[int],
        output_path: str | os.PathLike[str],
        data_key: str = "images",
        buffer_size: int = default("BUFFER_SIZE"),
        overwrite: bool = False,
        dtype: Any = None,
        attrs: dict[str, Any] | None = None,
        storage: str = RAW,
        jpeg_quality: int | None = None,
        *,
        dataKey: str | None = None,
        bufSize: int | None = None,
    ) -> None:
        data_key = dataKey or data_key  # the book's keyword names still work
        buffer_size = bufSize or buffer_size
        if len(dims) < 2 or int(dims[0]) < 0:
            raise ValueError(f"dims must be (rows, ...) with rows >= 0, got {tuple(dims)}")
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be >= 1, got {buffer_size}")
        self._set_storage(storage, jpeg_quality)
        self.dims = tuple(int(d) for d in dims)
        self.output_path = Path(output_path)
        if self.output_path.exists() and not overwrite:
            raise DatasetError(
                f"{self.output_path} already exists; delete it or pass overwrite=True "
                "(set OVERWRITE = True in the config)"
            )
        self.output_path.parent.mkdir(parents=True, exist_ok=True)
        self.partial_path = partial_path(self.output_path)
        self.data_key = data_key
        self.buffer_size = int(buffer_size)
        self.dtype = np.dtype(dtype) if dtype is not None else None
        try:
            self.db = h5py.File(self.partial_path, "w")
        except OSError as exc:
            raise write_failure(self.partial_path, exc) from None
        self.db.attrs["complete"] = False
        for key, value in (attrs or {}).items():
            self.db.attrs[key] = value
        self.labels = self.db.create_dataset(
            "labels", (self.dims[0],), dtype="int64", maxshape=(None,), chunks=True
        )
        self.data: h5py.Dataset | None = None
        self.checksums: h5py.Dataset | None = None
        self.paths: h5py.Dataset | None = None
        self._label_counts = np.zeros(0, np.int64)
        self._buffer: np.ndarray | None = None
        self._buffer_labels = np.empty(self.buffer_size, dtype="int64")
        self._buffer_paths: list[str] = []
        self._fill = 0  # rows in the buffer
        self._with_paths = False
        self.idx = 0  # rows written to disk
        self.stored_bytes = 0  # bytes of the rows written (and of their HDF5 bookkeeping)
        self._closed = False
        self._published = False
        self._columns: list[h5py.Dataset] = []

    def _set_storage(self, storage: str, jpeg_quality: int | None) -> None:
        if storage not in STORAGES:
            raise ValueError(f"storage must be one of {', '.join(STORAGES)}, got {storage!r}")
        self.storage, self.jpeg_quality = storage, jpeg_quality
        self.encoded = storage != RAW

    @property
    def count(self) -> int:
        """Rows added so far (written or still buffered)."""
        return self.idx + self._fill

    # -- writing --------------------------------------------------------------------------
    def _create_data(self, dtype: np.dtype) -> None:
        if self.encoded:
            self._create_encoded()
            return
        self.dtype = self.dtype or dtype
        chunks = (1, *self.dims[1:]) if len(self.dims) > 2 else None
        self.data = self.db.create_dataset(
            self.data_key,
            self.dims,
            dtype=self.dtype,
            maxshape=(None, *self.dims[1:]),
            chunks=chunks if chunks else True,
        )
        self.checksums = self.db.create_dataset(
            ROW_CHECKSUMS, (self.dims[0],), dtype="uint32", maxshape=(None,), chunks=True
        )
        self.checksums.attrs[OF] = self.data_key
        self._buffer = np.empty((self.buffer_size, *self.dims[1:]), dtype=self.dtype)

    def _create_encoded(self) -> None:
        """The data set of encoded rows (one vlen uint8 entry a row) and its checksums."""
        self.data = self.db.create_dataset(
            self.data_key, (self.dims[0],), dtype=ENCODED_DTYPE, maxshape=(None,), chunks=True
        )
        self.data.attrs[STORAGE_ATTR] = self.storage
        self.data.attrs[IMAGE_SHAPE_ATTR] = self.dims[1:]
        if self.jpeg_quality is not None:
            self.data.attrs[QUALITY_ATTR] = int(self.jpeg_quality)
        self.checksums = self.db.create_dataset(
            ROW_CHECKSUMS, (self.dims[0],), dtype="uint32", maxshape=(None,), chunks=True
        )
        self.checksums.attrs[OF] = self.data_key
        self._buffer = np.empty(self.buffer_size, dtype=object)

    def _as_rows(self, rows: Any) -> np.ndarray:
        """``rows`` as the writer stores them: an array of ``dims[1:]`` rows, or (encoded
        storage) a 1-D object array of byte rows."""
        if not self.encoded:
            rows = np.asarray(rows)
            if rows.shape[1:] != self.dims[1:]:
                raise ValueError(
                    f"rows of shape {rows.shape[1:]} do not match dims {self.dims[1:]}"
                )
            return rows
        return (
            rows if isinstance(rows, np.ndarray) and rows.dtype == object else (encoded_rows(rows))
        )

    def add(
        self,
        rows: np.ndarray,
        labels: Sequence[int] | np.ndarray,
        paths: Sequence[str] | None = None,
    ) -> None:
        """Add a batch of rows with their integer labels (and source paths, if known);
        with ``storage="jpeg"``, rows are the images' JPEG bytes (a sequence of 1-D uint8
        arrays)."""
        rows = self._as_rows(rows)
        labels = np.asarray(labels, dtype="int64").reshape(-1)
        if len(rows) != len(labels) or (paths is not None and len(paths) != len(rows)):
            raise ValueError("rows, labels and paths must have the same length")
        if self.count + len(rows) > self.dims[0]:
            raise DatasetError(
                f"{self.output_path}: more rows added ({self.count + len(rows)}) "
                f"than the {self.dims[0]} declared in dims"
            )
        if self.data is None:
            self._create_data(rows.dtype)
            self._with_paths = paths is not None
        if self._with_paths != (paths is not None):
            raise ValueError("pass paths with every add() call or with none")
        if (self._fill == 0 and len(rows) >= self.buffer_size) or (
            rows.nbytes >= DIRECT_WRITE_BYTES
        ):
            # a block as large as a buffer: write it as it is (after anything buffered)
            self.flush()
            self._write(rows, labels, None if paths is None else [str(p) for p in paths])
            return
        start = 0
        while start < len(rows):
            take = min(self.buffer_size - self._fill, len(rows) - start)
            self._buffer[self._fill : self._fill + take] = rows[start : start + take]
            self._buffer_labels[self._fill : self._fill + take] = labels[start : start + take]
            if paths is not None:
                self._buffer_paths.extend(str(p) for p in paths[start : start + take])
            self._fill += take
            start += take
            if self._fill == self.buffer_size:
                self.flush()

    def flush(self) -> None:
        """Write the buffered rows to disk."""
        if self._fill == 0:
            return
        self._write(
            self._buffer[: self._fill], self._buffer_labels[: self._fill], self._buffer_paths
        )
        self._fill = 0
        self._buffer_paths = []

    def _write(self, rows: np.ndarray, labels: np.ndarray, paths: list[str] | None) -> None:
        end = self.idx + len(rows)
        if self.encoded:
            nbytes = sum(len(row) for row in rows) + len(rows) * VLEN_OVERHEAD
        else:
            rows = np.asarray(rows, dtype=self.dtype)  # the checksums are of the bytes stored
            nbytes = rows.nbytes
        try:
            self.data[self.idx : end] = rows
            self.checksums[self.idx : end] = row_crcs(rows)
            self.labels[self.idx : end] = labels
            if paths:
                if self.paths is None:
                    self.paths = self.db.create_dataset(
                        "paths", (self.dims[0],), dtype=STRING_DTYPE, maxshape=(None,)
                    )
                self.paths[self.idx : end] = encode_paths(paths)
        except OSError as exc:  # disk full, quota, file size limit
            raise write_failure(self.output_path, exc) from None
        self.idx = end
        self.stored_bytes += nbytes
        counts = np.bincount(labels[labels >= 0], minlength=len(self._label_counts))
        counts[: len(self._label_counts)] += self._label_counts
        self._label_counts = counts

    def label_counts(self, classes: int) -> np.ndarray:
        """Rows written so far of each label ``0 .. classes - 1`` (buffered rows not yet)."""
        counts = self._label_counts[:classes]
        return np.pad(counts, (0, classes - len(counts)))

    def store_class_labels(self, class_labels: Sequence[str]) -> None:
        """Store the label names; label ``i`` is ``class_labels[i]``."""
        if "label_names" in self.db:
            del self.db["label_names"]
        self.db.create_dataset(
            "label_names",
            data=np.array([str(c) for c in class_labels], dtype=object),
            dtype=STRING_DTYPE,
        )

    storeClassLabels = store_class_labels  # the book's name

    def store_column(self, name: str, values: np.ndarray, **attrs: Any) -> None:
        """One more value per row (e.g. each row's split), written before ``close()``;
        ``values`` must cover every row added."""
        values = np.asarray(values)
        if len(values) != self.count:
            raise ValueError(f"{name}: {len(values)} values for {self.count} rows")
        self.flush()
        try:
            column = self.db.create_dataset(name, data=values, maxshape=(None,))
        except OSError as exc:
            raise write_failure(self.output_path, exc) from None
        for key, value in attrs.items():
            column.attrs[key] = value
        self._columns.append(column)

    def set_attrs(self, **attrs: Any) -> None:
        """Record file attributes (channel order, image size, mean, backbone, ...)."""
        for key, value in attrs.items():
            self.db.attrs[key] = value

    # -- finishing -------------------------------------------------------------------------
    def close(self, publish: bool = True) -> Path:
        """Flush, shrink to the rows written, mark complete and move into place.

        With ``publish=False`` the finished file keeps its ``.partial`` name until
        :meth:`publish`, so that several files (train, val, test) appear together.
        """
        if not self._closed:
            self.flush()
            try:
                if self.data is None:
                    self._create_data(self.dtype or np.dtype("float32"))
                rows = self.idx
                for dataset in (self.data, self.checksums, self.labels, self.paths,
                                *self._columns):  # fmt: skip
                    if dataset is not None and dataset.shape[0] != rows:
                        dataset.resize((rows, *dataset.shape[1:]))
                self._record_content_checksums()
                self.db.attrs["rows"] = rows
                self.db.attrs["complete"] = True
                self.db.close()
            except OSError as exc:
                raise write_failure(self.output_path, exc) from None
            self._closed = True
        if publish:
            self.publish()
        return self.output_path

    def _record_content_checksums(self) -> None:
        """The CRC-32 of every small data set's content, as written, in its ``crc32``
        attribute (checked by ``open_hdf5``)."""
        for key, dataset in self.db.items():
            if self.encoded and key == self.data_key:
                continue  # rows: each has its checksum in row_checksums
            if isinstance(dataset, h5py.Dataset) and dataset.ndim <= 1:
                dataset.attrs[CRC_ATTR] = np.uint32(content_crc(dataset[()]))

    def publish(self) -> Path:
        """Move a closed file from its ``.partial`` name to ``output_path``."""
        if not self._closed:
            raise RuntimeError("close() the writer before publishing its file")
        if not self._published:
            os.replace(self.partial_path, self.output_path)
            self._published = True
        return self.output_path

    def abort(self) -> None:
        """Close and delete the unpublished file (nothing is left that looks complete)."""
        if self._published:
            return
        try:
            if not self._closed:
                try:
                    self.db.close()
                except Exception:  # a full disk fails the close too: HDF5 keeps it open
                    _UNCLOSED.add(str(self.partial_path))
        finally:
            with contextlib.suppress(OSError):
                self.partial_path.unlink()
            self._closed = True

    def __enter__(self) -> HDF5DatasetWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
