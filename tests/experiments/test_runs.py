"""Run folders: every run keeps its own, nothing of an earlier run changes, latest, lookup."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import train_logreg
from pyimagesearch.errors import ConfigError
from pyimagesearch.experiments.runs import (
    children,
    find_run,
    list_runs,
    note_input_model,
    recorded_run,
    run_model,
)
from tests.helpers import separable_features, write_config, write_features


def fingerprints(folder: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                          p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture
def features_config(tmp_path: Path) -> Path:
    features, labels, paths = separable_features(90, seed=3)
    splits = np.arange(90) % 3  # train / val / test
    write_features(tmp_path / "features.hdf5", features, labels, paths, splits=splits)
    return write_config(tmp_path / "logreg_config.py",
                        FEATURES_HDF5=str(tmp_path / "features.hdf5"),
                        OUTPUT_PATH=str(tmp_path / "out"), LOGREG_C_GRID=[0.1, 1.0])  # fmt: skip


def test_two_runs_of_one_command_keep_two_folders_and_leave_the_first_alone(
    features_config: Path, tmp_path: Path
) -> None:
    command = ["--config", str(features_config), "--set", "LOGREG_C_GRID=[0.5]"]
    assert train_logreg.main(command) == 0
    runs = tmp_path / "out" / "runs"
    (first,) = list_runs(runs)
    before = fingerprints(first)
    model_bytes = (first / "logreg.skops").read_bytes()
    assert train_logreg.main([*command, "--overwrite"]) == 0  # the same LOGREG_MODEL_PATH
    assert fingerprints(first) == before  # not a byte, not a time stamp changed
    older, newer = list_runs(runs)
    assert older == first and newer != first
    assert (runs / "latest").resolve() == newer.resolve()
    assert first.name.endswith("-logreg_config")  # the config file's name by default
    info = json.loads((first / "run.json").read_text())
    assert info["status"] == "finished" and info["script"] == "train_logreg"
    assert info["command"] == ["train_logreg.py", *command]
    assert info["model"] == "logreg.skops" and info["summary"]["best_C"] == 0.5
    assert {"logreg.skops", "logreg.skops.json", "logreg_report.json"} <= set(info["outputs"])
    assert json.loads((first / "config.json").read_text())["LOGREG_C_GRID"] == [0.5]  # --set
    environment = json.loads((first / "environment.json").read_text())
    assert "numpy" in environment["packages"] and "git_commit" in environment
    record = json.loads((first / "logreg.skops.json").read_text())
    assert record["run"] == str(first)
    assert (first / "logreg.skops").read_bytes() == model_bytes  # the first run's model
    assert run_model(tmp_path / "out") == newer / "logreg.skops"


def test_a_refused_setting_leaves_no_run_behind(features_config: Path, tmp_path: Path) -> None:
    code = train_logreg.main(["--config", str(features_config),
                              "--set", f"LOGREG_MODEL_PATH={tmp_path / 'model.pkl'}"])  # fmt: skip
    assert code == 2
    assert not (tmp_path / "out").exists()


def test_runs_are_found_by_name_latest_or_model(tmp_path: Path) -> None:
    from pyimagesearch.config import Config

    cfg = Config({"OUTPUT_PATH": str(tmp_path)})
    with pytest.raises(ConfigError, match="no runs in"):
        find_run(tmp_path)
    with recorded_run(cfg, "train", "lr-3") as trained:
        (trained.path / "model.keras").write_bytes(b"m")
        trained.keep(trained.path / "model.keras")
        trained.info["model"] = "model.keras"
    with recorded_run(cfg, "evaluate", "lr-3-eval") as evaluation:
        note_input_model(evaluation, trained.path / "model.keras")
        (tmp_path / "evaluation.json").write_text("{}")
        evaluation.collect({"report_path": str(tmp_path / "evaluation.json"), "tencrop_rank1": 0.9})
    assert find_run(tmp_path, "latest") == evaluation.path
    assert find_run(tmp_path, "lr-3") == trained.path  # the end of a folder's name
    assert run_model(tmp_path, "latest") == trained.path / "model.keras"  # newest with a model
    assert children(trained.path) == [evaluation.path]
    assert json.loads((evaluation.path / "run.json").read_text())["summary"] == {
        "tencrop_rank1": 0.9
    }
    with pytest.raises(ConfigError, match=r"no run named 'lr-4'.*the newest: .*lr-3-eval"):
        find_run(tmp_path, "lr-4")
    with pytest.raises(ConfigError, match=r"lr-3-eval trained no model \(it ran evaluate\)"):
        run_model(tmp_path, "lr-3-eval")


def test_only_scripts_that_keep_runs_take_a_run_name(tmp_path: Path, capsys) -> None:
    import build_dataset
    import compare_runs

    config = write_config(tmp_path / "c.py", OUTPUT_PATH=str(tmp_path / "out"))
    for script in (build_dataset, compare_runs):  # no run folder: --name would do nothing
        with pytest.raises(SystemExit):
            script.main(["--config", str(config), "--name", "x"])
        assert "unrecognized arguments: --name" in capsys.readouterr().err
