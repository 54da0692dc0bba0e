"""Keras' own callbacks that settings switch on in a training run: ``EarlyStopping``
(``EARLY_STOPPING``), ``ReduceLROnPlateau`` (``REDUCE_LR_ON_PLATEAU``) and ``TensorBoard``
(``TENSORBOARD``, with the settings as hyperparameters), checked once into a
:class:`CallbackPlan` before any work, and made from it alone.

After ``--resume`` or ``--start-epoch`` both plateau counts start again at the restart:
early stopping stops once ``EARLY_STOPPING`` epochs in a row have not beaten the best value
of the earlier epochs (Keras' ``baseline``); the learning rate goes on from the
checkpoint's (every reduction kept) and the next reduction comes after
``REDUCE_LR_ON_PLATEAU`` epochs without a new best since the restart.

Example:
    >>> plan = CallbackPlan(early_stopping=3, early_stopping_monitor="val_accuracy")
    >>> plan.early_stopping_text()
    'val_accuracy did not improve for 3 epochs'
    >>> direction("val_accuracy"), direction("val_loss")
    ('max', 'min')
"""

from __future__ import annotations

import datetime
import importlib.util
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.utils.atomic import check_writable_folder

TENSORBOARD_FOLDER = "tensorboard"  # inside the run folder


def direction(metric: str) -> str:
    """``'max'`` for an accuracy, ``'min'`` for a loss (the mode given to Keras)."""
    return "max" if metric.endswith("accuracy") else "min"


@dataclass(frozen=True)
class CallbackPlan:
    """The optional callbacks of a run, every setting checked (None: off)."""

    early_stopping: int | None = None  # EARLY_STOPPING: the patience
    early_stopping_monitor: str = "val_loss"
    reduce_lr: int | None = None  # REDUCE_LR_ON_PLATEAU: the patience
    reduce_lr_factor: float = 0.1
    reduce_lr_min: float = 0.0
    reduce_lr_monitor: str = "val_loss"
    tensorboard: Path | None = None  # the log folder of TENSORBOARD

    def early_stopping_text(self) -> str:
        epochs = f"{self.early_stopping} epoch{'' if self.early_stopping == 1 else 's'}"
        return f"{self.early_stopping_monitor} did not improve for {epochs}"


def plan_callbacks(
    cfg: Config,
    monitor: str,
    metrics: Sequence[str],
    learning_rate: float | None,
    log_dir: Path | None,
) -> CallbackPlan:
    """Check the settings of the optional callbacks: ``monitor`` picks the best epoch,
    ``metrics`` are the curves the run logs, ``learning_rate`` the starting rate (None:
    the checkpoint's), ``log_dir`` where TensorBoard writes.

    Raises:
        ConfigError: a monitor the run does not log, REDUCE_LR_ON_PLATEAU with an
            LR_SCHEDULE, a REDUCE_LR_MIN not below the rate, TENSORBOARD without the
            tensorboard package.
    """
    watched = cfg.get("EARLY_STOPPING_MONITOR") or monitor
    if cfg.get("EARLY_STOPPING") is not None and watched not in metrics:
        raise ConfigError(
            f"EARLY_STOPPING_MONITOR = {watched!r} is not a curve of this run; it logs "
            f"{', '.join(metrics)}"
        )
    _check_plateau(cfg, learning_rate)
    tensorboard = cfg.get("TENSORBOARD")
    if tensorboard:
        _check_tensorboard(log_dir)
    return CallbackPlan(
        early_stopping=cfg.get("EARLY_STOPPING"),
        early_stopping_monitor=watched,
        reduce_lr=cfg.get("REDUCE_LR_ON_PLATEAU"),
        reduce_lr_factor=cfg.get("REDUCE_LR_FACTOR"),
        reduce_lr_min=cfg.get("REDUCE_LR_MIN"),
        reduce_lr_monitor=monitor,
        tensorboard=log_dir if tensorboard else None,
    )


def _check_plateau(cfg: Config, learning_rate: float | None) -> None:
    if cfg.get("REDUCE_LR_ON_PLATEAU") is None:
        return
    schedule = cfg.get("LR_SCHEDULE")
    if schedule is not None:
        every = "batch" if schedule in ("one_cycle", "cosine") else "epoch"
        raise ConfigError(
            f"REDUCE_LR_ON_PLATEAU cannot work with LR_SCHEDULE = {schedule!r}: the schedule "
            f"sets the learning rate every {every} and would undo each reduction; set one of "
            "them to None"
        )
    floor = cfg.get("REDUCE_LR_MIN")
    if learning_rate is not None and floor >= learning_rate:
        raise ConfigError(
            f"REDUCE_LR_MIN = {floor:g} is not below the learning rate {learning_rate:g}: "
            "REDUCE_LR_ON_PLATEAU could never lower it"
        )


def _check_tensorboard(log_dir: Path | None) -> None:
    if importlib.util.find_spec("tensorboard") is None:
        raise ConfigError(
            "TENSORBOARD = True needs the tensorboard package, which is not installed: "
            "pip install tensorboard (pip install -e '.[cpu]' brings it), or set "
            "TENSORBOARD = False"
        )
    check_writable_folder("TENSORBOARD", log_dir)


def tensorboard_folder(cfg: Config, run_folder: Path | None, network: str) -> Path:
    """Where TensorBoard writes: ``tensorboard/`` in the run folder, else
    ``OUTPUT_PATH/tensorboard/<network>-<date-time>``."""
    if run_folder is not None:
        return Path(run_folder) / TENSORBOARD_FOLDER
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return cfg.output_path(TENSORBOARD_FOLDER, f"{network.lower()}-{stamp}")


def tensorboard_root(log_dir: str | os.PathLike[str]) -> Path:
    """The folder to give ``tensorboard --logdir`` to see every run beside this one.

    >>> str(tensorboard_root("output/runs/20260101-120000-cifar10/tensorboard"))
    'output/runs'
    >>> str(tensorboard_root("output/tensorboard/minivggnet-20260101-120000"))
    'output/tensorboard'
    """
    log_dir = Path(log_dir)
    return log_dir.parent.parent if log_dir.name == TENSORBOARD_FOLDER else log_dir.parent


def earlier_best(history: Mapping[str, Any], metric: str, done: int) -> float | None:
    """The best ``metric`` among the first ``done`` epochs of ``history`` (None: none).

    >>> earlier_best({"val_accuracy": [0.5, 0.75, 0.625]}, "val_accuracy", 2)
    0.75
    """
    values = [v for v in list(history.get(metric, []))[:done] if math.isfinite(v)]
    if not values:
        return None
    return max(values) if direction(metric) == "max" else min(values)


def make_callbacks(
    plan: CallbackPlan, settings: Mapping[str, Any], history: Mapping[str, Any], done: int
) -> tuple[list, Any]:
    """The callbacks of ``plan`` in the order they must run (TensorBoard logs the epoch's
    rate before a reduction; a reduction happens before the epoch's checkpoint), and the
    ``EarlyStopping`` (None: off). ``history``, ``done``: a restarted run's earlier
    epochs."""
    import keras

    from pyimagesearch.callbacks.hyperparameters import HyperparameterLog

    callbacks: list = []
    if plan.tensorboard is not None:
        log_dir = str(plan.tensorboard)
        callbacks += [keras.callbacks.TensorBoard(log_dir, write_graph=False),
                      HyperparameterLog(log_dir, settings)]  # fmt: skip
    if plan.reduce_lr is not None:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            plan.reduce_lr_monitor, factor=plan.reduce_lr_factor, patience=plan.reduce_lr,
            mode=direction(plan.reduce_lr_monitor), min_lr=plan.reduce_lr_min, verbose=1,
        ))  # fmt: skip
    early = None
    if plan.early_stopping is not None:
        watched = plan.early_stopping_monitor
        early = keras.callbacks.EarlyStopping(
            watched, patience=plan.early_stopping, mode=direction(watched),
            baseline=earlier_best(history, watched, done),
        )  # fmt: skip
        callbacks.append(early)
    return callbacks, early
