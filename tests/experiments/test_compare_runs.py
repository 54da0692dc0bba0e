"""compare_runs.py: one row per run, the settings that differ, the key numbers, CSV and
Markdown."""

from __future__ import annotations

import csv
from pathlib import Path

import compare_runs
import train_logreg
from pyimagesearch.experiments.compare_runs import differing_settings
from pyimagesearch.experiments.runs import list_runs
from tests.experiments.test_runs import features_config  # noqa: F401 (a fixture)


def test_compare_shows_the_settings_that_differ_and_the_numbers(
    features_config: Path,  # noqa: F811
    tmp_path: Path,
    capsys,
) -> None:
    base = ["--config", str(features_config)]
    assert train_logreg.main([*base, "--set", "LOGREG_C_GRID=[0.01]", "--name", "small-c"]) == 0
    assert train_logreg.main([*base, "--set", "LOGREG_C_GRID=[10.0]", "--name", "large-c",
                              "--overwrite"]) == 0  # fmt: skip
    capsys.readouterr()
    out = tmp_path / "comparison"
    assert compare_runs.main([*base, "small-c", "large-c", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    header = printed.splitlines()[0]
    assert "LOGREG_C_GRID" in header and "rank-1" in header and "log loss" in header
    assert "10-crop" not in header and "rank-5" not in header  # no run has them: not shown
    assert "OUTPUT_PATH" not in header and "RANDOM_SEED" not in header  # the same in both
    with open(out / "comparison.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["run"][-7:] for r in rows] == ["small-c", "large-c"]
    assert [r["LOGREG_C_GRID"] for r in rows] == ["[0.01]", "[10.0]"]
    assert all(r["model"] == "logreg on Fake" and 0 < float(r["log_loss"]) for r in rows)
    assert float(rows[0]["log_loss"]) != float(rows[1]["log_loss"])
    assert all(0.5 <= float(r["baseline_rank1"]) <= 1 for r in rows)
    markdown = (out / "comparison.md").read_text().splitlines()
    assert markdown[0] == "| run | model | LOGREG_C_GRID | rank-1 | log loss | seconds |"
    assert len(markdown) == 4
    assert "tencrop_rank1" in rows[0]  # the CSV keeps every column, for programs
    # the tables in --output are the user's now: replaced only with --overwrite
    before = (out / "comparison.csv").read_bytes()
    assert compare_runs.main([*base, "large-c", "--output", str(out)]) == 2
    assert "comparison.csv already exists; pass --overwrite" in capsys.readouterr().err
    assert (out / "comparison.csv").read_bytes() == before
    assert compare_runs.main([*base, "large-c", "--output", str(out), "--overwrite"]) == 0
    assert len((out / "comparison.csv").read_text().splitlines()) == 2
    # no names: every run that trained a model, into a new folder of its own
    assert compare_runs.main(base) == 0
    (made,) = (tmp_path / "out" / "comparisons").iterdir()
    assert made.name.endswith("-2-runs") and (made / "comparison.csv").is_file()
    assert len(list_runs(tmp_path / "out" / "runs")) == 2  # comparing is not a run


def test_file_paths_and_equal_values_are_not_differences() -> None:
    first = {
        "OUTPUT_PATH": "/a",
        "MODEL_PATH": "/a/m.keras",
        "EPOCHS": 5,
        "AUGMENTATION": {"flip": True},
    }
    second = {
        "OUTPUT_PATH": "/b",
        "MODEL_PATH": "/b/m.keras",
        "EPOCHS": 5,
        "AUGMENTATION": {"flip": False},
    }
    assert differing_settings([first, second]) == ["AUGMENTATION"]
    assert differing_settings([first, {**first, "EPOCHS": 6}]) == ["EPOCHS"]
