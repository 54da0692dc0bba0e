"""Stratified, seeded train/val/test splits whose sizes are counts or fractions.

Written with NumPy rather than scikit-learn's ``train_test_split``: importing scikit-learn
costs a second of every build's start-up, more than the split itself.
"""

from __future__ import annotations

import numpy as np

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
    seed: int = 42,
    label_names: list[str] | None = None,
) -> dict[str, np.ndarray]:
    """Indices of the train, val and test splits, each with the classes' proportions.

    ``label_names[i]`` names label ``i`` in error messages.

    Raises:
        DatasetError: a single class, or splits that do not fit in the data (every split
            needs at least one image of each class to be stratified).
    """
    labels = np.asarray(labels)
    total = len(labels)
    classes, counts = np.unique(labels, return_counts=True)

    def class_name(label: int) -> str:
        return repr(label_names[int(label)]) if label_names else repr(int(label))

    if len(classes) < 2:
        found = class_name(classes[0]) if len(classes) else "none"
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
            f"class {class_name(rare)} has only {counts.min()} image(s): too few to appear "
            "in every split"
        )

    rng = np.random.RandomState(check_seed(seed))  # RandomState: the splits stay as built before
    remaining = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
    splits: dict[str, np.ndarray] = {}
    for name, n in (("test", n_test), ("val", n_val)):
        quotas = _allocate(n, np.array([len(r) for r in remaining]))
        short = [c for c, r, q in zip(classes, remaining, quotas, strict=True) if q >= len(r)]
        if short:
            raise DatasetError(
                f"class {class_name(short[0])} is too small for a {name} split of {n}: it would "
                "leave no training image of that class"
            )
        splits[name] = np.sort(
            np.concatenate([r[:q] for r, q in zip(remaining, quotas, strict=True)])
        )
        remaining = [r[q:] for r, q in zip(remaining, quotas, strict=True)]
    train = np.concatenate(remaining)
    rng.shuffle(train)  # classes mixed on disk, so contiguous reads see every class
    splits["train"] = train
    return {"train": splits["train"], "val": splits["val"], "test": splits["test"]}
