"""Callbacks that write files, in a run of several processes: process 0 alone runs them,
with Keras' distribution set aside while they do (saving a model makes Keras variables;
under a multi-process distribution each would wait for processes that never save).

Example (not run by the tests: needs a multi-process run):
    >>> callbacks = process_zero_callbacks([monitor, checkpoint], writer=True)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import keras


@contextlib.contextmanager
def no_distribution() -> Iterator[None]:
    """Keras with no distribution (JAX's ``keras.distribution``) for a while."""
    if keras.backend.backend() != "jax" or keras.distribution.distribution() is None:
        yield
        return
    current = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(current)


class ProcessZero(keras.callbacks.Callback):
    """``callback``'s every hook, run with no distribution (process 0's files)."""

    def __init__(self, callback: keras.callbacks.Callback) -> None:
        super().__init__()
        self.callback = callback

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        self.callback.set_model(model)

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        self.callback.set_params(params)

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_") and name != "on_":
            hook = getattr(object.__getattribute__(self, "callback"), name)

            def run(*args: Any, **kwargs: Any) -> Any:
                with no_distribution():
                    return hook(*args, **kwargs)

            return run
        return object.__getattribute__(self, name)


def process_zero_callbacks(callbacks: list, writer: bool) -> list:
    """``callbacks`` for process 0 (``writer``) of a multi-process run, each wrapped in
    :class:`ProcessZero`; none for the others."""
    return [ProcessZero(c) for c in callbacks] if writer else []
