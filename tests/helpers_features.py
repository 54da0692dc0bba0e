"""Write small features files for the classifier and fusion tests (no network needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pyimagesearch.io import HDF5DatasetWriter


def write_features(
    path: Path,
    features: np.ndarray,
    labels: Sequence[int],
    paths: Sequence[str] | None,
    label_names: Sequence[str] = ("cat", "dog"),
    backbone: str = "Fake",
) -> Path:
    writer = HDF5DatasetWriter(
        features.shape,
        path,
        data_key="features",
        buffer_size=16,
        overwrite=True,
        attrs={"backbone": backbone, "image_size": 32, "weights": "none"},
    )
    writer.store_class_labels(label_names)
    writer.add(features.astype(np.float32), labels, paths=paths)
    writer.close()
    return path


def separable_features(
    n: int, dim: int = 8, seed: int = 0, noise: float = 1.0
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Two Kaggle-like classes whose features are shifted apart (mostly separable)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    features = rng.normal(0, noise, (n, dim)) + labels[:, None] * 2.0
    paths = [f"/data/{'dog' if y else 'cat'}.{i}.jpg" for i, y in enumerate(labels)]
    return features.astype(np.float32), labels, paths
