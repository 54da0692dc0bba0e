"""Training curves as a PNG a person can read: loss on the left, accuracy on the right,
the learning rate when it changed, the best epoch marked.

Example (not run by the tests: writes a picture into output/):
    >>> plot_history({"loss": [0.9, 0.5], "val_loss": [1.0, 0.6],
    ...               "accuracy": [0.6, 0.8], "val_accuracy": [0.55, 0.75]},
    ...              "output/history.png", title="AlexNet")        # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from pyimagesearch.utils.atomic import atomic_write

# Loss curves spanning more than this factor get a log scale, so that a few wild early
# epochs (batch normalization warming up) do not flatten the rest of the curve.
_LOG_SCALE_SPAN = 20.0


def plot_history(
    history: dict[str, list[float]],
    path: str | os.PathLike[str],
    title: str = "training",
    mark_epoch: float | None = None,
    mark_label: str = "",
    best_epoch: int | None = None,
) -> Path:
    """Write :func:`history_figure` as a PNG, under a temporary name and renamed, so a
    reader never sees half a file."""
    figure = history_figure(history, title, mark_epoch, mark_label, best_epoch)
    return save_figure(figure, path)


def new_figure(*args: object, **kwargs: object):
    """A matplotlib ``Figure`` made without pyplot: no global state, no backend switched
    (a notebook shows it as it is; :func:`save_figure` writes it)."""
    from matplotlib.figure import Figure

    return Figure(*args, **kwargs)


def save_figure(fig, path: str | os.PathLike[str], dpi: float | None = None) -> Path:
    """Write a matplotlib figure as a PNG (atomically: never half a file under the name)."""
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return Path(path)


def rate_changed(rates: list[float] | None) -> bool:
    """Whether a history's learning rate ever changed (no panel for a constant rate).

    >>> rate_changed([0.01, 0.01, 0.01]), rate_changed([0.01, 0.001]), rate_changed(None)
    (False, True, False)
    """
    return bool(rates) and np.unique(np.asarray(rates, dtype=float)).size > 1


def history_figure(
    history: dict[str, list[float]],
    title: str = "training",
    mark_epoch: float | None = None,
    mark_label: str = "",
    best_epoch: int | None = None,
):
    """The loss and accuracy curves of ``history`` (Keras' ``History.history``), and the
    learning rate of each epoch when it changed (a log scale), as a matplotlib figure (a
    notebook shows it; :func:`plot_history` writes it).

    ``mark_epoch`` draws a dashed line (e.g. where fine-tuning unfroze the backbone),
    ``best_epoch`` a dotted one labelled with the epoch (the one the model file keeps).

    >>> history_figure({"loss": [0.9, 0.5], "accuracy": [0.6, 0.8]}).axes[0].get_ylabel()
    'loss'
    >>> figure = history_figure({"loss": [0.9, 0.5], "accuracy": [0.6, 0.8],
    ...                          "learning_rate": [0.01, 0.01]}, best_epoch=2)
    >>> len(figure.axes)  # a constant rate: no learning-rate panel
    2
    """
    history = {k: v for k, v in history.items() if isinstance(v, list)}
    epochs = max((len(v) for v in history.values()), default=0)
    rates = rate_changed(history.get("learning_rate"))
    panels = ["loss", "accuracy"] + (["learning_rate"] if rates else [])
    fig = new_figure(figsize=(6 * len(panels), 4.8))
    axes = fig.subplots(1, len(panels))
    marks = [(mark_epoch, "--", mark_label or None)] if mark_epoch is not None else []
    if best_epoch is not None:
        marks.append((best_epoch, ":", f"best epoch {best_epoch}"))
    for ax, kind in zip(axes, panels, strict=True):
        _panel(ax, history, kind, marks, single=epochs < 2)
    losses = np.concatenate(
        [np.asarray(v, float) for k, v in history.items() if k.endswith("loss")] or [[1.0]]
    )
    positive = losses[losses > 0]
    if positive.size and positive.max() / positive.min() > _LOG_SCALE_SPAN:
        axes[0].set_yscale("log")
    axes[1].set_ylim(0.0, 1.01)
    if rates and np.all(np.asarray(history["learning_rate"], float) > 0):
        axes[2].set_yscale("log")
    fig.suptitle(f"{title} [epoch {epochs}]")
    fig.tight_layout()
    return fig


def _panel(ax, history: dict[str, list[float]], kind: str, marks: list, single: bool) -> None:
    """One panel: every curve whose name ends in ``kind``, and the marked epochs."""
    from matplotlib.ticker import MaxNLocator

    keys = sorted(k for k in history if k.endswith(kind)
                  or (kind == "loss" and k.endswith("crossentropy")))  # fmt: skip
    for key in keys:
        values = np.asarray(history[key], dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o" if single else None, label=key)
    for epoch, style, label in marks:
        ax.axvline(epoch, color="gray", linestyle=style, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(kind)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    if keys:
        ax.legend()
