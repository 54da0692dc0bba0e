"""The learning-rate finder (Smith, 2015; fastai's ``lr_find``): train ``LR_FINDER_STEPS``
batches with the learning rate growing exponentially across ``LR_FINDER_RANGE`` (the
training batches repeat, newly shuffled, when there are fewer), and see where the loss
falls fastest.

The suggestion is always one of the rates tried. When the curve has no usable valley (the
loss never fell, or it rose from the lowest rate on) it is the lowest rate tried (the safe
end), and the report says so and why; a set of only a few distinct batches is warned
about (the curve then shows how fast those batches are learnt by heart).

Example (not run by the tests: trains on the builder's split files):
    >>> report = find_learning_rate(load_config("config/cifar10_config.py"))  # doctest: +SKIP
    >>> report["suggestion"], report["notes"]                                  # doctest: +SKIP
    (0.0063, [])
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.utils.atomic import check_writable
from pyimagesearch.utils.plots import new_figure, save_figure
from pyimagesearch.utils.reports import write_json

SMOOTHING = 0.98  # exponential moving average of the batch losses
DIVERGED = 4.0  # stop once the smoothed loss is this many times its lowest value
MIN_DROP = 0.05  # a valley: the smoothed loss falls at least this fraction below its start
MIN_BEFORE_LOW = 3  # a valley: at least this many rates tried before its lowest point
FEW_BATCHES = 10  # fewer distinct batches than this: warned about


@dataclass(frozen=True)
class FinderPlan:
    """A checked finder run: the training plan its model and batches come from, the
    rates, the number of steps, where it writes, and the warnings found while planning."""

    training: Any  # TrainingPlan
    low: float
    high: float
    steps: int
    batches: int  # distinct training batches
    plot: Path
    report: Path
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rates(self) -> np.ndarray:
        return np.geomspace(self.low, self.high, self.steps)


def plan_lr_finder(cfg: Config, steps: int | None = None) -> FinderPlan:
    """Check the finder's settings (``steps``: instead of LR_FINDER_STEPS), before
    TensorFlow starts.

    Raises:
        ConfigError: LR_FINDER_RANGE not (lowest, highest), and every error of
            :func:`~pyimagesearch.training.train.plan_training`.
    """
    from pyimagesearch.training.train import plan_training

    low, high = cfg.get("LR_FINDER_RANGE")
    if low >= high:
        raise ConfigError(
            f"LR_FINDER_RANGE = ({low:g}, {high:g}): the lowest rate comes first and must be "
            f"below the highest, e.g. ({min(low, high):g}, {max(low, high):g})"
        )
    if cfg.get("STRATEGY") == "multi_worker":  # each process would sweep, and write, alone
        raise ConfigError(
            "--find-lr runs in one process: find the rate without "
            "STRATEGY = 'multi_worker' (the same global BATCH_SIZE), then train"
        )
    if steps is not None:
        cfg = cfg.replace(LR_FINDER_STEPS=steps)
    png, json_path = cfg.output_path("lr_finder.png"), cfg.output_path("lr_finder.json")
    check_writable({"OUTPUT_PATH": png})
    # a sweep is no run: Keras' optional callbacks stay off
    quiet = cfg.replace(EARLY_STOPPING=None, REDUCE_LR_ON_PLATEAU=None, TENSORBOARD=False)
    training = plan_training(quiet, overwrite=True, lock=False)  # writes none of its files
    steps = cfg.get("LR_FINDER_STEPS")
    batches = math.ceil(training.train.rows / training.loader.batch_size)
    notes = []
    if batches < FEW_BATCHES:
        notes.append(
            f"only {batches} distinct batch(es) ({training.train.rows} training images, "
            f"BATCH_SIZE {training.loader.batch_size}), repeated to make {steps} steps: the "
            "curve shows how fast these few batches are learnt by heart, not a rate for the "
            "whole set; lower BATCH_SIZE or add images for a curve that means more"
        )
    return FinderPlan(training, low, high, steps, batches, png, json_path, tuple(notes))


@dataclass(frozen=True)
class Reading:
    """What the finder's curve says: the suggested rate (always one of those tried),
    whether it comes from a valley of the curve (else: the lowest rate tried, the safe
    end), and notes for the user."""

    suggestion: float
    valley: bool
    notes: list[str]


def read_curve(rates: np.ndarray, losses: np.ndarray) -> Reading:
    """Read the finder's curve: with a valley (the smoothed loss falls at least
    ``MIN_DROP`` below its highest point before its lowest one, ``MIN_BEFORE_LOW`` rates
    tried on the way down), the rate tried where it falls fastest against log(rate); else
    the lowest rate tried, with a note saying why.

    >>> rates = np.geomspace(1e-5, 1.0, 100)
    >>> flat = read_curve(rates, np.full(100, 0.69))
    >>> flat.suggestion, flat.valley, flat.notes[0][:43]
    (1e-05, False, 'no usable valley: the loss never fell by 5%')
    >>> valley = read_curve(rates, 0.7 - 0.5 * np.exp(-((np.log10(rates) + 2) ** 2)))
    >>> 1e-5 <= valley.suggestion <= 1e-2, valley.valley, valley.notes
    (True, True, [])
    """
    smoothed = smooth(losses)
    finite = np.isfinite(smoothed)
    safe = f"the suggestion is the lowest rate tried, {rates[0]:.2g}"
    if finite.sum() < MIN_BEFORE_LOW + 2:
        return Reading(float(rates[0]), False, [
            f"no usable valley: only {int(finite.sum())} finite losses before the loss "
            f"diverged; {safe}: lower LR_FINDER_RANGE's highest rate"])  # fmt: skip
    low = int(np.nanargmin(np.where(finite, smoothed, np.nan)))
    peak = float(np.max(smoothed[: low + 1]))
    drop = (peak - smoothed[low]) / abs(peak) if peak else 0.0
    span = f"across {rates[0]:.2g}..{rates[-1]:.2g}"
    if drop >= MIN_DROP and low >= MIN_BEFORE_LOW:
        slopes = np.gradient(smoothed[: low + 1], np.log(rates[: low + 1]))
        still = low == len(rates) - 1
        notes = [f"the loss was still falling at the highest rate tried ({rates[-1]:.2g}): a "
                 "wider LR_FINDER_RANGE may find a better rate"] if still else []  # fmt: skip
        return Reading(float(rates[int(np.argmin(slopes))]), True, notes)
    if low < max(MIN_BEFORE_LOW, len(rates) // 10) and (
        smoothed[finite][-1] >= (1 + MIN_DROP) * smoothed[low]
    ):
        note = (f"no usable valley: the loss rose from the lowest rates on ({span}); {safe}: "
                "lower LR_FINDER_RANGE's lowest rate")  # fmt: skip
    else:
        note = (f"no usable valley: the loss never fell by {MIN_DROP:.0%} (from {peak:.4g} to "
                f"at best {smoothed[low]:.4g}, {span}); {safe}: widen LR_FINDER_RANGE "
                "upwards, or check the labels")  # fmt: skip
    return Reading(float(rates[0]), False, [note])


def find_learning_rate(
    source: Config | FinderPlan, steps: int | None = None, verbose: int | str = 0
) -> dict[str, Any]:
    """Run the finder on the training split (from a config, or a plan made earlier);
    write ``lr_finder.png`` and ``.json``; return the report."""
    plan = source if isinstance(source, FinderPlan) else plan_lr_finder(source, steps)
    losses = _sweep(plan, verbose)
    tried = plan.rates[: len(losses)]
    reading = read_curve(tried, np.array(losses))
    smoothed = smooth(losses)
    _plot(tried, np.array(losses), smoothed, reading, plan.plot)
    report = {
        "network": plan.training.network,
        "rates": tried.tolist(),
        "losses": losses,
        "smoothed": smoothed.tolist(),
        "suggestion": reading.suggestion,
        "valley": reading.valley,  # False: no usable valley, the suggestion is the safe end
        "range": [plan.low, plan.high],
        "steps": len(losses),
        "distinct_batches": plan.batches,
        "notes": [*plan.notes, *reading.notes],
        "plot": str(plan.plot),
    }
    report["report_path"] = str(write_json(plan.report, report))
    return report


def _sweep(plan: FinderPlan, verbose: int | str) -> list[float]:
    """Train ``plan.steps`` batches at growing rates (stopping once the loss diverges);
    each batch's loss."""
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import keras

    from pyimagesearch.io.feeding import fit_inputs, loader_errors
    from pyimagesearch.training.train import build_model, make_generators

    keras.utils.set_random_seed(plan.training.seed)
    constant = dataclasses.replace(plan.training.optimizer, schedule=None)  # the finder sets it
    model = build_model(dataclasses.replace(plan.training, optimizer=constant))
    train, _ = make_generators(plan.training.loader, plan.training.train)
    rates, losses = plan.rates, []

    class Sweep(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch: int, logs=None) -> None:
            self.model.optimizer.learning_rate.assign(float(rates[batch]))

        def on_train_batch_end(self, batch: int, logs=None) -> None:
            mean = float(logs["loss"])  # Keras reports the running mean of the epoch
            losses.append(mean * (batch + 1) - sum(losses))
            smoothed = smooth(losses)
            if not math.isfinite(smoothed[-1]) or smoothed[-1] > DIVERGED * smoothed.min():
                self.model.stop_training = True

    try:
        inputs = {**fit_inputs(train), "steps_per_epoch": plan.steps}  # batches repeat
        with loader_errors():
            model.fit(**inputs, epochs=1, callbacks=[Sweep()], shuffle=False, verbose=verbose)
    finally:
        train.close()
    return losses


def smooth(losses) -> np.ndarray:
    """The exponential moving average of the losses, bias-corrected (fastai's)."""
    out, avg = [], 0.0
    for i, value in enumerate(losses, start=1):
        avg = SMOOTHING * avg + (1 - SMOOTHING) * value
        out.append(avg / (1 - SMOOTHING**i))
    return np.array(out)


def finder_lines(report: dict[str, Any]) -> list[str]:
    """What ``train.py --find-lr`` prints: the notes, the suggestion (or why none)."""
    files = f"(plot {report['plot']}, data {report['report_path']})"
    lines = [f"[WARNING] {note}" for note in report["notes"]]
    why = "" if report["valley"] else ", the lowest rate tried (no usable valley)"
    return [*lines, f"[INFO] suggested learning rate {report['suggestion']:.3g}{why} {files}"]


def _plot(rates, losses, smoothed, reading: Reading, path: Path) -> None:
    fig = new_figure(figsize=(8, 5))
    ax = fig.subplots()
    ax.plot(rates, losses, alpha=0.3, label="batch loss")
    ax.plot(rates, smoothed, label="smoothed")
    suggestion = reading.suggestion
    ax.axvline(suggestion, color="gray", linestyle="--", label=f"suggested {suggestion:.2g}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    finite = smoothed[np.isfinite(smoothed)]
    if finite.size:
        ax.set_ylim(finite.min() * 0.9, min(finite.max(), finite[0] * 2) * 1.1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("learning-rate finder" + ("" if reading.valley else ": no usable valley"))
    fig.tight_layout()
    save_figure(fig, path)
