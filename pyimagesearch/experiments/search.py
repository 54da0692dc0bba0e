"""Hyperparameter search (``search.py``): the classifier on extracted features, or a
network's training settings on a short budget.

Optuna's TPE sampler proposes settings of ``train_head.py`` (learning rate, dropout, hidden
units, epochs), ``train_logreg.py`` (C, penalty) or ``train.py`` (learning rate, weight
decay, batch size, optimizer, ... for ``SEARCH_EPOCHS`` epochs) from ``SEARCH_SPACE``; each
trial trains on the training rows and is scored by its loss on the validation rows (never
the test rows: those stay for the final, honest number). A head trial trains exactly as
``train_head.py`` does (early stopping, the best epoch kept), so its score is the validation
loss ``train_head.py`` gets with the same settings; a network trial is ``train.py``'s own
training, its best epoch by validation loss. Head and network trials report their
validation loss after every epoch, and a trial worse than the median of earlier trials at
the same epoch is stopped (``SEARCH_PRUNING``). Every trial is a run of its own (its
settings in its ``config.json``, its curves in ``history.json``); the search's run holds
``search_results.csv`` (every trial), ``best.json`` (the best settings, and the command
that trains with them) and ``report.html`` (the trials compared).

Optuna rather than hyperopt: it is maintained, its TPE is seeded, and it prunes trials by
their intermediate values, which hyperopt cannot.

The engine plans (:func:`plan_search`: every setting checked, the rows loaded), runs the
trials (:func:`run_trial`, each a run of its own) and records (:func:`record_search`).

Example (not run by the tests: trains models):
    >>> plan = plan_search(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> plan.model, plan.trials                                              # doctest: +SKIP
    ('head', 30)
    >>> result = run_search(plan)                                            # doctest: +SKIP
    >>> result["best"]["settings"]                                           # doctest: +SKIP
    {'HEAD_LEARNING_RATE': 0.0021, 'HEAD_DROPOUT': 0.31, 'HEAD_UNITS': 256, 'HEAD_EPOCHS': 17}
"""

from __future__ import annotations

import csv
import math
import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pyimagesearch.config import SETTINGS, Config, validate
from pyimagesearch.errors import ConfigError
from pyimagesearch.experiments.runs import (
    Run,
    children,
    list_runs,
    point_latest,
    recorded_run,
    run_info,
    run_name,
    run_status,
    runs_root,
    short_name,
    start_run,
)
from pyimagesearch.utils.atomic import atomic_write
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.reports import write_json

if TYPE_CHECKING:
    from pyimagesearch.features.fusion import FeatureSet

DEFAULT_SPACES: dict[str, dict[str, Any]] = {
    "head": {
        "HEAD_LEARNING_RATE": ("log", 1e-4, 1e-1),
        "HEAD_DROPOUT": (0.0, 0.7),
        "HEAD_UNITS": [0, 128, 256, 512],
        "HEAD_EPOCHS": ("int", 5, 40),
    },
    "logreg": {"LOGREG_C": ("log", 1e-4, 1e2), "LOGREG_PENALTY": ["l2", "l1"]},
    "network": {
        "LEARNING_RATE": ("log", 1e-4, 1e-1),
        "WEIGHT_DECAY": ("log", 1e-5, 1e-2),
        "BATCH_SIZE": [32, 64, 128],
        "OPTIMIZER": ["adam", "sgd"],
    },
}
# The settings each model's trials use (anything else in SEARCH_SPACE would change nothing).
SEARCHABLE = {
    "head": ("HEAD_LEARNING_RATE", "HEAD_DROPOUT", "HEAD_UNITS", "HEAD_EPOCHS", "HEAD_BATCH_SIZE"),
    "logreg": ("LOGREG_C", "LOGREG_PENALTY"),
    "network": ("LEARNING_RATE", "WEIGHT_DECAY", "BATCH_SIZE", "OPTIMIZER", "MOMENTUM",
                "NESTEROV", "LR_SCHEDULE", "DENSE_UNITS", "NETWORK", "INPUT_SIZE"),
}  # fmt: skip
SCRIPTS = {"head": "train_head.py", "logreg": "train_logreg.py", "network": "train.py"}
# What a trial is scored by (its run's summary key, and in words). A network's loss holds
# the weight-decay penalty, which differs between trials of different WEIGHT_DECAY: its
# trials are scored by the cross-entropy alone.
SCORES = {
    "head": ("best_val_loss", "val loss"),
    "logreg": ("best_val_loss", "val loss"),
    "network": ("best_val_crossentropy", "val cross-entropy"),
}
RESULTS_FILE = "search_results.csv"
BEST_FILE = "best.json"
PRUNER_STARTUP_TRIALS = 3  # trials that always finish before any is pruned
PRUNER_WARMUP_EPOCHS = 3  # epochs every trial runs before it can be pruned (the first
# two epochs of a head say little: 20 of 30 trials were pruned after epoch 2 with 1)


@dataclass(frozen=True)
class Dimension:
    """One searched setting: ``kind`` is 'log', 'float', 'int' or 'choice'."""

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()

    def contains(self, value: Any) -> bool:
        """Whether ``value`` (e.g. the config's own) lies in this dimension."""
        if self.kind == "choice":
            return value in self.choices
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.kind == "int" and not float(value).is_integer():
            return False
        return self.low <= value <= self.high

    def suggest(self, trial: Any) -> Any:
        if self.kind == "choice":
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high))
        return trial.suggest_float(self.name, self.low, self.high, log=self.kind == "log")


def parse_dimension(name: str, spec: Any) -> Dimension:
    """A ``SEARCH_SPACE`` entry; its bounds or choices checked against the setting's range.

    Raises:
        ConfigError: one line naming the setting and what is wrong.
    """
    where = f"SEARCH_SPACE[{name!r}]"
    if isinstance(spec, list) or (isinstance(spec, tuple) and spec and spec[0] == "choice"):
        choices = tuple(spec[1:] if isinstance(spec, tuple) else spec)
        if not choices:
            raise ConfigError(f"{where}: give at least one choice")
        for choice in choices:
            validate(name, choice, "SEARCH_SPACE")
        return Dimension(name, "choice", choices=choices)
    if isinstance(spec, tuple) and len(spec) == 2:
        spec = ("float", *spec)
    if not (isinstance(spec, tuple) and len(spec) == 3 and spec[0] in ("log", "float", "int")):
        raise ConfigError(
            f"{where} = {spec!r}: expected ('log', low, high), (low, high), ('int', low, high) "
            "or a list of choices"
        )
    kind, low, high = spec
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        raise ConfigError(f"{where} = {spec!r}: the bounds must be numbers")
    if not low < high:
        raise ConfigError(f"{where} = {spec!r}: low must be below high")
    if kind == "log" and low <= 0:
        raise ConfigError(f"{where} = {spec!r}: a log scale needs low > 0")
    if kind == "int" and not all(float(v).is_integer() for v in (low, high)):
        raise ConfigError(f"{where} = {spec!r}: integer bounds expected")
    for value in (low, high):
        validate(name, int(value) if kind == "int" else value, "SEARCH_SPACE")
    return Dimension(name, kind, float(low), float(high))


def parse_space(space: Mapping[str, Any] | None, model: str) -> list[Dimension]:
    """The dimensions of ``SEARCH_SPACE`` (None: the model's default space)."""
    space = DEFAULT_SPACES[model] if space is None else space
    if not space:
        raise ConfigError("SEARCH_SPACE is empty: name at least one setting to search")
    dimensions = []
    for name, spec in space.items():
        if name not in SETTINGS:
            raise ConfigError(f"SEARCH_SPACE names {name!r}, not a setting (docs/SETTINGS.md)")
        if name not in SEARCHABLE[model]:
            raise ConfigError(
                f"SEARCH_SPACE names {name}, which the {model} does not use; searchable: "
                f"{', '.join(SEARCHABLE[model])} (or set SEARCH_MODEL)"
            )
        dimensions.append(parse_dimension(name, spec))
    return dimensions


@dataclass
class TrialResult:
    val_loss: float
    val_accuracy: float
    epochs: int | None = None  # the best epoch (1-based)
    history: dict[str, list[float]] | None = None
    pruned_at: int | None = None


def _logreg_trial(cfg: Config, train: Any, val: Any, trial: Any) -> TrialResult:
    from sklearn.metrics import log_loss

    from pyimagesearch.features.classifiers import logistic_regression

    classes = len(train.label_names)
    model = logistic_regression(
        cfg.get("LOGREG_PENALTY"),
        classes,
        cfg.get("LOGREG_C"),
        cfg.get("RANDOM_SEED"),
    )
    model.fit(np.asarray(train.features, np.float64), train.labels)
    probs = model.predict_proba(np.asarray(val.features, np.float64))
    loss = float(log_loss(val.labels, probs, labels=list(range(classes))))
    return TrialResult(loss, float((probs.argmax(axis=1) == val.labels).mean()))


def pruning_callback(trial: Any, pruning: bool) -> Any:
    """A Keras callback that reports each epoch's validation loss to the trial and stops
    training when Optuna says the trial is worse than the median (``pruned_at``: the
    epoch)."""
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()  # before the first TensorFlow import
    import keras

    class Pruning(keras.callbacks.Callback):
        pruned_at: int | None = None

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            trial.report(float(logs.get("val_crossentropy", logs["val_loss"])), epoch)
            if pruning and trial.should_prune():
                self.pruned_at = epoch + 1
                self.model.stop_training = True

    return Pruning()


def _network_trial(
    cfg: Config, trial: Any, pruning: bool, epochs: int, run_folder: Path
) -> TrialResult:
    """Train the config's network for ``epochs`` with the trial's settings. Its
    model and checkpoints go to a scratch folder, removed after the trial (the command in
    best.json trains the best settings again); the curves are kept in the trial's run
    (``run_folder``; TENSORBOARD's logs too)."""
    import tempfile

    from pyimagesearch.training.train import train_network

    with tempfile.TemporaryDirectory(prefix="pyis-trial-") as scratch:
        trial_cfg = cfg.replace(
            OUTPUT_PATH=scratch,
            MODEL_PATH=str(Path(scratch) / "model.keras"),
            CHECKPOINT_PATH=str(Path(scratch) / "checkpoints"),
            EPOCHS=epochs,
        )
        pruner = pruning_callback(trial, pruning)
        summary = train_network(trial_cfg, verbose=0, callbacks=[pruner], run_folder=run_folder)
    history = {k: [float(v) for v in vs] for k, vs in summary["history"].items()}
    scores = history.get("val_crossentropy", history["val_loss"])  # without weight decay
    best = int(np.nanargmin(scores))
    accuracy = history.get("val_accuracy", [float("nan")] * len(scores))[best]
    return TrialResult(scores[best], accuracy, best + 1, history, pruner.pruned_at)


def _head_trial(cfg: Config, train: Any, val: Any, trial: Any, pruning: bool) -> TrialResult:
    from pyimagesearch.training.transfer import fit_head

    pruner = pruning_callback(trial, pruning)
    _, history = fit_head(cfg, train, val, [pruner], verbose=0)
    best = int(np.nanargmin(history["val_loss"]))
    return TrialResult(history["val_loss"][best], history["val_accuracy"][best], best + 1,
                       history, pruner.pruned_at)  # fmt: skip


@dataclass(frozen=True)
class SearchPlan:
    """Every setting of a search, checked and resolved once (:func:`plan_search`).

    ``cfg`` is the base of every trial's config (the trial's settings replaced in it) and
    what the search's run records; every setting the search itself uses is a field below.
    """

    cfg: Config
    model: str  # SEARCH_MODEL: 'head', 'logreg' or 'network'
    dimensions: tuple[Dimension, ...]  # SEARCH_SPACE, parsed
    trials: int  # SEARCH_TRIALS
    pruning: bool  # SEARCH_PRUNING, for the models whose trials report epochs
    seed: int  # RANDOM_SEED of the sampler
    start: dict[str, Any]  # the config's own values inside the space: the first trial
    scored_on: str  # where the validation loss comes from, in words
    train: FeatureSet | None = None  # head / logreg: the training rows
    val: FeatureSet | None = None  # head / logreg: the validation rows
    network: str | None = None  # network: NETWORK
    epochs: int | None = None  # network: SEARCH_EPOCHS (or EPOCHS) a trial

    @property
    def score_key(self) -> str:
        """The trial runs' summary key a trial is scored by."""
        return SCORES[self.model][0]

    @property
    def scored_by(self) -> str:
        """What a trial is scored by, in words."""
        return SCORES[self.model][1]


def plan_search(cfg: Config) -> SearchPlan:
    """Check every setting of a search, and load the rows its trials train on, before any
    run is started.

    Raises:
        ConfigError: SEARCH_MODEL, SEARCH_SPACE or SEARCH_TRIALS that cannot work; a network
            search without the builder's files or a validation split; STRATEGY =
            "multi_worker" (the trials run one after another in this one process).
        DatasetError: features that cannot be split for validation.
    """
    if cfg.get("STRATEGY") == "multi_worker":
        raise ConfigError(
            "STRATEGY = 'multi_worker': search runs its trials in one process: set STRATEGY "
            "= None or 'mirrored' (each trial's training may use several devices)"
        )
    model = cfg.get("SEARCH_MODEL")
    if model not in SEARCHABLE:
        raise ConfigError(f"SEARCH_MODEL must be one of {', '.join(SEARCHABLE)}, got {model!r}")
    dimensions = tuple(parse_space(cfg.get("SEARCH_SPACE"), model))
    cfg.require(["SEARCH_TRIALS"])
    own = {d.name: cfg.get(d.name) for d in dimensions}
    common = {
        "cfg": cfg,
        "model": model,
        "dimensions": dimensions,
        "trials": cfg.get("SEARCH_TRIALS"),
        "pruning": cfg.get("SEARCH_PRUNING") and model in ("head", "network"),
        "seed": cfg.get("RANDOM_SEED"),
        "start": {d.name: own[d.name] for d in dimensions if d.contains(own[d.name])},
    }
    if model == "network":
        _check_network_search(cfg)
        epochs = cfg.get("SEARCH_EPOCHS") or cfg.get("EPOCHS")
        return SearchPlan(**common, scored_on=cfg.VAL_HDF5, network=cfg.get("NETWORK"),
                          epochs=epochs)  # fmt: skip
    train, val, source = _validation_rows(cfg)
    return SearchPlan(**common, scored_on=source, train=train, val=val)


def _validation_rows(cfg: Config) -> tuple[FeatureSet, FeatureSet, str]:
    """Training and validation rows of the features, as train_head.py uses them."""
    from pyimagesearch.training.transfer import head_rows, transfer_data

    data = transfer_data(cfg)
    train, val = head_rows(cfg, data)
    source = ("the builder's validation split" if val is data.val else
              f"a stratified {cfg.get('HEAD_VAL_SPLIT'):.0%} of the training rows "
              "(HEAD_VAL_SPLIT)")  # fmt: skip
    return train, val, source


def _check_network_search(cfg: Config) -> None:
    """A network search needs the builder's files and a validation split to score by."""
    from pyimagesearch.training.train import REQUIRED_SETTINGS

    cfg.require([name for name in REQUIRED_SETTINGS if name != "MODEL_PATH"])
    if not cfg.get("VAL_HDF5") or not Path(cfg.VAL_HDF5).is_file():
        raise ConfigError(
            "a network search scores trials by their validation loss: set VAL_HDF5 to the "
            "builder's validation split (NUM_VAL_IMAGES > 0)"
        )


def run_search(
    source: Config | SearchPlan, name: str | None = None, command: list[str] | None = None
) -> dict[str, Any]:
    """Search with a config's settings (planned first, :func:`plan_search`) or a plan made
    earlier; write the results into the search's run folder, return the summary
    (``run``: the folder, ``best``: what best.json holds, ``rows``: one a trial)."""
    import optuna

    plan = source if isinstance(source, SearchPlan) else plan_search(source)
    _announce(plan)
    earlier = killed_search(plan.cfg, name)
    if earlier is not None:
        print(earlier)
    study = _study(plan)
    rows: list[dict[str, Any]] = []
    with recorded_run(plan.cfg, "search", name, command) as search:
        base = run_name(plan.cfg, name)

        def objective(trial: Any) -> float:
            row = run_trial(plan, trial, search, f"{base}-trial-{trial.number + 1:03d}", command)
            rows.append(row)
            if row["state"] == "pruned":
                raise optuna.TrialPruned()
            return row["val_loss"]

        try:
            study.optimize(objective, n_trials=plan.trials, catch=())
        except KeyboardInterrupt:  # keep what the finished trials found, then stop
            if any(r["state"] == "finished" for r in rows):
                record_search(plan, search, rows, command or [])
                print(f"[SEARCH] interrupted after {len(rows)} trial(s); their results: "
                      f"{search.path / RESULTS_FILE}")  # fmt: skip
            raise
        best = record_search(plan, search, rows, command or [])
    point_latest(search.path.parent, search.path)  # the search, not its last trial
    return {"run": search.path, "best": best, "rows": rows}


def _announce(plan: SearchPlan) -> None:
    searched = ", ".join(d.name for d in plan.dimensions)
    if plan.model == "network":
        print(f"[SEARCH] {plan.network}: {plan.trials} trials of {searched}, "
              f"{plan.epochs} epochs each; scored by the validation cross-entropy on "
              f"{plan.scored_on}")  # fmt: skip
    else:
        print(f"[SEARCH] {plan.model}: {plan.trials} trials of {searched}; "
              f"{len(plan.train)} training rows, validation loss on {len(plan.val)} rows of "
              f"{plan.scored_on}")  # fmt: skip


def killed_search(cfg: Config, name: str | None) -> str | None:
    """One line about the newest earlier search of this name when it was killed (its
    ``run.json`` still says running, its process is gone): how many of its trials
    finished, and that their runs stay; None when there is none or it ended otherwise. A
    search is not resumed: the new one starts again."""
    root = runs_root(cfg)
    base = run_name(cfg, name)
    earlier = [r for r in list_runs(root)
               if run_info(r).get("script") == "search" and short_name(r) == base]  # fmt: skip
    if not earlier or run_status(run_info(earlier[-1])) != "killed":
        return None
    trials = [run_info(t).get("status") for t in children(earlier[-1])]
    done = sum(status in ("finished", "pruned") for status in trials)
    return (f"[SEARCH] the earlier search {earlier[-1].name} was killed after {done} "
            f"finished trial(s) (their runs stay in {display_path(root)}); this search "
            "starts again (search.py does not resume one)")  # fmt: skip


def _study(plan: SearchPlan) -> Any:
    """A seeded TPE study (median pruning when the plan prunes); its first trial the
    config's own values (those inside the space), so the search compares its proposals with
    what the user has, at the same budget."""
    import optuna

    # Optuna's own warnings would repeat our lines (and print a traceback for Ctrl-C)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=plan.seed),
        pruner=optuna.pruners.MedianPruner(PRUNER_STARTUP_TRIALS, PRUNER_WARMUP_EPOCHS)
        if plan.pruning
        else optuna.pruners.NopPruner(),
    )
    if plan.start:
        study.enqueue_trial(plan.start)
    return study


def run_trial(
    plan: SearchPlan, trial: Any, search: Run, name: str, command: list[str] | None
) -> dict[str, Any]:
    """One trial: the sampler's settings trained and scored as a run of its own (``name``,
    a child of ``search``); returns its row of search_results.csv."""
    params = {d.name: d.suggest(trial) for d in plan.dimensions}
    trial_cfg = plan.cfg.replace(**params)
    run = start_run(trial_cfg, "search_trial", name, command)
    run.info.update(parent=search.name, trial=trial.number + 1, params=params,
                    search_model=plan.model)  # fmt: skip
    search.info.setdefault("trials", []).append(run.name)
    started = time.perf_counter()
    try:
        result = _train_trial(plan, trial_cfg, trial, run.path)
    except BaseException as exc:
        run.finish("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
        raise
    state = "pruned" if result.pruned_at else "finished"
    if plan.model == "network":
        run.info["summary"]["network"] = trial_cfg.get("NETWORK")  # NETWORK may be searched
    _finish_trial(run, result, params, state, plan.score_key)
    row = {
        "trial": trial.number + 1,
        "state": state,
        "val_loss": result.val_loss,
        "val_accuracy": result.val_accuracy,
        "epochs": len(result.history["val_loss"]) if result.history else None,
        "best_epoch": result.epochs,
        **params,
        "seconds": round(time.perf_counter() - started, 3),
        "run": run.name,
    }
    _print_trial(plan, trial.number, params, result)
    return row


def _train_trial(plan: SearchPlan, trial_cfg: Config, trial: Any, folder: Path) -> TrialResult:
    if plan.model == "network":
        return _network_trial(trial_cfg, trial, plan.pruning, plan.epochs, folder)
    if plan.model == "head":
        return _head_trial(trial_cfg, plan.train, plan.val, trial, plan.pruning)
    return _logreg_trial(trial_cfg, plan.train, plan.val, trial)


def _print_trial(
    plan: SearchPlan, number: int, params: dict[str, Any], result: TrialResult
) -> None:
    shown = ", ".join(f"{k}={_shown_value(v)}" for k, v in params.items())
    ending = f"pruned after epoch {result.pruned_at}" if result.pruned_at else "done"
    if plan.start and number == 0:
        ending += " (the config's own " + ", ".join(plan.start) + ")"
    print(
        f"[SEARCH] trial {number + 1}/{plan.trials}: {plan.scored_by} {result.val_loss:.4f} "
        f"({shown}) {ending}"
    )


def _shown_value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else repr(value)


def record_search(
    plan: SearchPlan, search: Run, rows: list[dict[str, Any]], command: list[str]
) -> dict[str, Any]:
    """Write search_results.csv, best.json and report.html into the search's run and its
    summary; return what best.json holds."""
    best = _best(rows, plan, command)
    _write_results(search, rows, [d.name for d in plan.dimensions], best)
    search.info["summary"].update(
        {plan.score_key: best["val_loss"]},
        trials=len(rows),
        pruned=sum(r["state"] == "pruned" for r in rows),
        search_model=plan.model,
    )
    return best


def _finish_trial(
    run: Run, result: TrialResult, params: dict[str, Any], state: str, score_key: str
) -> None:
    if result.history:
        run.collect({"history": result.history})
    run.info["summary"].update(
        {score_key: result.val_loss},
        val_accuracy=result.val_accuracy,
        **({"best_epoch": result.epochs} if result.epochs else {}),
        **params,
    )
    run.finish(state)


def _best(rows: list[dict[str, Any]], plan: SearchPlan, command: list[str]) -> dict[str, Any]:
    """The finished trial of the lowest validation loss, and the command that trains with
    its settings (and the search's own ``--set`` overrides, but SEARCH_*)."""
    finished = [r for r in rows if r["state"] == "finished" and math.isfinite(r["val_loss"])]
    if not finished:
        raise ConfigError("no trial finished: widen SEARCH_SPACE or add SEARCH_TRIALS")
    winner = min(finished, key=lambda r: (r["val_loss"], r["trial"]))
    settings = {k: winner[k] for k in SEARCHABLE[plan.model] if k in winner}
    given = [value for flag, value in zip(command, command[1:], strict=False) if flag == "--set"]
    kept = [g for g in given if not g.startswith("SEARCH_") and g.split("=")[0] not in settings]
    sets = " ".join(
        [
            *(f"--set {shlex.quote(g)}" for g in kept),
            *(f"--set {k}={v}" for k, v in settings.items()),
        ]
    )  # strings bare: l2
    config = str(plan.cfg.source) if plan.cfg.source else "CONFIG"
    return {
        "trial": winner["trial"],
        "run": winner["run"],
        "val_loss": winner["val_loss"],
        "scored_by": plan.scored_by,
        "val_accuracy": winner["val_accuracy"],
        "settings": settings,
        "config_lines": [f"{k} = {v!r}" for k, v in settings.items()],
        "command": f"python {SCRIPTS[plan.model]} --config {config} {sets}",
    }


def _write_results(search: Run, rows: list[dict[str, Any]], names: list[str], best: dict) -> None:
    from pyimagesearch.experiments.report import comparison_report, write_report

    columns = ["trial", "state", "val_loss", "val_accuracy", "epochs", "best_epoch", *names,
               "seconds", "run"]  # fmt: skip
    with atomic_write(search.path / RESULTS_FILE) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    write_json(search.path / BEST_FILE, best)
    trials = [search.path.parent / r["run"] for r in rows]
    title = f"Search {search.name}"
    write_report(comparison_report(trials, best, title), search.path / "report.html")
    search.info["outputs"] += [RESULTS_FILE, BEST_FILE, "report.html"]
