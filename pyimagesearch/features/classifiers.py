"""Classifiers on features: logistic regression with a grid search over C, evaluation and
held-out splits (used by the engines :mod:`pyimagesearch.training.train_logreg` and
:mod:`pyimagesearch.training.train_head`, and by the rows of
:mod:`pyimagesearch.training.transfer`).

Example (not run by the tests: needs extracted features):
    >>> train, test = held_out_split(load_features("features.hdf5"), 0.25)  # doctest: +SKIP
    >>> model = fit_logreg(train.features, train.labels)                     # doctest: +SKIP
    >>> evaluate(model, test.features, test.labels, test.label_names)["accuracy"]  # doctest: +SKIP
    0.987
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sklearn
from joblib import effective_n_jobs
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, classification_report, log_loss
from sklearn.model_selection import GridSearchCV, ParameterGrid, StratifiedKFold, train_test_split

from pyimagesearch.config import default, setting
from pyimagesearch.errors import DatasetError
from pyimagesearch.features.fusion import FeatureSet
from pyimagesearch.utils.progress import progress_bar

# The book's grid spans 0.1 ... 10000; pooled ImageNet features usually want small C.
DEFAULT_C_GRID = setting("LOGREG_C_GRID").default
DEFAULT_TEST_SIZE = setting("LOGREG_TEST_SIZE").default  # the book's 75/25 split


def held_out_split(
    data: FeatureSet,
    test_size: float = DEFAULT_TEST_SIZE,
    seed: int = default("RANDOM_SEED"),
) -> tuple[FeatureSet, FeatureSet]:
    """A seeded, stratified train/test split of one feature set (the book's 75/25)."""
    labeled = np.flatnonzero(data.labels >= 0)
    if len(np.unique(data.labels[labeled])) < 2:
        raise DatasetError("the features hold fewer than two labeled classes")
    if not 0.0 < float(test_size) < 1.0:
        raise DatasetError(f"LOGREG_TEST_SIZE must be a fraction in (0, 1), got {test_size}")
    try:
        train, test = train_test_split(
            labeled, test_size=test_size, stratify=data.labels[labeled], random_state=seed
        )
    except ValueError as exc:
        raise DatasetError(f"cannot split {len(labeled)} labeled rows: {exc}") from exc
    return data.subset(np.sort(train)), data.subset(np.sort(test))


class ProgressGridSearchCV(GridSearchCV):
    """``GridSearchCV`` that moves a progress bar (``bar``, set before ``fit``) as its
    candidates are done: a group at a time, as many candidates as ``n_jobs`` processes
    can cross-validate at once (one candidate's folds with one process), so the bar
    moves without leaving processes idle. The last step is the refit on every row."""

    bar: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # a copy: the search keeps its bar
        state.pop("bar", None)  # the bar stays in this process, not in the workers'
        return state

    def _run_search(self, evaluate_candidates) -> None:
        candidates = list(ParameterGrid(self.param_grid))
        folds = self.cv.get_n_splits()
        per_group = max(1, -(-effective_n_jobs(self.n_jobs) // folds))
        for start in range(0, len(candidates), per_group):
            evaluate_candidates(candidates[start : start + per_group])
            if self.bar is not None:
                self.bar.update(min(start + per_group, len(candidates)))


def fit_logreg(
    features: np.ndarray,
    labels: np.ndarray,
    c_grid: Sequence[float] = DEFAULT_C_GRID,
    folds: int = 3,
    seed: int = default("RANDOM_SEED"),
    n_jobs: int | None = None,
    scoring: str = "neg_log_loss",
    penalty: str = default("LOGREG_PENALTY"),
    progress: bool = False,
) -> GridSearchCV:
    """Grid-search C for ``LogisticRegression`` with stratified k-fold cross-validation.

    The score is the log loss (what Kaggle ranks by; it also separates Cs that reach the
    same accuracy). The returned search is refit on all of ``features``. ``progress``: a
    bar ``grid search over C`` over the candidates and the refit.
    """
    c_grid = [float(c) for c in c_grid]
    if not c_grid or any(c <= 0 for c in c_grid):
        raise DatasetError(f"LOGREG_C_GRID must be positive numbers, got {c_grid}")
    counts = np.bincount(labels[labels >= 0])
    folds = max(2, min(folds, int(counts[counts > 0].min())))
    search = ProgressGridSearchCV(
        logistic_regression(penalty, len(np.unique(labels[labels >= 0])), seed=seed),
        {"C": c_grid},
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        scoring=scoring,
        n_jobs=n_jobs,
    )
    search.bar = progress_bar("grid search over C", len(c_grid) + 1, enabled=progress)
    search.fit(np.asarray(features, dtype=np.float64), labels)  # float32 -> inexact probs
    search.bar.update(len(c_grid) + 1)
    search.bar.finish()
    search.bar = None
    return search


_SKLEARN = tuple(int(p) for p in sklearn.__version__.split(".")[:2])


def logistic_regression(
    penalty: str = default("LOGREG_PENALTY"),
    classes: int = 2,
    C: float = 1.0,
    seed: int = default("RANDOM_SEED"),
) -> LogisticRegression:
    """The classifier: L2 with lbfgs, L1 with liblinear (two classes) or saga (more); the
    seed makes the L1 solvers' coordinate order repeatable."""
    if penalty not in ("l1", "l2"):
        raise DatasetError(f"LOGREG_PENALTY must be 'l1' or 'l2', got {penalty!r}")
    if penalty == "l2":
        return LogisticRegression(C=C, max_iter=2000, random_state=seed)
    solver = "liblinear" if classes <= 2 else "saga"
    if _SKLEARN < (1, 8):  # before 1.8 the penalty is named; from 1.8 l1_ratio says it
        return LogisticRegression(C=C, penalty="l1", solver=solver, max_iter=2000,
                                  random_state=seed)  # fmt: skip
    return LogisticRegression(C=C, l1_ratio=1.0, solver=solver, max_iter=2000, random_state=seed)


def predict_proba(model: Any, features: np.ndarray) -> np.ndarray:
    """Class probabilities (N, K) from a scikit-learn classifier or a Keras head."""
    if hasattr(model, "predict_proba"):
        probs = model.predict_proba(np.asarray(features, dtype=np.float64))
        return np.asarray(probs, dtype=np.float64)
    probs = np.asarray(model.predict(features, verbose=0), dtype=np.float64)
    if probs.ndim == 2 and probs.shape[1] == 1:  # sigmoid head: P(class 1)
        probs = np.hstack([1.0 - probs, probs])
    return probs / probs.sum(axis=1, keepdims=True)  # exact sums (float32 round-off)


def evaluate(
    model: Any, features: np.ndarray, labels: np.ndarray, label_names: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, log loss and the classification report on labeled features."""
    probs = predict_proba(model, features)
    predictions = probs.argmax(axis=1)
    names = [str(n) for n in label_names] or [str(i) for i in range(probs.shape[1])]
    class_ids = list(range(len(names)))
    return {
        "accuracy": float(accuracy_score(labels, predictions)),
        "log_loss": float(log_loss(labels, probs, labels=class_ids)),
        "classification_report": classification_report(
            labels, predictions, labels=class_ids, target_names=names, digits=4, zero_division=0
        ),
        "per_class": classification_report(
            labels,
            predictions,
            labels=class_ids,
            target_names=names,
            output_dict=True,
            zero_division=0,
        ),
    }
