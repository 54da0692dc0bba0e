"""Open HDF5 files written by HDF5DatasetWriter, refusing unfinished ones."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from pyimagesearch.errors import DatasetError

_WRITTEN_BY = {
    "images": " (build it first: build_dataset.py)",
    "features": " (extract the features first: extract_features.py)",
}


def open_hdf5(path: str | os.PathLike[str], data_key: str | None = None) -> h5py.File:
    """Open a finished dataset file for reading, with clear errors for common mistakes.

    Raises:
        DatasetError: the file is missing, unreadable, unfinished (an interrupted write),
            or lacks ``data_key``.
    """
    path = Path(path)
    if not path.exists():
        partial = path.with_name(path.name + ".partial")
        if partial.exists():
            hint = " (an unfinished .partial file is there: rerun the build)"
        else:
            hint = _WRITTEN_BY.get(data_key or "", "")
        raise DatasetError(f"dataset file not found: {path}{hint}")
    try:
        db = h5py.File(path, "r")
    except OSError as exc:
        raise DatasetError(f"{path} is not a readable HDF5 file: {exc}") from exc
    if not bool(db.attrs.get("complete", True)):
        db.close()
        raise DatasetError(f"{path} is incomplete (its writer was interrupted); rebuild it")
    if data_key is not None and data_key not in db:
        keys = ", ".join(db.keys())
        db.close()
        raise DatasetError(f"{path} has no '{data_key}' data set (it has: {keys})")
    return db


def read_label_names(db: h5py.File) -> list[str]:
    """The ``label_names`` of a dataset file as Python strings."""
    if "label_names" not in db:
        return []
    return [n.decode() if isinstance(n, bytes) else str(n) for n in db["label_names"][:]]


def read_paths(db: h5py.File) -> np.ndarray:
    """The source path of every row (``paths`` data set) as an array of str."""
    if "paths" not in db:
        return np.array([], dtype=object)
    return np.array(db["paths"].asstr()[:], dtype=object)
