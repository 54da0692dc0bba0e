"""Feature fusion: rows matched by image path, mismatches refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pyimagesearch.errors import DatasetError
from pyimagesearch.features.fusion import load_features
from tests.helpers import separable_features, write_features


def test_fusion_matches_rows_by_path(tmp_path: Path) -> None:
    a, labels, paths = separable_features(12, dim=3, seed=1)
    b = np.arange(12 * 2, dtype=np.float32).reshape(12, 2)  # row i belongs to paths[i]
    order = np.random.default_rng(5).permutation(12)  # the second file lists them shuffled
    write_features(tmp_path / "a.hdf5", a, labels, paths, backbone="A")
    write_features(
        tmp_path / "b.hdf5", b[order], labels[order], [paths[i] for i in order], backbone="B"
    )
    fused = load_features([tmp_path / "a.hdf5", tmp_path / "b.hdf5"])
    assert fused.features.shape == (12, 5)
    np.testing.assert_array_equal(fused.features[:, :3], a)
    np.testing.assert_array_equal(fused.features[:, 3:], b)  # aligned, not positional
    assert fused.paths == paths
    np.testing.assert_array_equal(fused.labels, labels)
    assert [s["backbone"] for s in fused.sources] == ["A", "B"]


def test_single_file_is_read_as_is(tmp_path: Path) -> None:
    a, labels, paths = separable_features(6, dim=4)
    fs = load_features(write_features(tmp_path / "a.hdf5", a, labels, paths))
    assert fs.features.shape == (6, 4) and fs.label_names == ["cat", "dog"]


def test_fusion_refuses_different_images(tmp_path: Path) -> None:
    a, labels, paths = separable_features(10, dim=3)
    write_features(tmp_path / "a.hdf5", a, labels, paths)
    other = [*paths[:9], "/data/cat.999.jpg"]
    write_features(tmp_path / "b.hdf5", a, labels, other)
    with pytest.raises(DatasetError, match=r"1 of the first file's images are missing"):
        load_features([tmp_path / "a.hdf5", tmp_path / "b.hdf5"])
    write_features(tmp_path / "c.hdf5", a[:9], labels[:9], paths[:9])
    with pytest.raises(DatasetError, match="images differ"):
        load_features([tmp_path / "a.hdf5", tmp_path / "c.hdf5"])


def test_fusion_refuses_disagreeing_labels_or_missing_paths(tmp_path: Path) -> None:
    a, labels, paths = separable_features(10, dim=3)
    write_features(tmp_path / "a.hdf5", a, labels, paths)
    write_features(tmp_path / "b.hdf5", a, 1 - labels, paths)
    with pytest.raises(DatasetError, match="labels disagree"):
        load_features([tmp_path / "a.hdf5", tmp_path / "b.hdf5"])
    write_features(tmp_path / "c.hdf5", a, labels, None)
    with pytest.raises(DatasetError, match="no image paths"):
        load_features([tmp_path / "a.hdf5", tmp_path / "c.hdf5"])


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not found.*extract_features.py"):
        load_features([tmp_path / "nope.hdf5"])
