"""The learning-rate finder (Smith, 2015; fastai's ``lr_find``): train one short pass with
the learning rate growing exponentially, and see where the loss falls fastest.

Example (not run by the tests: trains on the builder's split files):
    >>> report = find_learning_rate(load_config("config/cifar10_config.py"))  # doctest: +SKIP
    >>> report["suggestion"]                                                   # doctest: +SKIP
    0.0063
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.utils.atomic import atomic_write, check_writable
from pyimagesearch.utils.reports import write_json

SMOOTHING = 0.98  # exponential moving average of the batch losses
DIVERGED = 4.0  # stop once the smoothed loss is this many times its lowest value


def suggest(rates: np.ndarray, smoothed: np.ndarray) -> float:
    """The rate where the smoothed loss falls fastest against log(rate) (before its lowest
    point); a tenth of the lowest point's rate when there are too few points."""
    low = int(np.argmin(smoothed))
    if low < 3:
        return float(rates[low] / 10)
    slopes = np.gradient(smoothed[: low + 1], np.log(rates[: low + 1]))
    return float(rates[int(np.argmin(slopes))])


def find_learning_rate(cfg: Config, steps: int | None = None, verbose: int = 0) -> dict[str, Any]:
    """Run the finder on the training split; write ``lr_finder.png`` and ``.json``."""
    from pyimagesearch.training.train import build_model, make_generators, plan_training

    png, json_path = cfg.output_path("lr_finder.png"), cfg.output_path("lr_finder.json")
    check_writable({"OUTPUT_PATH": png})
    plan = plan_training(cfg, overwrite=True)  # writes none of a run's files
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import keras

    keras.utils.set_random_seed(plan.seed)
    model = build_model(plan)
    train, _ = make_generators(plan.loader, plan.train)
    steps = min(len(train), steps or len(train))
    low, high = cfg.get("LR_FINDER_RANGE")
    rates = np.geomspace(low, high, max(steps, 2))
    losses: list[float] = []

    class Sweep(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch: int, logs=None) -> None:
            self.model.optimizer.learning_rate.assign(float(rates[batch]))

        def on_train_batch_end(self, batch: int, logs=None) -> None:
            mean = float(logs["loss"])  # Keras reports the running mean of the epoch
            losses.append(mean * (batch + 1) - sum(losses))
            smooth = _smoothed(losses)
            if not math.isfinite(smooth[-1]) or smooth[-1] > DIVERGED * smooth.min():
                self.model.stop_training = True

    try:
        model.fit(train, epochs=1, steps_per_epoch=steps, callbacks=[Sweep()], verbose=verbose)
    finally:
        train.close()
    tried = rates[: len(losses)]
    smoothed = _smoothed(losses)
    suggestion = suggest(tried, smoothed)
    _plot(tried, np.array(losses), smoothed, suggestion, png)
    report = {
        "network": plan.network,
        "rates": tried.tolist(),
        "losses": losses,
        "smoothed": smoothed.tolist(),
        "suggestion": suggestion,
        "range": [low, high],
        "plot": str(png),
    }
    report["report_path"] = str(write_json(json_path, report))
    return report


def _smoothed(losses: list[float]) -> np.ndarray:
    out, avg = [], 0.0
    for i, value in enumerate(losses, start=1):
        avg = SMOOTHING * avg + (1 - SMOOTHING) * value
        out.append(avg / (1 - SMOOTHING**i))
    return np.array(out)


def _plot(rates, losses, smoothed, suggestion: float, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(rates, losses, alpha=0.3, label="batch loss")
    ax.plot(rates, smoothed, label="smoothed")
    ax.axvline(suggestion, color="gray", linestyle="--", label=f"suggested {suggestion:.2g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    finite = smoothed[np.isfinite(smoothed)]
    if finite.size:
        ax.set_ylim(finite.min() * 0.9, min(finite.max(), finite[0] * 2) * 1.1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("learning-rate finder")
    fig.tight_layout()
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
