"""predict.py end to end: any trained model, a folder in, a Kaggle submission out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import predict
import train_logreg
from pyimagesearch.evaluation.submission import read_submission
from tests.helpers import output_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_classifier(synthetic_images: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A logistic regression on random-weight ResNet50 32x32 features (about 80% right).

    (Random-weight MobileNetV2 and EfficientNet give near-constant features.)"""
    import extract_features

    work = tmp_path_factory.mktemp("tiny_classifier")
    features = work / "features.hdf5"
    assert (
        extract_features.main(
            [
                "--dataset",
                str(synthetic_images),
                "--output",
                str(features),
                "--backbone",
                "ResNet50",
                "--weights",
                "none",
                "--image-size",
                "32",
                "--quiet",
            ]
        )  # fmt: skip
        == 0
    )
    model = work / "logreg.skops"
    args = ["--db", str(features), "--model", str(model), "--report", str(work / "r.json"),
            *output_in(work / "out")]  # fmt: skip
    assert train_logreg.main(args) == 0
    return model


def test_predict_writes_kaggle_submission(
    tiny_classifier: Path, synthetic_images: Path, tmp_path: Path
) -> None:
    test1 = tmp_path / "test1"
    test1.mkdir()
    for i in (1, 2, 3, 10, 12):
        (test1 / f"{i}.jpg").write_bytes((synthetic_images / f"dog.{i}.jpg").read_bytes())
    (test1 / "11.jpg").write_bytes(b"")  # unreadable: still gets a row
    out = tmp_path / "submission.csv"
    code = predict.main(
        ["--images", str(test1), "--model", str(tiny_classifier), "--output", str(out),
         "--clip", "0.02", "0.98", "--quiet", *output_in(tmp_path / "out")]
    )  # fmt: skip
    assert code == 0
    ids, probs = read_submission(out)
    assert ids == [1, 2, 3, 10, 11, 12]
    assert ((probs >= 0.02) & (probs <= 0.98)).all()
    assert probs[ids.index(11)] == 0.5


def test_predict_reports_log_loss_when_labels_are_known(
    tiny_classifier: Path, synthetic_images: Path, tmp_path: Path, make_config
) -> None:
    labeled = tmp_path / "labeled"
    labeled.mkdir()
    for name in ("cat", "dog"):
        for i in range(50, 56):
            src = synthetic_images / f"{name}.{i}.jpg"
            (labeled / src.name).write_bytes(src.read_bytes())
    config = make_config(
        TEST_IMAGES_PATH=str(labeled),
        LOGREG_MODEL_PATH=str(tiny_classifier),
        SUBMISSION_PATH="out/submission.csv",
        OUTPUT_PATH="out",
        CLIP_RANGE=(0.3, 0.7),  # wide clipping so that it visibly changes the loss
    )
    assert predict.main(["--config", str(config), "--quiet"]) == 0
    report = json.loads((tmp_path / "out" / "predict_report.json").read_text())
    ids, probs = read_submission(tmp_path / "out" / "submission.csv")
    assert ids == [f"cat.{i}" for i in range(50, 56)] + [f"dog.{i}" for i in range(50, 56)]
    y = np.array([1 if str(i).startswith("dog") else 0 for i in ids])
    hand = -np.mean(y * np.log(probs) + (1 - y) * np.log(1 - probs))
    assert report["labeled_images"] == 12
    assert report["log_loss_clipped"] == pytest.approx(hand, abs=1e-4)
    assert "log_loss" in report and report["log_loss"] != report["log_loss_clipped"]


def test_predict_user_errors(tiny_classifier: Path, tmp_path: Path, capsys) -> None:
    out = output_in(tmp_path / "out")
    assert predict.main(["--model", str(tiny_classifier), *out]) == 2
    assert "missing 1 required setting(s): TEST_IMAGES_PATH" in capsys.readouterr().err
    missing = tmp_path / "no_such_folder"
    args = ["--images", str(missing), "--model", str(tiny_classifier)]
    assert predict.main([*args, "--set", f"OUTPUT_PATH={tmp_path / 'out'}"]) == 2
    assert "(check TEST_IMAGES_PATH" in capsys.readouterr().err  # the setting predict.py reads
    args = ["--images", str(tmp_path), "--model", str(tmp_path / "missing.skops"), *out]
    assert predict.main(args) == 2
    assert "model not found" in capsys.readouterr().err
    old = tmp_path / "old.pickle"
    old.write_bytes(b"x")
    assert predict.main(["--images", str(tmp_path), "--model", str(old), *out]) == 2
    assert "is a pickle, which runs code when loaded" in capsys.readouterr().err


def test_keras_head_trains_and_predicts(
    tiny_classifier: Path, synthetic_images: Path, tmp_path: Path
) -> None:
    import train_head

    features = tiny_classifier.with_name("features.hdf5")
    head, report_path = tmp_path / "head.keras", tmp_path / "head_report.json"
    args = ["--db", str(features), "--model", str(head), "--report", str(report_path),
            *output_in(tmp_path / "out")]  # fmt: skip
    assert train_head.main([*args, "--epochs", "3"]) == 0
    report = json.loads(report_path.read_text())
    assert {"accuracy", "log_loss", "n_train", "n_val", "n_test"} <= set(report)
    assert (report["n_train"] + report["n_val"], report["n_test"]) == (90, 30)
    assert report["epochs_run"] <= 3
    test1 = tmp_path / "test1"
    test1.mkdir()
    for i in (4, 5):
        (test1 / f"{i}.jpg").write_bytes((synthetic_images / f"cat.{i}.jpg").read_bytes())
    out = tmp_path / "submission.csv"
    args = ["--images", str(test1), "--model", str(head), "--output", str(out), "--quiet",
            *output_in(tmp_path / "out")]  # fmt: skip
    assert predict.main(args) == 0
    ids, probs = read_submission(out)
    assert ids == [4, 5] and ((probs >= 0.005) & (probs <= 0.995)).all()


def test_predict_names_files_with_non_numeric_ids(
    tiny_classifier: Path, synthetic_images: Path, tmp_path: Path, capsys
) -> None:
    test1 = tmp_path / "test1"
    test1.mkdir()
    for name in ("1.jpg", "abc.jpg", "cat.950.jpg"):
        (test1 / name).write_bytes((synthetic_images / "dog.1.jpg").read_bytes())
    out = tmp_path / "submission.csv"
    args = ["--images", str(test1), "--model", str(tiny_classifier), "--output", str(out),
            "--quiet", *output_in(tmp_path / "out")]  # fmt: skip
    assert predict.main(args) == 0
    printed = capsys.readouterr().out
    assert (
        "[WARNING] 2 file(s) have non-numeric names, but Kaggle ids are numbers; their id "
        "is the file name without extension: abc.jpg -> abc, cat.950.jpg -> cat.950"
    ) in printed
    ids, _ = read_submission(out)
    assert ids == [1, "abc", "cat.950"]
    report = json.loads((tmp_path / "predict_report.json").read_text())
    assert [r["id"] for r in report["non_numeric_ids"]] == ["abc", "cat.950"]


def test_predict_image_refuses_missing_and_unreadable_files(tmp_path: Path, capsys) -> None:
    """Checked before any model loads (the model named here does not even exist)."""
    args = ["--model", str(tmp_path / "none.skops"), "--set", f"OUTPUT_PATH={tmp_path}"]
    assert predict.main([*args, "--image", str(tmp_path / "missing.jpg")]) == 2
    assert capsys.readouterr().err.startswith(f"error: --image: no such file: {tmp_path}")
    (tmp_path / "empty.jpg").write_bytes(b"")
    assert predict.main([*args, "--image", str(tmp_path / "empty.jpg")]) == 2
    assert capsys.readouterr().err.startswith("error: no image could be read (")
