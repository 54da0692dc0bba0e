"""Kaggle submission: format, ids, sorting, clipping, log loss; predict.py end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import predict
import train_logreg
from pyimagesearch.errors import ConfigError, DatasetError
from pyimagesearch.utils.submission import (
    binary_log_loss,
    check_clip_range,
    clip_probabilities,
    kaggle_id,
    read_submission,
    write_submission,
)


def test_log_loss_matches_hand_computation() -> None:
    y, p = [1, 0, 1, 0], [0.9, 0.2, 0.6, 0.5]
    hand = -(math.log(0.9) + math.log(0.8) + math.log(0.6) + math.log(0.5)) / 4
    assert binary_log_loss(y, p) == pytest.approx(hand, rel=1e-12)
    assert hand == pytest.approx(0.3831, abs=1e-4)
    # A confident mistake: unbounded before clipping, capped at -log(0.005) after.
    assert binary_log_loss([1], [0.0]) == pytest.approx(-math.log(1e-15))
    assert binary_log_loss([1], clip_probabilities([0.0])) == pytest.approx(-math.log(0.005))


def test_clipping_bounds() -> None:
    clipped = clip_probabilities([0.0, 0.004, 0.3, 0.9951, 1.0])
    assert clipped.tolist() == [0.005, 0.005, 0.3, 0.995, 0.995]
    assert clip_probabilities([0.0, 1.0], (0.02, 0.98)).tolist() == [0.02, 0.98]
    for bad in [(0.6, 0.4), (-0.1, 0.9), (0.1,), "x"]:
        with pytest.raises(ConfigError):
            check_clip_range(bad)


def test_submission_format_ids_and_sort(tmp_path: Path) -> None:
    paths = ["t/10.jpg", "t/2.jpg", "t/1.jpg", "t/12500.jpg", "t/3.jpg"]
    ids = [kaggle_id(p) for p in paths]
    assert ids == [10, 2, 1, 12500, 3]
    out = write_submission(tmp_path / "submission.csv", ids, [0.1, 0.2, 0.995, 0.005, 0.5])
    lines = out.read_text().splitlines()
    assert lines[0] == "id,label"
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "2", "3", "10", "12500"]
    assert lines[1] == "1,0.995"
    read_ids, probs = read_submission(out)
    assert read_ids == [1, 2, 3, 10, 12500]
    assert probs.tolist() == [0.995, 0.2, 0.5, 0.1, 0.005]
    named = write_submission(tmp_path / "n.csv", ["dog.10", "cat.2", "dog.9"], [0.9, 0.1, 0.8])
    assert read_submission(named)[0] == ["cat.2", "dog.9", "dog.10"]  # natural order
    with pytest.raises(DatasetError, match="duplicate"):
        write_submission(tmp_path / "dup.csv", [1, 1], [0.5, 0.5])
    with pytest.raises(DatasetError, match="within"):
        write_submission(tmp_path / "bad.csv", [1], [1.5])


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
    model = work / "logreg.pickle"
    args = ["--db", str(features), "--model", str(model), "--report", str(work / "r.json")]
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
         "--clip", "0.02", "0.98", "--quiet"]
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
    assert predict.main(["--model", str(tiny_classifier)]) == 2
    assert "no test images" in capsys.readouterr().err
    args = ["--images", str(tmp_path), "--model", str(tmp_path / "missing.pickle")]
    assert predict.main(args) == 2
    assert "classifier not found" in capsys.readouterr().err


def test_keras_head_trains_and_predicts(
    tiny_classifier: Path, synthetic_images: Path, tmp_path: Path
) -> None:
    import train_head

    features = tiny_classifier.with_name("features.hdf5")
    head, report_path = tmp_path / "head.keras", tmp_path / "head_report.json"
    args = ["--db", str(features), "--model", str(head), "--report", str(report_path)]
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
    args = ["--images", str(test1), "--model", str(head), "--output", str(out), "--quiet"]
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
            "--quiet"]  # fmt: skip
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
