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


def test_the_plot_marks_the_best_epoch_and_shows_a_rate_only_when_it_changed() -> None:
    import matplotlib.pyplot as plt

    from pyimagesearch.utils.plots import history_figure

    history = {"loss": [0.9, 0.5, 0.6], "val_loss": [1.0, 0.6, 0.7],
               "accuracy": [0.6, 0.8, 0.8], "learning_rate": [0.01, 0.01, 0.01]}  # fmt: skip
    constant = history_figure(history, best_epoch=2)
    assert [ax.get_ylabel() for ax in constant.axes] == ["loss", "accuracy"]
    for ax in constant.axes:
        labels = ax.get_legend_handles_labels()[1]
        assert "best epoch 2" in labels
    changed = history_figure({**history, "learning_rate": [0.01, 0.01, 0.001]})
    assert [ax.get_ylabel() for ax in changed.axes] == ["loss", "accuracy", "learning_rate"]
    plt.close("all")


def test_facts_learnt_at_the_end_go_into_the_history(tmp_path: Path) -> None:
    monitor = TrainingMonitor(tmp_path / "h.png", tmp_path / "h.json", monitor="val_loss")
    monitor.set_model(tiny_model())
    monitor.on_train_begin()
    for epoch, val_loss in enumerate([1.0, 0.8, 0.9]):
        monitor.on_epoch_end(epoch, {"loss": 1.0, "val_loss": val_loss})
    monitor.note(stopped_epoch=3, early_stopping="val_loss did not improve for 1 epoch")
    history = read_json(tmp_path / "h.json")
    assert history["best_epoch"] == 2 and history["stopped_epoch"] == 3
    assert history["val_loss"] == [1.0, 0.8, 0.9]
