"""Compare runs side by side: one row per run, the key numbers, the settings that differ.

A training run's row also holds the numbers of the newest evaluation of its model (its
child runs: ``evaluate.py --run``), so AlexNet's baseline and 10-crop accuracy sit beside
the logistic regression's, and the test file (and build) they come from ("evaluated on").
A run still marked running whose process is gone shows as ``killed``. The settings of the
data are the build's, as the data's files recorded them (``run.json``'s ``data``), not the
config's. The tables for people show the numbers as the scripts print them (rank-1
``92.50%``) and cut long values short; the terminal's fits ``TERMINAL_WIDTH`` columns; the
CSV keeps every column and value whole.

Example (not run by the tests: needs run folders in output/runs):
    >>> rows, differing = compare_runs([find_run("output", "lr-3"), find_run("output")])
    ... # doctest: +SKIP
    >>> paths = write_comparison(rows, differing, "output/comparisons/lr")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pyimagesearch.config import SETTINGS
from pyimagesearch.experiments.runs import (
    children,
    children_index,
    data_settings,
    run_info,
    run_status,
)
from pyimagesearch.utils.atomic import atomic_write, check_writable, refuse_existing
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.reports import cell_text, read_json

# (column, title) of the numbers shown for every run, the key ones first.
NUMBER_COLUMNS = (
    ("baseline_rank1", "rank-1"),
    ("tencrop_rank1", "10-crop rank-1"),
    ("log_loss", "log loss"),
    ("tencrop_log_loss", "10-crop log loss"),
    ("baseline_rank5", "rank-5"),
    ("tencrop_rank5", "10-crop rank-5"),
    ("best_val_loss", "best val loss"),
    ("best_val_crossentropy", "best val cross-entropy"),
    ("epochs", "epochs"),
    ("seconds", "seconds"),
)
# Settings that differ between runs without making them different experiments.
IGNORED_SETTINGS = {"source", "OVERWRITE"}
TERMINAL_WIDTH = 120  # the widest line of the printed table
CELL_WIDTH = 24  # a setting's value longer than this is cut short (…) in tables for people
NAME_WIDTH = 40  # the same for a run's or a model's name
PERCENTAGES = ("rank1", "rank5", "accuracy")  # fractions the scripts print as 92.50%


def number_text(key: str, value: Any) -> str:
    """A key number as the scripts print it: ranks and accuracies as percentages, losses
    to 4 decimals, seconds to 1.

    >>> number_text("tencrop_rank1", 0.925), number_text("log_loss", 0.123456)
    ('92.50%', '0.1235')
    >>> number_text("seconds", 12.345), number_text("epochs", 5), number_text("log_loss", None)
    ('12.3', '5', '')
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        return cell_text(value)
    if key.endswith(PERCENTAGES):
        return f"{value * 100:.2f}%"
    if key.endswith(("loss", "crossentropy")):
        return f"{value:.4f}"
    return f"{value:.1f}" if key == "seconds" else cell_text(value)


def cut(text: str, width: int = CELL_WIDTH, middle: bool = False) -> str:
    """``text`` cut to ``width`` characters with ``…`` at the end (``middle``: in the
    middle, keeping a run's date-time and the end of its name).

    >>> cut("20261126-041502-alexnet-lr3", 20, middle=True)
    '20261126-0…exnet-lr3'
    """
    if len(text) <= width:
        return text
    if not middle:
        return text[: width - 1] + "…"
    head = width // 2
    return text[:head] + "…" + text[len(text) - (width - head - 1) :]


def setting_text(value: Any, width: int = CELL_WIDTH) -> str:
    """A setting's value in a table for people: a dict or list without quotes and spaces,
    cut to ``width``.

    >>> setting_text({"rotation_range": 20, "zoom_range": 0.15, "horizontal_flip": True})
    '{rotation_range:20,zoom…'
    >>> setting_text(None)
    'None'
    """
    if value is None:  # a value of its own: AUGMENTATION = None is no augmentation
        return "None"
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, separators=(",", ":"), default=str).replace('"', "")
    return cut(cell_text(value), width)


def shown_text(column: str, value: Any) -> str:
    """A cell of a table for people: a number as the scripts print it, a name or a
    setting's value cut short."""
    if column in NUMBERS:
        return number_text(column, value)
    if column == EVALUATED_ON:  # the file's name and build, at the end, stay
        text = cell_text(value)
        return text if len(text) <= NAME_WIDTH else "…" + text[len(text) - NAME_WIDTH + 1 :]
    if column in ("run", "model"):
        return cut(cell_text(value), NAME_WIDTH, middle=column == "run")
    return setting_text(value)


NUMBERS = dict(NUMBER_COLUMNS)
# The column naming the test file of the evaluation numbers (after the numbers).
EVALUATED_ON = "evaluated_on"
TITLES = {**NUMBERS, EVALUATED_ON: "evaluated on"}


def run_numbers(folder: Path, index: dict[str, list[Path]] | None = None) -> dict[str, Any]:
    """A run's key numbers, with those of the evaluations of its model filled in
    (``index``: :func:`children_index` of its folder, when many runs are compared)."""
    info = run_info(folder)
    numbers = dict(info.get("summary", {}))
    kids = index.get(folder.name, []) if index is not None else children(folder)
    for child in kids:  # oldest first: the newest evaluation wins
        summary = run_info(child).get("summary", {})
        evaluation = {k: v for k, v in summary.items() if k.startswith(("baseline", "tencrop"))}
        if evaluation:
            numbers.update(evaluation, evaluated_on=evaluated_on(summary))
    if "baseline_rank1" not in numbers and "accuracy" in numbers:  # a classifier's own test
        numbers["baseline_rank1"] = numbers["accuracy"]
    if "log_loss" not in numbers and "baseline_log_loss" in numbers:
        numbers["log_loss"] = numbers["baseline_log_loss"]
    numbers["seconds"] = info.get("seconds")
    return numbers


def evaluated_on(summary: Mapping[str, Any]) -> str | None:
    """The test file (and its build) an evaluation's numbers come from, from its run's
    summary; None for a run that did not record it.

    >>> evaluated_on({"test_hdf5": "/data/hdf5/test.hdf5", "test_build_id": "1a2b3c4d5e6f"})
    '/data/hdf5/test.hdf5 (build 1a2b3c4d)'
    """
    test = summary.get("test_hdf5")
    if not test:
        return None
    build = summary.get("test_build_id")
    return display_path(test) + (f" (build {str(build)[:8]})" if build else "")


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
    """The run's settings, every known one (defaults where the config did not set it),
    those of its data as the data's build recorded them."""
    snapshot = read_json(folder / "config.json")
    output = str(snapshot.get("OUTPUT_PATH") or "output")
    full = {name: s.default_value(output) for name, s in SETTINGS.items()}
    full.update(snapshot)
    full.update(data_settings(run_info(folder)))
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
            "status": run_status(info),
            "model": model_name(info, numbers),
        }
        row.update({name: values.get(name) for name in differing})
        row.update({key: numbers.get(key) for key, _ in NUMBER_COLUMNS})
        row[EVALUATED_ON] = numbers.get(EVALUATED_ON)
        rows.append(row)
    return rows, differing


def score_key(rows: Sequence[dict[str, Any]]) -> str:
    """What ranks runs: the validation cross-entropy when every run has it (a network's
    loss holds its weight-decay penalty, which differs between runs), else the loss."""
    if rows and all(r.get("best_val_crossentropy") is not None for r in rows):
        return "best_val_crossentropy"
    return "best_val_loss"


def number_columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The numbers at least one run has (rank-5 only with more than 5 classes, ...), then
    the test file they come from when one run's evaluation names it."""
    return [k for k in (*NUMBERS, EVALUATED_ON) if any(r.get(k) is not None for r in rows)]


def shown_columns(rows: Sequence[dict[str, Any]], differing: Sequence[str]) -> list[str]:
    """The columns of a table for people: run, model, the numbers that at least one run
    has, and the differing settings. The CSV keeps every column, for programs."""
    return ["run", "model", *number_columns(rows), *differing]


def column_blocks(columns: Sequence[str], widths: dict[str, int], limit: int) -> list[list[str]]:
    """``columns`` in blocks of at most ``limit`` characters (two between columns), each
    block starting with the first column (the run), in order.

    >>> column_blocks(["run", "a", "b", "c"], {"run": 10, "a": 50, "b": 50, "c": 5}, 120)
    [['run', 'a', 'b'], ['run', 'c']]
    """
    blocks = [[columns[0]]]
    used = widths[columns[0]]
    for column in columns[1:]:
        if used + 2 + widths[column] > limit and len(blocks[-1]) > 1:
            blocks.append([columns[0]])
            used = widths[columns[0]]
        blocks[-1].append(column)
        used += 2 + widths[column]
    return blocks


def table_lines(
    rows: Sequence[dict[str, Any]], differing: Sequence[str], width: int = TERMINAL_WIDTH
) -> list[str]:
    """The table as aligned text for the terminal: the numbers as the scripts print them,
    long values cut short, and columns that do not fit in ``width`` in further blocks
    (each starting with the run), a blank line between two blocks."""
    columns = shown_columns(rows, differing)
    texts = {c: [TITLES.get(c, c), *(shown_text(c, row.get(c)) for row in rows)]
             for c in columns}  # fmt: skip
    widths = {c: max(map(len, texts[c])) for c in columns}
    lines: list[str] = []
    for block in column_blocks(columns, widths, width):
        lines += [""] if lines else []
        lines += ["  ".join(texts[c][i].ljust(widths[c]) for c in block).rstrip()
                  for i in range(len(rows) + 1)]  # fmt: skip
    if any(shown_text(c, r.get(c)).endswith("…") for c in differing for r in rows):
        lines.append("(… cut short: comparison.csv has every value whole)")
    return lines


def markdown(rows: Sequence[dict[str, Any]], differing: Sequence[str]) -> str:
    """The table in Markdown: run, model, the differing settings, the numbers."""
    columns = ["run", "model", *differing, *number_columns(rows)]

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(TITLES.get(c, c)) for c in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]  # fmt: skip
    lines += [
        "| " + " | ".join(cell(shown_text(c, row.get(c))) for c in columns) + " |" for row in rows
    ]
    return "\n".join(lines) + "\n"


def write_comparison(
    rows: Sequence[dict[str, Any]], differing: Sequence[str], folder: str | os.PathLike[str]
) -> dict[str, Path]:
    """``comparison.csv`` and ``comparison.md`` in ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    columns = ["run", "script", "status", "model", *differing, *NUMBERS, EVALUATED_ON]
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
