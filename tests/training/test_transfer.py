"""The rows both classifiers on features use (training/transfer.py): the held-out split,
and the features extract_features.py writes found by default."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import train_logreg
from pyimagesearch.features.classifiers import held_out_split
from pyimagesearch.features.fusion import load_features


def test_split_is_seeded_and_stratified(features_file: Path) -> None:
    data = load_features(features_file)
    train_a, test_a = held_out_split(data, 0.25, seed=42)
    train_b, test_b = held_out_split(data, 0.25, seed=42)
    assert test_a.paths == test_b.paths
    assert not set(train_a.paths) & set(test_a.paths)
    assert np.bincount(test_a.labels).tolist() == [25, 25]


def test_the_features_extract_features_writes_by_default_are_found(
    features_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.helpers import write_config

    out = tmp_path / "out"
    config = write_config(tmp_path / "c.py", OUTPUT_PATH=str(out), BACKBONE="MobileNetV2")
    assert train_logreg.main(["--config", str(config)]) == 2
    assert f"no features at {out / 'features_mobilenetv2.hdf5'}: run extract_features.py" in (
        capsys.readouterr().err
    )
    out.mkdir(exist_ok=True)
    features_file.rename(out / "features_mobilenetv2.hdf5")  # where extraction writes it
    assert train_logreg.main(["--config", str(config)]) == 0


@pytest.mark.parametrize("script", ["train_logreg", "train_head"])
def test_held_out_features_of_another_backbone_are_refused_before_fitting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], script: str
) -> None:
    import importlib

    from tests.helpers import separable_features, write_config, write_features

    features, labels, paths = separable_features(60, dim=8, seed=4)
    write_features(tmp_path / "train.hdf5", features, labels, paths, backbone="MobileNetV2")
    features, labels, paths = separable_features(20, dim=6, seed=5)
    write_features(tmp_path / "test.hdf5", features, labels, paths, backbone="MobileNet")
    config = write_config(tmp_path / "c.py", FEATURES_HDF5="train.hdf5", OUTPUT_PATH="out",
                          TEST_FEATURES_HDF5="test.hdf5")  # fmt: skip
    assert importlib.import_module(script).main(["--config", str(config)]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert first == (
        "error: TEST_FEATURES_HDF5 holds 6 features of MobileNet (32 px, weights none), "
        "FEATURES_HDF5 8 features of MobileNetV2 (32 px, weights none): extract both with "
        "the same backbone, image size and weights"
    )
    assert not list((tmp_path / "out").glob("*.*"))  # no model, no report
