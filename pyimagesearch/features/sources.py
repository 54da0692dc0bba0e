"""Images to extract features from: a folder of photos or a builder HDF5 file.

A source yields batches of RGB uint8 images already resized to the network's input; the
decoding runs in background threads, so it overlaps with the network's work on the
previous batch.

Example:
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

from pyimagesearch.data.image_loading import ImageLoader, UnreadableImageError
from pyimagesearch.data.listing import (
    is_image_file,
    label_from_filename,
    label_from_folder,
    list_images,
    walk_files,
)
from pyimagesearch.data.parallel import default_workers, threaded_map
from pyimagesearch.errors import DatasetError
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_paths

HDF5_SUFFIXES = (".hdf5", ".h5")
UNLABELED = -1

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


@dataclass
class Batch:
    """Up to ``batch_size`` decoded images and the rows they are in the source."""

    indices: np.ndarray  # row of each image in the source's paths / labels
    images: np.ndarray  # (n, size, size, 3) uint8 RGB
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, reason)


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

    def __len__(self) -> int:
        return len(self.paths)

    def batches(self, size: int, batch_size: int = 32) -> Iterator[Batch]:
        """Yield batches of RGB uint8 ``size`` x ``size`` images, decoded in threads."""
        if self.kind == "hdf5":
            yield from self._hdf5_batches(size, batch_size)
        else:
            yield from self._folder_batches(size, batch_size)

    def _folder_batches(self, size: int, batch_size: int) -> Iterator[Batch]:
        workers = self.workers or default_workers()
        loader = ImageLoader(size, size)
        images = np.empty((batch_size, size, size, 3), dtype=np.uint8)
        indices: list[int] = []
        skipped: list[tuple[int, str]] = []
        # Keep two batches in flight: one decodes while the network runs on the other.
        results = threaded_map(
            loader,
            self.paths,
            workers=workers,
            in_flight=2 * batch_size + workers,
            catch=UnreadableImageError,
        )
        for index, image, error in results:
            if error is not None:
                skipped.append((index, str(error)))
                continue
            images[len(indices)] = image
            indices.append(index)
            if len(indices) == batch_size:
                yield Batch(np.array(indices), images.copy(), skipped)
                indices, skipped = [], []
        if indices or skipped:
            yield Batch(np.array(indices, dtype=np.int64), images[: len(indices)].copy(), skipped)

    def _hdf5_batches(self, size: int, batch_size: int) -> Iterator[Batch]:
        db = open_hdf5(self.location, "images")
        try:
            data = db["images"]

            def load_block(start: int) -> Batch:
                block = data[start : start + batch_size]
                if block.shape[1:3] != (size, size):
                    block = np.stack(
                        [
                            cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
                            for img in block
                        ]
                    )
                return Batch(np.arange(start, start + len(block)), np.ascontiguousarray(block))

            starts = range(0, len(self.paths), batch_size)
            for _, batch, _ in threaded_map(load_block, starts, workers=2, in_flight=3):
                yield batch
        finally:
            db.close()


def _folder_source(root: Path, label_source: str | None, require_labels: bool) -> ImageSource:
    if require_labels:
        listing = list_images(root, label_source)
        return ImageSource(
            str(root),
            "folder",
            listing.paths,
            listing.encoded_labels(),
            listing.class_names,
            passed_over=list(listing.unlabeled),
        )
    if not root.is_dir():
        raise DatasetError(f"image folder not found: {root}")
    paths = [p for p in walk_files(root) if is_image_file(p)]
    if not paths:
        raise DatasetError(f"no images (jpg, jpeg, png, bmp) found under {root}")
    if label_source == "folder":
        top = str(root)
        names = [label_from_folder(p) if os.path.dirname(p) != top else None for p in paths]
    else:
        names = [label_from_filename(p) for p in paths]
    label_names = sorted({n for n in names if n is not None})
    lookup = {name: i for i, name in enumerate(label_names)}
    labels = np.array([lookup.get(n, UNLABELED) for n in names], dtype=np.int64)
    return ImageSource(str(root), "folder", paths, labels, label_names)


def _hdf5_source(path: Path) -> ImageSource:
    db = open_hdf5(path, "images")
    try:
        data = db["images"]
        if data.ndim != 4 or data.shape[-1] != 3:
            raise DatasetError(f"{path}: 'images' must be (N, H, W, 3), got {data.shape}")
        order = db.attrs.get("channel_order", "RGB")
        if str(order).upper() != "RGB":
            raise DatasetError(f"{path}: images are stored as {order}; RGB is expected")
        count = data.shape[0]
        paths = [str(p) for p in read_paths(db)]
        if len(paths) != count:
            paths = [f"{path}#{row}" for row in range(count)]
        labels = db["labels"][:].astype(np.int64) if "labels" in db else np.full(count, -1)
        return ImageSource(str(path), "hdf5", paths, labels, read_label_names(db))
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
