"""Kaggle submissions: ``id,label`` rows sorted by id, clipped probabilities, log loss.

Kaggle's Dogs vs. Cats ranks by log loss, which punishes a confident mistake without
bound; clipping the submitted probability of "dog" to ``[0.005, 0.995]`` caps the cost of
one such mistake at -log(0.005) = 5.3 instead of 34.5.

Example:
    >>> clip_probabilities([0.0, 0.5, 1.0]).tolist()
    [0.005, 0.5, 0.995]
    >>> kaggle_id("test1/12500.jpg")
    12500
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pyimagesearch.errors import ConfigError, DatasetError
from pyimagesearch.utils.atomic import atomic_write

DEFAULT_CLIP_RANGE = (0.005, 0.995)
HEADER = ("id", "label")
_EPS = 1e-15  # scikit-learn's floor for log loss


def kaggle_id(path: str | os.PathLike[str]) -> int | str:
    """The submission id of a test image: ``12500.jpg`` -> 12500 (other names: the stem)."""
    stem = Path(path).stem
    return int(stem) if stem.isdigit() else stem


def non_numeric_ids(paths: Sequence[str | os.PathLike[str]]) -> list[tuple[str, int | str]]:
    """``(path, id)`` of the files whose id is not a number (``abc.jpg`` -> ``abc``).

    >>> non_numeric_ids(["test1/1.jpg", "test1/cat.950.jpg"])
    [('test1/cat.950.jpg', 'cat.950')]
    """
    return [(str(p), i) for p in paths if not isinstance(i := kaggle_id(p), int)]


def check_clip_range(clip_range: Sequence[float] | None) -> tuple[float, float]:
    """``CLIP_RANGE`` as ``(low, high)`` with 0 <= low < high <= 1."""
    if clip_range is None:
        return DEFAULT_CLIP_RANGE
    try:
        low, high = (float(v) for v in clip_range)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"CLIP_RANGE must be (low, high), got {clip_range!r}") from exc
    if not 0.0 <= low < high <= 1.0:
        raise ConfigError(f"CLIP_RANGE must satisfy 0 <= low < high <= 1, got {clip_range!r}")
    return low, high


def clip_probabilities(
    probs: Sequence[float] | np.ndarray, clip_range: Sequence[float] | None = DEFAULT_CLIP_RANGE
) -> np.ndarray:
    low, high = check_clip_range(clip_range)
    return np.clip(np.asarray(probs, dtype=np.float64), low, high)


def binary_log_loss(labels: Sequence[int] | np.ndarray, probs: Sequence[float]) -> float:
    """Kaggle's log loss: ``-mean(y log p + (1 - y) log(1 - p))``, p = P(positive)."""
    y = np.asarray(labels, dtype=np.float64)
    p = np.clip(np.asarray(probs, dtype=np.float64), _EPS, 1.0 - _EPS)
    if len(y) != len(p) or len(y) == 0:
        raise ValueError("labels and probabilities must be non-empty and of equal length")
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def _sort_key(value: int | str) -> tuple:
    """Numbers first, numerically; then names in natural order (cat.2 before cat.10)."""
    if isinstance(value, int):
        return (0, value, ())
    parts = re.split(r"(\d+)", str(value))
    return (1, 0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts))


def write_submission(
    path: str | os.PathLike[str],
    ids: Sequence[int | str],
    probs: Sequence[float] | np.ndarray,
) -> Path:
    """Write ``id,label`` rows sorted by id (numerically); returns the path.

    Raises:
        DatasetError: duplicate ids, or ids and probabilities of different lengths.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if len(ids) != len(probs):
        raise DatasetError(f"{len(ids)} ids but {len(probs)} probabilities")
    if len(set(ids)) != len(ids):
        raise DatasetError("duplicate ids: two test images have the same number")
    if not np.isfinite(probs).all() or (probs < 0).any() or (probs > 1).any():
        raise DatasetError("probabilities must be finite and within [0, 1]")
    order = sorted(range(len(ids)), key=lambda i: _sort_key(ids[i]))
    with atomic_write(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in order:
            writer.writerow([ids[i], f"{probs[i]:.6f}".rstrip("0").rstrip(".") or "0"])
    return Path(path)


def read_submission(path: str | os.PathLike[str]) -> tuple[list[int | str], np.ndarray]:
    """The ids and probabilities of a submission file."""
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or tuple(rows[0]) != HEADER:
        raise DatasetError(f"{path}: the header must be 'id,label'")
    ids = [int(r[0]) if r[0].isdigit() else r[0] for r in rows[1:]]
    return ids, np.array([float(r[1]) for r in rows[1:]])
