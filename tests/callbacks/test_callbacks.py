"""BestModelCheckpoint keeps the best epoch, not the last; TrainingMonitor records it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from pyimagesearch.callbacks import BestModelCheckpoint, TrainingMonitor  # noqa: E402
from pyimagesearch.utils.reports import read_json  # noqa: E402


def tiny_model() -> keras.Model:
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def test_the_best_epoch_is_kept_without_optimizer_state(tmp_path: Path) -> None:
    model = tiny_model()
    best = BestModelCheckpoint(tmp_path / "best.keras", monitor="val_loss")
    monitor = TrainingMonitor(tmp_path / "h.png", tmp_path / "h.json", monitor="val_loss")
    for callback in (best, monitor):
        callback.set_model(model)
    monitor.on_train_begin()
    kept = None
    for epoch, val_loss in enumerate([3.0, 1.0, 2.0, float("nan")]):
        model.layers[-1].kernel.assign(np.full((3, 2), float(epoch), np.float32))
        if epoch == 1:
            kept = model.layers[-1].kernel.numpy()
        logs = {"loss": 1.0, "val_loss": val_loss}
        best.on_epoch_end(epoch, logs)
        monitor.on_epoch_end(epoch, logs)
    assert best.best_epoch == 2 and best.best == 1.0
    saved = keras.models.load_model(tmp_path / "best.keras")
    np.testing.assert_array_equal(saved.layers[-1].kernel.numpy(), kept)
    assert not hasattr(saved, "optimizer") or saved.optimizer is None
    assert read_json(tmp_path / "h.json")["best_epoch"] == 2


def test_a_resumed_run_never_replaces_a_better_model(tmp_path: Path) -> None:
    model = tiny_model()
    best = BestModelCheckpoint(tmp_path / "best.keras", initial_best=0.5, initial_epoch=4)
    best.set_model(model)
    best.on_epoch_end(5, {"val_loss": 0.9})
    assert not (tmp_path / "best.keras").exists() and best.best_epoch == 4
    best.on_epoch_end(6, {"val_loss": 0.4})
    assert (tmp_path / "best.keras").exists() and best.best_epoch == 7
