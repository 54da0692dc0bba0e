"""Run folders a crash leaves: a cut-off run.json is skipped with one note (and named when
asked for), a run whose process was killed shows as killed, and a new search of the same
name says the earlier one was killed."""

from __future__ import annotations

import csv
import json
import socket
from pathlib import Path

import numpy as np

import compare_runs
import evaluate
import report
import search
from pyimagesearch.config import Config
from pyimagesearch.experiments.runs import recorded_run, start_run
from tests.helpers import file_hashes, separable_features, write_config, write_features

GONE = 2**31 - 1  # a process id no process has (Linux allows at most 2**22)


def trained_run(cfg: Config, name: str) -> Path:
    """A finished run that trained a (fake) model, and an evaluation of it."""
    with recorded_run(cfg, "train", name) as run:
        (run.path / "model.keras").write_bytes(b"a model")
        run.collect({"model": str(run.path / "model.keras")}, {"network": "AlexNet"})
    return run.path


def test_a_cut_off_run_json_is_skipped_with_a_note_and_named_when_asked_for(
    tmp_path: Path, capsys
) -> None:
    cfg = Config({"OUTPUT_PATH": str(tmp_path / "out")})
    trained_run(cfg, "first")
    cut = trained_run(cfg, "second")
    text = (cut / "run.json").read_text()
    (cut / "run.json").write_text(text[: len(text) // 2])  # a full disk, a killed process
    runs = tmp_path / "out" / "runs"
    before = file_hashes(runs)
    base = ["--set", f"OUTPUT_PATH={tmp_path / 'out'}"]
    capsys.readouterr()
    assert compare_runs.main([*base, "--output", str(tmp_path / "cmp")]) == 0
    captured = capsys.readouterr()
    note = f"[WARNING] skipped {cut}: run.json is not readable (cut off?)"
    assert captured.out.splitlines()[0] == note and "Traceback" not in captured.err
    with open(tmp_path / "cmp" / "comparison.csv", newline="") as handle:
        assert [r["run"][-5:] for r in csv.DictReader(handle)] == ["first"]
    assert report.main([*base, "--output", str(tmp_path / "page.html")]) == 0  # the newest
    assert "first" in (tmp_path / "page.html").read_text()  # readable run (noted once above)
    assert "Traceback" not in capsys.readouterr().err
    config = write_config(tmp_path / "c.py", OUTPUT_PATH=str(tmp_path / "out"),
                          TEST_HDF5=str(tmp_path / "test.hdf5"))  # fmt: skip
    assert evaluate.main(["--config", str(config), "--run", "second"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().splitlines()[0] == (
        f"error: run {cut.name}: {cut / 'run.json'} is not readable (cut off?); name another "
        "run, or remove that folder"
    )
    assert file_hashes(runs) == before


def test_a_killed_run_shows_as_killed_and_a_new_search_of_its_name_says_so(
    tmp_path: Path, capsys
) -> None:
    features, labels, paths = separable_features(60, dim=4, seed=2)
    write_features(tmp_path / "f.hdf5", features, labels, paths, splits=np.arange(60) % 3)
    config = write_config(tmp_path / "tune.py", FEATURES_HDF5=str(tmp_path / "f.hdf5"),
                          OUTPUT_PATH=str(tmp_path / "out"), SEARCH_MODEL="logreg")  # fmt: skip
    cfg = Config({"OUTPUT_PATH": str(tmp_path / "out")}, source=config)
    killed = start_run(cfg, "search")  # what kill -9 leaves: "running", and its process gone
    trial = start_run(cfg, "search_trial", "tune-trial-001")
    trial.info["parent"] = killed.name
    trial.finish("finished")
    for run in (killed, start_run(cfg, "search_trial", "tune-trial-002")):
        run.info.update(parent=killed.name, pid=GONE, host=socket.gethostname())
        run.write()
    assert compare_runs.main(["--config", str(config), "--output", str(tmp_path / "cmp")]) == 0
    with open(tmp_path / "cmp" / "comparison.csv", newline="") as handle:
        statuses = [r["status"] for r in csv.DictReader(handle)]
    assert statuses == ["killed", "finished", "killed"]
    capsys.readouterr()
    assert search.main(["--config", str(config), "--trials", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (
        f"[SEARCH] the earlier search {killed.name} was killed after 1 finished trial(s) "
        f"(their runs stay in {tmp_path / 'out' / 'runs'}); this search starts again "
        "(search.py does not resume one)"
    )
    info = json.loads((killed.path / "run.json").read_text())
    assert info["status"] == "running"  # the record of another run is never rewritten
