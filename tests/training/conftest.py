"""Fixtures of the training tests: a small features file for the classifiers on features,
and tiny split files with a config maker for short trainings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import build_splits, separable_features, write_features


@pytest.fixture
def features_file(tmp_path: Path) -> Path:
    """200 rows of 8 separable features, two classes, no split column."""
    features, labels, paths = separable_features(200, seed=3)
    return write_features(tmp_path / "train.hdf5", features, labels, paths)


@pytest.fixture(scope="session")
def tiny_splits(synthetic_images: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The synthetic images built once into 24 px split files (read only by the tests)."""
    return build_splits(tmp_path_factory.mktemp("tiny_splits"), synthetic_images, IMAGE_SIZE=24)
