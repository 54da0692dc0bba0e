"""Load one features file, or several (feature fusion), with rows matched by image path.

Features from different backbones for the same images are concatenated column-wise. Rows
are matched by the path of their image, never by position alone: two files whose image
sets differ are refused with a clear error.

Example (not run by the tests: needs extracted features):
    >>> fs = load_features(["features_resnet50.hdf5", "features_xception.hdf5"])  # doctest: +SKIP
    >>> fs.features.shape                                                        # doctest: +SKIP
    (25000, 4096)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.errors import DatasetError
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_paths, read_rows


@dataclass
class FeatureSet:
    """Feature rows with their labels, image paths and where the columns came from."""

    features: np.ndarray  # (N, D) float32
    labels: np.ndarray  # (N,) int64, -1 when unknown
    label_names: list[str]
    paths: list[str]
    sources: list[dict[str, Any]] = field(default_factory=list)  # one per file: attrs
    splits: np.ndarray | None = None  # the builder split of each row ("train", ...)

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, rows: np.ndarray) -> FeatureSet:
        return FeatureSet(
            self.features[rows],
            self.labels[rows],
            self.label_names,
            [self.paths[i] for i in rows],
            self.sources,
            None if self.splits is None else self.splits[rows],
        )

    def split(self, name: str) -> FeatureSet:
        """The rows of one builder split (all labelled rows of it)."""
        return self.subset(np.flatnonzero((self.splits == name) & (self.labels >= 0)))

    def labelled(self) -> FeatureSet:
        return self.subset(np.flatnonzero(self.labels >= 0))


def _attr(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        return value.decode()
    return value


def read_feature_file(path: str | os.PathLike[str]) -> FeatureSet:
    """One features HDF5 file written by ``extract_features.py``."""
    db = open_hdf5(path, "features")
    try:
        features = np.asarray(read_rows(db["features"], slice(None)), dtype=np.float32)
        labels = db["labels"][:].astype(np.int64) if "labels" in db else None
        label_names = read_label_names(db)
        paths = [str(p) for p in read_paths(db)]
        attrs = {k: _attr(v) for k, v in db.attrs.items()}
        splits = None
        if "split" in db:
            names = [_attr(n) for n in db["split"].attrs.get("split_names", [])]
            splits = np.array(names, dtype=object)[db["split"][:].astype(np.int64)]
    finally:
        db.close()
    if features.ndim != 2:
        raise DatasetError(f"{path}: 'features' must be (N, D), got {features.shape}")
    if labels is None:
        labels = np.full(len(features), -1, dtype=np.int64)
    attrs["file"] = str(path)
    return FeatureSet(features, labels, label_names, paths, [attrs], splits)


def _align(reference: FeatureSet, other: FeatureSet, name: str) -> np.ndarray:
    """Row order that puts ``other``'s rows in ``reference``'s path order."""
    if not reference.paths or not other.paths:
        raise DatasetError(
            f"{name} or the first features file has no image paths; fusion matches rows by "
            "path (re-extract with extract_features.py)"
        )
    lookup = {path: row for row, path in enumerate(other.paths)}
    if len(lookup) != len(other.paths):
        raise DatasetError(f"{name} lists the same image more than once")
    missing = [p for p in reference.paths if p not in lookup]
    extra = len(other.paths) - (len(reference.paths) - len(missing))
    if missing or extra:
        example = f" (e.g. {missing[0]})" if missing else ""
        raise DatasetError(
            f"cannot fuse {name}: its images differ from the first file's: "
            f"{len(missing)} of the first file's images are missing{example}, {extra} are "
            "extra. Extract every backbone's features from the same images"
        )
    order = np.array([lookup[p] for p in reference.paths], dtype=np.int64)
    if not np.array_equal(other.labels[order], reference.labels):
        raise DatasetError(f"cannot fuse {name}: its labels disagree with the first file's")
    if other.label_names != reference.label_names:
        raise DatasetError(
            f"cannot fuse {name}: label names {other.label_names} differ from "
            f"{reference.label_names}"
        )
    return order


def load_features(files: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> FeatureSet:
    """Read one features file, or concatenate several files' features image by image.

    Raises:
        DatasetError: a file is missing or unfinished, or the files' images or labels differ.
    """
    if isinstance(files, str | os.PathLike):
        files = [files]
    files = list(files)
    if not files:
        raise DatasetError("no features file given")
    fused = read_feature_file(files[0])
    columns = [fused.features]
    for path in files[1:]:
        other = read_feature_file(path)
        order = _align(fused, other, str(Path(path)))
        columns.append(other.features[order])
        fused.sources.extend(other.sources)
    if len(columns) > 1:
        fused.features = np.concatenate(columns, axis=1)
    return fused
