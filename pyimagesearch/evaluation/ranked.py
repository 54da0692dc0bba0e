"""Rank-1 and rank-5 accuracy of class probabilities."""

from __future__ import annotations

import numpy as np


def rank5_accuracy(preds: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """``(rank1, rank5)`` as fractions: is the true label the top / among the top 5?

    Example:
        >>> rank5_accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]))
        (0.5, 1.0)
    """
    return ranked_accuracy(preds, labels, k=1), ranked_accuracy(preds, labels, k=5)


def ranked_accuracy(preds: np.ndarray, labels: np.ndarray, k: int = 1) -> float:
    """Fraction of rows whose true label is among the ``k`` most probable classes."""
    preds = np.asarray(preds)
    labels = np.asarray(labels)
    if labels.ndim == 2:  # one-hot
        labels = labels.argmax(axis=1)
    if len(preds) == 0:
        return 0.0
    k = min(k, preds.shape[1])
    top = np.argsort(-preds, axis=1, kind="stable")[:, :k]
    return float(np.mean(np.any(top == labels[:, None], axis=1)))
