"""BestModelCheckpoint: keep the epoch with the best monitored value as a small model file.

The file holds the network without its optimizer state (a third of AlexNet's checkpoint
size), written under a temporary name and renamed when complete. ``initial_best`` carries
the best value of a resumed run's earlier epochs, so a resumed run never replaces a
better model with a worse one.

Example:
    >>> best = BestModelCheckpoint("output/checkpoints/best.keras", monitor="val_loss")
    >>> model.fit(gen, validation_data=val, callbacks=[best])   # doctest: +SKIP
    >>> best.best_epoch, best.best                               # doctest: +SKIP
    (41, 0.2113)
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import keras

from pyimagesearch.utils.atomic import atomic_write


def inference_model(model: keras.Model) -> keras.Model:
    """The same layers and weights as ``model``, uncompiled: saves without optimizer state."""
    return keras.Model(model.inputs, model.outputs, name=model.name)


def save_inference_model(model: keras.Model, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` without its optimizer state to ``path`` atomically."""
    with atomic_write(path) as tmp:
        inference_model(model).save(tmp)
    return Path(path)


class BestModelCheckpoint(keras.callbacks.Callback):
    """Save the model (no optimizer) whenever ``monitor`` reaches a new minimum."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        monitor: str = "val_loss",
        initial_best: float = math.inf,
        initial_epoch: int | None = None,
    ) -> None:
        super().__init__()
        self.path = Path(path)
        self.monitor = monitor
        self.best = float(initial_best)
        self.best_epoch = initial_epoch  # 1-based, None until an epoch is kept

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None or not math.isfinite(float(value)) or float(value) >= self.best:
            return
        self.best, self.best_epoch = float(value), epoch + 1
        save_inference_model(self.model, self.path)
