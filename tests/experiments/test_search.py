"""search.py: a seeded Optuna search of the classifier on features; every trial a run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import search
from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.experiments.runs import children, find_run, list_runs
from pyimagesearch.experiments.search import parse_space
from tests.helpers import separable_features, write_config, write_features


@pytest.fixture
def tiny_features(tmp_path: Path) -> Path:
    features, labels, paths = separable_features(120, dim=6, seed=5, noise=2.0)
    splits = np.arange(120) % 3  # train / val / test
    return write_features(tmp_path / "features.hdf5", features, labels, paths, splits=splits)


def search_once(folder: Path, features: Path, *settings: str) -> list[dict]:
    folder.mkdir(exist_ok=True)
    config = write_config(folder / "search_config.py", FEATURES_HDF5=str(features),
                          OUTPUT_PATH=str(folder / "out"), RANDOM_SEED=7)  # fmt: skip
    sets = [item for setting in settings for item in ("--set", setting)]
    assert search.main(["--config", str(config), *sets]) == 0
    folder = find_run(folder / "out")  # latest: the search, not its last trial
    with open(folder / "search_results.csv", newline="") as handle:
        return [dict(row, folder=str(folder)) for row in csv.DictReader(handle)]


def comparable(rows: list[dict]) -> list[tuple]:
    return [tuple((k, v) for k, v in row.items() if k not in ("seconds", "run", "folder"))
            for row in rows]  # fmt: skip


def test_a_seeded_3_trial_search_picks_the_lowest_validation_loss_and_repeats(
    tmp_path: Path, tiny_features: Path
) -> None:
    settings = ("SEARCH_MODEL='logreg'", "SEARCH_TRIALS=3")
    rows = search_once(tmp_path / "a", tiny_features, *settings)
    assert [r["trial"] for r in rows] == ["1", "2", "3"]
    assert all(r["state"] == "finished" and r["LOGREG_PENALTY"] in ("l1", "l2") for r in rows)
    assert len({r["LOGREG_C"] for r in rows}) == 3  # three different proposals
    folder = Path(rows[0]["folder"])
    best = json.loads((folder / "best.json").read_text())
    lowest = min(rows, key=lambda r: float(r["val_loss"]))
    assert best["trial"] == int(lowest["trial"])
    assert best["settings"]["LOGREG_C"] == pytest.approx(float(lowest["LOGREG_C"]))
    assert best["command"].startswith("python train_logreg.py --config ")
    trials = children(folder)
    assert [json.loads((t / "run.json").read_text())["trial"] for t in trials] == [1, 2, 3]
    trial_config = json.loads((trials[0] / "config.json").read_text())
    assert trial_config["LOGREG_C"] == pytest.approx(float(rows[0]["LOGREG_C"]))
    report = (folder / "report.html").read_text()
    assert "Best settings of the search" in report and report.count("trial-00") >= 3
    from pyimagesearch.experiments.report import run_report

    assert run_report(folder) == report  # report.py --run SEARCH: the same page
    again = search_once(tmp_path / "b", tiny_features, *settings)
    assert comparable(again) == comparable(rows)  # the same seed, the same search


@pytest.mark.backends  # run again on JAX by .ci/run
def test_head_trials_report_each_epoch_and_bad_ones_are_pruned(
    tmp_path: Path, tiny_features: Path
) -> None:
    space = "SEARCH_SPACE={'HEAD_LEARNING_RATE': [0.05, 1e-6], 'HEAD_EPOCHS': [6]}"
    rows = search_once(tmp_path, tiny_features, space, "SEARCH_TRIALS=8", "HEAD_BATCH_SIZE=16")
    states = [r["state"] for r in rows]
    assert states[:3] == ["finished"] * 3  # the pruner's start-up trials always finish
    pruned = [r for r in rows if r["state"] == "pruned"]
    assert pruned and all(float(r["HEAD_LEARNING_RATE"]) == 1e-6 for r in pruned)
    for row in pruned:
        trial = Path(rows[0]["folder"]).parent / row["run"]
        info = json.loads((trial / "run.json").read_text())
        history = json.loads((trial / "history.json").read_text())
        assert info["status"] == "pruned" and 2 <= len(history["val_loss"]) < 6
    best = min((r for r in rows if r["state"] == "finished"), key=lambda r: float(r["val_loss"]))
    assert float(best["HEAD_LEARNING_RATE"]) == 0.05


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"HEAD_LERNING_RATE": (1e-4, 1e-1)}, "not a setting"),
        ({"HEAD_DROPOUT": (0.0, 1.5)}, r"HEAD_DROPOUT = 1\.5 in SEARCH_SPACE: expected"),
        ({"LOGREG_C": ("log", 1e-3, 1.0)}, "which the head does not use"),
        ({"HEAD_LEARNING_RATE": ("log", 0.0, 1.0)}, "a log scale needs low > 0"),
        ({"HEAD_UNITS": ("int", 8.5, 64)}, "integer bounds"),
        ({"HEAD_EPOCHS": "5-40"}, "expected .'log', low, high."),
    ],
)
def test_a_bad_search_space_is_one_line_naming_the_setting(space: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_space(space, "head")


def test_a_refused_space_starts_no_run(tmp_path: Path, tiny_features: Path) -> None:
    config = write_config(tmp_path / "c.py", FEATURES_HDF5=str(tiny_features),
                          OUTPUT_PATH=str(tmp_path / "out"),
                          SEARCH_SPACE={"HEAD_DROPOUT": (0.0, 1.5)})  # fmt: skip
    assert search.main(["--config", str(config)]) == 2
    assert list_runs(tmp_path / "out" / "runs") == []
    assert Config({}).get("SEARCH_TRIALS") == 30


def test_multi_worker_is_refused_in_one_line_before_any_run(
    tmp_path: Path, tiny_features: Path, capsys: pytest.CaptureFixture
) -> None:
    config = write_config(tmp_path / "c.py", FEATURES_HDF5=str(tiny_features),
                          OUTPUT_PATH=str(tmp_path / "out"), STRATEGY="multi_worker")  # fmt: skip
    assert search.main(["--config", str(config), "--model", "network"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "error: STRATEGY = 'multi_worker': search runs its trials in one process: set "
        "STRATEGY = None or 'mirrored' (each trial's training may use several devices)"
    ]
    assert not (tmp_path / "out").exists()


def test_train_head_with_the_best_settings_gets_the_best_trials_validation_loss(
    tmp_path: Path, tiny_features: Path
) -> None:
    import train_head

    space = "SEARCH_SPACE={'HEAD_LEARNING_RATE': ('log', 1e-3, 1e-1), 'HEAD_UNITS': [0, 8]}"
    rows = search_once(tmp_path, tiny_features, space, "SEARCH_TRIALS=3", "HEAD_EPOCHS=8")
    best = json.loads((Path(rows[0]["folder"]) / "best.json").read_text())
    assert "--set HEAD_EPOCHS=8 --set HEAD_LEARNING_RATE=" in best["command"]  # + the search's
    command = best["command"].split()
    assert command[:2] == ["python", "train_head.py"]
    report = tmp_path / "head_report.json"
    assert train_head.main([*command[2:], "--report", str(report)]) == 0
    history = json.loads(report.read_text())["history"]
    assert min(history["val_loss"]) == pytest.approx(best["val_loss"], rel=1e-5)


@pytest.mark.slow
@pytest.mark.backends  # run again on JAX by .ci/run
def test_a_network_search_trains_briefly_keeps_curves_and_no_models(
    tmp_path: Path, synthetic_images: Path
) -> None:
    from tests.helpers import build_splits

    settings = build_splits(tmp_path / "data", synthetic_images, IMAGE_SIZE=40)
    model_path = tmp_path / "out" / "net.keras"
    config = write_config(tmp_path / "net.py", **{**settings, "OUTPUT_PATH": str(tmp_path / "out")},
                          NETWORK="ShallowNet", INPUT_SIZE=32, BATCH_SIZE=16,
                          MODEL_PATH=str(model_path), SEARCH_MODEL="network",
                          SEARCH_SPACE={"LEARNING_RATE": ("log", 1e-3, 1e-2),
                                        "OPTIMIZER": ["adam", "sgd"]})  # fmt: skip
    assert search.main(["--config", str(config), "--trials", "2", "--epochs", "2"]) == 0
    folder = find_run(tmp_path / "out")
    with open(folder / "search_results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["state"] for r in rows] == ["finished", "finished"]
    for row in rows:
        history = json.loads((folder.parent / row["run"] / "history.json").read_text())
        assert len(history["val_loss"]) == 2  # scored without the weight-decay penalty:
        assert float(row["val_loss"]) == pytest.approx(min(history["val_crossentropy"]))
        assert min(history["val_crossentropy"]) < min(history["val_loss"])
    best = json.loads((folder / "best.json").read_text())
    assert best["command"].startswith(f"python train.py --config {config} --set LEARNING_RATE=")
    assert not model_path.exists()  # trials train in scratch folders: no model, no checkpoints
    assert not (tmp_path / "out" / "checkpoints").exists()


def test_a_network_search_needs_a_validation_split(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.py", TRAIN_HDF5=str(tmp_path / "train.hdf5"),
                          DATASET_MEAN=str(tmp_path / "mean.json"), SEARCH_MODEL="network",
                          OUTPUT_PATH=str(tmp_path / "out"))  # fmt: skip
    assert search.main(["--config", str(config)]) == 2
    assert list_runs(tmp_path / "out" / "runs") == []


def test_ctrl_c_keeps_the_finished_trials_and_marks_the_search_interrupted(
    tmp_path: Path, tiny_features: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from pyimagesearch.experiments import search as engine

    real, calls = engine._logreg_trial, []

    def interrupted_second(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(engine, "_logreg_trial", interrupted_second)
    config = write_config(tmp_path / "c.py", FEATURES_HDF5=str(tiny_features),
                          OUTPUT_PATH=str(tmp_path / "out"), SEARCH_MODEL="logreg")  # fmt: skip
    assert search.main(["--config", str(config), "--trials", "5"]) == 130
    runs = [json.loads((r / "run.json").read_text()) for r in list_runs(tmp_path / "out" / "runs")]
    assert [(r["script"], r["status"]) for r in runs] == [
        ("search", "interrupted"),
        ("search_trial", "finished"),
        ("search_trial", "interrupted"),
    ]
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "interrupted"
    folder = list_runs(tmp_path / "out" / "runs")[0]
    with open(folder / "search_results.csv", newline="") as handle:
        assert [r["state"] for r in csv.DictReader(handle)] == ["finished"]
    assert json.loads((folder / "best.json").read_text())["trial"] == 1


def test_the_first_trial_is_the_configs_own_settings(tmp_path: Path, tiny_features: Path) -> None:
    rows = search_once(tmp_path, tiny_features, "SEARCH_MODEL='logreg'", "SEARCH_TRIALS=3",
                       "LOGREG_C=0.5", "LOGREG_PENALTY='l1'")  # fmt: skip
    assert (float(rows[0]["LOGREG_C"]), rows[0]["LOGREG_PENALTY"]) == (0.5, "l1")
    assert {float(r["LOGREG_C"]) for r in rows[1:]} != {0.5}  # then the sampler's proposals
