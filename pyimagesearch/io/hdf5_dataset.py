"""Open HDF5 files written by HDF5DatasetWriter, refusing unfinished ones."""

from __future__ import annotations

import os
import re
from pathlib import Path

import h5py
import numpy as np

from pyimagesearch.errors import DatasetError
from pyimagesearch.utils.atomic import partial_path

_WRITTEN_BY = {
    "images": " (build it first: build_dataset.py)",
    "features": " (extract the features first: extract_features.py)",
}
_REBUILT_BY = {
    "images": "rebuild it with build_dataset.py --overwrite",
    "features": "extract the features again with extract_features.py --overwrite",
}


def damaged(path: str | os.PathLike[str], data_key: str | None, exc: BaseException) -> DatasetError:
    """One line for a file whose interior cannot be read: which file, why, what rebuilds it
    (instead of h5py's ``OSError: bad global heap collection signature``)."""
    text = str(exc)
    inner = re.search(r"\(([^()]+)\)\s*$", text)  # h5py: "Can't read data (the cause)"
    reason = (inner.group(1) if inner else text.split("(")[0]).strip() or type(exc).__name__
    rebuild = _REBUILT_BY.get(data_key or "", "rebuild it")
    return DatasetError(f"{path} is damaged ({reason}); {rebuild}")


def _verify(db: h5py.File) -> None:
    """Read everything small (attributes, labels, names, paths) and every data set's
    header, so that a damaged file fails here and not half-way through a run."""
    dict(db.attrs)
    for key in db:
        dataset = db[key]
        if key in ("labels", "label_names", "paths"):
            dataset[:]
        elif dataset.shape and dataset.shape[0]:
            dataset[0]  # the first row: its chunk index and filter pipeline


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
        _verify(db)
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
    return db


def read_rows(dataset: h5py.Dataset, rows: slice | np.ndarray | int) -> np.ndarray:
    """``dataset[rows]``, a damaged chunk reported as one line naming the file."""
    try:
        return dataset[rows]
    except (OSError, RuntimeError) as exc:
        key = dataset.name.strip("/")
        raise damaged(dataset.file.filename, key, exc) from None


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
