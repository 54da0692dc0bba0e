"""The engine of ``train_logreg.py``: a logistic regression on pretrained features.

The rows come from :func:`~pyimagesearch.training.transfer.transfer_data` (the builder's
splits, a separate test file, or a seeded stratified held-out share); the training rows
(and the validation rows, when the builder made some) are grid-searched over C, the test
rows evaluated. The model is a ``.skops`` file (no code runs when it is loaded), written
with its record, so ``evaluate.py`` and ``predict.py`` take it.

Example (not run by the tests: needs extracted features):
    >>> report = train_logreg(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> report["accuracy"]                                                     # doctest: +SKIP
    0.991
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.features.fusion import FeatureSet
from pyimagesearch.models.record import write_record
from pyimagesearch.training.transfer import model_record, report_summary, transfer_data
from pyimagesearch.utils.atomic import atomic_write, check_writable, refuse_existing
from pyimagesearch.utils.reports import write_json


def train_logreg(
    cfg: Config, jobs: int | None = None, progress: bool = True, overwrite: bool | None = None
) -> dict[str, Any]:
    """Grid-search C (``progress``: a bar over the candidates), evaluate on the test rows,
    save (skops) with its record and report. An existing ``LOGREG_MODEL_PATH`` is refused
    before anything is read unless ``overwrite`` (None: ``OVERWRITE``); it stays until
    the new model is complete."""
    import skops.io

    from pyimagesearch.features.classifiers import evaluate, fit_logreg

    model_path = Path(cfg.get("LOGREG_MODEL_PATH"))
    if model_path.suffix != ".skops":
        raise ConfigError(
            f"LOGREG_MODEL_PATH must end in .skops (a format that runs no code when loaded), "
            f"got {model_path.name}"
        )
    report_path = Path(cfg.get("LOGREG_REPORT"))
    overwrite = cfg.get("OVERWRITE") if overwrite is None else overwrite
    refuse_existing({"LOGREG_MODEL_PATH": model_path}, overwrite)
    check_writable({"LOGREG_MODEL_PATH": model_path, "LOGREG_REPORT": report_path})
    data = transfer_data(cfg)
    seed = cfg.get("RANDOM_SEED")
    train = data.train if data.val is None else _concat(data.train, data.val)
    print(f"[INFO] training on {len(train)} rows of {train.features.shape[1]} features")
    fixed_c = cfg.get("LOGREG_C")
    search = fit_logreg(
        train.features,
        train.labels,
        c_grid=[fixed_c] if fixed_c is not None else cfg.get("LOGREG_C_GRID"),
        seed=seed,
        n_jobs=jobs,
        penalty=cfg.get("LOGREG_PENALTY"),
        progress=progress,
    )
    results = evaluate(
        search.best_estimator_, data.test.features, data.test.labels, train.label_names
    )
    with atomic_write(model_path) as tmp:
        skops.io.dump(search.best_estimator_, tmp)
    record = model_record("logreg", cfg, data)
    write_record(model_path, {**record, "best_C": float(search.best_params_["C"])})
    report = {
        **report_summary(results, data),
        "best_C": float(search.best_params_["C"]),
        "n_train": len(train),
        "cv_scores": {
            str(c): float(s)
            for c, s in zip(
                search.cv_results_["param_C"], search.cv_results_["mean_test_score"], strict=True
            )
        },
        "model": str(model_path),
    }
    write_json(report_path, report)
    report["report_path"] = str(report_path)
    return report


def _concat(a: FeatureSet, b: FeatureSet) -> FeatureSet:
    rows = FeatureSet(
        np.concatenate([a.features, b.features]),
        np.concatenate([a.labels, b.labels]),
        a.label_names,
        [*a.paths, *b.paths],
        a.sources,
    )
    return rows
