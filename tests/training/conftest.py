"""Fixtures of the training tests: a small features file for the classifiers on features."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import separable_features, write_features


@pytest.fixture
def features_file(tmp_path: Path) -> Path:
    """200 rows of 8 separable features, two classes, no split column."""
    features, labels, paths = separable_features(200, seed=3)
    return write_features(tmp_path / "train.hdf5", features, labels, paths)
