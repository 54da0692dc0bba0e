"""Train any of the book's networks on the HDF5 files (the engine of ``train.py`` and
``train_alexnet.py``): mean + random patch + augmentation for training, mean + resize for
validation, the optimizer, schedule, loss and class weights the config names, softmax
over the classes, checkpoints, ``--resume`` and the book's restart with a new learning
rate (``--start-epoch N --lr X``).

Everything that can stop a run is checked before TensorFlow starts: settings, data files
and their classes and sizes, the mean, writable outputs, and an earlier run's files (a
fresh run never destroys them: it stops, naming ``--resume`` and ``--overwrite``).
``MODEL_PATH`` receives the best epoch by validation loss (training loss without a
validation split), without optimizer state, and only once it is complete.

Example:
    >>> cfg = load_config("config/dogs_vs_cats_config.py")     # doctest: +SKIP
    >>> summary = train_network(cfg, epochs=2)                   # doctest: +SKIP
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
from pyimagesearch.nn.conv.registry import network_class
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
from pyimagesearch.utils.workers import loader_workers

REQUIRED_SETTINGS = ("TRAIN_HDF5", "DATASET_MEAN", "MODEL_PATH")
STRATEGIES = ("mirrored", "multi_worker")


class ResumeError(PyImageSearchError):
    """``--resume`` found nothing to continue from."""


def dataset_classes(path: str | os.PathLike[str]) -> tuple[list[str], str, tuple[int, int]]:
    """``(label_names, channel_order, (height, width))`` of a dataset file."""
    info = split_info(path)
    return info.label_names, info.channel_order, info.shape


@dataclass
class TrainingPlan:
    """A checked training run: every setting resolved, every file read once."""

    network: str
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
    learning_rate: float | None = None  # --lr: a new rate for a restarted run
    class_weight: dict[int, float] | None = None
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
    start_epoch: int | None = None,
    learning_rate: float | None = None,
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
    if strategy == "multi_worker":
        raise ConfigError(
            "STRATEGY = 'multi_worker' cannot train with Keras 3: model.fit fails under "
            "tf.distribute.MultiWorkerMirroredStrategy with more than one worker (Keras "
            "issue keras-team/keras#20585, open since TensorFlow 2.16); train on one machine "
            "with 'mirrored' (every GPU it has)"
        )
    network = network_class(cfg.get("NETWORK"))
    size = int(cfg.get("INPUT_SIZE"))
    if size < network.min_size:
        raise ConfigError(
            f"INPUT_SIZE = {size} is too small for {network.name}: it needs at least "
            f"{network.min_size}x{network.min_size}"
        )
    restarting = resume or start_epoch is not None
    if restarting and overwrite:
        raise ConfigError("--resume/--start-epoch and --overwrite contradict each other")
    if learning_rate is not None and not restarting:
        raise ConfigError("--lr sets a new rate for a restarted run: use it with --resume "
                          "or --start-epoch (else set LEARNING_RATE)")  # fmt: skip

    train = split_info(cfg.TRAIN_HDF5)
    if train.rows == 0:
        raise DatasetError(f"{cfg.TRAIN_HDF5} holds no images; rebuild it with build_dataset.py")
    train.require_input(size, f"INPUT_SIZE {size}")
    val = _validation_split(cfg, train)
    mean = MeanPreprocessor.from_json(cfg.DATASET_MEAN, train.channel_order)
    files = RunFiles.of(cfg, network.name.lower())
    check_writable({"MODEL_PATH": files.model, "OUTPUT_PATH": files.history})
    check_writable_folder("CHECKPOINT_PATH", files.checkpoints)
    plan = TrainingPlan(
        network=network.name,
        epochs=int(epochs or cfg.get("EPOCHS")),
        batch_size=int(batch_size or cfg.get("BATCH_SIZE")),
        input_size=size,
        workers=loader_workers(workers or cfg.get("WORKERS")),
        strategy=strategy,
        train=train,
        val=val,
        files=files,
        mean=mean,
        learning_rate=learning_rate,
    )
    if start_epoch is not None:
        plan.resume_from = files.checkpoint_of(start_epoch)
    elif resume:
        plan.resume_from = files.latest_checkpoint()
        if plan.resume_from is None:
            raise ResumeError(f"nothing to resume: no checkpoint in {files.checkpoints}")
    elif not overwrite:
        files.refuse_to_replace()
    if cfg.get("CLASS_WEIGHT") == "balanced":
        plan.class_weight = balanced_class_weight(train)
        shown = ", ".join(f"{train.label_names[k]} {w:.2f}" for k, w in plan.class_weight.items())
        plan.notes.append(f"class weights (balanced): {shown}")
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
    workers = loader_workers(workers or cfg.get("WORKERS"))
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


def make_strategy(name: str | None):
    """``tf.distribute`` strategy the setting names (None: the default, one device).

    ``mirrored``: every visible GPU of this machine (or logical devices); ``multi_worker``:
    several processes or machines, each started with its ``TF_CONFIG``. Created before the
    model and before any other TensorFlow work, as multi-worker training requires.
    """
    if not name:
        return None
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.MultiWorkerMirroredStrategy()


def is_chief(strategy) -> bool:
    """Whether this process writes the run's files (the only one, or worker 0)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict()
    )  # fmt: skip


def balanced_class_weight(train: SplitInfo) -> dict[int, float]:
    """scikit-learn's "balanced" weights from the training labels: n / (classes x count)."""
    import numpy as np

    from pyimagesearch.io.hdf5_dataset import open_hdf5

    with open_hdf5(train.path, "images") as db:
        counts = np.bincount(db["labels"][:], minlength=len(train.label_names))
    if (counts == 0).any():
        empty = [train.label_names[i] for i in np.flatnonzero(counts == 0)]
        raise DatasetError(f"CLASS_WEIGHT = 'balanced' but classes {empty} have no training image")
    weights = counts.sum() / (len(counts) * counts)
    return {i: float(w) for i, w in enumerate(weights)}


def build_optimizer(cfg: Config, learning_rate: float | None = None):
    """The optimizer the config names, at ``learning_rate`` (default LEARNING_RATE)."""
    import keras

    rate = float(learning_rate or cfg.get("LEARNING_RATE"))
    if cfg.get("OPTIMIZER") == "sgd":
        return keras.optimizers.SGD(
            rate, momentum=float(cfg.get("MOMENTUM")), nesterov=bool(cfg.get("NESTEROV"))
        )
    return keras.optimizers.Adam(learning_rate=rate)


def _network_args(cfg: Config, plan: TrainingPlan) -> dict[str, Any]:
    args = dict(cfg.get("NETWORK_ARGS") or {})
    if plan.network == "AlexNet":  # AlexNet's own settings, as train_alexnet.py always read
        args.setdefault("dense_units", int(cfg.get("DENSE_UNITS")))
        args.setdefault("dropout", tuple(cfg.get("DROPOUT")))
    return args


def _build_model(cfg: Config, plan: TrainingPlan):
    """The network, behind a mean-subtraction layer with MEAN_IN_MODEL, compiled."""
    import keras

    from pyimagesearch.nn.conv.alexnet import MEAN_LAYER_NAME
    from pyimagesearch.nn.conv.registry import build_network

    size = plan.input_size
    net = build_network(plan.network, size, size, 3, plan.classes,
                        reg=float(cfg.get("WEIGHT_DECAY")), **_network_args(cfg, plan))  # fmt: skip
    model = net
    if cfg.get("MEAN_IN_MODEL"):
        inputs = keras.Input(net.input_shape[1:])
        axis = 1 if keras.config.image_data_format() == "channels_first" else -1
        centred = keras.layers.Normalization(
            axis=axis, mean=plan.mean.mean.tolist(), variance=[1.0] * 3, name=MEAN_LAYER_NAME
        )(inputs)
        model = keras.Model(inputs, net(centred), name=net.name)
    # softmax over the classes + categorical cross-entropy (the book's; docs/TRAINING.md).
    # The loss includes the weight-decay penalty; "crossentropy" is the data's loss alone,
    # comparable between runs of different WEIGHT_DECAY (search.py scores trials by it).
    model.compile(
        optimizer=build_optimizer(cfg, plan.learning_rate),
        loss="categorical_crossentropy",
        metrics=[
            "accuracy",
            keras.metrics.CategoricalCrossentropy(name="crossentropy"),
            *(["top_k_categorical_accuracy"] if plan.classes > 5 else []),
        ],
    )
    return model


def _schedule_callbacks(cfg: Config, plan: TrainingPlan, steps: int, initial_epoch: int):
    from pyimagesearch.callbacks.schedules import (
        EpochSchedule,
        LearningRateLogger,
        OneCycle,
        polynomial_decay,
        step_decay,
    )

    base = float(plan.learning_rate or cfg.get("LEARNING_RATE"))
    kind = cfg.get("LR_SCHEDULE")
    callbacks: list = []
    if kind == "poly":
        callbacks.append(EpochSchedule(polynomial_decay(base, plan.epochs,
                                                        float(cfg.get("LR_POWER")))))  # fmt: skip
    elif kind == "step":
        callbacks.append(EpochSchedule(step_decay(
            base, float(cfg.get("LR_STEP_FACTOR")), int(cfg.get("LR_STEP_EVERY")))))  # fmt: skip
    elif kind == "one_cycle":
        callbacks.append(OneCycle(base, plan.epochs, steps, initial_epoch=initial_epoch))
    return [*callbacks, LearningRateLogger()]


def _earlier_best(files: RunFiles, monitor: str, done: int) -> tuple[float, int | None]:
    """The best ``monitor`` value and epoch among a resumed run's first ``done`` epochs."""
    if done == 0 or not files.history.exists():
        return math.inf, None
    values = list(read_json(files.history).get(monitor, []))[:done]
    finite = [(v, i + 1) for i, v in enumerate(values) if math.isfinite(v)]
    if not finite or not files.best.exists():
        return math.inf, None
    return min(finite)


def _publish_model(
    files: RunFiles, plan: TrainingPlan, model, best_epoch: int | None
) -> tuple[Path, int]:
    """Copy the best epoch's model to MODEL_PATH (write, then rename); the last epoch when
    no epoch was kept (e.g. every loss was NaN)."""
    from pyimagesearch.callbacks.best_model import save_inference_model

    if best_epoch is not None and files.best.exists():
        with atomic_write(files.model) as tmp:
            shutil.copyfile(files.best, tmp)
        return files.model, best_epoch
    save_inference_model(model, files.model)
    return files.model, plan.epochs


def train_network(
    cfg: Config,
    epochs: int | None = None,
    batch_size: int | None = None,
    resume: bool = False,
    workers: int | None = None,
    distribute: str | None = None,
    verbose: int | str = "auto",
    overwrite: bool = False,
    start_epoch: int | None = None,
    learning_rate: float | None = None,
    callbacks: list | None = None,
) -> dict[str, Any]:
    """Train (or continue) the config's network; returns a summary dict. ``callbacks``:
    Keras callbacks run after the trainer's own (search.py's pruning).

    Raises:
        ConfigError, DatasetError, OutputError, ResumeError: see :func:`plan_training`.
    """
    plan = plan_training(cfg, epochs, batch_size, resume, overwrite, workers, distribute,
                         start_epoch, learning_rate)  # fmt: skip
    for note in plan.notes:
        print(f"[INFO] {note}")

    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import keras

    from pyimagesearch.callbacks import BestModelCheckpoint, EpochCheckpoint, TrainingMonitor
    from pyimagesearch.io.feeding import fit_inputs
    from pyimagesearch.nn.conv.alexnet import has_mean_layer

    strategy = make_strategy(plan.strategy)  # before any other TensorFlow work
    keras.utils.set_random_seed(int(cfg.get("RANDOM_SEED")))
    _mixed_precision(cfg)
    chief = is_chief(strategy)
    files = plan.files if chief else plan.files.scratch()  # other workers write elsewhere
    if not chief:
        print(f"[INFO] worker {strategy.cluster_resolver.task_id}: the model is written by "
              "worker 0 (the chief); this worker's files go to a temporary folder")  # fmt: skip
    set_aside = None if plan.resume_from or not chief else files.set_aside()
    if set_aside is not None:
        print(f"[INFO] the earlier run's files are kept in {set_aside} until the new model is done")

    scope = strategy.scope() if strategy else contextlib.nullcontext()
    replicas = strategy.num_replicas_in_sync if strategy else 1
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
            if plan.learning_rate is not None:
                old = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
                model.optimizer.learning_rate.assign(plan.learning_rate)
                print(f"[INFO] learning rate {old:g} -> {plan.learning_rate:g}")
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
        every, keep = int(cfg.get("CHECKPOINT_EVERY")), int(cfg.get("CHECKPOINTS_KEEP"))
        callbacks = [
            *_schedule_callbacks(cfg, plan, len(train_gen), initial_epoch),
            best,
            TrainingMonitor(
                files.plot, files.history, initial_epoch, title=plan.network, monitor=plan.monitor
            ),  # fmt: skip
            EpochCheckpoint(files.checkpoints, every, initial_epoch, keep),
            *(callbacks or []),
        ]
        if initial_epoch < plan.epochs:
            print(
                f"[INFO] training {plan.network} ({plan.input_size}x{plan.input_size}, "
                f"{plan.classes} classes, {train_gen.num_images} training / "
                f"{val_gen.num_images if val_gen else 0} validation images, batch "
                f"{plan.batch_size}, epochs {initial_epoch + 1}..{plan.epochs}"
                + (f", {replicas} replicas" if replicas > 1 else "")
                + ")"
            )
            model.fit(
                **fit_inputs(train_gen, val_gen, initial_epoch),  # tf.data or a prefetcher
                epochs=plan.epochs,
                initial_epoch=initial_epoch,
                callbacks=callbacks,
                class_weight=plan.class_weight,
                shuffle=False,  # the generator shuffles, seeded per (epoch, batch)
                verbose=verbose,
            )
        else:
            print(f"[INFO] the checkpoint already has {initial_epoch} of {plan.epochs} epochs")
    finally:
        train_gen.close()
        if val_gen is not None:
            val_gen.close()
    model_path, kept_epoch = _publish_model(files, plan, model, best.best_epoch)
    history = read_json(files.history) if files.history.exists() else {}
    write_record(
        model_path,
        {
            "kind": "network",
            "network": plan.network,
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


train_alexnet = train_network  # the book's script name; AlexNet is NETWORK's default


def _mixed_precision(cfg: Config) -> None:
    """float16 compute on a GPU when MIXED_PRECISION; on a CPU it is slower: say so, skip."""
    if not cfg.get("MIXED_PRECISION"):
        return
    import keras
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        keras.mixed_precision.set_global_policy("mixed_float16")
        print("[INFO] mixed precision: float16 compute, float32 weights")
    else:
        print("[INFO] MIXED_PRECISION is ignored: no GPU (float16 is slower on a CPU)")


def _rgb(mean: MeanPreprocessor) -> tuple[float, float, float]:
    return mean.rMean, mean.gMean, mean.bMean
