"""Integration: real pretrained MobileNetV2 features + logistic regression on real photos.

CI-sized version of the documented run (docs/TRANSFER_LEARNING.md): 800 Kaggle images
(400 per class) at 160x160, seeded stratified 75/25 split; it measures about 97.5-99%.
Skipped, with the reason, when ../shared (PYIMAGESEARCH_SHARED) is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import pytest

import train_logreg
from pyimagesearch.features.extraction import FeatureExtractor, open_sources, write_features
from tests.helpers import output_in

PER_CLASS = 400
IMAGE_SIZE = 160

pytestmark = [pytest.mark.slow, pytest.mark.long]  # make test-long (CI)


def test_mobilenet_features_logreg_accuracy(
    kaggle_sample_dir: Path, mobilenet_weights: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "train"
    folder.mkdir()
    for name in ("cat", "dog"):
        for i in range(1, PER_CLASS + 1):
            (folder / f"{name}.{i}.jpg").symlink_to(kaggle_sample_dir / f"{name}.{i}.jpg")

    features = tmp_path / "features.hdf5"
    extractor = FeatureExtractor("MobileNetV2", str(mobilenet_weights), IMAGE_SIZE)
    report = write_features(
        extractor, open_sources(folder), features, batch_size=32, progress=False
    )
    assert report["written"] == 2 * PER_CLASS and report["skipped"] == 0
    with h5py.File(features, "r") as db:
        assert db["features"].shape == (2 * PER_CLASS, 1280)

    report_path = tmp_path / "logreg_report.json"
    code = train_logreg.main(
        ["--db", str(features), "--report", str(report_path), "--model", str(tmp_path / "lr.skops"),
         *output_in(tmp_path / "out")]
    )  # fmt: skip
    assert code == 0
    result = json.loads(report_path.read_text())
    assert (result["n_train"], result["n_test"]) == (600, 200)
    assert result["accuracy"] >= 0.96, result
    assert result["log_loss"] < 0.15, result
