"""Train AlexNet on the HDF5 files: mean + random patch + augmentation for training, mean +
resize for validation, Adam, two-class softmax, a checkpoint every epoch, ``--resume``.

Example:
    >>> cfg = load_config("config/dogs_vs_cats_config.py")     # doctest: +SKIP
    >>> summary = train_alexnet(cfg, epochs=2)                   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import DatasetError, PyImageSearchError
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names
from pyimagesearch.preprocessing import (
    BatchAugmenter,
    MeanPreprocessor,
    PatchPreprocessor,
    SimplePreprocessor,
)

REQUIRED_SETTINGS = ("TRAIN_HDF5", "VAL_HDF5", "DATASET_MEAN", "MODEL_PATH")
DEFAULTS: dict[str, Any] = {
    "EPOCHS": 75,
    "BATCH_SIZE": 128,
    "LEARNING_RATE": 1e-3,
    "INPUT_SIZE": 227,
    "WEIGHT_DECAY": 0.0002,
    "DENSE_UNITS": 4096,
    "DROPOUT": (0.25, 0.5),
    "MEAN_IN_MODEL": False,
}


class ResumeError(PyImageSearchError):
    """``--resume`` found nothing to continue from."""


def default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return max(1, min(4, cores))


def dataset_classes(path: str | os.PathLike[str]) -> tuple[list[str], str, tuple[int, int]]:
    """``(label_names, channel_order, (height, width))`` of a dataset file."""
    with open_hdf5(path, "images") as db:
        names = read_label_names(db)
        if not names:
            names = [str(i) for i in range(int(db["labels"][:].max()) + 1)]
        order = str(db.attrs.get("channel_order", "RGB"))
        height, width = db["images"].shape[1:3]
    return names, order, (int(height), int(width))


def _input_size(cfg: Config) -> int:
    size = cfg.get("INPUT_SIZE", DEFAULTS["INPUT_SIZE"])
    if isinstance(size, list | tuple):
        size = size[0]
    return int(size)


def make_generators(
    cfg: Config,
    batch_size: int,
    classes: int,
    channel_order: str = "RGB",
    workers: int | None = None,
    seed: int | None = None,
):
    """Training and validation ``HDF5DatasetGenerator`` of a config.

    Training: random ``INPUT_SIZE`` patch, augmentation (``AUGMENTATION``) on the uint8
    patch, mean subtraction (float32). Validation: resize, mean subtraction. With
    ``MEAN_IN_MODEL`` the batches stay uint8 and the model subtracts the mean.
    """
    from pyimagesearch.io import HDF5DatasetGenerator

    size = _input_size(cfg)
    seed = cfg.get("RANDOM_SEED", 42) if seed is None else seed
    workers = int(cfg.get("WORKERS", default_workers())) if workers is None else workers
    mean_steps = []
    if not cfg.get("MEAN_IN_MODEL", False):
        mean_steps = [MeanPreprocessor.from_json(cfg.DATASET_MEAN, channel_order)]
    aug = BatchAugmenter.from_settings(cfg.get("AUGMENTATION"))
    train_steps = [PatchPreprocessor(size, size), *([aug] if aug else []), *mean_steps]
    val_steps = [SimplePreprocessor(size, size), *mean_steps]
    train_gen = HDF5DatasetGenerator(
        cfg.TRAIN_HDF5,
        batch_size,
        preprocessors=train_steps,
        classes=classes,
        shuffle=True,
        seed=seed,
        workers=workers,
    )
    try:
        val_gen = HDF5DatasetGenerator(
            cfg.VAL_HDF5, batch_size, preprocessors=val_steps, classes=classes, workers=workers
        )
    except Exception:
        train_gen.close()
        raise
    return train_gen, val_gen


def _check_same_classes(cfg: Config) -> tuple[list[str], str, tuple[int, int]]:
    names, order, shape = dataset_classes(cfg.TRAIN_HDF5)
    val_names, _, _ = dataset_classes(cfg.VAL_HDF5)
    if val_names != names:
        raise DatasetError(
            f"training classes {names} differ from validation classes {val_names}; "
            "rebuild both files with build_dataset.py"
        )
    size = _input_size(cfg)
    if min(shape) < size:
        raise DatasetError(
            f"{cfg.TRAIN_HDF5} holds {shape[1]}x{shape[0]} images, smaller than INPUT_SIZE {size}"
        )
    return names, order, shape


def _save_atomic(model, path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    if target.suffix != ".keras":
        raise DatasetError(f"MODEL_PATH must end in .keras (Keras' native format): {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".partial.keras")
    model.save(tmp)
    os.replace(tmp, target)
    return target


def _strategy_scope(distribute: str | None):
    if not distribute:
        return contextlib.nullcontext(), 1
    import tensorflow as tf

    if distribute != "mirrored":
        raise DatasetError(f"unknown distribution strategy {distribute!r} (use 'mirrored')")
    strategy = tf.distribute.MirroredStrategy()
    return strategy.scope(), strategy.num_replicas_in_sync


def train_alexnet(
    cfg: Config,
    epochs: int | None = None,
    batch_size: int | None = None,
    resume: bool = False,
    workers: int | None = None,
    distribute: str | None = None,
    verbose: int | str = "auto",
) -> dict[str, Any]:
    """Train (or continue) AlexNet as the config says; returns a summary dict.

    Raises:
        DatasetError: unusable HDF5 files, class mismatch, images smaller than the input.
        ResumeError: ``resume`` without a checkpoint.
    """
    import keras

    from pyimagesearch.callbacks import EpochCheckpoint, TrainingMonitor, latest_checkpoint
    from pyimagesearch.nn.conv import AlexNet
    from pyimagesearch.nn.conv.alexnet import has_mean_layer

    epochs = int(epochs or cfg.get("EPOCHS", DEFAULTS["EPOCHS"]))
    batch_size = int(batch_size or cfg.get("BATCH_SIZE", DEFAULTS["BATCH_SIZE"]))
    names, order, _ = _check_same_classes(cfg)
    classes = len(names)
    size = _input_size(cfg)
    checkpoints = Path(cfg.get("CHECKPOINT_PATH") or cfg.output_path("checkpoints"))
    fig_path = cfg.output_path("alexnet_training.png")
    json_path = cfg.output_path("alexnet_training.json")
    keras.utils.set_random_seed(int(cfg.get("RANDOM_SEED", 42)))

    scope, replicas = _strategy_scope(distribute)
    initial_epoch = 0
    with scope:
        if resume:
            found = latest_checkpoint(checkpoints)
            if found is None:
                raise ResumeError(f"nothing to resume: no checkpoint in {checkpoints}")
            path, initial_epoch = found
            print(f"[INFO] resuming from {path} (epoch {initial_epoch} done)")
            model = keras.models.load_model(path)
            if model.output_shape[-1] != classes:
                raise DatasetError(
                    f"checkpoint {path} predicts {model.output_shape[-1]} classes, "
                    f"the data has {classes}"
                )
        else:
            for old in checkpoints.glob("epoch_*.keras") if checkpoints.is_dir() else []:
                old.unlink()  # a fresh run: an older run's checkpoints must not be resumed
            mean = None
            if cfg.get("MEAN_IN_MODEL", False):
                mp = MeanPreprocessor.from_json(cfg.DATASET_MEAN, order)
                mean = mp.mean.tolist()
            model = AlexNet.build(
                size,
                size,
                3,
                classes,
                reg=float(cfg.get("WEIGHT_DECAY", DEFAULTS["WEIGHT_DECAY"])),
                dense_units=int(cfg.get("DENSE_UNITS", DEFAULTS["DENSE_UNITS"])),
                dropout=tuple(cfg.get("DROPOUT", DEFAULTS["DROPOUT"])),
                mean=mean,
            )
            lr = float(cfg.get("LEARNING_RATE", DEFAULTS["LEARNING_RATE"]))
            # two-class softmax + categorical cross-entropy (the book's; see docs/TRAINING.md)
            model.compile(
                optimizer=keras.optimizers.Adam(learning_rate=lr),
                loss="categorical_crossentropy",
                metrics=["accuracy"],
            )

    # the model decides whether the batches are mean-subtracted (a resumed checkpoint wins)
    cfg = cfg.replace(MEAN_IN_MODEL=has_mean_layer(model))
    train_gen, val_gen = make_generators(cfg, batch_size, classes, order, workers)
    started = time.perf_counter()
    try:
        train_gen.set_epoch(initial_epoch)
        callbacks = [
            TrainingMonitor(fig_path, json_path, start_at=initial_epoch, title="AlexNet"),
            EpochCheckpoint(checkpoints, every=1, start_at=initial_epoch),
        ]
        if initial_epoch < epochs:
            print(
                f"[INFO] training AlexNet ({size}x{size}, {classes} classes, "
                f"{train_gen.num_images} training / {val_gen.num_images} validation images, "
                f"batch {batch_size}, epochs {initial_epoch + 1}..{epochs}"
                + (f", {replicas} replicas" if replicas > 1 else "")
                + ")"
            )
            model.fit(
                train_gen,
                validation_data=val_gen,
                epochs=epochs,
                initial_epoch=initial_epoch,
                callbacks=callbacks,
                verbose=verbose,
            )
        else:
            print(f"[INFO] the checkpoint already has {initial_epoch} of {epochs} epochs")
    finally:
        train_gen.close()
        val_gen.close()
    model_path = _save_atomic(model, cfg.MODEL_PATH)
    print(f"[INFO] model saved to {model_path}")
    history = {}
    if json_path.exists():
        from pyimagesearch.utils.reports import read_json

        history = read_json(json_path)
    return {
        "model_path": str(model_path),
        "plot_path": str(fig_path),
        "history_path": str(json_path),
        "epochs": epochs,
        "initial_epoch": initial_epoch,
        "classes": names,
        "seconds": time.perf_counter() - started,
        "history": history,
        "final": {k: v[-1] for k, v in history.items() if v} if history else {},
    }
