"""Compare runs side by side: one row per run, the settings that differ, the key numbers.

A training run's row also holds the numbers of the evaluations of its model (its child
runs: ``evaluate.py --run``), so AlexNet's baseline and 10-crop accuracy sit beside the
logistic regression's.

Example (not run by the tests: needs run folders in output/runs):
    >>> rows, differing = compare_runs([find_run("output", "lr-3"), find_run("output")])
    ... # doctest: +SKIP
    >>> paths = write_comparison(rows, differing, "output/comparisons/lr")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pyimagesearch.config import SETTINGS
from pyimagesearch.experiments.runs import children, children_index, run_info
from pyimagesearch.utils.atomic import atomic_write, check_writable, refuse_existing
from pyimagesearch.utils.reports import cell_text, read_json

# (column, title) of the numbers shown for every run, after the differing settings.
NUMBER_COLUMNS = (
    ("epochs", "epochs"),
    ("best_val_loss", "best val loss"),
    ("best_val_crossentropy", "best val cross-entropy"),
    ("baseline_rank1", "rank-1"),
    ("tencrop_rank1", "10-crop rank-1"),
    ("baseline_rank5", "rank-5"),
    ("tencrop_rank5", "10-crop rank-5"),
    ("log_loss", "log loss"),
    ("tencrop_log_loss", "10-crop log loss"),
    ("seconds", "seconds"),
)
# Settings that differ between runs without making them different experiments.
IGNORED_SETTINGS = {"source"}


def run_numbers(folder: Path, index: dict[str, list[Path]] | None = None) -> dict[str, Any]:
    """A run's key numbers, with those of the evaluations of its model filled in
    (``index``: :func:`children_index` of its folder, when many runs are compared)."""
    info = run_info(folder)
    numbers = dict(info.get("summary", {}))
    kids = index.get(folder.name, []) if index is not None else children(folder)
    for child in kids:  # oldest first: the newest evaluation wins
        summary = run_info(child).get("summary", {})
        numbers.update({k: v for k, v in summary.items() if k.startswith(("baseline", "tencrop"))})
    if "baseline_rank1" not in numbers and "accuracy" in numbers:  # a classifier's own test
        numbers["baseline_rank1"] = numbers["accuracy"]
    if "log_loss" not in numbers and "baseline_log_loss" in numbers:
        numbers["log_loss"] = numbers["baseline_log_loss"]
    numbers["seconds"] = info.get("seconds")
    return numbers


def model_name(info: dict[str, Any], numbers: dict[str, Any]) -> str:
    """What was trained: the network, or the classifier and its backbone(s)."""
    if numbers.get("network"):
        return str(numbers["network"])
    if info.get("search_model"):  # a trial of search.py
        return f"{numbers.get('network') or info['search_model']} trial"
    backbones = numbers.get("backbones") or (
        [numbers["backbone"]] if numbers.get("backbone") else []
    )
    kind = {"train_logreg": "logreg", "train_head": "head", "fine_tune": "fine-tuned"}.get(
        info.get("script", ""), info.get("script", "")
    )
    return f"{kind} on {'+'.join(map(str, backbones))}" if backbones else kind


def settings_of(folder: Path) -> dict[str, Any]:
    """The run's settings, every known one (defaults where the config did not set it)."""
    snapshot = read_json(folder / "config.json")
    output = str(snapshot.get("OUTPUT_PATH") or "output")
    full = {name: s.default_value(output) for name, s in SETTINGS.items()}
    full.update(snapshot)
    return full


def differing_settings(settings: Sequence[dict[str, Any]]) -> list[str]:
    """Names of the settings whose values are not the same in every run (file paths aside:
    every run names its own)."""
    names = sorted(set().union(*settings)) if settings else []
    differing = []
    for name in names:
        if name in IGNORED_SETTINGS or (name in SETTINGS and SETTINGS[name].path):
            continue
        values = {json.dumps(s.get(name), sort_keys=True, default=str) for s in settings}
        if len(values) > 1:
            differing.append(name)
    return differing


def compare_runs(folders: Sequence[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per run (run, script, model, each differing setting, the numbers) and the
    names of the differing settings."""
    settings = [settings_of(f) for f in folders]
    differing = differing_settings(settings)
    rows = []
    indexes: dict[Path, dict[str, list[Path]]] = {}
    for folder, values in zip(folders, settings, strict=True):
        info = run_info(folder)
        if folder.parent not in indexes:
            indexes[folder.parent] = children_index(folder.parent)
        numbers = run_numbers(folder, indexes[folder.parent])
        row: dict[str, Any] = {
            "run": folder.name,
            "script": info.get("script"),
            "status": info.get("status"),
            "model": model_name(info, numbers),
        }
        row.update({name: values.get(name) for name in differing})
        row.update({key: numbers.get(key) for key, _ in NUMBER_COLUMNS})
        rows.append(row)
    return rows, differing


def score_key(rows: Sequence[dict[str, Any]]) -> str:
    """What ranks runs: the validation cross-entropy when every run has it (a network's
    loss holds its weight-decay penalty, which differs between runs), else the loss."""
    if rows and all(r.get("best_val_crossentropy") is not None for r in rows):
        return "best_val_crossentropy"
    return "best_val_loss"


def shown_columns(rows: Sequence[dict[str, Any]], differing: Sequence[str]) -> list[str]:
    """The columns of a table for people: run, model, the differing settings, and the
    numbers that at least one run has (rank-5 only with more than 5 classes, ...). The
    CSV keeps every column, for programs."""
    numbers = [k for k, _ in NUMBER_COLUMNS if any(r.get(k) is not None for r in rows)]
    return ["run", "model", *differing, *numbers]


def table_lines(rows: Sequence[dict[str, Any]], differing: Sequence[str]) -> list[str]:
    """The table as aligned text for the terminal."""
    columns = shown_columns(rows, differing)
    titles = dict(NUMBER_COLUMNS)
    cells = [[titles.get(c, c) for c in columns]]
    cells += [[cell_text(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
            for r in cells]  # fmt: skip


def markdown(rows: Sequence[dict[str, Any]], differing: Sequence[str]) -> str:
    columns = shown_columns(rows, differing)
    titles = dict(NUMBER_COLUMNS)

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(titles.get(c, c)) for c in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]  # fmt: skip
    lines += [
        "| " + " | ".join(cell(cell_text(row.get(c))) for c in columns) + " |" for row in rows
    ]
    return "\n".join(lines) + "\n"


def write_comparison(
    rows: Sequence[dict[str, Any]], differing: Sequence[str], folder: str | os.PathLike[str]
) -> dict[str, Path]:
    """``comparison.csv`` and ``comparison.md`` in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    columns = ["run", "script", "status", "model", *differing, *(k for k, _ in NUMBER_COLUMNS)]
    paths = {"csv": folder / "comparison.csv", "markdown": folder / "comparison.md"}
    with atomic_write(paths["csv"]) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows({c: cell_text(row.get(c)) for c in columns} for row in rows)
    with atomic_write(paths["markdown"]) as tmp:
        tmp.write_text(markdown(rows, differing))
    return paths


def compare_to_files(
    output_path: str | os.PathLike[str],
    names: list[str] | None,
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> tuple[list[dict[str, Any]], list[str], dict[str, Path]]:
    """``compare_runs.py``: compare the runs ``names`` (none: every run that trained a
    model); write the CSV and Markdown into ``output`` (an existing table there replaced
    only with ``overwrite``) or a new ``comparisons/<date-time>-<n>-runs`` folder."""
    from pyimagesearch.experiments.runs import resolve_runs, stamped_folder

    if output is not None:
        files = {"--output": Path(output) / "comparison.csv"}
        refuse_existing(files, overwrite)
        check_writable(files)
    folders = resolve_runs(output_path, names)
    rows, differing = compare_runs(folders)
    folder = output or stamped_folder(Path(output_path) / "comparisons", f"{len(rows)}-runs")
    return rows, differing, write_comparison(rows, differing, folder)
