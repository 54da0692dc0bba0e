"""The engine of ``evaluate.py``: any trained model on the builder's test split, baseline
(resized) against 10-crop accuracy, written to ``evaluation.json``.

Example (not run by the tests: needs a trained model and the builder's test split):
    >>> report = run_evaluation(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> report["baseline_rank1"], report["tencrop_rank1"]                     # doctest: +SKIP
    (0.9272, 0.9404)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import DatasetError
from pyimagesearch.evaluation.splits import split_with_images
from pyimagesearch.evaluation.stored_features import match_stored_features
from pyimagesearch.evaluation.tencrop import check_fit, evaluate_model
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names
from pyimagesearch.io.storage import row_shape
from pyimagesearch.models.classifiers import load_classifier, require_same_classes
from pyimagesearch.models.record import read_record
from pyimagesearch.utils.atomic import check_writable
from pyimagesearch.utils.reports import write_json

REQUIRED_SETTINGS = ("MODEL_PATH", "TEST_HDF5")


def run_evaluation(
    cfg: Config,
    model_path: str | None = None,
    progress: bool = True,
    report_path: str | Path | None = None,
) -> dict[str, Any]:
    """Evaluate any trained model on ``TEST_HDF5``; write ``evaluation.json``.

    The model, its record and the test set (images there, their size, classes) are
    checked, and the output folder tried, before the model is loaded. A model on features takes its
    baseline from the stored features of the test images where they match (one [INFO]
    line says whether, and if not why: :mod:`pyimagesearch.evaluation.stored_features`).
    """
    path = Path(model_path or cfg.MODEL_PATH)
    if not path.is_file():
        raise DatasetError(f"model not found: {path} (train it first)")
    record = read_record(path)
    report_path = Path(report_path or cfg.output_path("evaluation.json"))
    check_writable({"OUTPUT_PATH": report_path})
    test = split_with_images("TEST_HDF5", cfg.TEST_HDF5)
    with open_hdf5(cfg.TEST_HDF5, "images") as db:
        test_shape = row_shape(db["images"])[:2]
        test_names = read_label_names(db)
    notes = check_fit(record, test_shape) if record else []
    classifier = load_classifier(path, backbone_batch=cfg.get("EVAL_BACKBONE_BATCH"))
    require_same_classes(classifier, test_names, "the test set")
    with open_hdf5(cfg.TEST_HDF5, "images") as db:
        stored, stored_note = match_stored_features(classifier, db)
        notes += [stored_note] if stored_note else []
        for note in notes:
            print(f"[INFO] {note}")
        report = evaluate_model(classifier, db, cfg.get("EVAL_BATCH_SIZE"), progress, stored)
    report.update(
        model_path=str(path),
        model_kind=classifier.kind,
        test_hdf5=cfg.TEST_HDF5,
        test_build_id=test.build_id,  # which build of the test file (compare_runs.py)
        notes=notes,
    )
    report["report_path"] = str(write_json(report_path, report))
    return report


def report_lines(report: dict[str, Any]) -> list[str]:
    """What evaluate.py (and the demo) print about an evaluation's report."""
    lines = [
        f"[INFO] baseline (resized) predictions:\n{report['baseline_report_text']}",
        f"[INFO] 10-crop predictions:\n{report['tencrop_report_text']}",
        f"[INFO] test images: {report['n_images']}",
    ]
    for name, label in (("baseline", "baseline"), ("tencrop", "10-crop")):
        line = f"[INFO] {label:8s} rank-1: {report[f'{name}_rank1'] * 100:6.2f}%"
        if f"{name}_rank5" in report:
            line += f"  rank-5: {report[f'{name}_rank5'] * 100:6.2f}%"
        lines.append(line + f"  ({report[f'{name}_seconds']:.1f} s)")
    lines.append(
        f"[INFO] 10-crop got {report['tencrop_fixed']} image(s) right that the baseline got "
        f"wrong, and {report['tencrop_broke']} wrong that the baseline got right"
    )
    lines.append(f"[INFO] report: {report['report_path']}")
    return lines
