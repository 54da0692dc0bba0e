"""The pipeline from Python (a notebook, a script of your own): load a config, build the
dataset, train, evaluate and diagnose, each step kept in a run folder exactly as the
scripts keep it, its report returned as an object and its pictures as matplotlib figures.

docs/NOTEBOOK.md shows a whole session; the tests run it top to bottom.

Example (not run by the tests: trains a network; docs/NOTEBOOK.md is run instead):
    >>> cfg = load_config("config/demo_config.py", overrides={"EPOCHS": 3})  # doctest: +SKIP
    >>> data = build(cfg)                                                    # doctest: +SKIP
    >>> trained = train(cfg, overwrite=True)                                 # doctest: +SKIP
    >>> trained.best_epoch, trained.figure()                                 # doctest: +SKIP
    >>> evaluate(cfg).tencrop_rank1                                          # doctest: +SKIP
    >>> diagnose(cfg).figure()                                               # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pyimagesearch.cli import script_run
from pyimagesearch.config import Config, load_config
from pyimagesearch.data.build_dataset import build_dataset
from pyimagesearch.diagnostics.diagnose import confusion_figure, run_diagnosis
from pyimagesearch.evaluation.evaluate import run_evaluation
from pyimagesearch.experiments.runs import summarise
from pyimagesearch.models.classifiers import load_classifier
from pyimagesearch.training.train import train_network
from pyimagesearch.utils.plots import history_figure

__all__ = ["Result", "build", "diagnose", "evaluate", "load_classifier", "load_config", "train"]


class Result(dict):
    """A step's report (the dict its script writes as JSON), whose keys also read as
    attributes; ``run``: the run folder that keeps it (None for a build).

    >>> Result({"baseline_rank1": 0.925}).baseline_rank1
    0.925
    """

    run: Path | None = None

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"the report has no {name!r}; it has {sorted(self)}") from None

    def figure(self):
        """The step's picture as a matplotlib figure (training: the curves; diagnosis: the
        confusion matrix)."""
        if "history" in self:
            return history_figure(self["history"], title=self.get("network", "training"))
        if "confusion_matrix" in self:
            return confusion_figure(_array(self["confusion_matrix"]), self["label_names"])
        raise AttributeError("this step draws no figure")


def _array(rows: list[list[int]]):
    import numpy as np

    return np.asarray(rows)


def _kept(report: dict[str, Any], run) -> Result:
    result = Result(report)
    result.run = None if run is None else run.path
    return result


def build(cfg: Config, overwrite: bool | None = None) -> Result:
    """``build_dataset.py``: the HDF5 splits and the mean; the build report."""
    return _kept(build_dataset(cfg, overwrite, progress=False), None)


def train(
    cfg: Config, *, name: str | None = None, verbose: int | str = 2, **restart: Any
) -> Result:
    """``train.py``: the config's network (``restart``: ``resume``, ``overwrite``,
    ``start_epoch``, ``learning_rate``), in a run folder named ``name`` (default: the
    config's); the training summary (history, best epoch, model path)."""
    with script_run(_named(name), cfg, "train") as run:
        summary = train_network(cfg, verbose=verbose, **restart)
        run.collect(summary, {"network": cfg.get("NETWORK"), **summarise(summary)})
    return _kept({**summary, "network": cfg.get("NETWORK")}, run)


def evaluate(
    cfg: Config, model: str | os.PathLike[str] | None = None, name: str | None = None
) -> Result:
    """``evaluate.py``: baseline against 10-crop accuracy of any trained model (default
    MODEL_PATH) on the builder's test split."""
    model = str(model or cfg.MODEL_PATH)
    with script_run(_named(name), cfg, "evaluate", model) as run:
        report = run_evaluation(cfg, model, progress=False)
        run.collect(report)
    return _kept(report, run)


def diagnose(
    cfg: Config,
    model: str | os.PathLike[str] | None = None,
    tencrop: bool = False,
    name: str | None = None,
) -> Result:
    """``diagnose.py``: confusion, every image's loss and the top losses of
    ``DIAGNOSE_SPLIT``; the pictures are written too (``files``)."""
    model = str(model or cfg.MODEL_PATH)
    with script_run(_named(name), cfg, "diagnose", model) as run:
        report = run_diagnosis(cfg, model, tencrop, progress=False)
        run.collect(report)
    return _kept(report, run)


def _named(name: str | None) -> SimpleNamespace:
    """What :func:`~pyimagesearch.cli.script_run` reads of a script's arguments."""
    return SimpleNamespace(name=name)
