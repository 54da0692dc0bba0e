"""What training needs to know of the builder's split files, read without loading images.

Example (not run by the tests: needs the builder's split files):
    >>> info = split_info("datasets/kaggle_dogs_vs_cats/hdf5/train.hdf5")  # doctest: +SKIP
    >>> info.label_names, info.shape, info.rows                            # doctest: +SKIP
    (['cat', 'dog'], (256, 256), 20000)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from pyimagesearch.errors import DatasetError
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names
from pyimagesearch.io.storage import row_shape

# The attribute holding the settings a build was made with (JSON text): the builder writes
# it into each split file, extract_features.py copies it into the features of the splits.
BUILD_SETTINGS = "build_settings"


@dataclass
class SplitInfo:
    """What training needs to know of one split file, read without loading images."""

    path: str
    label_names: list[str]
    channel_order: str
    shape: tuple[int, int]  # (height, width)
    rows: int
    build_id: str | None = None

    def require_input(self, size: int, what: str) -> None:
        """Refuse images smaller than the network input (random patches must fit)."""
        if min(self.shape) < size:
            raise DatasetError(
                f"{self.path} holds {self.shape[1]}x{self.shape[0]} images, smaller than {what}"
            )


def split_info(path: str | os.PathLike[str]) -> SplitInfo:
    """``SplitInfo`` of a builder HDF5 file (clear errors for missing or damaged files)."""
    with open_hdf5(path, "images") as db:
        names = read_label_names(db)
        rows = int(db["images"].shape[0])
        if not names and rows:
            names = [str(i) for i in range(int(db["labels"][:].max()) + 1)]
        height, width = row_shape(db["images"])[:2]
        build = db.attrs.get("build_id")
        return SplitInfo(
            str(path),
            names,
            str(db.attrs.get("channel_order", "RGB")),
            (int(height), int(width)),
            rows,
            None if build is None else str(build),
        )


def build_record(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """``{"file", "build_id", "settings"}`` of an HDF5 file the builder made (or features
    extracted from its splits): the settings as the build recorded them (None: a build
    older than the record, or a file of no build); None for a file that cannot be read.
    """
    import h5py

    try:
        with h5py.File(path, "r") as db:
            build, text = db.attrs.get("build_id"), db.attrs.get(BUILD_SETTINGS)
    except OSError:
        return None
    try:
        settings = json.loads(text) if text is not None else None
    except ValueError:
        settings = None
    return {
        "file": str(path),
        "build_id": None if build is None else str(build),
        "settings": settings if isinstance(settings, dict) else None,
    }
