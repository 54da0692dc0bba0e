"""Open HDF5 files written by HDF5DatasetWriter, refusing unfinished or damaged ones.

A file is checked when it is opened (its small data sets against their checksums: labels,
paths, names) and its rows whenever they are read (:func:`read_rows`), see
:mod:`pyimagesearch.io.checksums`. Rows stored as JPEG bytes are decoded by :func:`read_rows`
(:mod:`pyimagesearch.io.storage`): readers get the same pixels arrays either way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import h5py
import numpy as np

from pyimagesearch.errors import DatasetError
from pyimagesearch.io.checksums import (
    CRC_ATTR,
    ROW_CHECKSUMS,
    check_rows,
    content_crc,
    rebuild_hint,
    stored_checksums,
)
from pyimagesearch.io.shards import missing_shards
from pyimagesearch.io.storage import STORAGE_ATTR, decode_rows, is_encoded, row_shape, storage_of
from pyimagesearch.utils.atomic import partial_path

_WRITTEN_BY = {
    "images": " (build it first: build_dataset.py)",
    "features": " (extract the features first: extract_features.py)",
}
_NOTED: set[str] = set()  # files without checksums already named in this process


def damaged(path: str | os.PathLike[str], data_key: str | None, exc: BaseException) -> DatasetError:
    """One line for a file whose interior cannot be read: which file, why, what rebuilds it
    (instead of h5py's ``OSError: bad global heap collection signature``)."""
    text = str(exc)
    inner = re.search(r"\(([^()]+)\)\s*$", text)  # h5py: "Can't read data (the cause)"
    reason = (inner.group(1) if inner else text.split("(")[0]).strip() or type(exc).__name__
    return DatasetError(f"{path} is damaged ({reason}); {rebuild_hint(data_key)}")


def _rows_key(db: h5py.File) -> str | None:
    """The data set of rows (``images``, ``features``, ``activations``), if any."""
    return next((key for key, item in db.items() if _is_rows(item)), None)


def _is_rows(item: h5py.HLObject) -> bool:
    return isinstance(item, h5py.Dataset) and (item.ndim > 1 or STORAGE_ATTR in item.attrs)


def _verify(db: h5py.File, path: Path, data_key: str | None) -> None:
    """Read everything small (attributes, labels, names, paths, split codes, the row
    checksums), each compared with its checksum where the file has one, and every other
    data set's header, so that a damaged file fails here and not half-way through a run;
    rows stored in a way this version cannot read are refused in one line."""
    dict(db.attrs)
    for key, dataset in db.items():
        if not isinstance(dataset, h5py.Dataset):
            continue
        if _is_rows(dataset):
            storage_of(dataset)  # one line for an unknown storage
        if dataset.ndim <= 1 and not _is_rows(dataset):
            content = dataset[()]
            written = dataset.attrs.get(CRC_ATTR)
            if written is not None and content_crc(content) != int(written):
                raise DatasetError(
                    f"{path} is damaged (its '{key}' data set differs from its checksum); "
                    f"{rebuild_hint(data_key or _rows_key(db))}"
                )
        elif dataset.shape[0]:
            dataset[0]  # the first row: its chunk index and filter pipeline


def _note_unverified(db: h5py.File, path: Path) -> None:
    """Say once per file and process that a file of rows written before the row checksums
    cannot be checked for damage."""
    key = _rows_key(db)
    if key is None or ROW_CHECKSUMS in db or str(path) in _NOTED:
        return
    _NOTED.add(str(path))
    print(
        f"[INFO] {path} has no checksums (written before they were): damage inside it "
        f"cannot be detected; {rebuild_hint(key)} to add them"
    )


def _require_shards(db: h5py.File, path: Path) -> None:
    """Refuse a shard set's index with a shard missing (HDF5 would read zeros instead)."""
    missing = missing_shards(db)
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise DatasetError(
            f"{path} is a shard set without its shard {missing[0]}{more}; a set is "
            "published whole: rebuild it with build_dataset.py --overwrite"
        )


def open_hdf5(path: str | os.PathLike[str], data_key: str | None = None) -> h5py.File:
    """Open a finished dataset file for reading, with clear errors for common mistakes.

    Raises:
        DatasetError: the file is missing, unreadable, damaged, unfinished (an
            interrupted write), or lacks ``data_key``.
    """
    path = Path(path)
    if not path.exists():
        partial = partial_path(path)
        if partial.exists():
            hint = " (an unfinished .partial file is there: rerun the build)"
        else:
            hint = _WRITTEN_BY.get(data_key or "", "")
        raise DatasetError(f"dataset file not found: {path}{hint}")
    try:
        db = h5py.File(path, "r")
    except OSError as exc:
        raise damaged(path, data_key, exc) from None
    try:
        _require_shards(db, path)
        _verify(db, path, data_key)
    except DatasetError:
        db.close()
        raise
    except (OSError, RuntimeError, KeyError, ValueError) as exc:
        db.close()
        raise damaged(path, data_key, exc) from None
    if not bool(db.attrs.get("complete", True)):
        db.close()
        raise DatasetError(f"{path} is incomplete (its writer was interrupted); rebuild it")
    if data_key is not None and data_key not in db:
        keys = ", ".join(db.keys())
        db.close()
        raise DatasetError(f"{path} has no '{data_key}' data set (it has: {keys})")
    _note_unverified(db, path)
    return db


def read_rows(dataset: h5py.Dataset, rows: slice | np.ndarray | int) -> np.ndarray:
    """``dataset[rows]``, each row compared with its checksum (where the file has them); a
    damaged row or chunk reported as one line naming the file (and the row). JPEG rows
    come back decoded, ``(n, height, width, 3)`` uint8 (one image for an int ``rows``)."""
    key = dataset.name.strip("/")
    try:
        data = dataset[rows]
        expected = stored_checksums(dataset, rows)
    except (OSError, RuntimeError) as exc:
        raise damaged(dataset.file.filename, key, exc) from None
    index = np.arange(len(dataset))[rows]
    one = np.ndim(index) == 0
    encoded = is_encoded(dataset)
    if one:
        data = _one_row(data) if encoded else data[None]
    if expected is not None:
        check_rows(dataset.file.filename, key, np.reshape(index, -1), data, expected)
    if encoded:
        data = decode_rows(data, row_shape(dataset), dataset.file.filename, np.reshape(index, -1))
    return data[0] if one else data


def _one_row(row: np.ndarray) -> np.ndarray:
    """One encoded row as a 1-entry object array (as a slice of rows reads)."""
    out = np.empty(1, object)
    out[0] = row
    return out


def read_label_names(db: h5py.File) -> list[str]:
    """The ``label_names`` of a dataset file as Python strings."""
    if "label_names" not in db:
        return []
    return [n.decode() if isinstance(n, bytes) else str(n) for n in db["label_names"][:]]


def read_paths(db: h5py.File) -> np.ndarray:
    """The source path of every row (``paths`` data set) as an array of str."""
    if "paths" not in db:
        return np.array([], dtype=object)
    # stored as the file system's bytes: undecodable names come back exactly as os.walk
    # gave them (with surrogates), so they still open
    return np.array(db["paths"].asstr(errors="surrogateescape")[:], dtype=object)
