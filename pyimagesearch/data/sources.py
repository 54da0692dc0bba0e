"""Images to run through a network: a folder of photos or a builder HDF5 file.

A source yields batches of RGB uint8 images already at the size asked for. Folder images
are listed by :func:`list_images` (labels from names or folders, as the builder) and
decoded with the builder's own threaded blocks (aspect-aware resize into preallocated
rows), so decoding overlaps with the network's work on the previous batch. HDF5 images are
read in blocks and resized only when their size differs.

Example (not run by the tests: needs the Kaggle photos):
    >>> source = open_source("datasets/kaggle_dogs_vs_cats/train")   # doctest: +SKIP
    >>> for batch in source.batches(224, batch_size=32):             # doctest: +SKIP
    ...     batch.images.shape                                       # (32, 224, 224, 3)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from pyimagesearch.config import default
from pyimagesearch.data.image_loading import ImageLoader, UnreadableImageError
from pyimagesearch.data.listing import list_images
from pyimagesearch.errors import DatasetError
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_paths, read_rows
from pyimagesearch.io.storage import row_shape
from pyimagesearch.parallel.blocks import threaded_blocks, threaded_map
from pyimagesearch.parallel.workers import resolve_workers

HDF5_SUFFIXES = (".hdf5", ".h5")
UNLABELED = -1

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


@dataclass
class Batch:
    """Up to ``batch_size`` decoded images and the rows they are in the source."""

    indices: np.ndarray  # row of each image in the source's paths / labels
    images: np.ndarray  # (n, size, size, 3) uint8 RGB
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, reason)


def resize_batch(images: np.ndarray, size: int) -> np.ndarray:
    """Square images resized to ``size`` (returned as they are when they already fit)."""
    if images.shape[1:3] == (size, size):
        return np.ascontiguousarray(images)
    out = np.empty((len(images), size, size, images.shape[3]), images.dtype)
    for i, image in enumerate(images):
        cv2.resize(image, (size, size), dst=out[i], interpolation=cv2.INTER_AREA)
    return out


@dataclass
class ImageSource:
    """Paths, integer labels (-1: unknown) and label names of the images to process."""

    location: str
    kind: str  # "folder" or "hdf5"
    paths: list[str]
    labels: np.ndarray
    label_names: list[str]
    passed_over: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    workers: int | None = None
    split: str | None = None  # the builder split of an HDF5 source ("train", ...)
    build_id: str | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def batches(
        self, size: int, batch_size: int = default("FEATURE_BATCH_SIZE")
    ) -> Iterator[Batch]:
        """Yield batches of RGB uint8 ``size`` x ``size`` images, decoded in threads."""
        if self.kind == "hdf5":
            yield from self._hdf5_batches(size, batch_size)
        else:
            yield from self._folder_batches(size, batch_size)

    def _folder_batches(self, size: int, batch_size: int) -> Iterator[Batch]:
        for block in threaded_blocks(
            ImageLoader(size, size).load_into,
            self.paths,
            (size, size, 3),
            block_size=batch_size,
            workers=resolve_workers(self.workers),
            catch=UnreadableImageError,
        ):
            skipped = [(index, str(error)) for index, error in block.errors]
            yield Batch(block.indices.astype(np.int64), block.rows.copy(), skipped)

    def _hdf5_batches(self, size: int, batch_size: int) -> Iterator[Batch]:
        db = open_hdf5(self.location, "images")
        try:
            data = db["images"]

            def load_block(start: int) -> Batch:
                block = read_rows(data, slice(start, start + batch_size))
                return Batch(np.arange(start, start + len(block)), resize_batch(block, size))

            starts = range(0, len(self.paths), batch_size)
            for _, batch, _ in threaded_map(load_block, starts, workers=2, in_flight=3):
                yield batch
        finally:
            db.close()


def _folder_source(root: Path, label_source: str | None, require_labels: bool) -> ImageSource:
    listing = list_images(root, label_source, allow_unlabeled=not require_labels)
    names = listing.class_names
    labeled = dict(zip(listing.paths, listing.encoded_labels().tolist(), strict=True))
    if require_labels:
        paths, passed_over = listing.paths, list(listing.unlabeled)
    else:  # a test folder: every image, labelled where its name says
        paths, passed_over = sorted([*listing.paths, *(p for p, _ in listing.unlabeled)]), []
    labels = np.array([labeled.get(p, UNLABELED) for p in paths], dtype=np.int64)
    return ImageSource(str(root), "folder", paths, labels, names, passed_over)


def _hdf5_source(path: Path) -> ImageSource:
    db = open_hdf5(path, "images")
    try:
        data = db["images"]
        shape = (len(data), *row_shape(data))
        if len(shape) != 4 or shape[-1] != 3:
            raise DatasetError(f"{path}: 'images' must be (N, H, W, 3), got {shape}")
        order = db.attrs.get("channel_order", "RGB")
        if str(order).upper() != "RGB":
            raise DatasetError(f"{path}: images are stored as {order}; RGB is expected")
        count = data.shape[0]
        paths = [str(p) for p in read_paths(db)]
        if len(paths) != count:
            paths = [f"{path}#{row}" for row in range(count)]
        labels = db["labels"][:].astype(np.int64) if "labels" in db else np.full(count, -1)
        split, build = db.attrs.get("split"), db.attrs.get("build_id")
        return ImageSource(
            str(path),
            "hdf5",
            paths,
            labels,
            read_label_names(db),
            split=None if split is None else str(split),
            build_id=None if build is None else str(build),
        )
    finally:
        db.close()


def open_source(
    location: str | os.PathLike[str],
    label_source: str | None = None,
    require_labels: bool = True,
    workers: int | None = None,
) -> ImageSource:
    """A folder of images (labels from names or folders) or a builder HDF5 file.

    Args:
        location: the folder or the ``.hdf5`` file.
        label_source: ``"filename"``, ``"folder"`` or None (auto), as the builder.
        require_labels: refuse a folder without labels (training); False for test folders
            such as Kaggle's ``test1/`` (``1.jpg ...``), whose labels are -1.

    Raises:
        DatasetError: missing location, no images, or an unusable HDF5 file.
    """
    path = Path(location).expanduser()
    if path.suffix.lower() in HDF5_SUFFIXES or path.is_file():
        source = _hdf5_source(path)
    else:
        source = _folder_source(path, label_source, require_labels)
    source.workers = workers
    return source
