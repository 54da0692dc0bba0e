"""One self-contained HTML report of a run, or of a comparison of runs (``report.py``).

A run's report gathers what the run and the runs that used its model (evaluations,
diagnoses, class activation maps) left in their folders: the key numbers, the config, the
build report and audit the run saw, the training curves, baseline vs 10-crop, the
classification report, the confusion matrix, the top losses and the CAM grid, each where it
exists. A comparison report puts the runs in one table (the settings that differ and the
numbers) and their validation curves in one plot; a search adds its best settings.

Example (not run by the tests: needs a run folder in output/runs):
    >>> path = write_run_report(find_run("output", "latest"))       # doctest: +SKIP
    >>> path.name                                                   # doctest: +SKIP
    'report.html'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pyimagesearch.config import DATA_SETTINGS, SETTINGS, run_settings
from pyimagesearch.experiments.compare_runs import (
    NUMBER_COLUMNS,
    NUMBERS,
    TITLES,
    compare_runs,
    model_name,
    number_text,
    run_numbers,
    score_key,
    setting_text,
    shown_columns,
    shown_text,
)
from pyimagesearch.experiments.html_page import (
    NumberText,
    Page,
    esc,
    figure_image,
    image_file,
    key_values,
    paragraph,
    pre,
    scrolling,
    table,
)
from pyimagesearch.experiments.runs import (
    HISTORY_FILE,
    RUN_FILE,
    children,
    run_status,
    short_name,
)
from pyimagesearch.utils.atomic import atomic_write, check_writable, refuse_existing
from pyimagesearch.utils.plots import rate_changed
from pyimagesearch.utils.reports import read_json

REPORT_FILE = "report.html"
TOP_LOSS_ROWS = 200  # rows of the top-loss table
SHOWN_ROWS = 20  # rows of a long table shown before the rest (in a <details>)
LISTED = 20  # file names listed per finding of the build report and audit


def _read(path: Path) -> Any:
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def newest_file(folders: Sequence[Path], name: str) -> Path | None:
    """``name`` in the newest of ``folders`` that holds it."""
    for folder in reversed(folders):
        if (folder / name).is_file():
            return folder / name
    return None


# The numbers the "Baseline vs 10-crop" section shows (not repeated among the key numbers).
EVALUATION_NUMBERS = tuple(f"{name}_{number}" for name in ("baseline", "tencrop")
                           for number in ("rank1", "rank5", "log_loss", "seconds"))  # fmt: skip


def shown_number(key: str, value: Any) -> Any:
    """A key number as the scripts print it (a right-aligned ``NumberText``), other values
    as they are."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return NumberText(number_text(key, value))
    return value


def key_numbers(numbers: Mapping[str, Any]) -> dict[str, Any]:
    """A run's key numbers for its Summary, each once: not the time (a fact of the run),
    not those of the "Baseline vs 10-crop" table, nor a copy of one of them (a
    classifier's accuracy is its rank-1, its log loss the baseline's)."""
    evaluated = numbers.get("baseline_rank1") is not None
    skip = {"seconds", *(EVALUATION_NUMBERS if evaluated else ())}
    copies = {"accuracy": "baseline_rank1", "log_loss": "baseline_log_loss"}
    titles = {**TITLES, "baseline_log_loss": "baseline log loss"}
    return {
        titles.get(k, k.replace("_", " ")): shown_number(k, v)
        for k, v in numbers.items()
        if v is not None and k not in skip
        and not (k in copies and numbers.get(copies[k]) == v and copies[k] in skip)
    }  # fmt: skip


def _summary_section(page: Page, folder: Path, info: dict[str, Any]) -> None:
    numbers = run_numbers(folder)
    facts = {
        "script": info.get("script"),
        "model": model_name(info, numbers),
        "status": run_status(info),
        "started": info.get("started"),
        "seconds": info.get("seconds"),
        "command": " ".join(info.get("command", [])),
        "model file": info.get("model") or info.get("input_model"),
        "trained by run": info.get("parent"),
    }
    shown = key_numbers(numbers)
    page.section(
        "Summary",
        key_values({k: v for k, v in facts.items() if v})
        + ("<h3>Key numbers</h3>" + key_values(shown) if shown else ""),
    )


def _setting_rows(values: Mapping[str, Any], names: Sequence[str]) -> list[list[Any]]:
    return [[n, values[n], SETTINGS[n].help if n in SETTINGS else ""] for n in names]


def _config_section(page: Page, folder: Path, info: Mapping[str, Any]) -> None:
    """The settings a run of its kind reads (as its config set them), the settings of
    its data (as the data's build recorded them), and the config's others, folded."""
    snapshot = _read(folder / "config.json") or {}
    kind = str(info.get("script", ""))
    reads = run_settings(kind)
    data = info.get("data") or {}
    built = {k: v for k, v in (data.get("settings") or {}).items() if k in DATA_SETTINGS}
    from_data = [n for n in DATA_SETTINGS if n in built and n not in reads]
    own = [n for n in reads if n in snapshot]
    others = [n for n in snapshot if n != "source" and n not in reads and n not in from_data]
    headers = ["setting", "value", "meaning"]
    parts = [
        paragraph(f"config file: {snapshot.get('source')}; the settings a {kind} run reads "
                  "that it does not list have their defaults (docs/SETTINGS.md)", muted=True),
        table(headers, _setting_rows(snapshot, own)),
    ]  # fmt: skip
    if data:
        parts.append(_data_settings_part(data, built, from_data))
    if others:
        folded = table(headers, _setting_rows(snapshot, others))
        summary = f"the config's {len(others)} other settings (a {kind} run does not read them)"
        parts.append(f"<details><summary>{esc(summary)}</summary>{folded}</details>")
    page.section("Configuration", "".join(parts))


def _data_settings_part(
    data: Mapping[str, Any], built: Mapping[str, Any], names: Sequence[str]
) -> str:
    """The settings of the data a run read, as the build recorded them in its files."""
    files = ", ".join(Path(f).name for f in data.get("files", []))
    if not built:
        return "<h3>The data, as built</h3>" + paragraph(
            f"{files}: built before builds recorded their settings (rebuild to record them)",
            muted=True,
        )
    shown = [n for n in names if built[n] is not None]
    note = paragraph(f"recorded by build {data.get('build_id')} in {files}; "
                     "settings not listed were None", muted=True)  # fmt: skip
    rows = _setting_rows(built, shown)
    return "<h3>The data, as built</h3>" + note + table(["setting", "value", "meaning"], rows)


def _build_section(page: Page, build: Mapping[str, Any]) -> None:
    totals = build.get("totals", {})
    splits = build.get("splits", {})
    rows = [
        [name, s.get("listed"), s.get("written"), s.get("skipped"), s.get("images_per_second")]
        for name, s in splits.items()
    ]
    parts = [
        key_values(
            {
                "images": build.get("images_path"),
                "build id": build.get("build_id"),
                "classes": ", ".join(map(str, build.get("label_names", []))),
                "label source": build.get("label_source"),
                "image size": build.get("image_size"),
            }
        ),
        table(["split", "listed", "written", "skipped", "images/s"], rows),
        "<h3>Totals</h3>" + key_values(totals),
    ]
    skipped = [f for s in splits.values() for f in s.get("skipped_files", [])]
    if skipped:
        parts.append(
            "<h3>Skipped files</h3>"
            + table(
                ["file", "reason"], [[f.get("path"), f.get("reason")] for f in skipped[:LISTED]]
            )
        )
    page.section("Build report", "".join(parts))


def _curves_section(page: Page, history: Mapping[str, Any], title: str, info: Mapping) -> None:
    summary = info.get("summary", {})
    stopped = summary.get("stopped_epoch")
    figure = training_curves_figure(history, title, stopped)
    note = ""
    if stopped:
        note = paragraph(f"Early stopping stopped the run after epoch {stopped} of "
                         f"{summary.get('epochs')}: {summary.get('early_stopping')}.")  # fmt: skip
    page.section("Training curves", figure_image(figure, "training curves") + note)


def training_curves_figure(
    history: Mapping[str, Any], title: str, stopped_epoch: int | None = None
) -> Any:
    """Losses, other metrics and (when it changed) the learning rate by epoch; the epoch
    early stopping stopped after marked.

    >>> figure = training_curves_figure({"loss": [0.7, 0.5], "accuracy": [0.5, 0.7],
    ...                                  "learning_rate": [0.01, 0.001]}, "run", 2)
    >>> [axis.get_ylabel() for axis in figure.axes]
    ['loss', 'metric', 'learning rate']
    >>> _pyplot().close(figure)
    """
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    curves = {k: v for k, v in history.items() if isinstance(v, list) and v}
    losses = [k for k in curves if k.endswith(("loss", "crossentropy"))]
    others = [k for k in curves if k not in losses and k not in ("lr", "learning_rate")]
    panels = [(losses, "loss"), *([(others, "metric")] if others else [])]
    if rate_changed(curves.get("learning_rate")):
        panels.append((["learning_rate"], "learning rate"))
    width = {1: 6.0, 2: 11.0}.get(len(panels), 5.5 * len(panels))
    figure, axes = plt.subplots(1, len(panels), figsize=(width, 3.8))
    axes = list(axes) if len(panels) > 1 else [axes]
    for axis, (names, label) in zip(axes, panels, strict=True):
        for name in names:
            values = curves[name]
            axis.plot(range(1, len(values) + 1), values, label=name,
                      linestyle="--" if name.startswith("val_") else "-")  # fmt: skip
        if stopped_epoch:
            axis.axvline(stopped_epoch, color="gray", linestyle=":",
                         label=f"early stop (epoch {stopped_epoch})")  # fmt: skip
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        if names:
            axis.legend(fontsize=8)
    if panels[-1][1] == "learning rate" and min(curves["learning_rate"]) > 0:
        axes[-1].set_yscale("log")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def _evaluation_section(
    page: Page, evaluation: Mapping[str, Any] | None, numbers: Mapping[str, Any]
) -> None:
    rows = []
    for name, label in (("baseline", "baseline (resized)"), ("tencrop", "10-crop")):
        source = evaluation or numbers
        if source.get(f"{name}_rank1") is None:
            continue
        keys = [f"{name}_{number}" for number in ("rank1", "rank5", "log_loss", "seconds")]
        rows.append([label, *(shown_number(k, source.get(k)) for k in keys)])
    if not rows:
        return
    headers = ["prediction", "rank-1", "rank-5", "log loss", "seconds"]
    keep = [i for i in range(len(headers)) if any(row[i] is not None for row in rows)]
    body = table([headers[i] for i in keep], [[row[i] for i in keep] for row in rows])
    if evaluation:
        body += paragraph(
            f"{evaluation.get('n_images')} test images; 10-crop got "
            f"{evaluation.get('tencrop_fixed')} right that the baseline got wrong and "
            f"{evaluation.get('tencrop_broke')} wrong that the baseline got right."
        )
    page.section("Baseline vs 10-crop", body)


def _classification_section(
    page: Page, evaluation: Mapping[str, Any] | None, script_report: Mapping[str, Any] | None
) -> None:
    parts = []
    if evaluation:
        for name, label in (("baseline", "Baseline"), ("tencrop", "10-crop")):
            if evaluation.get(f"{name}_report_text"):
                parts.append(f"<h3>{label}</h3>" + pre(evaluation[f"{name}_report_text"]))
    elif script_report and isinstance(script_report.get("classification_report"), str):
        parts.append(pre(script_report["classification_report"]))
    if parts:
        page.section("Classification report", "".join(parts))


SPLIT_ORDER = ("test", "val", "train")


def _diagnoses(family: list[Path]) -> list[tuple[str, Path, dict[str, Any]]]:
    """(split, folder, diagnosis) of the newest diagnosis of each split, test first."""
    newest: dict[str, tuple[Path, dict[str, Any]]] = {}
    for folder in family:  # oldest first: later ones replace earlier ones
        diagnosis = _read(folder / "diagnosis.json")
        if isinstance(diagnosis, dict):
            newest[str(diagnosis.get("split", "test"))] = (folder, diagnosis)
    order = sorted(newest, key=lambda s: SPLIT_ORDER.index(s) if s in SPLIT_ORDER else 9)
    return [(split, *newest[split]) for split in order]


def _diagnosis_sections(page: Page, family: list[Path]) -> None:
    diagnoses = _diagnoses(family)
    matrices, losses = [], []
    for split, folder, diagnosis in diagnoses:
        heading = f"<h3>{esc(split)} split{' (10-crop)' if diagnosis.get('tencrop') else ''}</h3>"
        if (folder / "confusion_matrix.png").is_file():
            picture = image_file(folder / "confusion_matrix.png", f"confusion matrix, {split}")
            matrices.append(heading + picture)
        rows = [
            [r.get("path"), r.get("true_label"), r.get("predicted_label"),
             r.get("true_probability"), r.get("loss")]
            for r in diagnosis.get("top_losses", [])[:TOP_LOSS_ROWS]
        ]  # fmt: skip
        body = heading + paragraph(
            f"{diagnosis.get('n_images')} images, accuracy "
            f"{number_text('accuracy', diagnosis.get('accuracy', 0))}, "
            f"log loss {number_text('log_loss', diagnosis.get('log_loss', 0))}"
        )
        if (folder / "top_losses.png").is_file():
            body += image_file(folder / "top_losses.png", f"top losses of the {split} split")
        headers = ["file", "true", "predicted", "p(true)", "loss"]
        body += table(headers, rows[:SHOWN_ROWS])
        if len(rows) > SHOWN_ROWS:  # the rest one click away (no script: <details>)
            body += (f"<details><summary>the other {len(rows) - SHOWN_ROWS} rows</summary>"
                     f"{table(headers, rows[SHOWN_ROWS:])}</details>")  # fmt: skip
        losses.append(body)
    if matrices:
        page.section("Confusion matrix", "".join(matrices))
    if losses:
        page.section("Top losses", "".join(losses))
    cam = newest_file(family, "cam.png")
    if cam:
        page.section("Class activation maps", image_file(cam, "class activation maps"))


def _audit_section(page: Page, audit: Mapping[str, Any]) -> None:
    parts = [key_values({k: v for k, v in audit.get("summary", {}).items() if k != "notes"})]
    parts += [paragraph(note) for note in audit.get("summary", {}).get("notes", [])]
    members = [
        [g + 1, m.get("path"), m.get("label"), m.get("split")]
        for g, group in enumerate(audit.get("duplicates", [])[:LISTED])
        for m in group.get("members", [])
    ]
    if members:
        parts.append(
            "<h3>Duplicate groups</h3>" + table(["group", "file", "label", "split"], members)
        )
    suspicious = [
        [s.get("path"), s.get("split"), s.get("label"), s.get("predicted"), s.get("confidence")]
        for s in audit.get("suspicious_labels", [])[:LISTED]
    ]
    if suspicious:
        parts.append(
            "<h3>Suspicious labels</h3>"
            + table(["file", "split", "label", "predicted", "confidence"], suspicious)
        )
    page.section("Dataset audit", "".join(parts))


def _environment_section(page: Page, folder: Path) -> None:
    environment = _read(folder / "environment.json") or {}
    packages = environment.get("packages", {})
    facts = {k: v for k, v in environment.items() if k != "packages"}
    page.section("Environment", key_values({**facts, **packages}))


def _used_by_section(page: Page, kids: list[Path]) -> None:
    rows = []
    for kid in kids:
        info = _read(kid / RUN_FILE) or {}
        rows.append([kid.name, info.get("script"), run_status(info), info.get("started")])
    if rows:
        page.section(
            "Runs that used this model", table(["run", "script", "status", "started"], rows)
        )


def run_report(folder: str | os.PathLike[str]) -> str:
    """The HTML of one run's report (see the module doc)."""
    folder = Path(folder)
    info = _read(folder / RUN_FILE) or {}
    kids = children(folder)
    if info.get("script") == "search" and kids:  # a search: its trials compared
        return comparison_report(kids, _read(folder / "best.json"), f"Search {folder.name}")
    family = [folder, *kids]  # oldest first; the newest file of each name wins
    page = Page(f"Run {folder.name}", f"{info.get('script', '')} · {info.get('started', '')}")
    _summary_section(page, folder, info)
    _config_section(page, folder, info)
    build = newest_file([folder], "build_report.json")
    if build and _read(build):
        _build_section(page, _read(build))
    history = _read(folder / HISTORY_FILE)
    if history:
        _curves_section(page, history, folder.name, info)
    evaluation_file = newest_file(family, "evaluation.json")
    evaluation = _read(evaluation_file) if evaluation_file else None
    _evaluation_section(page, evaluation, run_numbers(folder))
    script_report = next(
        (_read(folder / name) for name in info.get("outputs", []) if name.endswith("_report.json")),
        None,
    )
    _classification_section(page, evaluation, script_report)
    _diagnosis_sections(page, family)
    audit = newest_file([folder], "audit.json")
    if audit and _read(audit):
        _audit_section(page, _read(audit))
    search = _read(folder / "best.json")
    if search:
        page.section("Best settings of the search", key_values(search.get("settings", {})))
    _used_by_section(page, kids)
    _environment_section(page, folder)
    return page.html()


LEGEND_RUNS = 10  # more runs than this: no legend, the best run drawn in black
LOG_SPAN = 20.0  # validation losses spanning more than this factor: a log scale
PROGRESS_LOG_SPAN = 5.0  # the same for the trials' scores (one diverged trial hides the rest)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _curves_figure(
    histories: Mapping[str, Mapping[str, Any]], best: str | None, curve: str = "val_loss"
) -> Any:
    """Every run's validation loss (or ``curve``) by epoch; the best run stands out."""
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    many = len(histories) > LEGEND_RUNS
    figure, axis = plt.subplots(figsize=(10, 4.4))
    for name, history in histories.items():
        values = history.get(curve) or history["val_loss"]
        chosen = name == best
        style = (
            {"color": "black", "linewidth": 2.2, "zorder": 3}
            if chosen and many
            else ({"color": "0.65", "linewidth": 0.9, "alpha": 0.8} if many else {"linewidth": 1.4})
        )
        axis.plot(range(1, len(values) + 1), values, label=short_name(name), **style)
    finite = [v for h in histories.values() for v in (h.get(curve) or h["val_loss"])
              if v is not None and v > 0]  # fmt: skip
    if finite and max(finite) / min(finite) > LOG_SPAN:
        axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_ylabel(
        "validation cross-entropy" if curve == "val_crossentropy" else "validation loss"
    )
    axis.grid(alpha=0.3)
    if many:
        axis.set_title(f"{len(histories)} runs; black: {short_name(best or '')}, the best "
                       "(highlighted in the table)", fontsize=10)  # fmt: skip
    else:
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return figure


def _search_figure(rows: Sequence[Mapping[str, Any]]) -> Any:
    """Each trial's validation loss in order (pruned trials as crosses) and the best so far."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(10, 3.8))
    numbers = list(range(1, len(rows) + 1))
    key = score_key(rows)
    losses = [r.get(key) for r in rows]
    pruned = [r.get("status") == "pruned" for r in rows]
    for flag, marker, label in ((False, "o", "finished"), (True, "x", "pruned")):
        points = [(n, v) for n, v, p in zip(numbers, losses, pruned, strict=True)
                  if p == flag and v is not None]  # fmt: skip
        if points:
            axis.scatter(*zip(*points, strict=True), marker=marker, label=label, s=28)
    best, running = float("inf"), []
    for value, was_pruned in zip(losses, pruned, strict=True):
        if value is not None and not was_pruned:
            best = min(best, value)
        running.append(best if best < float("inf") else None)
    axis.step(numbers, running, where="post", color="black", label="best so far")
    finite = [v for v in losses if v is not None and v > 0]
    if finite and max(finite) / min(finite) > PROGRESS_LOG_SPAN:  # a diverged trial
        axis.set_yscale("log")
    axis.set_xlabel("trial")
    axis.set_ylabel(dict(NUMBER_COLUMNS)[key].replace("best ", ""))
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return figure


def comparison_title(rows: Sequence[Mapping[str, Any]]) -> str:
    """``Comparison of 3 runs: AlexNet, logreg on ResNet50`` (the models, each once)."""
    models = list(dict.fromkeys(str(r.get("model")) for r in rows if r.get("model")))
    shown = ", ".join(models[:3]) + (f" and {len(models) - 3} more" if len(models) > 3 else "")
    return f"Comparison of {len(rows)} runs" + (f": {shown}" if shown else "")


def comparison_subtitle(folders: Sequence[Path]) -> str:
    """The runs' names, each once with its count (``run ×3, alexnet-lr3``), and when.

    >>> comparison_subtitle([Path("20261126-041502-run"), Path("20261127-090000-run")])
    'run ×2 · 2026-11-26 04:15 to 2026-11-27 09:00'
    """
    counts: dict[str, int] = {}
    for folder in folders:
        counts[short_name(folder)] = counts.get(short_name(folder), 0) + 1
    names = [f"{n} ×{c}" if c > 1 else n for n, c in counts.items()]
    text = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    stamps = sorted(f.name[:15] for f in folders if re.match(r"\d{8}-\d{6}-", f.name))
    if stamps:
        first, last = (f"{s[:4]}-{s[4:6]}-{s[6:8]} {s[9:11]}:{s[11:13]}" for s in
                       (stamps[0], stamps[-1]))  # fmt: skip
        text += f" · {first}" + (f" to {last}" if last != first else "")
    return text


def _runs_table(
    rows: Sequence[Mapping[str, Any]], differing: Sequence[str], key: str
) -> tuple[str, int | None]:
    """The runs' table and the row highlighted (the lowest ``key``): key numbers first,
    long values cut short (in full below it, one click away), scrolling inside its
    section when it is wider than the page."""
    columns = shown_columns(rows, differing)
    if any(r.get("status") != "finished" for r in rows):
        columns.insert(2, "status")
    losses = [r.get(key) for r in rows]
    known = [v for v, r in zip(losses, rows, strict=True)
             if isinstance(v, int | float) and r.get("status") == "finished"]  # fmt: skip
    highlight = losses.index(min(known)) if known else None
    cells = [[NumberText(shown_text(c, r.get(c))) if c in NUMBERS else shown_text(c, r.get(c))
              for c in columns] for r in rows]  # fmt: skip
    body = scrolling(table([TITLES.get(c, c) for c in columns], cells, highlight))
    cut = [[r["run"], name, r.get(name)] for r in rows for name in differing
           if setting_text(r.get(name)).endswith("…")]  # fmt: skip
    if cut:
        body += (f"<details><summary>values cut short (…), in full ({len(cut)})</summary>"
                 f"{table(['run', 'setting', 'value'], cut)}</details>")  # fmt: skip
    if not differing and len(rows) > 1:
        body += paragraph("The runs' settings are the same (file paths aside).", muted=True)
    if highlight is not None:
        body += paragraph(f"Highlighted: the lowest {NUMBERS[key][5:]}.", muted=True)
    return body, highlight


def comparison_report(
    folders: Sequence[Path], best: Mapping[str, Any] | None = None, title: str | None = None
) -> str:
    """The HTML of a comparison of runs: the table, the validation curves, and for a search
    (``best``) its progress and best settings."""
    rows, differing = compare_runs(folders)
    if best:
        pruned = sum(r.get("status") == "pruned" for r in rows)
        subtitle = f"{len(rows)} trials, {pruned} pruned"
    else:
        subtitle = comparison_subtitle(folders)
    page = Page(title or comparison_title(rows), subtitle)
    key = score_key(rows)
    body, highlight = _runs_table(rows, differing, key)
    page.section("Runs", body)
    if best:
        page.section(
            "Best settings of the search",
            key_values(best.get("settings", {}))
            + paragraph(
                f"trial {best.get('trial')}, {best.get('scored_by', 'val loss')} "
                f"{float(best.get('val_loss', float('nan'))):.4g}"
            )  # fmt: skip
            + paragraph("train with them:")
            + pre(str(best.get("command", ""))),
        )
        page.section("Search progress", figure_image(_search_figure(rows), "search progress"))
    histories = {f.name: _read(f / HISTORY_FILE) for f in folders}
    histories = {k: v for k, v in histories.items() if v and v.get("val_loss")}
    curve = "val_crossentropy" if key == "best_val_crossentropy" else "val_loss"
    if histories:
        chosen = rows[highlight]["run"] if highlight is not None else None
        figure = _curves_figure(histories, chosen, curve)
        page.section("Validation curves", figure_image(figure, "validation loss of every run"))
    return page.html()


def write_report(html: str, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return path


def write_run_report(
    folder: str | os.PathLike[str], path: str | os.PathLike[str] | None = None
) -> Path:
    """``report.html`` of run ``folder`` (in the run folder unless ``path``)."""
    return write_report(run_report(folder), path or Path(folder) / REPORT_FILE)


def make_report(
    output_path: str | os.PathLike[str],
    run: str | None = None,
    compare: list[str] | None = None,
    output: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """``report.py``: the page of run ``run`` (None or ``latest``: the newest run, or when
    that one used a model, the run that trained it) in its folder, or of the runs
    ``compare`` (an empty list: every run that trained a model) in a new
    ``comparisons/<date-time>-<n>-runs`` folder; ``output`` instead, not replaced unless
    ``overwrite``."""
    from pyimagesearch.experiments.runs import find_run, parent_run, resolve_runs, stamped_folder

    if output is not None:
        refuse_existing({"--output": output}, overwrite)
        check_writable({"--output": output})
    if compare is not None:
        folders = resolve_runs(output_path, compare)
        html = comparison_report(folders)
        target = output or stamped_folder(Path(output_path) / "comparisons",
                                          f"{len(folders)}-runs") / REPORT_FILE  # fmt: skip
        return write_report(html, target)
    folder = find_run(output_path, run)
    if run in (None, "latest"):  # an evaluation's report is its model's run's
        folder = parent_run(folder) or folder
    return write_run_report(folder, output)
