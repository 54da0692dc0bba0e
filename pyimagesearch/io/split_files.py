"""What training needs to know of the builder's split files, read without loading images.

Example (not run by the tests: needs the builder's split files):
    >>> info = split_info("datasets/kaggle_dogs_vs_cats/hdf5/train.hdf5")  # doctest: +SKIP
    >>> info.label_names, info.shape, info.rows                            # doctest: +SKIP
    (['cat', 'dog'], (256, 256), 20000)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pyimagesearch.errors import DatasetError
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names


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
        height, width = db["images"].shape[1:3]
        build = db.attrs.get("build_id")
        return SplitInfo(
            str(path),
            names,
            str(db.attrs.get("channel_order", "RGB")),
            (int(height), int(width)),
            rows,
            None if build is None else str(build),
        )
