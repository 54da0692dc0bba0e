"""Stratified, seeded train/val/test splits whose sizes are counts or fractions.

Written with NumPy rather than scikit-learn's ``train_test_split``: importing scikit-learn
costs a second of every build's start-up, more than the split itself.
"""

from __future__ import annotations

import numpy as np

from pyimagesearch.config import default
from pyimagesearch.errors import DatasetError
from pyimagesearch.utils.randomness import check_seed


def resolve_split_size(size: int | float, total: int, name: str) -> int:
    """A split size as a count: ints are counts, floats in (0, 1) are fractions of ``total``.

    >>> resolve_split_size(0.1, 25000, "NUM_TEST_IMAGES")
    2500
    """
    if isinstance(size, bool) or not isinstance(size, int | float | np.integer | np.floating):
        raise DatasetError(f"{name} must be a count or a fraction, got {size!r}")
    if isinstance(size, float | np.floating) and not float(size).is_integer():
        if not 0.0 < size < 1.0:
            raise DatasetError(f"{name} as a fraction must be between 0 and 1, got {size}")
        return int(round(size * total))
    count = int(size)
    if count < 0:
        raise DatasetError(f"{name} must not be negative, got {count}")
    return count


def _allocate(n: int, counts: np.ndarray) -> np.ndarray:
    """Split ``n`` over classes in proportion to ``counts`` (largest remainders first).

    Every class with images gets at least one slot when ``n`` allows it.
    """
    if n == 0:
        return np.zeros(len(counts), dtype=np.int64)
    exact = n * counts / counts.sum()
    quotas = np.maximum(np.floor(exact).astype(np.int64), 1)
    while quotas.sum() > n:  # the minimum of one pushed us over: take from the largest
        quotas[np.argmax(quotas - exact)] -= 1
    order = np.argsort(-(exact - quotas), kind="stable")
    for i in order[: n - quotas.sum()]:
        quotas[i] += 1
    return quotas


def stratified_split(
    labels: np.ndarray,
    num_val: int | float,
    num_test: int | float,
    seed: int = default("RANDOM_SEED"),
    label_names: list[str] | None = None,
) -> dict[str, np.ndarray]:
    """Indices of the train, val and test splits, each with the classes' proportions.

    ``label_names[i]`` names label ``i`` in error messages.

    >>> splits = stratified_split(np.array([0, 1] * 10), 4, 0.2, seed=1)
    >>> {name: len(indices) for name, indices in splits.items()}
    {'train': 12, 'val': 4, 'test': 4}

    Raises:
        DatasetError: a single class, or splits that do not fit in the data (every split
            needs at least one image of each class to be stratified).
    """
    labels = np.asarray(labels)
    classes, counts = np.unique(labels, return_counts=True)
    n_val, n_test = _check_sizes(classes, counts, num_val, num_test, label_names)
    rng = np.random.RandomState(check_seed(seed))  # RandomState: the splits stay as built before
    remaining = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
    splits: dict[str, np.ndarray] = {}
    for name, n in (("test", n_test), ("val", n_val)):
        splits[name], remaining = _draw(name, n, classes, remaining, label_names)
    train = np.concatenate(remaining)
    rng.shuffle(train)  # classes mixed on disk, so contiguous reads see every class
    splits["train"] = train
    return {"train": splits["train"], "val": splits["val"], "test": splits["test"]}


def _class_name(label: int, label_names: list[str] | None) -> str:
    return repr(label_names[int(label)]) if label_names else repr(int(label))


def _check_sizes(
    classes: np.ndarray,
    counts: np.ndarray,
    num_val: int | float,
    num_test: int | float,
    label_names: list[str] | None,
) -> tuple[int, int]:
    """The validation and test sizes as counts, checked against the classes: at least two
    classes, one training image of each, one of each in every split that is not empty."""
    total = int(counts.sum())
    if len(classes) < 2:
        found = _class_name(classes[0], label_names) if len(classes) else "none"
        raise DatasetError(f"only one class found ({found}): a classifier needs at least two")
    n_val = resolve_split_size(num_val, total, "NUM_VAL_IMAGES")
    n_test = resolve_split_size(num_test, total, "NUM_TEST_IMAGES")
    n_train = total - n_val - n_test
    if n_train < len(classes):
        raise DatasetError(
            f"NUM_VAL_IMAGES ({n_val}) + NUM_TEST_IMAGES ({n_test}) leave {n_train} of the "
            f"{total} labeled images for training; at least {len(classes)} are needed"
        )
    for name, n in (("NUM_VAL_IMAGES", n_val), ("NUM_TEST_IMAGES", n_test)):
        if 0 < n < len(classes):
            raise DatasetError(
                f"{name} = {n} is smaller than the number of classes ({len(classes)}); a "
                "stratified split needs one image of each class"
            )
    if counts.min() < 1 + (n_val > 0) + (n_test > 0):
        rare = classes[counts.argmin()]
        raise DatasetError(
            f"class {_class_name(rare, label_names)} has only {counts.min()} image(s): too "
            "few to appear in every split"
        )
    return n_val, n_test


def _draw(
    name: str,
    n: int,
    classes: np.ndarray,
    remaining: list[np.ndarray],
    label_names: list[str] | None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """``n`` indices for split ``name``, from the front of each class's shuffled
    ``remaining`` indices in proportion to the class sizes (sorted); and what is left."""
    quotas = _allocate(n, np.array([len(r) for r in remaining]))
    short = [c for c, r, q in zip(classes, remaining, quotas, strict=True) if q >= len(r)]
    if short:
        raise DatasetError(
            f"class {_class_name(short[0], label_names)} is too small for a {name} split of "
            f"{n}: it would leave no training image of that class"
        )
    drawn = np.sort(np.concatenate([r[:q] for r, q in zip(remaining, quotas, strict=True)]))
    return drawn, [r[q:] for r, q in zip(remaining, quotas, strict=True)]
