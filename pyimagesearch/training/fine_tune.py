"""Fine-tuning: a pretrained backbone with a new head, trained in two stages from the
builder's HDF5 files, and scored on its test split like every other model.

1. the head alone, backbone frozen (RMSprop), so that random head weights do not wreck
   the pretrained features;
2. the backbone from ``FINE_TUNE_LAYERS`` on unfrozen (the name of the first layer to
   train, e.g. ``"conv5_block1_"``, or a count of layers from the end; default: the
   backbone's last block), SGD with a low learning rate and momentum.

Images stream from ``TRAIN_HDF5`` / ``VAL_HDF5`` through ``HDF5DatasetGenerator``: random
patches of the network's input size, ``BatchAugmenter`` augmentation and the backbone's
``preprocess_input`` per batch, so memory does not grow with the number of images. Both
stages stop early when the validation loss stops improving and keep the best weights. The
model is saved with its record, then scored on ``TEST_HDF5`` (baseline and 10-crop).

Example:
    >>> report = fine_tune(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> report["test"]["tencrop_rank1"]                                     # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError, DatasetError
from pyimagesearch.features.backbones import (
    block_names,
    build_backbone,
    check_image_size,
    checked_weights,
    get_backbone_spec,
)
from pyimagesearch.models.record import data_fingerprint, record_path, write_record
from pyimagesearch.parallel.workers import loader_workers
from pyimagesearch.utils.atomic import check_writable, refuse_existing
from pyimagesearch.utils.reports import write_json

REQUIRED_SETTINGS = ("TRAIN_HDF5", "VAL_HDF5", "TEST_HDF5")


def default_fine_tune_layers(backbone: str) -> int | str:
    """FINE_TUNE_LAYERS when unset: the first layer of the backbone's last block (e.g.
    ResNet50 ``conv5_block1_``, MobileNetV2 ``block_16_``), else its last 20 layers."""
    return get_backbone_spec(backbone).last_block or 20


def first_trainable(layer_names: list[str], layers: int | str, network: str) -> int:
    """Index of the first layer to train: ``layers`` from the end (an int), or the first
    layer whose name starts with ``layers``.

    Raises:
        ConfigError: no layer has that name; the message lists the network's blocks.
    """
    if isinstance(layers, str):
        starts = [i for i, name in enumerate(layer_names) if name.startswith(layers)]
        if not starts:
            blocks = block_names(layer_names)
            shown = ", ".join(blocks[-8:]) if blocks else ", ".join(layer_names[-8:])
            raise ConfigError(
                f"FINE_TUNE_LAYERS = {layers!r} names no layer of {network}; its last blocks "
                f"are {shown} (or give a count of layers from the end)"
            )
        return starts[0]
    if isinstance(layers, int) and not isinstance(layers, bool) and layers > 0:
        if layers >= len(layer_names):
            raise ConfigError(
                f"FINE_TUNE_LAYERS = {layers} is the whole of {network} ({len(layer_names)} "
                "layers); name a block or give a smaller count"
            )
        return len(layer_names) - layers
    raise ConfigError(f"FINE_TUNE_LAYERS must be a positive int or a layer name: {layers!r}")


def unfreeze_top(backbone, layers: int | str) -> list[str]:
    """Make the last layers of ``backbone`` trainable; return their names.

    BatchNormalization layers stay frozen (their statistics fit the pretraining).
    """
    import keras

    first = first_trainable([layer.name for layer in backbone.layers], layers, backbone.name)
    backbone.trainable = True
    trained = []
    for i, layer in enumerate(backbone.layers):
        layer.trainable = i >= first and not isinstance(layer, keras.layers.BatchNormalization)
        if layer.trainable and layer.weights:
            trained.append(layer.name)
    return trained


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


def plan_fine_tuning(cfg: Config, overwrite: bool = False) -> FineTunePlan:
    """Check every setting and file before an image is read or an epoch trained."""
    from pyimagesearch.io.split_files import split_info

    model_path = check_model_path(cfg, overwrite)
    spec = get_backbone_spec(cfg.get("BACKBONE"))
    size = check_image_size(spec, cfg.get("FEATURE_IMAGE_SIZE"))
    weights = checked_weights(spec.name, cfg.get("WEIGHTS"))
    infos = {name: split_info(cfg.get(f"{name.upper()}_HDF5")) for name in ("train", "val", "test")}
    train = infos["train"]
    for name, info in infos.items():
        if info.label_names != train.label_names:
            raise DatasetError(
                f"the {name} split's classes {info.label_names} differ from "
                f"training's {train.label_names}; rebuild the splits together"
            )
        if info.rows == 0:
            raise DatasetError(f"{info.path} holds no images; fine-tuning needs all three splits")
    train.require_input(size, f"the network input {size} (FEATURE_IMAGE_SIZE)")
    layers = cfg.get("FINE_TUNE_LAYERS")
    layers = default_fine_tune_layers(spec.name) if layers is None else layers
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    probe = build_backbone(spec.name, None, size)  # layer names only: no weights
    first_trainable([layer.name for layer in probe.layers], layers, spec.name)
    return FineTunePlan(
        spec.name,
        weights,
        size,
        layers,
        model_path,
        train.label_names,
        (train.shape[1], train.shape[0]),
        {k: v.path for k, v in infos.items()},
    )


def image_generators(cfg: Config, plan: FineTunePlan):
    from pyimagesearch.features.backbone_preprocessor import BackbonePreprocessor
    from pyimagesearch.io import HDF5DatasetGenerator
    from pyimagesearch.preprocessing import BatchAugmenter, PatchPreprocessor, SimplePreprocessor

    size, classes = plan.input_size, len(plan.label_names)
    batch = cfg.get("FINE_TUNE_BATCH_SIZE")
    workers = loader_workers(cfg.get("WORKERS"))
    preprocess = BackbonePreprocessor(plan.backbone)
    aug = BatchAugmenter.from_settings(cfg.get("AUGMENTATION"))
    train_steps = [PatchPreprocessor(size, size), *([aug] if aug else []), preprocess]
    common = {"classes": classes, "binarize": False, "workers": workers}
    train = HDF5DatasetGenerator(
        plan.splits["train"],
        batch,
        train_steps,
        shuffle=True,
        seed=cfg.get("RANDOM_SEED"),
        **common,
    )
    val = HDF5DatasetGenerator(
        plan.splits["val"], batch, [SimplePreprocessor(size, size), preprocess], **common
    )
    return train, val


def fine_tune(cfg: Config, overwrite: bool = False, verbose: int = 2) -> dict[str, Any]:
    """Train the head, then the backbone's top; save with a record; score on the test split.

    Raises:
        ConfigError, DatasetError, OutputError, WeightsError: see :func:`plan_fine_tuning`.
    """
    plan = plan_fine_tuning(cfg, overwrite)
    import keras

    from pyimagesearch.nn.heads import build_fine_tune_model

    keras.utils.set_random_seed(cfg.get("RANDOM_SEED"))
    base = build_backbone(plan.backbone, plan.weights, plan.input_size)
    model = build_fine_tune_model(base, None, len(plan.label_names))
    stages = train_two_stages(
        cfg,
        model,
        base,
        lambda: unfreeze_top(base, plan.layers),
        image_generators(cfg, plan),
        verbose,
    )
    record = {"data": {name: data_fingerprint(path) for name, path in plan.splits.items()}}
    return save_and_score(cfg, model, plan, stages, record)


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
    train, val = generators
    try:
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
    write_record(
        plan.model_path,
        {
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
        },
    )
    with open_hdf5(plan.splits["test"], "images") as db:
        test = evaluate_model(load_classifier(plan.model_path), db, cfg.get("EVAL_BATCH_SIZE"))
    history = stages.history
    plot = plot_history(
        history,
        stages.head_epochs,
        plan.model_path.with_name(f"{plan.model_path.stem}_history.png"),
    )
    report = {
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
    path = write_json(plan.model_path.with_name(f"{plan.model_path.stem}_report.json"), report)
    report["report_path"] = str(path)
    return report


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
