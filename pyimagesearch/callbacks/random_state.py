"""The random state of a model's layers, which Keras does not save in a ``.keras`` file.

Dropout and every other random layer draw from a ``keras.random.SeedGenerator`` whose
state (a seed and a counter) moves on at each training step; ``model.save`` leaves it out
(keras-team/keras#19796), so a model loaded from a checkpoint starts its dropout masks
again from a new seed and a resumed run drifts from the uninterrupted one. Saved with
each checkpoint and restored on ``--resume``, the resumed run draws exactly the masks the
uninterrupted run would have drawn.

Example:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5)])
    >>> state = random_state(model)
    >>> len(state["seed_generators"])
    1
    >>> restore_random_state(model, state)
    True
"""

from __future__ import annotations

import contextlib
from typing import Any

import keras
import numpy as np

SEED_STATE = "seed_generator_state"  # the name of every SeedGenerator's state variable


def seed_states(model: keras.Model) -> list:
    """The state variable of every ``SeedGenerator`` of ``model``'s layers, in layer order."""
    return [v for v in model.variables if v.name == SEED_STATE]


def _global_generator(create: bool = False):
    """Keras' global ``SeedGenerator`` (random ops given no seed), when there is one."""
    with contextlib.suppress(ImportError, AttributeError):
        from keras.src.backend.common import global_state
        from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR, global_seed_generator

        if create:
            return global_seed_generator()
        return global_state.get_global_attribute(GLOBAL_SEED_GENERATOR)
    return None


def random_state(model: keras.Model) -> dict[str, Any]:
    """``{"seed_generators": [[seed, counter], ...], "global": [seed, counter] | None}``."""
    found = _global_generator()
    return {
        "seed_generators": [keras.ops.convert_to_numpy(v).tolist() for v in seed_states(model)],
        "global": None if found is None else keras.ops.convert_to_numpy(found.state).tolist(),
    }


def restore_random_state(model: keras.Model, state: dict[str, Any]) -> bool:
    """Put :func:`random_state`'s ``state`` back into ``model`` (the same network); False,
    changing nothing, when it holds another number of generators."""
    states, saved = seed_states(model), state.get("seed_generators") or []
    if len(states) != len(saved):
        return False
    for variable, value in zip(states, saved, strict=True):
        variable.assign(np.asarray(value, dtype=variable.dtype))
    if state.get("global") is not None:
        generator = _global_generator(create=True)
        if generator is not None:
            generator.state.assign(np.asarray(state["global"], dtype=generator.state.dtype))
    return True
