"""Records that can be trusted: a run shows its data's settings as the build recorded them
(not the current config's), a report lists the settings of its kind of run, the comparison
fits a terminal and a laptop screen with the numbers as the scripts print them, and a
script without a config says where it writes."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import h5py
import numpy as np

import build_dataset
import compare_runs
import report
import train_logreg
from pyimagesearch.config import Config, load_config
from pyimagesearch.experiments.report import run_report
from pyimagesearch.experiments.runs import list_runs, recorded_run, start_run
from tests.helpers import separable_features, split_settings, write_config, write_features

# A long augmentation dict, as configs write them: a 150-character value.
AUGMENTATION = {"rotation_range": 20, "zoom_range": 0.15, "width_shift_range": 0.2,
                "height_shift_range": 0.2, "shear_range": 0.15, "horizontal_flip": True,
                "fill_mode": "nearest"}  # fmt: skip


def test_a_run_records_the_settings_its_data_was_built_with(
    synthetic_images: Path, tmp_path: Path
) -> None:
    settings = split_settings(tmp_path / "data", synthetic_images, IMAGE_SIZE=16)
    config = write_config(tmp_path / "cfg.py", **settings, NETWORK="ShallowNet")
    assert settings["NUM_TEST_IMAGES"] == 10  # the config's; the build is told 12
    assert build_dataset.main(["--config", str(config), "--set", "NUM_TEST_IMAGES=12"]) == 0
    built = json.loads((tmp_path / "data" / "out" / "build_report.json").read_text())
    assert built["settings"]["NUM_TEST_IMAGES"] == 12
    with h5py.File(settings["TEST_HDF5"], "r") as db:
        assert json.loads(db.attrs["build_settings"])["NUM_TEST_IMAGES"] == 12
    # a later run on these files records the build's 12, whatever the config says now
    run = start_run(load_config(config), "evaluate", "on-the-data")
    run.finish("finished")
    data = json.loads((run.path / "run.json").read_text())["data"]
    assert data["settings"]["NUM_TEST_IMAGES"] == 12 and data["build_id"] == built["build_id"]
    assert data["files"] == [settings[n] for n in ("TRAIN_HDF5", "VAL_HDF5", "TEST_HDF5")]
    other = start_run(Config({"OUTPUT_PATH": settings["OUTPUT_PATH"]}), "evaluate", "no-data")
    other.finish("finished")  # no data files: its config's value (None)
    out = tmp_path / "comparison"
    assert compare_runs.main(["--config", str(config), "on-the-data", "no-data",
                              "--output", str(out)]) == 0  # fmt: skip
    with open(out / "comparison.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["NUM_TEST_IMAGES"] for r in rows] == ["12", ""]


def test_a_logistic_regression_shows_its_datas_settings_and_its_own(tmp_path: Path) -> None:
    features, labels, paths = separable_features(90, seed=3)
    build = {"NUM_VAL_IMAGES": 200, "NUM_TEST_IMAGES": 200, "IMAGE_SIZE": 64}
    write_features(tmp_path / "features.hdf5", features, labels, paths,
                   splits=np.arange(90) % 3,
                   attrs={"build_id": "b1", "build_settings": json.dumps(build)})  # fmt: skip
    config = write_config(tmp_path / "c.py", FEATURES_HDF5=str(tmp_path / "features.hdf5"),
                          OUTPUT_PATH=str(tmp_path / "out"), LOGREG_C=1.0,
                          NUM_VAL_IMAGES=2500, NUM_TEST_IMAGES=2500, NETWORK="AlexNet",
                          EPOCHS=75, DROPOUT=(0.25, 0.5))  # fmt: skip
    assert train_logreg.main(["--config", str(config)]) == 0
    (run,) = list_runs(tmp_path / "out" / "runs")
    assert json.loads((run / "run.json").read_text())["data"]["settings"] == build
    assert report.main(["--config", str(config), "--run", run.name]) == 0
    page = (run / "report.html").read_text()
    configuration = page.split("<h2>Configuration</h2>")[1].split("</section>")[0]
    listed, folded = configuration.split("<details>")
    assert "<h3>The data, as built</h3>" in listed
    assert '<td>NUM_TEST_IMAGES</td><td class="num">200</td>' in listed
    assert "2500" not in configuration  # the config's values are not the data's
    assert "<td>LOGREG_C</td>" in listed
    for network_setting in ("NETWORK", "EPOCHS", "DROPOUT"):  # not a logistic regression's
        assert f"<td>{network_setting}</td>" not in listed
        assert f"<td>{network_setting}</td>" in folded


def recorded_runs(root: Path, count: int = 4) -> list[Path]:
    """``count`` AlexNet runs named "run" (as without a config), with a long augmentation
    dict, differing learning rates and rank-1 numbers."""
    folders = []
    for i in range(count):
        cfg = Config({"OUTPUT_PATH": str(root), "LEARNING_RATE": 0.01 * (i + 1),
                      "AUGMENTATION": {**AUGMENTATION, "rotation_range": 10 * i},
                      "NETWORK_ARGS": {"stages": [3, 4, 6, 3], "filters": [64, 128, 256, i]},
                      "DROPOUT": (0.25, 0.1 * i), "EPOCHS": 10 + i})  # fmt: skip
        with recorded_run(cfg, "train") as run:
            run.collect({"history": {"loss": [0.9, 0.7], "val_loss": [0.8, 0.6 - i / 100]}},
                        {"network": "AlexNet", "baseline_rank1": 0.925 - i / 100,
                         "tencrop_rank1": 0.9375, "baseline_log_loss": 0.2, "epochs": 2,
                         "best_val_loss": 0.6 - i / 100})  # fmt: skip
        folders.append(run.path)
    return folders


def test_the_printed_comparison_fits_120_columns_key_numbers_first(tmp_path: Path, capsys):
    recorded_runs(tmp_path / "out")
    base = ["--set", f"OUTPUT_PATH={tmp_path / 'out'}"]
    assert compare_runs.main([*base, "--output", str(tmp_path / "cmp")]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = [line for line in lines if not line.startswith("[INFO]")]
    assert max(map(len, table)) <= 120, max(table, key=len)
    header = table[0].split()
    assert header[:4] == ["run", "model", "rank-1", "10-crop"]  # the key numbers first
    assert "AUGMENTATION" in " ".join(table)  # the long settings, cut short, further on
    assert "92.50%" in table[1] and "93.75%" in table[1]  # as evaluate.py prints them
    assert "0.925" not in "\n".join(table)
    assert "LEARNING_RATE" in " ".join(table) and "NETWORK_ARGS" in " ".join(table)


def test_the_html_comparison_is_titled_fits_and_shows_percentages(tmp_path: Path) -> None:
    recorded_runs(tmp_path / "out", 3)
    page_path = tmp_path / "page.html"
    assert report.main(["--set", f"OUTPUT_PATH={tmp_path / 'out'}", "--compare",
                        "--output", str(page_path)]) == 0  # fmt: skip
    page = page_path.read_text()
    assert "<title>Comparison of 3 runs: AlexNet</title>" in page
    assert "run, run, run" not in page
    # the names (each once, with its count) and when: "run ×3 · 2026-11-26 04:15"; runs
    # started within one second are "run", "run-2", ...
    assert re.search(r"<header><h1>[^<]*</h1><p>run[^<]* · \d{4}-\d\d-\d\d \d\d:\d\d", page)
    runs = page.split("<h2>Runs</h2>")[1].split("</section>")[0]
    headers = re.findall(r"<th>([^<]*)</th>", runs.split("</thead>")[0])
    assert headers.index("log loss") < headers.index("AUGMENTATION")  # numbers first
    assert '<td class="num">92.50%</td>' in runs and "0.925" not in runs
    table_part, folded = runs.split("<details>", 1)
    assert '<div class="scroll">' in table_part  # wider than the page: it scrolls, alone
    longest = max(len(c) for c in re.findall(r"<td[^>]*>([^<]*)</td>", table_part))
    assert longest <= 40  # the dicts are cut short in the table...
    assert "fill_mode&quot;: &quot;nearest" in folded  # ...and whole one click away


def test_a_run_report_shows_each_number_once_as_the_scripts_print_it(tmp_path: Path) -> None:
    cfg = Config({"OUTPUT_PATH": str(tmp_path)})
    with recorded_run(cfg, "train_logreg") as run:
        run.collect({}, {"accuracy": 0.925, "log_loss": 0.1234567, "n_test": 40})
    page = run_report(run.path)
    assert page.count("92.50%") == 1 and "0.925" not in page
    assert page.count("0.1235") == 1


def test_a_script_without_a_config_says_where_it_writes(tmp_path: Path, monkeypatch, capsys):
    features, labels, paths = separable_features(60, seed=1)
    write_features(tmp_path / "f.hdf5", features, labels, paths)
    monkeypatch.chdir(tmp_path)
    fast = ["--set", "LOGREG_C=1.0"]  # no grid search
    assert train_logreg.main(["--db", "f.hdf5", "--model", "m.skops", *fast]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"[INFO] no --config: OUTPUT_PATH is {tmp_path / 'output'} ")
    assert "--set OUTPUT_PATH=DIR" in first
    chosen = ["--db", "f.hdf5", "--model", "n.skops", *fast]
    assert train_logreg.main([*chosen, "--set", f"OUTPUT_PATH={tmp_path / 'o'}"]) == 0
    assert "no --config" not in capsys.readouterr().out  # an OUTPUT_PATH given: no line
