"""One convention for randomness, checked once (as scikit-learn's ``check_random_state``).

Every public function or class that draws random numbers takes ``seed`` (an int, or None
for fresh entropy) or ``random_state`` (an int, None or a ``numpy.random.Generator``) and
turns it into numbers here, with one clear error for anything else. Per-(seed, epoch,
batch) streams (``np.random.default_rng([seed, epoch, batch])``) keep every batch's random
numbers the same whatever thread computes it.

Example:
    >>> bool(check_random_state(42).integers(10) == check_random_state(42).integers(10))
    True
    >>> check_seed(7)
    7
"""

from __future__ import annotations

import numpy as np

SEED_RANGE = 2**32


def check_seed(seed: int | np.integer | None) -> int:
    """``seed`` as a non-negative int below 2**32; None draws one from fresh entropy.

    Raises:
        ValueError: anything but None or an int in range (bools included).
    """
    if seed is None:
        return int(np.random.SeedSequence().entropy % SEED_RANGE)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed must be an int or None, got {seed!r}")
    if not 0 <= int(seed) < SEED_RANGE:
        raise ValueError(f"seed must be in [0, {SEED_RANGE - 1}], got {seed}")
    return int(seed)


def check_random_state(
    random_state: int | np.integer | np.random.Generator | None,
) -> np.random.Generator:
    """A ``numpy.random.Generator`` from an int seed, None (fresh) or a Generator (as is)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(check_seed(random_state) if random_state is not None else None)
