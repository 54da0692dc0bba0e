"""What every fine-tuning shares, on images (:mod:`pyimagesearch.training.fine_tune`) or
from stored activations (:mod:`pyimagesearch.training.fine_tune_from_activations`): the
checked plan's common part, the two stages of training, and the saved, scored model.

1. the head alone, the pretrained layers frozen (RMSprop), so that random head weights do
   not wreck the pretrained features;
2. the chosen top layers unfrozen, SGD at ``FINE_TUNE_LEARNING_RATE`` with momentum.

Both stages stop early when the validation loss stops improving and keep the best weights.
The model is saved with its record, then scored on ``TEST_HDF5`` (baseline and 10-crop,
from raw images).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.models.record import record_path, write_record
from pyimagesearch.utils.atomic import check_writable, refuse_existing
from pyimagesearch.utils.reports import write_json


@dataclass
class FineTunePlan:
    """A checked fine-tuning run."""

    backbone: str
    weights: Any
    input_size: int
    layers: int | str
    model_path: Path
    label_names: list[str]
    image_size: tuple[int, int]  # (width, height) of the stored images
    splits: dict[str, str]


def check_model_path(cfg: Config, overwrite: bool) -> Path:
    """``FINE_TUNE_MODEL_PATH``, checked: a ``.keras`` name, writable, and not an existing
    model unless ``overwrite``."""
    model_path = Path(cfg.get("FINE_TUNE_MODEL_PATH"))
    if model_path.suffix != ".keras":
        raise ConfigError(f"FINE_TUNE_MODEL_PATH must end in .keras, got {model_path.name}")
    refuse_existing({"FINE_TUNE_MODEL_PATH": model_path}, overwrite)
    check_writable({"FINE_TUNE_MODEL_PATH": model_path})
    return model_path


@dataclass
class Stages:
    """What the two stages of fine-tuning left: the joined history and what was trained."""

    history: dict[str, list[float]]
    head_epochs: int
    trained_layers: list[str]
    validation: dict[str, float]


def train_two_stages(cfg: Config, model, frozen, unfreeze, generators, verbose: int = 2) -> Stages:
    """Stage 1: ``model`` with ``frozen`` not trainable (the head alone, RMSprop); stage 2:
    ``unfreeze()`` (returns the names of the layers it made trainable), SGD at
    ``FINE_TUNE_LEARNING_RATE``. Each stage stops early on the validation loss and keeps
    its best weights. ``generators`` (train, val) are closed at the end."""
    from pyimagesearch.io.feeding import loader_errors

    train, val = generators
    try:
        with loader_errors():  # a damaged row: its own line, not TensorFlow's wrapping
            return _two_stages(cfg, model, frozen, unfreeze, train, val, verbose)
    finally:
        train.close()
        val.close()


def _two_stages(cfg: Config, model, frozen, unfreeze, train, val, verbose: int) -> Stages:
    import keras

    from pyimagesearch.io.feeding import evaluate_inputs, fit_inputs
    from pyimagesearch.nn.heads import loss_for

    loss = loss_for(int(model.output_shape[-1]) if model.output_shape[-1] > 1 else 2)

    def stop() -> keras.callbacks.Callback:
        return keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)

    frozen.trainable = False  # stage 1: the head only
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss=loss, metrics=["accuracy"])
    first = model.fit(
        **fit_inputs(train, val),  # tf.data or a prefetcher
        epochs=cfg.get("FINE_TUNE_HEAD_EPOCHS"),
        callbacks=[stop()],
        shuffle=False,  # the generator shuffles, seeded per (epoch, batch)
        verbose=verbose,
    )
    trained = unfreeze()  # stage 2: the top of the backbone too
    sgd = keras.optimizers.SGD(cfg.get("FINE_TUNE_LEARNING_RATE"), momentum=0.9)
    model.compile(optimizer=sgd, loss=loss, metrics=["accuracy"])
    second = model.fit(
        **fit_inputs(train, val, initial_epoch=len(first.history["loss"])),  # new shuffles
        epochs=cfg.get("FINE_TUNE_EPOCHS"),
        callbacks=[stop()],
        shuffle=False,
        verbose=verbose,
    )
    validation = model.evaluate(**evaluate_inputs(val), verbose=0, return_dict=True)
    history = {k: list(first.history.get(k, [])) + list(v) for k, v in second.history.items()}
    return Stages(
        history,
        len(first.history["loss"]),
        trained,
        {k: float(v) for k, v in validation.items()},
    )


def save_and_score(
    cfg: Config, model, plan: FineTunePlan, stages: Stages, record: dict[str, Any]
) -> dict[str, Any]:
    """Save the fine-tuned network with its record, score it on the test split (baseline
    and 10-crop, from raw images), plot its history; return (and write) the report."""
    from pyimagesearch.callbacks.best_model import save_inference_model
    from pyimagesearch.evaluation.tencrop import evaluate_model
    from pyimagesearch.io.hdf5_dataset import open_hdf5
    from pyimagesearch.models.classifiers import load_classifier

    save_inference_model(model, plan.model_path)  # no optimizer state
    write_record(plan.model_path, _model_record(cfg, plan, stages, record))
    with open_hdf5(plan.splits["test"], "images") as db:
        test = evaluate_model(load_classifier(plan.model_path), db, cfg.get("EVAL_BATCH_SIZE"))
    plot = plot_history(
        stages.history,
        stages.head_epochs,
        plan.model_path.with_name(f"{plan.model_path.stem}_history.png"),
    )
    report = _report(plan, stages, record, test, plot)
    path = write_json(plan.model_path.with_name(f"{plan.model_path.stem}_report.json"), report)
    report["report_path"] = str(path)
    return report


def _model_record(
    cfg: Config, plan: FineTunePlan, stages: Stages, record: dict[str, Any]
) -> dict[str, Any]:
    """The record saved beside the model: how to feed it, what it was trained from."""
    return {
        "kind": "fine_tuned",
        "label_names": plan.label_names,
        "image_size": list(plan.image_size),
        "input_size": [plan.input_size, plan.input_size],
        "preprocessing": {"backbone": plan.backbone},
        "backbone": plan.backbone,
        "weights": None if plan.weights is None else str(plan.weights),
        "trained_layers": stages.trained_layers,
        **record,
        "config": cfg.snapshot(),
    }


def _report(
    plan: FineTunePlan,
    stages: Stages,
    record: dict[str, Any],
    test: dict[str, Any],
    plot: Path,
) -> dict[str, Any]:
    history = stages.history
    return {
        "backbone": plan.backbone,
        "image_size": plan.input_size,
        "label_names": plan.label_names,
        **{k: v for k, v in record.items() if k in ("split_at", "activations")},
        "head_epochs": stages.head_epochs,
        "fine_tune_epochs": len(history["loss"]) - stages.head_epochs,
        "trained_layers": stages.trained_layers,
        "val_accuracy": stages.validation["accuracy"],
        "val_loss": stages.validation["loss"],
        "test": {k: v for k, v in test.items() if not k.endswith("_report_text")},
        "history": history,
        "model": str(plan.model_path),
        "record": str(record_path(plan.model_path)),
        "plot": str(plot),
    }


def plot_history(
    history: dict[str, list[float]], head_epochs: int, path: str | os.PathLike[str]
) -> Path:
    """Loss and accuracy per epoch of both stages, with the unfreezing marked."""
    from pyimagesearch.utils.plots import plot_history as plot_curves

    return plot_curves(
        history,
        path,
        title="fine-tuning",
        mark_epoch=head_epochs + 0.5,
        mark_label="backbone unfrozen",
    )
