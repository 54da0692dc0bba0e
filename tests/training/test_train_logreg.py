"""train_logreg.py: grid search, held-out evaluation, report and saved classifier."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import train_logreg
from pyimagesearch.models import read_record
from tests.helpers import (
    RecordedBars,
    file_hashes,
    output_in,
    separable_features,
    write_features,
)

REPORT_KEYS = {"accuracy", "log_loss", "best_C", "n_train", "n_test"}


def test_report_keys_and_split(features_file: Path, tmp_path: Path) -> None:
    report_path, model_path = tmp_path / "r.json", tmp_path / "m.skops"
    code = train_logreg.main(
        ["--db", str(features_file), "--report", str(report_path), "--model", str(model_path),
         *output_in(tmp_path / "out")]
    )  # fmt: skip
    assert code == 0
    report = json.loads(report_path.read_text())
    assert REPORT_KEYS <= set(report)
    assert (report["n_train"], report["n_test"]) == (150, 50)  # the book's 75/25
    assert report["accuracy"] > 0.8
    assert 0 < report["log_loss"] < 0.69
    assert report["best_C"] in {0.0001, 0.001, 0.01, 0.1, 1.0, 10.0, 100.0}
    import skops.io

    record = read_record(model_path)
    assert record["kind"] == "logreg" and record["label_names"] == ["cat", "dog"]
    assert record["backbones"] == [{"backbone": "Fake", "weights": None, "image_size": 32}]
    assert record["input_size"] == [32, 32] and record["image_size"] == [37, 37]
    model = skops.io.load(model_path, trusted=[])  # no code runs when it loads
    assert model.predict_proba(np.zeros((1, 8), np.float32)).shape == (1, 2)


def test_separate_test_file_and_config(tmp_path: Path, make_config) -> None:
    features, labels, paths = separable_features(120, seed=4)
    write_features(tmp_path / "train.hdf5", features, labels, paths)
    features, labels, paths = separable_features(40, seed=5)
    write_features(tmp_path / "test.hdf5", features, labels, paths)
    config = make_config(
        FEATURES_HDF5="train.hdf5",
        TEST_FEATURES_HDF5="test.hdf5",
        LOGREG_C_GRID=[0.1, 1.0],
        OUTPUT_PATH="out",
    )
    assert train_logreg.main(["--config", str(config)]) == 0
    report = json.loads((tmp_path / "out" / "logreg_report.json").read_text())
    assert (report["n_train"], report["n_test"]) == (120, 40)
    assert report["best_C"] in {0.1, 1.0}
    assert (tmp_path / "out" / "logreg.skops").is_file()


def test_fused_features(tmp_path: Path) -> None:
    a, labels, paths = separable_features(80, dim=4, seed=6)
    write_features(tmp_path / "a.hdf5", a, labels, paths)
    write_features(tmp_path / "b.hdf5", a[::-1] * 2, labels[::-1], paths[::-1])
    report_path = tmp_path / "r.json"
    args = ["--db", str(tmp_path / "a.hdf5"), str(tmp_path / "b.hdf5"), "--report"]
    args = [*args, str(report_path), "--model", str(tmp_path / "m.skops")]
    assert train_logreg.main([*args, *output_in(tmp_path / "out")]) == 0
    assert json.loads(report_path.read_text())["feature_dim"] == 8


def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train_logreg.main(output_in(tmp_path / "out")) == 2
    assert "no features" in capsys.readouterr().err
    assert train_logreg.main(["--db", str(tmp_path / "missing.hdf5"),
                              *output_in(tmp_path / "out")]) == 2  # fmt: skip
    assert "not found" in capsys.readouterr().err


def test_command_line_files_are_relative_to_the_current_folder(
    features_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "configs").mkdir()
    config = tmp_path / "configs" / "config.py"
    config.write_text("OUTPUT_PATH = 'out'\nFEATURES_HDF5 = ['elsewhere.hdf5']\n")
    monkeypatch.chdir(tmp_path)
    assert train_logreg.main(["--config", str(config), "--db", features_file.name]) == 0
    assert (tmp_path / "configs" / "out" / "logreg_report.json").is_file()


def test_features_of_the_builder_splits_test_on_its_test_split(tmp_path: Path) -> None:
    """Rows marked with their split: train on train (+val), test on exactly the test rows."""
    features, labels, paths = separable_features(100, seed=7)
    splits = np.array([0] * 70 + [1] * 10 + [2] * 20, np.uint8)
    write_features(tmp_path / "f.hdf5", features, labels, paths, splits=splits)
    report_path = tmp_path / "r.json"
    args = ["--db", str(tmp_path / "f.hdf5"), "--report", str(report_path), "--model",
            str(tmp_path / "m.skops"), *output_in(tmp_path / "out")]  # fmt: skip
    assert train_logreg.main(args) == 0
    report = json.loads(report_path.read_text())
    assert (report["n_train"], report["n_test"]) == (80, 20)
    assert report["split"] == "the builder's splits (train / val / test)"


def test_a_fixed_c_and_an_l1_penalty_are_used(features_file: Path, tmp_path: Path) -> None:
    import skops.io

    model_path = tmp_path / "m.skops"
    code = train_logreg.main(["--db", str(features_file), "--model", str(model_path),
                              "--report", str(tmp_path / "r.json"), "--set", "LOGREG_C=0.05",
                              "--set", "LOGREG_PENALTY=l1",
                              *output_in(tmp_path / "out")])  # fmt: skip
    assert code == 0
    assert json.loads((tmp_path / "r.json").read_text())["best_C"] == 0.05
    model = skops.io.load(model_path, trusted=[])
    assert model.C == 0.05 and model.solver == "liblinear"
    assert (model.coef_ == 0).any()  # l1 at a small C zeroes some of the 8 weights


def test_the_grid_search_shows_its_progress(features_file: Path, tmp_path: Path, monkeypatch):
    from pyimagesearch.features import classifiers

    monkeypatch.setattr(classifiers, "progress_bar", bars := RecordedBars())
    args = ["--db", str(features_file), "--model", str(tmp_path / "m.skops"), "--report",
            str(tmp_path / "r.json"), "--set", "LOGREG_C_GRID=[0.01, 0.1, 1.0]",
            "--set", f"OUTPUT_PATH={tmp_path / 'out'}"]  # fmt: skip
    assert train_logreg.main(args) == 0
    (bar,) = bars.bars  # (--quiet: the same bar, disabled)
    assert bar.label == "grid search over C" and bar.enabled and bar.finished
    assert bar.updates == [1, 2, 3, 4]  # each of the 3 Cs as it is done, then the refit


def test_an_existing_model_is_refused_before_fitting(
    features_file: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyimagesearch.features import classifiers

    model = tmp_path / "m.skops"
    args = ["--db", str(features_file), "--model", str(model), "--report",
            str(tmp_path / "r.json"), "--set", "LOGREG_C_GRID=[1.0]", "--quiet",
            *output_in(tmp_path / "out")]  # fmt: skip
    assert train_logreg.main(args) == 0
    before = file_hashes(tmp_path)  # the model, its record, its report, its run
    capsys.readouterr()
    assert train_logreg.main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().splitlines()[0] == (
        f"error: LOGREG_MODEL_PATH {model} already exists; pass --overwrite to replace it "
        "(the old file stays until the new one is complete)"
    )
    assert file_hashes(tmp_path) == before
    # --overwrite: the old model stays until the new one is complete (here: never)
    monkeypatch.setattr(classifiers, "fit_logreg", _interrupted)
    assert train_logreg.main([*args, "--overwrite"]) == 130
    assert file_hashes(tmp_path) == before
    monkeypatch.undo()
    assert train_logreg.main([*args, "--overwrite"]) == 0


def _interrupted(*args, **kwargs):
    raise KeyboardInterrupt
