"""The engine of ``train_head.py``: a small Keras head (Dropout + Dense) on pretrained
features.

The rows come from :func:`~pyimagesearch.training.transfer.transfer_data`, like
``train_logreg.py``'s (the same test rows); the head validates (early stopping, the best
epoch kept) on :func:`~pyimagesearch.training.transfer.head_rows` and trains with
:func:`~pyimagesearch.training.transfer.fit_head`, as ``search.py``'s head trials do. The
model is written with its record, so ``evaluate.py`` and ``predict.py`` take it.

Example (not run by the tests: needs extracted features):
    >>> report = train_head(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> report["accuracy"]                                                   # doctest: +SKIP
    0.986
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.models.record import write_record
from pyimagesearch.training.transfer import (
    fit_head,
    head_rows,
    model_record,
    report_summary,
    transfer_data,
)
from pyimagesearch.utils.atomic import atomic_write, check_writable, refuse_existing
from pyimagesearch.utils.reports import write_json


def train_head(
    cfg: Config, report_path: str | Path | None = None, overwrite: bool | None = None
) -> dict[str, Any]:
    """Dropout + Dense on the features, early stopping on the validation rows (the builder's
    validation split, or ``HEAD_VAL_SPLIT`` of the training rows); evaluate, save. An
    existing ``HEAD_MODEL_PATH`` is refused before anything is read unless ``overwrite``
    (None: ``OVERWRITE``); it stays until the new model is complete."""
    model_path = Path(cfg.get("HEAD_MODEL_PATH"))
    if model_path.suffix != ".keras":
        raise ConfigError(f"HEAD_MODEL_PATH must end in .keras, got {model_path.name}")
    report_path = Path(report_path or cfg.output_path("head_report.json"))
    overwrite = cfg.get("OVERWRITE") if overwrite is None else overwrite
    refuse_existing({"HEAD_MODEL_PATH": model_path}, overwrite)
    check_writable({"HEAD_MODEL_PATH": model_path, "OUTPUT_PATH": report_path})
    data = transfer_data(cfg)

    from pyimagesearch.features.classifiers import evaluate

    train, val = head_rows(cfg, data)
    model, history = fit_head(cfg, train, val)
    results = evaluate(model, data.test.features, data.test.labels, train.label_names)
    with atomic_write(model_path) as tmp:
        model.save(tmp)
    write_record(model_path, model_record("head", cfg, data))
    report = {
        **report_summary(results, data),
        "n_train": len(train),
        "n_val": len(val),
        "epochs_run": len(history["loss"]),
        "history": history,
        "model": str(model_path),
    }
    write_json(report_path, report)
    report["report_path"] = str(report_path)
    return report
