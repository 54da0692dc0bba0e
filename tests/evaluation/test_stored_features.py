"""The baseline of a model on features from the stored features (evaluate.py, diagnose.py),
the fallback when they are not the test images', and the bounded backbone calls.

A logistic regression on random-weight VGG16 features at 32 px of a 40 px build of the
synthetic images: the quickest backbone to build and trace (about a tenth of ResNet50's
time) whose random-weight features vary (MobileNetV2's are near-constant: useless for
comparing probabilities).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from pyimagesearch.evaluation.tencrop import predict_baseline, predict_tencrop
from pyimagesearch.features.extraction import FeatureExtractor
from pyimagesearch.io.checksums import CRC_ATTR, content_crc
from pyimagesearch.io.hdf5_dataset import open_hdf5
from pyimagesearch.models import load_classifier
from tests.helpers import build_splits, write_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def features_model(synthetic_images: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """extract_features.py over the builder's splits, then train_logreg.py on them."""
    import extract_features
    import train_logreg

    folder = tmp_path_factory.mktemp("stored")
    settings = build_splits(folder, synthetic_images, IMAGE_SIZE=40)
    out = folder / "out"
    config = write_config(folder / "config.py", **settings, BACKBONE="VGG16", WEIGHTS=None,
                          FEATURE_IMAGE_SIZE=32, FEATURES_HDF5=str(out / "features.hdf5"),
                          LOGREG_C_GRID=[1.0], MODEL_PATH=str(out / "logreg.skops"))  # fmt: skip
    assert extract_features.main(["--config", str(config), "--quiet"]) == 0
    assert train_logreg.main(["--config", str(config)]) == 0
    return {"model": out / "logreg.skops", "config": config, "features": out / "features.hdf5",
            "test": Path(settings["TEST_HDF5"]),
            "classifier": load_classifier(out / "logreg.skops")}  # fmt: skip


@pytest.fixture
def backbone_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of images of every backbone call from now on."""
    calls: list[int] = []
    features = FeatureExtractor.features

    def counted(self: FeatureExtractor, images: np.ndarray) -> np.ndarray:
        calls.append(len(images))
        return features(self, images)

    monkeypatch.setattr(FeatureExtractor, "features", counted)
    return calls


def test_evaluate_takes_the_baseline_from_the_stored_features(
    features_model: dict, backbone_calls: list[int], tmp_path: Path, capsys
) -> None:
    import evaluate

    args = [
        "--config",
        str(features_model["config"]),
        "--quiet",
        "--set",
        f"OUTPUT_PATH={tmp_path}",
    ]
    assert evaluate.main(args) == 0
    assert sum(backbone_calls) == 10 * 10  # the 10 crops of the 10 test images, nothing else
    assert "[INFO] baseline: the stored features of" in capsys.readouterr().out
    from pyimagesearch.evaluation.stored_features import match_stored_features, predict_stored

    report = json.loads((tmp_path / "evaluation.json").read_text())
    classifier = features_model["classifier"]
    with open_hdf5(features_model["test"], "images") as db:
        extracted = predict_baseline(classifier, db["images"])  # the backbone, as before
        labels = db["labels"][:]
        stored, _ = match_stored_features(classifier, db)
    assert np.ptp(extracted[:, 0]) > 1e-3  # features that vary: the comparison means something
    np.testing.assert_allclose(predict_stored(classifier, stored), extracted, atol=1e-5)
    assert report["baseline_rank1"] == pytest.approx(np.mean(extracted.argmax(axis=1) == labels))


def test_diagnose_takes_the_baseline_from_the_stored_features(
    features_model: dict, backbone_calls: list[int]
) -> None:
    from pyimagesearch.diagnostics.diagnose import predict_split

    classifier = features_model["classifier"]
    diagnosis = predict_split(classifier, str(features_model["test"]))
    assert backbone_calls == [] and diagnosis.note.startswith("baseline: the stored features")
    with open_hdf5(features_model["test"], "images") as db:
        np.testing.assert_allclose(diagnosis.probs, predict_baseline(classifier, db["images"]),
                                   atol=1e-5)  # fmt: skip
    assert predict_split(classifier, str(features_model["test"]), tencrop=True).note is None


def _edited_copy(features: Path, folder: Path, edit) -> Path:
    copy = folder / "features.hdf5"
    shutil.copy(features, copy)
    with h5py.File(copy, "r+") as db:
        edit(db)
    return copy


def _rename_a_test_row(db: h5py.File) -> None:
    row = int(np.flatnonzero(db["split"][:] == 2)[3])
    db["paths"][row] = b"/elsewhere/cat.999.jpg"
    db["paths"].attrs[CRC_ATTR] = content_crc(db["paths"][()])  # other rows, not damage


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda db: db.attrs.modify("build_id", "another"), "comes from another build"),
        (_rename_a_test_row, "1 of the split's 10 images are not rows of"),
        (lambda db: db.attrs.modify("image_size", 64), "holds features at 64 px"),
        (lambda db: db.attrs.modify("weights", "w.h5"), "was made with other weights"),
        (lambda db: db.attrs.modify("backbone", "ResNet50"), "holds ResNet50 features"),
    ],
)
def test_features_of_another_build_or_other_rows_are_not_used(
    features_model: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit, reason: str
) -> None:
    from pyimagesearch.evaluation.stored_features import match_stored_features

    classifier = features_model["classifier"]
    copy = _edited_copy(features_model["features"], tmp_path, edit)
    monkeypatch.setitem(classifier.record["data"]["features"][0], "path", str(copy))
    with open_hdf5(features_model["test"], "images") as db:
        stored, note = match_stored_features(classifier, db)
    assert stored is None
    assert (
        note.startswith("baseline: the backbone extracts the features again (") and reason in note
    )


def test_backbone_calls_are_bounded(
    features_model: dict, backbone_calls: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    images = np.random.default_rng(0).integers(0, 256, (5, 40, 40, 3), dtype=np.uint8)
    classifier = features_model["classifier"]
    monkeypatch.setattr(classifier, "backbone_batch", 64)
    expected = predict_tencrop(classifier, images, batch_size=256)
    assert backbone_calls == [50]
    backbone_calls.clear()
    monkeypatch.setattr(classifier, "backbone_batch", 7)
    probs = predict_tencrop(classifier, images, batch_size=256)
    assert backbone_calls == [7] * 7 + [1]
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    assert load_classifier(features_model["model"], backbone_batch=7).backbone_batch == 7
