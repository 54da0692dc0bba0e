"""Train AlexNet on the HDF5 files: mean + random patch + augmentation for training, mean +
resize for validation, Adam, two-class softmax, a checkpoint every epoch, ``--resume``.

Everything that can stop a run is checked before TensorFlow starts: settings, data files
and their classes and sizes, the mean, writable outputs, and an earlier run's files (a
fresh run never destroys them: it stops, naming ``--resume`` and ``--overwrite``).
``MODEL_PATH`` receives the best epoch by validation loss (training loss without a
validation split), without optimizer state, and only once it is complete.

Example:
    >>> cfg = load_config("config/dogs_vs_cats_config.py")     # doctest: +SKIP
    >>> summary = train_alexnet(cfg, epochs=2)                   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError, DatasetError, PyImageSearchError
from pyimagesearch.models.record import data_fingerprint, write_record
from pyimagesearch.preprocessing import (
    BatchAugmenter,
    MeanPreprocessor,
    PatchPreprocessor,
    SimplePreprocessor,
)
from pyimagesearch.preprocessing.augmentation import fuse_steps
from pyimagesearch.training.run_files import RunFiles
from pyimagesearch.training.split_files import SplitInfo, split_info
from pyimagesearch.utils.atomic import atomic_write, check_writable, check_writable_folder
from pyimagesearch.utils.reports import read_json
from pyimagesearch.utils.workers import resolve_workers

REQUIRED_SETTINGS = ("TRAIN_HDF5", "DATASET_MEAN", "MODEL_PATH")
STRATEGIES = ("mirrored",)
ALEXNET_MIN_INPUT = 63  # three 3x3/2 poolings after the 4x stride
LOADER_THREADS = 4  # loader threads by default: enough to feed a GPU


class ResumeError(PyImageSearchError):
    """``--resume`` found nothing to continue from."""


def dataset_classes(path: str | os.PathLike[str]) -> tuple[list[str], str, tuple[int, int]]:
    """``(label_names, channel_order, (height, width))`` of a dataset file."""
    info = split_info(path)
    return info.label_names, info.channel_order, info.shape


@dataclass
class TrainingPlan:
    """A checked training run: every setting resolved, every file read once."""

    epochs: int
    batch_size: int
    input_size: int
    workers: int
    strategy: str | None
    train: SplitInfo
    val: SplitInfo | None  # None: no validation split
    files: RunFiles
    resume_from: tuple[Path, int] | None = None
    mean: MeanPreprocessor | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def monitor(self) -> str:
        return "val_loss" if self.val is not None else "loss"

    @property
    def classes(self) -> int:
        return len(self.train.label_names)


def _validation_split(cfg: Config, train: SplitInfo) -> SplitInfo | None:
    path = cfg.get("VAL_HDF5")
    if path is None:
        return None
    val = split_info(path)
    if val.rows == 0:
        return None
    if val.label_names != train.label_names:
        raise DatasetError(
            f"training classes {train.label_names} differ from validation classes "
            f"{val.label_names}; rebuild both files with build_dataset.py"
        )
    if train.build_id and val.build_id and train.build_id != val.build_id:
        raise DatasetError(
            f"{train.path} and {val.path} come from different builds; rebuild them together "
            "with build_dataset.py"
        )
    return val


def plan_training(
    cfg: Config,
    epochs: int | None = None,
    batch_size: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    workers: int | None = None,
    strategy: str | None = None,
) -> TrainingPlan:
    """Check everything a run needs, before TensorFlow is imported or a file is touched.

    Raises:
        ConfigError: a setting that cannot work (MODEL_PATH suffix, strategy, INPUT_SIZE).
        DatasetError: unusable HDF5 files, class mismatch, images smaller than the input.
        OutputError: an unwritable output, or an earlier run's files without ``--resume``
            or ``--overwrite``.
        ResumeError: ``resume`` without a checkpoint.
    """
    model_path = Path(cfg.MODEL_PATH)
    if model_path.suffix != ".keras":
        raise ConfigError(
            f"MODEL_PATH must end in .keras (Keras' native format), got {model_path.name}"
        )
    strategy = strategy or cfg.get("STRATEGY")
    if strategy is not None and strategy not in STRATEGIES:
        raise ConfigError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
    size = int(cfg.get("INPUT_SIZE"))
    if size < ALEXNET_MIN_INPUT:
        raise ConfigError(
            f"INPUT_SIZE = {size} is too small for AlexNet: it needs at least "
            f"{ALEXNET_MIN_INPUT}x{ALEXNET_MIN_INPUT}"
        )
    if resume and overwrite:
        raise ConfigError("--resume and --overwrite contradict each other: pick one")

    train = split_info(cfg.TRAIN_HDF5)
    if train.rows == 0:
        raise DatasetError(f"{cfg.TRAIN_HDF5} holds no images; rebuild it with build_dataset.py")
    train.require_input(size, f"INPUT_SIZE {size}")
    val = _validation_split(cfg, train)
    mean = MeanPreprocessor.from_json(cfg.DATASET_MEAN, train.channel_order)
    files = RunFiles.of(cfg, "alexnet")
    check_writable({"MODEL_PATH": files.model, "OUTPUT_PATH": files.history})
    check_writable_folder("CHECKPOINT_PATH", files.checkpoints)
    plan = TrainingPlan(
        epochs=int(epochs or cfg.get("EPOCHS")),
        batch_size=int(batch_size or cfg.get("BATCH_SIZE")),
        input_size=size,
        workers=resolve_workers(workers or cfg.get("WORKERS"), cap=LOADER_THREADS),
        strategy=strategy,
        train=train,
        val=val,
        files=files,
        mean=mean,
    )
    if resume:
        plan.resume_from = files.latest_checkpoint()
        if plan.resume_from is None:
            raise ResumeError(f"nothing to resume: no checkpoint in {files.checkpoints}")
    elif not overwrite:
        files.refuse_to_replace()
    if val is None:
        plan.notes.append(
            "no validation images (NUM_VAL_IMAGES = 0 or VAL_HDF5 unset/empty): the best "
            "epoch is chosen by training loss"
        )
    return plan


def make_generators(
    cfg: Config,
    batch_size: int,
    classes: int,
    channel_order: str = "RGB",
    workers: int | None = None,
    seed: int | None = None,
    validation: bool = True,
):
    """Training and validation ``HDF5DatasetGenerator`` of a config (validation: None
    when ``validation`` is False).

    Training: random ``INPUT_SIZE`` patch, augmentation (``AUGMENTATION``) on the uint8
    patch, mean subtraction (float32). Validation: resize, mean subtraction. With
    ``MEAN_IN_MODEL`` the batches stay uint8 and the model subtracts the mean.
    """
    from pyimagesearch.io import HDF5DatasetGenerator

    size = int(cfg.get("INPUT_SIZE"))
    seed = cfg.get("RANDOM_SEED") if seed is None else seed
    workers = resolve_workers(workers or cfg.get("WORKERS"), cap=LOADER_THREADS)
    mean_steps = []
    if not cfg.get("MEAN_IN_MODEL"):
        mean_steps = [MeanPreprocessor.from_json(cfg.DATASET_MEAN, channel_order)]
    aug = BatchAugmenter.from_settings(cfg.get("AUGMENTATION"))
    train_steps = [PatchPreprocessor(size, size), *([aug] if aug else []), *mean_steps]
    val_steps = [SimplePreprocessor(size, size), *mean_steps]
    train_gen = HDF5DatasetGenerator(
        cfg.TRAIN_HDF5,
        batch_size,
        preprocessors=fuse_steps(train_steps),  # patch, augmentation, mean: one pass
        classes=classes,
        shuffle=True,
        seed=seed,
        workers=workers,
    )
    if not validation:
        return train_gen, None
    try:
        val_gen = HDF5DatasetGenerator(
            cfg.VAL_HDF5, batch_size, preprocessors=val_steps, classes=classes, workers=workers
        )
    except Exception:
        train_gen.close()
        raise
    return train_gen, val_gen


def _strategy_scope(strategy: str | None):
    if not strategy:
        return contextlib.nullcontext(), 1
    import tensorflow as tf

    mirrored = tf.distribute.MirroredStrategy()
    return mirrored.scope(), mirrored.num_replicas_in_sync


def _build_model(cfg: Config, plan: TrainingPlan):
    import keras

    from pyimagesearch.nn.conv import AlexNet

    size = plan.input_size
    mean = plan.mean.mean.tolist() if cfg.get("MEAN_IN_MODEL") else None
    model = AlexNet.build(
        size,
        size,
        3,
        plan.classes,
        reg=float(cfg.get("WEIGHT_DECAY")),
        dense_units=int(cfg.get("DENSE_UNITS")),
        dropout=tuple(cfg.get("DROPOUT")),
        mean=mean,
    )
    # two-class softmax + categorical cross-entropy (the book's; see docs/TRAINING.md)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=float(cfg.get("LEARNING_RATE"))),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _earlier_best(files: RunFiles, monitor: str, done: int) -> tuple[float, int | None]:
    """The best ``monitor`` value and epoch among a resumed run's first ``done`` epochs."""
    if done == 0 or not files.history.exists():
        return math.inf, None
    values = list(read_json(files.history).get(monitor, []))[:done]
    finite = [(v, i + 1) for i, v in enumerate(values) if math.isfinite(v)]
    if not finite or not files.best.exists():
        return math.inf, None
    return min(finite)


def _publish_model(plan: TrainingPlan, model, best_epoch: int | None) -> tuple[Path, int]:
    """Copy the best epoch's model to MODEL_PATH (write, then rename); the last epoch when
    no epoch was kept (e.g. every loss was NaN)."""
    from pyimagesearch.callbacks.best_model import save_inference_model

    target = plan.files.model
    if best_epoch is not None and plan.files.best.exists():
        with atomic_write(target) as tmp:
            shutil.copyfile(plan.files.best, tmp)
        return target, best_epoch
    save_inference_model(model, target)
    return target, plan.epochs


def train_alexnet(
    cfg: Config,
    epochs: int | None = None,
    batch_size: int | None = None,
    resume: bool = False,
    workers: int | None = None,
    distribute: str | None = None,
    verbose: int | str = "auto",
    overwrite: bool = False,
) -> dict[str, Any]:
    """Train (or continue) AlexNet as the config says; returns a summary dict.

    Raises:
        ConfigError, DatasetError, OutputError, ResumeError: see :func:`plan_training`.
    """
    plan = plan_training(cfg, epochs, batch_size, resume, overwrite, workers, distribute)
    for note in plan.notes:
        print(f"[INFO] {note}")

    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import keras

    from pyimagesearch.callbacks import BestModelCheckpoint, EpochCheckpoint, TrainingMonitor
    from pyimagesearch.nn.conv.alexnet import has_mean_layer

    keras.utils.set_random_seed(int(cfg.get("RANDOM_SEED")))
    files = plan.files
    set_aside = None if resume else files.set_aside()
    if set_aside is not None:
        print(f"[INFO] the earlier run's files are kept in {set_aside} until the new model is done")

    scope, replicas = _strategy_scope(plan.strategy)
    initial_epoch = 0
    with scope:
        if plan.resume_from is not None:
            path, initial_epoch = plan.resume_from
            print(f"[INFO] resuming from {path} (epoch {initial_epoch} done)")
            model = keras.models.load_model(path)
            if model.output_shape[-1] != plan.classes:
                raise DatasetError(
                    f"checkpoint {path} predicts {model.output_shape[-1]} classes, "
                    f"the data has {plan.classes}"
                )
        else:
            model = _build_model(cfg, plan)

    # the model decides whether the batches are mean-subtracted (a resumed checkpoint wins)
    cfg = cfg.replace(MEAN_IN_MODEL=has_mean_layer(model))
    train_gen, val_gen = make_generators(
        cfg, plan.batch_size, plan.classes, plan.train.channel_order, plan.workers,
        validation=plan.val is not None,
    )  # fmt: skip
    best_value, best_at = _earlier_best(files, plan.monitor, initial_epoch)
    best = BestModelCheckpoint(files.best, plan.monitor, best_value, best_at)
    started = time.perf_counter()
    try:
        train_gen.set_epoch(initial_epoch)
        callbacks = [
            best,
            TrainingMonitor(
                files.plot, files.history, initial_epoch, title="AlexNet", monitor=plan.monitor
            ),
            EpochCheckpoint(files.checkpoints, 1, initial_epoch, int(cfg.get("CHECKPOINTS_KEEP"))),
        ]
        if initial_epoch < plan.epochs:
            print(
                f"[INFO] training AlexNet ({plan.input_size}x{plan.input_size}, "
                f"{plan.classes} classes, {train_gen.num_images} training / "
                f"{val_gen.num_images if val_gen else 0} validation images, batch "
                f"{plan.batch_size}, epochs {initial_epoch + 1}..{plan.epochs}"
                + (f", {replicas} replicas" if replicas > 1 else "")
                + ")"
            )
            model.fit(
                train_gen,
                validation_data=val_gen,
                epochs=plan.epochs,
                initial_epoch=initial_epoch,
                callbacks=callbacks,
                verbose=verbose,
            )
        else:
            print(f"[INFO] the checkpoint already has {initial_epoch} of {plan.epochs} epochs")
    finally:
        train_gen.close()
        if val_gen is not None:
            val_gen.close()
    model_path, kept_epoch = _publish_model(plan, model, best.best_epoch)
    history = read_json(files.history) if files.history.exists() else {}
    write_record(
        model_path,
        {
            "kind": "alexnet",
            "label_names": plan.train.label_names,
            "input_size": [plan.input_size, plan.input_size],
            "image_size": [plan.train.shape[1], plan.train.shape[0]],
            "channel_order": plan.train.channel_order,
            "preprocessing": {
                "mean": {c: float(v) for c, v in zip("RGB", _rgb(plan.mean), strict=True)},
                "mean_in_model": bool(cfg.get("MEAN_IN_MODEL")),
                "dataset_mean_file": str(cfg.DATASET_MEAN),
                "training": "random patch, augmentation, mean subtraction",
                "evaluation": "resize (baseline) or 10 crops, mean subtraction",
            },
            "epoch": kept_epoch,
            "monitor": plan.monitor,
            "data": {
                "train": data_fingerprint(plan.train.path),
                "val": data_fingerprint(plan.val.path) if plan.val else None,
            },
            "config": cfg.snapshot(),
        },
    )
    RunFiles.discard(set_aside)
    metrics = {k: v for k, v in history.items() if isinstance(v, list)}
    print(
        f"[INFO] model saved to {model_path}: epoch {kept_epoch} of {plan.epochs}, the lowest "
        f"{plan.monitor}"
    )
    return {
        "model_path": str(model_path),
        "plot_path": str(files.plot),
        "history_path": str(files.history),
        "epochs": plan.epochs,
        "initial_epoch": initial_epoch,
        "best_epoch": kept_epoch,
        "monitor": plan.monitor,
        "classes": plan.train.label_names,
        "seconds": time.perf_counter() - started,
        "history": metrics,
        "final": {k: v[-1] for k, v in metrics.items() if v},
    }


def _rgb(mean: MeanPreprocessor) -> tuple[float, float, float]:
    return mean.rMean, mean.gMean, mean.bMean
