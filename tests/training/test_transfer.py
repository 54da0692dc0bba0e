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
