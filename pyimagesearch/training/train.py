"""Train any of the book's networks on the HDF5 files (the engine of ``train.py`` and
``train_alexnet.py``): mean + random patch + augmentation for training, mean + resize for
validation, the optimizer, schedule, loss and class weights the config names, softmax
over the classes, checkpoints, ``--resume`` and the book's restart with a new learning
rate (``--start-epoch N --lr X``). Today's recipe beside the book's (AdamW, warm-up and
cosine decay, clipping, the weights' moving average: :mod:`~pyimagesearch.training.optimizers`;
label smoothing, mixup and CutMix: :mod:`~pyimagesearch.training.recipe`) is settings too.

Three steps. :func:`plan_training` checks and resolves every setting once, before
TensorFlow starts: settings, data files and their classes and sizes, the mean, writable
outputs, and an earlier run's files (a fresh run never destroys them: it stops, naming
``--resume`` and ``--overwrite``); it locks the outputs (a second training into the same
files refuses at once) and checks a checkpoint to resume (complete, trained on these
builds with this network: :mod:`~pyimagesearch.training.resume`). The generators, the
model and the callbacks are then made from the :class:`TrainingPlan` alone, never from
the config again; an earlier run's files are moved aside only once the model is built.
Last, the best epoch by validation loss (training loss without a validation split) is
published to ``MODEL_PATH`` without optimizer state, with its record, only once it is
complete. A resumed run restores the random state of the model's layers kept in its
checkpoint, so on a CPU it repeats the uninterrupted run exactly.

Example (not run by the tests: trains on the builder's split files):
    >>> cfg = load_config("config/dogs_vs_cats_config.py", overrides={"EPOCHS": 2})
    ... # doctest: +SKIP
    >>> summary = train_network(cfg)                             # doctest: +SKIP
    >>> summary = train_network(plan_training(cfg, resume=True))  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config, default
from pyimagesearch.errors import ConfigError, DatasetError
from pyimagesearch.io.read_order import read_order
from pyimagesearch.io.split_files import SplitInfo, split_info
from pyimagesearch.models.classifiers import quiet_reloaded_inputs
from pyimagesearch.models.record import data_fingerprint, write_record
from pyimagesearch.nn.conv.registry import keras_file_has_mean_layer, network_class
from pyimagesearch.parallel.workers import loader_workers
from pyimagesearch.preprocessing import (
    BatchAugmenter,
    MeanPreprocessor,
    PatchPreprocessor,
    SimplePreprocessor,
)
from pyimagesearch.preprocessing.augmentation import fuse_steps
from pyimagesearch.training.distribution import Cluster, check_batch, cluster_of, start_distribution
from pyimagesearch.training.optimizers import OptimizerPlan, build_optimizer, plan_optimizer
from pyimagesearch.training.recipe import mixing_settings, recipe_notes, recipe_record
from pyimagesearch.training.resume import (
    ResumeError,
    check_resume,
    checkpoint_facts,
    damaged_checkpoint,
    usable_checkpoint,
)
from pyimagesearch.training.training_callbacks import (
    CallbackPlan,
    make_callbacks,
    plan_callbacks,
    tensorboard_folder,
    tensorboard_root,
)
from pyimagesearch.training.training_files import TrainingFiles
from pyimagesearch.utils.atomic import atomic_write, check_writable, check_writable_folder
from pyimagesearch.utils.backends import check_strategy, chosen_backend, has_gpu, running_backend
from pyimagesearch.utils.reports import read_json

REQUIRED_SETTINGS = ("TRAIN_HDF5", "DATASET_MEAN", "MODEL_PATH")


@dataclass(frozen=True)
class LoaderPlan:
    """How training and validation batches are made, resolved once from the settings."""

    batch_size: int
    input_size: int
    workers: int
    seed: int
    augmentation: dict[str, Any] | str | None  # AUGMENTATION, checked
    mean: MeanPreprocessor
    mean_in_model: bool  # uint8 batches: the model's first layer subtracts the mean
    mixing: dict[str, Any] | None = None  # BatchMixer's arguments (mixup, CutMix), checked
    shuffle: str = "random"  # SHUFFLE: the read order of each epoch
    shuffle_block: int = default("SHUFFLE_BLOCK")
    shuffle_window: int = default("SHUFFLE_WINDOW")


@dataclass
class TrainingPlan:
    """A checked training run: every setting resolved, every file read once."""

    network: str
    network_args: dict[str, Any]
    weight_decay: float
    epochs: int
    strategy: str | None
    mixed_precision: bool
    seed: int
    train: SplitInfo
    val: SplitInfo | None  # None: no validation split
    loader: LoaderPlan
    optimizer: OptimizerPlan
    files: TrainingFiles
    checkpoint_every: int
    checkpoints_keep: int
    mean_file: str
    settings: dict[str, Any]  # the config as used, for the model's record
    resume_from: tuple[Path, int] | None = None
    new_learning_rate: float | None = None  # --lr: assigned to the restored optimizer
    class_weight: dict[int, float] | None = None
    callbacks: CallbackPlan = field(default_factory=CallbackPlan)  # Keras' optional ones
    label_smoothing: float = 0.0  # LABEL_SMOOTHING of the loss
    notes: list[str] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)  # earlier runs' replaced_<time>/
    discard_replaced: bool = False  # this run's model replaces those (restart, --overwrite)
    lock: Any = None  # OutputLock on the outputs, until the run ends
    cluster: Cluster | None = None  # multi_worker: the processes (process 0 writes files)

    @property
    def writer(self) -> bool:
        """Whether this process writes the run's files (process 0 of a multi_worker run)."""
        return self.cluster is None or self.cluster.writer

    def release(self) -> None:
        """Unlock the outputs (train_network does, when it ends)."""
        if self.lock is not None:
            self.lock.release()

    @property
    def checkpoint_record(self) -> dict[str, Any]:
        """What each checkpoint records it was trained on (``--resume`` checks it)."""
        return checkpoint_facts(self)

    @property
    def monitor(self) -> str:
        return "val_loss" if self.val is not None else "loss"

    @property
    def classes(self) -> int:
        return len(self.train.label_names)

    @property
    def input_size(self) -> int:
        return self.loader.input_size

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.train.rows / self.loader.batch_size)

    @property
    def layer_weight_decay(self) -> float:
        """The L2 penalty of the layers: WEIGHT_DECAY, but none with AdamW (whose decay is
        the optimizer's)."""
        return 0.0 if self.optimizer.name == "adamw" else self.weight_decay


def metric_names(classes: int, validation: bool) -> list[str]:
    """The curves a training run logs each epoch (what a callback may watch).

    >>> metric_names(2, validation=False)
    ['loss', 'accuracy', 'crossentropy']
    """
    names = ["loss", "accuracy", "crossentropy", *(["top_k_categorical_accuracy"]
                                                   if classes > 5 else [])]  # fmt: skip
    return names + ([f"val_{n}" for n in names] if validation else [])


def dataset_classes(path) -> tuple[list[str], str, tuple[int, int]]:
    """``(label_names, channel_order, (height, width))`` of a dataset file."""
    info = split_info(path)
    return info.label_names, info.channel_order, info.shape


# -- plan ----------------------------------------------------------------------------------
def plan_training(
    cfg: Config,
    resume: bool = False,
    overwrite: bool = False,
    start_epoch: int | None = None,
    learning_rate: float | None = None,
    run_folder: str | os.PathLike[str] | None = None,
    lock: bool = True,
) -> TrainingPlan:
    """Check everything a run needs, before TensorFlow is imported or a file is touched.

    ``resume`` continues from the newest checkpoint, ``start_epoch`` from that epoch's,
    ``learning_rate`` gives a restarted run a new rate; ``overwrite`` starts again over an
    earlier run's files (kept aside until the new model is complete); ``run_folder``: the
    run this training is (TENSORBOARD writes into its ``tensorboard/``); ``lock``: lock
    the outputs until :func:`train_network` ends (or ``plan.release()``). Every other
    choice is a setting of ``cfg`` (scripts apply their flags to it first).

    Raises:
        ConfigError: a setting that cannot work (MODEL_PATH suffix, strategy, INPUT_SIZE).
        DatasetError: unusable HDF5 files, class mismatch, images smaller than the input.
        OutputError: an unwritable output, an earlier run's files without ``resume`` or
            ``overwrite``, or another training writing the same files.
        ResumeError: ``resume`` without a usable checkpoint (none, damaged, trained on
            other data or with another network).
    """
    _check_request(cfg, resume, overwrite, start_epoch, learning_rate)
    network = _network(cfg)
    train = _training_split(cfg)
    val = _validation_split(cfg, train)
    files = TrainingFiles.of(cfg, network.name.lower())
    check_writable({"MODEL_PATH": files.model, "OUTPUT_PATH": files.history})
    check_writable_folder("CHECKPOINT_PATH", files.checkpoints)
    request = _Request(resume, overwrite, start_epoch, learning_rate)
    cluster = cluster_of(cfg)  # multi_worker: the processes; BATCH_SIZE divides among them
    check_batch(cluster, cfg.get("BATCH_SIZE"))
    writer = cluster is None or cluster.writer
    held = files.lock() if lock and writer else None  # before an earlier run's files are seen
    try:
        plan = _plan(cfg, network, train, val, files, request, run_folder)
    except BaseException:
        if held is not None:
            held.release()
        raise
    plan.lock, plan.cluster = held, cluster
    return plan


@dataclass(frozen=True)
class _Request:
    """How a run starts: afresh, over an earlier run (``overwrite``), or from a checkpoint
    (``resume``, ``start_epoch``; ``learning_rate``: a new rate for it)."""

    resume: bool
    overwrite: bool
    start_epoch: int | None
    learning_rate: float | None

    @property
    def flag(self) -> str:
        """The option of a restart, as a message names it."""
        return "--resume" if self.start_epoch is None else f"--start-epoch {self.start_epoch}"


def _plan(
    cfg: Config,
    network,
    train: SplitInfo,
    val: SplitInfo | None,
    files: TrainingFiles,
    request: _Request,
    run_folder,
) -> TrainingPlan:
    """The plan of :func:`plan_training` once its outputs are checked and locked."""
    resume_from = _resume_point(files, request.resume, request.overwrite, request.start_epoch)
    mean_in_model = cfg.get("MEAN_IN_MODEL")
    if resume_from is not None:  # the checkpoint's network decides how batches are fed
        mean_in_model = keras_file_has_mean_layer(resume_from[0])
    plan = TrainingPlan(
        network=network.name,
        network_args=_network_args(cfg, network.name),
        weight_decay=cfg.get("WEIGHT_DECAY"),
        epochs=cfg.get("EPOCHS"),
        strategy=cfg.get("STRATEGY"),
        mixed_precision=cfg.get("MIXED_PRECISION"),
        seed=cfg.get("RANDOM_SEED"),
        train=train,
        val=val,
        loader=loader_plan(cfg, train, mean_in_model),
        optimizer=plan_optimizer(
            cfg, request.learning_rate, math.ceil(train.rows / cfg.get("BATCH_SIZE"))
        ),
        files=files,
        checkpoint_every=cfg.get("CHECKPOINT_EVERY"),
        checkpoints_keep=cfg.get("CHECKPOINTS_KEEP"),
        mean_file=cfg.DATASET_MEAN,
        settings={**cfg.snapshot(), "MEAN_IN_MODEL": mean_in_model},
        resume_from=resume_from,
        new_learning_rate=request.learning_rate,
        label_smoothing=cfg.get("LABEL_SMOOTHING"),
    )
    plan.callbacks = _callback_plan(cfg, plan, run_folder)
    _plan_notes(cfg, plan)
    if resume_from is not None:
        plan.notes.extend(check_resume(plan, request.flag))
    _replaced_notes(plan, request.overwrite or resume_from is not None)
    return plan


def _network(cfg: Config):
    """The class NETWORK names, checked against INPUT_SIZE."""
    network = network_class(cfg.get("NETWORK"))
    size = cfg.get("INPUT_SIZE")
    if size < network.min_size:
        raise ConfigError(
            f"INPUT_SIZE = {size} is too small for {network.name}: it needs at least "
            f"{network.min_size}x{network.min_size}"
        )
    return network


def _callback_plan(cfg: Config, plan: TrainingPlan, run_folder) -> CallbackPlan:
    """EARLY_STOPPING, REDUCE_LR_ON_PLATEAU and TENSORBOARD, checked against the plan."""
    restarted_at_its_rate = plan.resume_from is not None and plan.new_learning_rate is None
    return plan_callbacks(
        cfg,
        plan.monitor,
        metric_names(plan.classes, plan.val is not None),
        None if restarted_at_its_rate else plan.optimizer.learning_rate,
        tensorboard_folder(cfg, run_folder, plan.network),
    )


def _check_request(
    cfg: Config, resume: bool, overwrite: bool, start_epoch: int | None, rate: float | None
) -> None:
    model_path = Path(cfg.MODEL_PATH)
    if model_path.suffix != ".keras":
        raise ConfigError(
            f"MODEL_PATH must end in .keras (Keras' native format), got {model_path.name}"
        )
    # multi_worker on TensorFlow, mirrored on torch: one line naming the backend that can
    check_strategy(running_backend() or chosen_backend(cfg.get("BACKEND")), cfg.get("STRATEGY"))
    restarting = resume or start_epoch is not None
    if restarting and overwrite:
        raise ConfigError("--resume/--start-epoch and --overwrite contradict each other")
    if rate is not None and not restarting:
        raise ConfigError("--lr sets a new rate for a restarted run: use it with --resume "
                          "or --start-epoch (else set LEARNING_RATE)")  # fmt: skip


def _training_split(cfg: Config) -> SplitInfo:
    """TRAIN_HDF5, with images, each at least INPUT_SIZE."""
    size = cfg.get("INPUT_SIZE")
    train = split_info(cfg.TRAIN_HDF5)
    if train.rows == 0:
        raise DatasetError(f"{cfg.TRAIN_HDF5} holds no images; rebuild it with build_dataset.py")
    train.require_input(size, f"INPUT_SIZE {size}")
    return train


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


def _resume_point(
    files: TrainingFiles, resume: bool, overwrite: bool, start_epoch: int | None
) -> tuple[Path, int] | None:
    """The checkpoint to continue from; a fresh run over an earlier one's files refuses."""
    if start_epoch is not None:
        return usable_checkpoint(files, files.checkpoint_of(start_epoch))
    if resume:
        found = files.latest_checkpoint()
        if found is None:
            raise ResumeError(f"nothing to resume: no checkpoint in {files.checkpoints}")
        return usable_checkpoint(files, found)
    if not overwrite:
        files.refuse_to_replace()
    return None


def loader_plan(cfg: Config, train: SplitInfo, mean_in_model: bool | None = None) -> LoaderPlan:
    """The batches' settings (``mean_in_model``: the config's MEAN_IN_MODEL by default);
    the augmentation is checked here, before any work."""
    augmentation = cfg.get("AUGMENTATION")
    BatchAugmenter.from_settings(augmentation)  # an unknown key fails now, in one line
    return LoaderPlan(
        batch_size=cfg.get("BATCH_SIZE"),
        input_size=cfg.get("INPUT_SIZE"),
        workers=loader_workers(cfg.get("WORKERS")),
        seed=cfg.get("RANDOM_SEED"),
        augmentation=augmentation,
        mean=MeanPreprocessor.from_json(cfg.DATASET_MEAN, train.channel_order),
        mean_in_model=cfg.get("MEAN_IN_MODEL") if mean_in_model is None else mean_in_model,
        mixing=mixing_settings(cfg, train.label_names),
        **read_order(cfg),
    )


def _network_args(cfg: Config, network: str) -> dict[str, Any]:
    args = dict(cfg.get("NETWORK_ARGS") or {})
    if network == "AlexNet":  # AlexNet's own settings, as train_alexnet.py always read
        args.setdefault("dense_units", cfg.get("DENSE_UNITS"))
        args.setdefault("dropout", cfg.get("DROPOUT"))
    return args


def _plan_notes(cfg: Config, plan: TrainingPlan) -> None:
    if cfg.get("CLASS_WEIGHT") == "balanced":
        plan.class_weight = balanced_class_weight(plan.train)
        names = plan.train.label_names
        shown = ", ".join(f"{names[k]} {w:.2f}" for k, w in plan.class_weight.items())
        plan.notes.append(f"class weights (balanced): {shown}")
    if plan.val is None:
        plan.notes.append(
            "no validation images (NUM_VAL_IMAGES = 0 or VAL_HDF5 unset/empty): the best "
            "epoch is chosen by training loss"
        )
    plan.notes.extend(recipe_notes(plan))


def _replaced_notes(plan: TrainingPlan, replaces: bool) -> None:
    """Say where an earlier model set aside by an unfinished ``--overwrite`` is, and
    whether this run (a restart or ``--overwrite``: its model replaces that one) deletes
    it once its own model is complete."""
    plan.replaced, plan.discard_replaced = plan.files.replaced_folders(), replaces
    for folder in plan.replaced:
        fate = ("it is deleted once this run's model is complete" if replaces
                else "this run leaves it there")  # fmt: skip
        plan.notes.append(f"the earlier model is kept in {folder} (set aside by an "
                          f"--overwrite run that did not finish); {fate}")  # fmt: skip


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


# -- the parts made from the plan --------------------------------------------------------------
def make_generators(loader: LoaderPlan, train: SplitInfo, val: SplitInfo | None = None):
    """Training and validation ``HDF5DatasetGenerator`` (validation: None without ``val``).

    Training: random ``input_size`` patch, augmentation on the uint8 patch, mean
    subtraction (float32), then mixup / CutMix of the batch (``mixing``). Validation:
    resize, mean subtraction. With ``mean_in_model`` the batches stay uint8 and the model
    subtracts the mean.
    """
    from pyimagesearch.io import HDF5DatasetGenerator
    from pyimagesearch.preprocessing.mixing import BatchMixer

    size, classes = loader.input_size, len(train.label_names)
    mean_steps = [] if loader.mean_in_model else [loader.mean]
    aug = BatchAugmenter.from_settings(loader.augmentation)
    train_steps = [PatchPreprocessor(size, size), *([aug] if aug else []), *mean_steps]
    train_gen = HDF5DatasetGenerator(
        train.path,
        loader.batch_size,
        preprocessors=fuse_steps(train_steps),  # patch, augmentation, mean: one pass
        classes=classes,
        shuffle=loader.shuffle,
        seed=loader.seed,
        workers=loader.workers,
        mixer=BatchMixer(**loader.mixing) if loader.mixing else None,
        shuffle_block=loader.shuffle_block,
        shuffle_window=loader.shuffle_window,
    )
    if val is None:
        return train_gen, None
    try:
        val_gen = HDF5DatasetGenerator(
            val.path,
            loader.batch_size,
            preprocessors=[SimplePreprocessor(size, size), *mean_steps],
            classes=classes,
            workers=loader.workers,
        )
    except Exception:
        train_gen.close()
        raise
    return train_gen, val_gen


def make_strategy(name: str | None, cluster: Cluster | None = None):
    """The strategy ``STRATEGY`` names (None: the default, one device): ``mirrored``, every
    visible device of this machine (``tf.distribute`` on TensorFlow, ``keras.distribution``
    on JAX); ``multi_worker``: the ``cluster``'s processes (JAX). Created before the model
    and before any other backend work (:mod:`~pyimagesearch.training.distribution`)."""
    return start_distribution(name, cluster)


def build_model(plan: TrainingPlan):
    """The network, behind a mean-subtraction layer with ``mean_in_model``, compiled."""
    import keras

    from pyimagesearch.nn.conv.registry import MEAN_LAYER_NAME, build_network

    size = plan.input_size
    net = build_network(plan.network, size, size, 3, plan.classes,
                        reg=plan.layer_weight_decay, **plan.network_args)  # fmt: skip
    model = net
    if plan.loader.mean_in_model:
        inputs = keras.Input(net.input_shape[1:])
        axis = 1 if keras.config.image_data_format() == "channels_first" else -1
        centred = keras.layers.Normalization(
            axis=axis, mean=plan.loader.mean.mean.tolist(), variance=[1.0] * 3,
            name=MEAN_LAYER_NAME,
        )(inputs)  # fmt: skip
        model = keras.Model(inputs, net(centred), name=net.name)
    # softmax over the classes + categorical cross-entropy (the book's; docs/TRAINING.md).
    # The loss includes the weight-decay penalty (and LABEL_SMOOTHING); "crossentropy" is
    # the data's loss alone, comparable between runs of different WEIGHT_DECAY (search.py
    # scores trials by it).
    metrics = {"crossentropy": keras.metrics.CategoricalCrossentropy(name="crossentropy")}
    smoothing = plan.label_smoothing
    model.compile(
        optimizer=build_optimizer(plan.optimizer),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
        if smoothing
        else "categorical_crossentropy",  # fmt: skip
        metrics=[metrics.get(name, name) for name in metric_names(plan.classes, False)[1:]],
    )
    return model


def schedule_callbacks(plan: TrainingPlan, steps: int, initial_epoch: int) -> list:
    """The learning-rate schedule's callback (if any) and the rate logger."""
    from pyimagesearch.callbacks.schedules import (
        EpochSchedule,
        LearningRateLogger,
        OneCycle,
        polynomial_decay,
        step_decay,
    )

    opt = plan.optimizer
    callbacks: list = []
    if opt.schedule == "poly":
        callbacks.append(EpochSchedule(polynomial_decay(opt.learning_rate, plan.epochs, opt.power)))
    elif opt.schedule == "step":
        callbacks.append(
            EpochSchedule(step_decay(opt.learning_rate, opt.step_factor, opt.step_every))
        )
    elif opt.schedule == "one_cycle":
        callbacks.append(
            OneCycle(opt.learning_rate, plan.epochs, steps, initial_epoch=initial_epoch)
        )
    return [*callbacks, LearningRateLogger()]


# -- run -------------------------------------------------------------------------------------
def train_network(
    source: Config | TrainingPlan,
    *,
    verbose: int | str = "auto",
    callbacks: list | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    **restart: Any,
) -> dict[str, Any]:
    """Train (or continue) a network: from a config (``restart``: the arguments of
    :func:`plan_training`), or from a plan made earlier; returns a summary dict.
    ``callbacks``: Keras callbacks run after the trainer's own (search.py's pruning);
    ``progress``: told how far the run got (:func:`progress_callbacks`), when training
    begins and after each epoch (a run folder keeps it: an interrupted run says so).
    The outputs' lock is released when it ends, however it ends.

    Raises:
        ConfigError, DatasetError, OutputError, ResumeError: see :func:`plan_training`.
    """
    if isinstance(source, TrainingPlan):
        if restart:
            raise TypeError(f"a plan is already made; got {sorted(restart)} as well")
        plan = source
    else:
        plan = plan_training(source, **restart)
    try:
        return _train(plan, verbose, callbacks or [], progress)
    finally:
        plan.release()


def _train(plan: TrainingPlan, verbose, extra: list, progress) -> dict[str, Any]:
    """:func:`train_network` of a plan: the model is built (or loaded) before an earlier
    run's files are moved aside, so a network that cannot be built moves nothing."""
    for note in plan.notes:
        print(f"[INFO] {note}")
    strategy = _start_keras(plan)
    model, initial_epoch = _model_of(plan, strategy)
    set_aside = None if plan.resume_from or not plan.writer else plan.files.set_aside()
    if set_aside is not None:
        print(f"[INFO] the earlier run's files are kept in {set_aside} until the new model is done")
    told = progress_callbacks(plan, progress, initial_epoch, set_aside)
    started = time.perf_counter()
    replicas = strategy.num_replicas_in_sync if strategy else 1
    best_epoch, stopped = _fit(plan, model, initial_epoch, replicas, verbose, [*told, *extra])
    model_path, kept_epoch = plan.files.model, best_epoch or stopped or plan.epochs
    if plan.writer:  # process 0 of a multi_worker run alone writes files
        model_path, kept_epoch = _publish_model(plan, model, best_epoch, stopped or plan.epochs)
        _write_training_record(plan, model_path, kept_epoch)
        for folder in [set_aside, *(plan.replaced if plan.discard_replaced else [])]:
            TrainingFiles.discard(folder)
    if plan.cluster is not None:  # the others read the files once process 0 wrote them
        kept_epoch = _after_the_writer(plan, model, kept_epoch)
    print(
        f"[INFO] model saved to {model_path}: epoch {kept_epoch} of {plan.epochs}, the lowest "
        f"{plan.monitor}"
    )
    seconds = time.perf_counter() - started
    return _summary(plan, model_path, (kept_epoch, initial_epoch, stopped), seconds)


train_alexnet = train_network  # the book's script name; AlexNet is NETWORK's default


def progress_callbacks(plan: TrainingPlan, progress, done: int, set_aside: Path | None) -> list:
    """Tell ``progress`` (None: nobody) where the run starts, then after each epoch how
    far it got: ``epochs``, ``epochs_done``, ``checkpoints`` (the folder),
    ``latest_checkpoint`` (its newest file, what ``--resume`` continues from), and
    ``resumed_from`` (a restart's first epoch) or ``set_aside`` (where ``--overwrite`` put
    the earlier run's files). The Keras callback that tells it after each epoch."""
    if progress is None:
        return []
    import keras

    files = plan.files

    def tell(epochs_done: int, **facts: Any) -> None:
        latest = files.latest_checkpoint()
        progress({**facts, "epochs_done": epochs_done,
                  "latest_checkpoint": latest[0].name if latest else None})  # fmt: skip

    start = {"epochs": plan.epochs, "checkpoints": str(files.checkpoints)}
    start.update({"resumed_from": done} if plan.resume_from else {})
    start.update({"set_aside": str(set_aside)} if set_aside is not None else {})
    tell(done, **start)
    return [keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs=None: tell(epoch + 1))]


def _start_keras(plan: TrainingPlan):
    """Quiet TensorFlow, seed every generator, set the precision policy; the strategy."""
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import keras

    if plan.cluster is not None:
        print(f"[INFO] {plan.cluster.line()}", flush=True)
    strategy = make_strategy(plan.strategy, plan.cluster)  # before any other backend work
    keras.utils.set_random_seed(plan.seed)
    if plan.mixed_precision:
        _mixed_precision()
    return strategy


def _mixed_precision() -> None:
    """float16 compute on a GPU; on a CPU it is slower: say so, skip."""
    import keras

    if has_gpu():
        keras.mixed_precision.set_global_policy("mixed_float16")
        print("[INFO] mixed precision: float16 compute, float32 weights")
    else:
        print("[INFO] MIXED_PRECISION is ignored: no GPU (float16 is slower on a CPU)")


def _model_of(plan: TrainingPlan, strategy) -> tuple[Any, int]:
    """A new compiled model, or the checkpoint's (and the epochs it has done)."""
    import contextlib

    import keras

    with strategy.scope() if strategy else contextlib.nullcontext():
        if plan.resume_from is None:
            return build_model(plan), 0
        path, done = plan.resume_from
        print(f"[INFO] resuming from {path} (epoch {done} done)")
        quiet_reloaded_inputs()
        try:
            model = keras.models.load_model(path)
        except (ValueError, OSError, KeyError) as exc:  # damaged inside (its weights)
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise damaged_checkpoint(plan.files, plan.resume_from, reason) from None
        if model.output_shape[-1] != plan.classes:
            raise DatasetError(
                f"checkpoint {path} predicts {model.output_shape[-1]} classes, "
                f"the data has {plan.classes}"
            )
        _restore_random_state(model, path)
        if plan.new_learning_rate is not None:
            old = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
            model.optimizer.learning_rate.assign(plan.new_learning_rate)
            print(f"[INFO] learning rate {old:g} -> {plan.new_learning_rate:g}")
        return model, done


def _restore_random_state(model, path: Path) -> None:
    """The random state of the checkpoint's layers (dropout's masks), which Keras does
    not save: a resumed run draws the masks the uninterrupted run would have drawn."""
    from pyimagesearch.callbacks.epoch_checkpoint import checkpoint_record
    from pyimagesearch.callbacks.random_state import restore_random_state

    record = checkpoint_record(path) or {}
    if record.get("random") and not restore_random_state(model, record["random"]):
        print(f"[INFO] the random state kept in {path.name} does not fit its model: its "
              "dropout draws start again")  # fmt: skip


@dataclass
class RunCallbacks:
    """The callbacks of one ``model.fit``, in order, and those asked about afterwards."""

    callbacks: list
    best: Any  # BestModelCheckpoint
    monitor: Any  # TrainingMonitor
    early: Any = None  # keras.callbacks.EarlyStopping, when EARLY_STOPPING is set


def _fit(
    plan: TrainingPlan, model, initial_epoch: int, replicas: int, verbose, extra: list
) -> tuple[int | None, int | None]:
    """``model.fit`` from ``initial_epoch`` to the plan's epochs: the best epoch kept, and
    the epoch early stopping stopped after (None: it did not)."""
    from pyimagesearch.io.feeding import fit_inputs, loader_errors

    train_gen, val_gen = make_generators(plan.loader, plan.train, plan.val)
    for gen in (train_gen, val_gen) if plan.cluster is not None else ():
        if gen is not None:  # this process's rows of each global batch
            gen.part = (plan.cluster.process_id, plan.cluster.processes)
    try:
        train_gen.set_epoch(initial_epoch)
        made = _callbacks(plan, len(train_gen), initial_epoch, extra)
        if initial_epoch >= plan.epochs:
            print(f"[INFO] the checkpoint already has {initial_epoch} of {plan.epochs} epochs")
            return made.best.best_epoch, None
        print(
            f"[INFO] training {plan.network} ({plan.input_size}x{plan.input_size}, "
            f"{plan.classes} classes, {train_gen.num_images} training / "
            f"{val_gen.num_images if val_gen else 0} validation images, batch "
            f"{plan.loader.batch_size}, epochs {initial_epoch + 1}..{plan.epochs}"
            + (f", {replicas} replicas" if replicas > 1 else "")
            + ")"
        )
        with loader_errors():  # a damaged row: its own line, not TensorFlow's wrapping
            model.fit(
                **fit_inputs(train_gen, val_gen, initial_epoch, plan.class_weight),  # tf.data
                epochs=plan.epochs,  # or a prefetcher; class_weight: fit's, or sample weights
                initial_epoch=initial_epoch,
                callbacks=made.callbacks,
                shuffle=False,  # the generator shuffles, seeded per (epoch, batch)
                verbose=verbose,
            )
    finally:
        train_gen.close()
        if val_gen is not None:
            val_gen.close()
    return made.best.best_epoch, _stopped_epoch(plan, made)


def _callbacks(plan: TrainingPlan, steps: int, initial_epoch: int, extra: list) -> RunCallbacks:
    """The schedule, Keras' optional callbacks, the best epoch, the history and plot, the
    checkpoints, then ``extra``: a reduction of the rate is in the epoch's checkpoint. With
    EMA_DECAY, validation and the best epoch see the averaged weights (``callbacks/ema``)."""
    from pyimagesearch.callbacks import BestModelCheckpoint, EpochCheckpoint, TrainingMonitor
    from pyimagesearch.callbacks.ema import ema_callbacks

    files = plan.files
    earlier = read_json(files.history) if initial_epoch and files.history.exists() else {}
    optional, early = make_callbacks(plan.callbacks, plan.settings, earlier, initial_epoch)
    best = BestModelCheckpoint(files.best, plan.monitor, *_earlier_best(plan, initial_epoch))
    monitor = TrainingMonitor(
        files.plot, files.history, initial_epoch, title=plan.network, monitor=plan.monitor
    )
    swap, average_in, trained_in = ema_callbacks() if plan.optimizer.ema_decay else [None] * 3
    callbacks = [
        *([swap] if swap else []),
        *schedule_callbacks(plan, steps, initial_epoch),
        *optional,
        *([average_in] if average_in else []),
        best,
        *([trained_in] if trained_in else []),
        monitor,
        EpochCheckpoint(
            files.checkpoints,
            plan.checkpoint_every,
            initial_epoch,
            plan.checkpoints_keep,
            record=plan.checkpoint_record,
        ),  # fmt: skip
        *extra,
    ]
    return RunCallbacks(_per_process(plan, callbacks), best, monitor, early)


def _per_process(plan: TrainingPlan, callbacks: list) -> list:
    """``callbacks`` of this process: in a multi_worker run, those that write files run
    on process 0 alone (:mod:`~pyimagesearch.callbacks.process_zero`), the others (the
    schedule, early stopping, the rate on a plateau) on every process, in the same order."""
    if plan.cluster is None:
        return callbacks
    import keras

    from pyimagesearch.callbacks import BestModelCheckpoint, EpochCheckpoint, TrainingMonitor
    from pyimagesearch.callbacks.hyperparameters import HyperparameterLog
    from pyimagesearch.callbacks.process_zero import process_zero_callbacks

    writers = (BestModelCheckpoint, EpochCheckpoint, TrainingMonitor, HyperparameterLog,
               keras.callbacks.TensorBoard)  # fmt: skip
    kept = []
    for callback in callbacks:
        writes = isinstance(callback, writers)
        kept += process_zero_callbacks([callback], plan.writer) if writes else [callback]
    return kept


def _after_the_writer(plan: TrainingPlan, model, kept_epoch: int) -> int:
    """Every process waits for process 0 to write the model and its record, prints the
    fingerprint of its weights (the same on every process); the others then report the
    epoch process 0 kept."""
    from pyimagesearch.models.record import read_record
    from pyimagesearch.training.distribution import synchronise, weights_fingerprint

    synchronise("pyimagesearch: model written")
    print(f"[INFO] process {plan.cluster.process_id}: weights {weights_fingerprint(model)}")
    record = read_record(plan.files.model) if not plan.writer else None
    return int(record["epoch"]) if record else kept_epoch


def _stopped_epoch(plan: TrainingPlan, made: RunCallbacks) -> int | None:
    """The epoch early stopping stopped after, before the last (recorded in the history)."""
    if made.early is None or not made.early.stopped_epoch:
        return None
    stopped = int(made.early.stopped_epoch) + 1  # Keras counts from 0
    if stopped >= plan.epochs:
        return None
    if plan.writer:
        made.monitor.note(
            stopped_epoch=stopped, early_stopping=plan.callbacks.early_stopping_text()
        )
    return stopped


def _earlier_best(plan: TrainingPlan, done: int) -> tuple[float, int | None]:
    """The best monitored value and epoch among a resumed run's first ``done`` epochs."""
    files = plan.files
    if done == 0 or not files.history.exists():
        return math.inf, None
    values = list(read_json(files.history).get(plan.monitor, []))[:done]
    finite = [(v, i + 1) for i, v in enumerate(values) if math.isfinite(v)]
    if not finite or not files.best.exists():
        return math.inf, None
    return min(finite)


# -- record ------------------------------------------------------------------------------------
def _publish_model(
    plan: TrainingPlan, model, best_epoch: int | None, last_epoch: int
) -> tuple[Path, int]:
    """Copy the best epoch's model to MODEL_PATH (write, then rename); the last epoch when
    no epoch was kept (e.g. every loss was NaN)."""
    from pyimagesearch.callbacks.best_model import save_inference_model

    files = plan.files
    if best_epoch is not None and files.best.exists():
        with atomic_write(files.model) as tmp:
            shutil.copyfile(files.best, tmp)
        return files.model, best_epoch
    from pyimagesearch.callbacks.process_zero import no_distribution

    with no_distribution():  # process 0 alone saves (multi_worker)
        save_inference_model(model, files.model)
    return files.model, last_epoch


def _write_training_record(plan: TrainingPlan, model_path: Path, epoch: int) -> None:
    mean = plan.loader.mean
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
                "mean": {"R": mean.rMean, "G": mean.gMean, "B": mean.bMean},
                "mean_in_model": plan.loader.mean_in_model,
                "dataset_mean_file": str(plan.mean_file),
                "training": "random patch, augmentation, mean subtraction",
                "evaluation": "resize (baseline) or 10 crops, mean subtraction",
            },
            "epoch": epoch,
            "monitor": plan.monitor,
            "data": {
                "train": data_fingerprint(plan.train.path),
                "val": data_fingerprint(plan.val.path) if plan.val else None,
            },
            "recipe": recipe_record(plan),
            "config": plan.settings,
        },
    )


def _summary(
    plan: TrainingPlan, model_path: Path, epochs: tuple[int, int, int | None], seconds: float
) -> dict[str, Any]:
    """``epochs``: the epoch kept, the first epoch of this run, the epoch early stopping
    stopped after (None: it did not)."""
    kept_epoch, initial_epoch, stopped = epochs
    files, tensorboard = plan.files, plan.callbacks.tensorboard
    history = read_json(files.history) if files.history.exists() else {}
    metrics = {k: v for k, v in history.items() if isinstance(v, list)}
    return {
        "model_path": str(model_path),
        "plot_path": str(files.plot),
        "history_path": str(files.history),
        "epochs": plan.epochs,
        "initial_epoch": initial_epoch,
        "best_epoch": kept_epoch,
        "monitor": plan.monitor,
        "classes": plan.train.label_names,
        "seconds": seconds,
        "history": metrics,
        "final": {k: v[-1] for k, v in metrics.items() if v},
        "stopped_epoch": stopped,
        "early_stopping": plan.callbacks.early_stopping_text() if stopped else None,
        "tensorboard": str(tensorboard) if tensorboard else None,
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """What train.py (and the demo) print after training: the last epoch, the files."""
    final = summary["final"]
    shown = "  ".join(f"{k} {v:.4g}" for k, v in sorted(final.items()))
    lines = [
        *([f"[INFO] last epoch: {shown}"] if final else []),
        f"[INFO] plot: {summary['plot_path']}  history: {summary['history_path']}",
    ]
    if summary.get("stopped_epoch"):
        lines.append(f"[INFO] early stopping: {summary['early_stopping']}; stopped after "
                     f"epoch {summary['stopped_epoch']} of {summary['epochs']}")  # fmt: skip
    if summary.get("tensorboard"):
        logs = summary["tensorboard"]
        lines.append(f"[INFO] TensorBoard logs: {logs} (every run: tensorboard --logdir "
                     f"{tensorboard_root(logs)})")  # fmt: skip
    return lines
