"""Learning-rate schedules as callbacks, and the learning rate of every epoch in the history.

* polynomial decay (the book's): ``lr = base * (1 - epoch / epochs) ** power``; power 1 is
  linear decay to zero at the last epoch;
* step decay: ``lr = base * factor ** (epoch // every)``;
* one-cycle (Smith, 2018; fastai's default): per batch, cosine up from ``base / 25`` to
  ``base`` over the first 30 % of the steps, then cosine down to ``base / 25e4``.

Epoch schedules are functions of the absolute epoch, so a resumed run continues the same
curve. :class:`LearningRateLogger` writes each epoch's learning rate into the logs, hence
the history JSON and the plot.

Example:
    >>> poly = polynomial_decay(0.01, epochs=70, power=1.0)
    >>> round(poly(35), 6), round(poly(69), 6)
    (0.005, 0.000143)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import keras

from pyimagesearch.config import default


def polynomial_decay(
    base: float, epochs: int, power: float = default("LR_POWER")
) -> Callable[[int], float]:
    def schedule(epoch: int) -> float:
        return float(base * (1.0 - min(epoch, epochs) / float(epochs)) ** power)

    return schedule


def step_decay(base: float, factor: float = 0.25, every: int = 10) -> Callable[[int], float]:
    def schedule(epoch: int) -> float:
        return float(base * factor ** (epoch // every))

    return schedule


def _set_lr(model: keras.Model, value: float) -> None:
    model.optimizer.learning_rate.assign(value)


def current_lr(model: keras.Model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


class EpochSchedule(keras.callbacks.Callback):
    """Set the learning rate at the start of every epoch from ``schedule(epoch)``."""

    def __init__(self, schedule: Callable[[int], float]) -> None:
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        _set_lr(self.model, self.schedule(epoch))


class OneCycle(keras.callbacks.Callback):
    """One-cycle learning rate per batch over ``epochs`` x ``steps_per_epoch`` steps."""

    def __init__(
        self, peak: float, epochs: int, steps_per_epoch: int, warmup: float = 0.3,
        start_div: float = 25.0, end_div: float = 25e4, initial_epoch: int = 0,
    ) -> None:  # fmt: skip
        super().__init__()
        self.peak, self.total = float(peak), max(1, int(epochs * steps_per_epoch))
        self.warmup, self.start_div, self.end_div = warmup, start_div, end_div
        self.steps_per_epoch = int(steps_per_epoch)
        self.step = int(initial_epoch * steps_per_epoch)

    def rate(self, step: int) -> float:
        up = max(1, int(self.total * self.warmup))
        low, high, end = self.peak / self.start_div, self.peak, self.peak / self.end_div
        if step < up:
            t = step / up
            return low + (high - low) * (1 - math.cos(math.pi * t)) / 2
        t = min(1.0, (step - up) / max(1, self.total - up))
        return end + (high - end) * (1 + math.cos(math.pi * t)) / 2

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        _set_lr(self.model, self.rate(self.step))
        self.step += 1


class LearningRateLogger(keras.callbacks.Callback):
    """Add ``learning_rate`` (the rate at the epoch's end) to every epoch's logs."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = current_lr(self.model)
