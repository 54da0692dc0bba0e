"""TrainingMonitor: after every epoch, the loss/accuracy plot (PNG, the best epoch marked)
and history (JSON)."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import keras

from pyimagesearch.utils.plots import plot_history
from pyimagesearch.utils.reports import read_json, write_json


def best_epoch(history: dict[str, Any], monitor: str) -> int | None:
    """The 1-based epoch with the lowest ``monitor`` value (the first of ties), or None."""
    values = [v for v in history.get(monitor, []) if isinstance(v, int | float)]
    finite = [(v, i) for i, v in enumerate(values) if math.isfinite(v)]
    return min(finite)[1] + 1 if finite else None


class TrainingMonitor(keras.callbacks.Callback):
    """Write ``fig_path`` (PNG) and ``json_path`` (history) after each epoch.

    The JSON holds one list per metric, plus ``monitor`` and ``best_epoch`` (1-based: the
    epoch with the lowest ``monitor``, the one a :class:`BestModelCheckpoint` keeps).
    With ``start_at`` > 0 (a resumed run) the earlier history in ``json_path`` is kept up
    to that epoch and continued, so the plot covers the whole run. :meth:`note` adds facts
    learnt at the end (``stopped_epoch`` of early stopping) to the JSON.

    Example:
        >>> monitor = TrainingMonitor("output/alexnet.png", "output/alexnet.json")
        >>> model.fit(gen, epochs=75, callbacks=[monitor])  # doctest: +SKIP
    """

    def __init__(
        self,
        fig_path: str | os.PathLike[str],
        json_path: str | os.PathLike[str] | None = None,
        start_at: int = 0,
        title: str = "training loss and accuracy",
        monitor: str = "val_loss",
    ) -> None:
        super().__init__()
        self.monitor = monitor
        self.title = title
        self.fig_path = Path(fig_path)
        self.json_path = Path(json_path) if json_path else None
        self.start_at = int(start_at)
        self.H: dict[str, list[float]] = {}
        self.facts: dict[str, Any] = {}

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.H = {}
        if self.start_at > 0 and self.json_path is not None and self.json_path.exists():
            history = read_json(self.json_path)
            self.H = {
                k: list(v)[: self.start_at] for k, v in history.items() if isinstance(v, list)
            }

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for key, value in (logs or {}).items():
            self.H.setdefault(key, []).append(float(value))
        self.write()
        if len(self.H.get("loss", [])) >= 1:
            self.plot()

    def write(self) -> None:
        """The history JSON: every curve, the monitor, the best epoch and the facts."""
        if self.json_path is not None:
            best = best_epoch(self.H, self.monitor)
            record = {**self.H, "monitor": self.monitor, "best_epoch": best, **self.facts}
            write_json(self.json_path, record)

    def note(self, **facts: Any) -> None:
        """Add ``facts`` to the history JSON (written again now)."""
        self.facts.update(facts)
        self.write()

    def plot(self) -> None:
        best = best_epoch(self.H, self.monitor)
        plot_history(self.H, self.fig_path, title=self.title, best_epoch=best)
