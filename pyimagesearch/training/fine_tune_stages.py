"""What every fine-tuning shares, on images (:mod:`pyimagesearch.training.fine_tune`) or
from stored activations (:mod:`pyimagesearch.training.fine_tune_from_activations`): the
checked plan's common part, the two stages of training, and the saved, scored model.

1. the head alone, the pretrained layers frozen (RMSprop 1e-3), so that random head
   weights do not wreck the pretrained features;
2. the chosen top layers unfrozen: with ``FINE_TUNE_RECIPE = "book"`` (the default) SGD at
   ``FINE_TUNE_LEARNING_RATE`` with momentum 0.9; with ``"recipe"`` the optimizer
   ``train.py`` builds (:mod:`~pyimagesearch.training.optimizers`: ``OPTIMIZER``, AdamW's
   ``WEIGHT_DECAY``, ``LR_SCHEDULE = "cosine"`` with ``WARMUP_EPOCHS`` over
   ``FINE_TUNE_EPOCHS``, ``GRADIENT_CLIP``, ``EMA_DECAY``) at ``FINE_TUNE_LEARNING_RATE``,
   and ``LABEL_SMOOTHING`` in both stages' loss.

Both stages stop early when the validation loss stops improving and keep the best weights
(with ``EMA_DECAY``: the best epoch's averaged weights, which validation saw). The model
is saved with its record (``recipe``: what each stage used), then scored on ``TEST_HDF5``
(baseline and 10-crop, from raw images).

Example:
    >>> from pyimagesearch.config import Config
    >>> stages = plan_stages(Config({"FINE_TUNE_RECIPE": "recipe", "OPTIMIZER": "adamw",
    ...     "LR_SCHEDULE": "cosine", "WARMUP_EPOCHS": 1, "FINE_TUNE_EPOCHS": 3}), 100)
    >>> stages.optimizer.name, stages.optimizer.warmup_steps, stages.optimizer.decay_steps
    ('adamw', 4, 8)
    >>> plan_stages(Config({}), 100).optimizer.name  # the book's: SGD, momentum 0.9
    'sgd'
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.models.record import record_path, write_record
from pyimagesearch.training.optimizers import OptimizerPlan, optimizer_record, plan_optimizer
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
    stages: StagesPlan | None = None  # the two stages' recipe (plan_stages)


HEAD_RATE = 1e-3  # the head stage's RMSprop
BOOK_MOMENTUM = 0.9  # the book's fine-tuning SGD


@dataclass(frozen=True)
class StagesPlan:
    """The two stages' recipe, resolved once from the settings (``FINE_TUNE_RECIPE``)."""

    recipe: str  # "book" or "recipe"
    head_epochs: int
    epochs: int  # after unfreezing
    optimizer: OptimizerPlan  # after unfreezing
    label_smoothing: float = 0.0
    notes: list[str] = field(default_factory=list)


def plan_stages(cfg: Config, train_rows: int) -> StagesPlan:
    """The stages' settings, checked: the book's SGD, or the training recipe's optimizer
    at ``FINE_TUNE_LEARNING_RATE`` (``train_rows``: for the cosine schedule's steps).

    Raises:
        ConfigError: (``"recipe"``) an ``LR_SCHEDULE`` other than ``"cosine"``,
            ``WARMUP_EPOCHS`` not fewer than ``FINE_TUNE_EPOCHS``.
    """
    head, epochs = cfg.get("FINE_TUNE_HEAD_EPOCHS"), cfg.get("FINE_TUNE_EPOCHS")
    rate = cfg.get("FINE_TUNE_LEARNING_RATE")
    if cfg.get("FINE_TUNE_RECIPE") == "book":
        sgd = OptimizerPlan("sgd", rate, BOOK_MOMENTUM, False, None, cfg.get("LR_POWER"),
                            cfg.get("LR_STEP_FACTOR"), cfg.get("LR_STEP_EVERY"))  # fmt: skip
        return StagesPlan("book", head, epochs, sgd)
    schedule = cfg.get("LR_SCHEDULE")
    if schedule not in (None, "cosine"):
        raise ConfigError(f"LR_SCHEDULE = {schedule!r} is not applied by fine-tuning "
                          "(FINE_TUNE_RECIPE = 'recipe'): set 'cosine' or None")  # fmt: skip
    steps = math.ceil(train_rows / cfg.get("FINE_TUNE_BATCH_SIZE"))
    optimizer = plan_optimizer(cfg, None, steps, stage="FINE_TUNE_")
    mixing = [name for name in ("MIXUP_ALPHA", "CUTMIX_ALPHA") if cfg.get(name) is not None]
    notes = [f"{' and '.join(mixing)}: not applied by fine-tuning (its batches are whole "
             "images with their own labels)"] if mixing else []  # fmt: skip
    if optimizer.ema_decay is not None:
        notes.append(f"EMA_DECAY {optimizer.ema_decay:g}: after unfreezing, validation, the "
                     "best epoch and the saved model use the weights' moving average")  # fmt: skip
    return StagesPlan("recipe", head, epochs, optimizer, cfg.get("LABEL_SMOOTHING"), notes)


def stages_record(stages: StagesPlan, augmentation: Any) -> dict[str, Any]:
    """What the model's record and the report say of the two stages' recipe."""
    opt = stages.optimizer
    return {
        "fine_tune_recipe": stages.recipe,
        "head_stage": {"optimizer": "rmsprop", "learning_rate": HEAD_RATE},
        **optimizer_record(opt),
        "learning_rate": opt.learning_rate,
        "momentum": opt.momentum if opt.name == "sgd" else None,
        "weight_decay": "decoupled (AdamW)" if opt.name == "adamw" else None,
        "label_smoothing": stages.label_smoothing,
        "mixing": None,
        "augmentation": augmentation,
    }


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


def train_two_stages(
    stages: StagesPlan, model, frozen, unfreeze, generators, verbose: int = 2
) -> Stages:
    """Stage 1: ``model`` with ``frozen`` not trainable (the head alone, RMSprop); stage 2:
    ``unfreeze()`` (returns the names of the layers it made trainable), the optimizer of
    ``stages``. Each stage stops early on the validation loss and keeps its best weights
    (the averaged ones with EMA). ``generators`` (train, val) are closed at the end."""
    from pyimagesearch.io.feeding import loader_errors

    train, val = generators
    try:
        with loader_errors():  # a damaged row: its own line, not TensorFlow's wrapping
            return _two_stages(stages, model, frozen, unfreeze, train, val, verbose)
    finally:
        train.close()
        val.close()


def _stage_callbacks(stages: StagesPlan, second: bool) -> list:
    """Early stopping on the validation loss; after unfreezing with EMA, the average swapped
    in for validation and for early stopping's choice of the best weights."""
    import keras

    from pyimagesearch.callbacks.ema import ema_callbacks

    stop = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    if not (second and stages.optimizer.ema_decay):
        return [stop]
    swap, average_in, trained_in = ema_callbacks()
    return [swap, average_in, stop, trained_in]


def _two_stages(stages: StagesPlan, model, frozen, unfreeze, train, val, verbose: int) -> Stages:
    import keras

    from pyimagesearch.io.feeding import evaluate_inputs, fit_inputs
    from pyimagesearch.nn.heads import loss_for
    from pyimagesearch.training.optimizers import build_optimizer

    classes = int(model.output_shape[-1]) if model.output_shape[-1] > 1 else 2
    loss = loss_for(classes, stages.label_smoothing)
    frozen.trainable = False  # stage 1: the head only
    rmsprop = keras.optimizers.RMSprop(HEAD_RATE)
    model.compile(optimizer=rmsprop, loss=loss, metrics=["accuracy"])
    first = model.fit(
        **fit_inputs(train, val),  # tf.data or a prefetcher
        epochs=stages.head_epochs,
        callbacks=_stage_callbacks(stages, False),
        shuffle=False,  # the generator shuffles, seeded per (epoch, batch)
        verbose=verbose,
    )
    trained = unfreeze()  # stage 2: the top of the backbone too
    optimizer = build_optimizer(stages.optimizer)
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    second = model.fit(
        **fit_inputs(train, val, initial_epoch=len(first.history["loss"])),  # new shuffles
        epochs=stages.epochs,
        callbacks=_stage_callbacks(stages, True),
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
        **{k: v for k, v in record.items() if k in ("split_at", "activations", "recipe")},
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
