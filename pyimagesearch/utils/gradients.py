"""The gradient of a scalar with respect to one input, on whichever Keras backend runs:
one small helper per backend (``keras.ops`` has no gradient of its own).

``fn(target, *others) -> (scalar, aux)`` is written with ``keras.ops`` and Keras layers;
:func:`gradient_function` gives a callable ``(target, *others) -> (aux, d scalar /
d target)``, compiled where the backend compiles (``tf.function``, ``jax.jit``) and
returning NumPy arrays.

>>> import keras
>>> grad = gradient_function(lambda t: (keras.ops.sum(t * t), t))
>>> aux, g = grad(np.array([1.0, 2.0], np.float32))
>>> g.tolist()
[2.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def gradient_function(fn: Callable[..., tuple[Any, Any]]) -> Callable[..., tuple[Any, Any]]:
    """``(target, *others) -> (aux, gradient of fn's scalar in target)``, NumPy out."""
    import keras

    backend = keras.backend.backend()
    compute = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}[backend](fn)

    def call(target, *others):
        aux, grad = compute(np.asarray(target, np.float32), *others)
        as_numpy = keras.ops.convert_to_numpy
        return keras.tree.map_structure(as_numpy, aux), as_numpy(grad)

    return call


def _tensorflow(fn):
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def compute(target, *others):
        with tf.GradientTape() as tape:
            tape.watch(target)
            value, aux = fn(target, *others)
        return aux, tape.gradient(value, target)

    return lambda target, *others: compute(tf.convert_to_tensor(target), *others)


def _jax(fn):
    import jax

    grad = jax.jit(jax.grad(fn, has_aux=True))

    def compute(target, *others):
        gradient, aux = grad(jax.numpy.asarray(target), *others)
        return aux, gradient

    return compute


def _torch(fn):
    import keras
    import torch

    def compute(target, *others):
        target = keras.ops.convert_to_tensor(target).detach().requires_grad_(True)
        # Keras' torch layers refuse a call that mixes torch tensors and NumPy arrays
        others = [keras.ops.convert_to_tensor(o) if isinstance(o, np.ndarray) else o
                  for o in others]  # fmt: skip
        value, aux = fn(target, *others)
        (gradient,) = torch.autograd.grad(value, target)
        return keras.tree.map_structure(lambda t: t.detach(), aux), gradient

    return compute
