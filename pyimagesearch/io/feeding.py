"""Feed ``model.fit`` from an ``HDF5DatasetGenerator``: through ``tf.data`` on TensorFlow,
through an in-order thread prefetcher on Keras' other backends; never through Keras'
``PyDataset`` adapter.

Handed a ``PyDataset``, Keras 3 moves every batch through a thread pool, a queue and
(on TensorFlow) ``tf.data.Dataset.from_generator``: on the 2-core reference machine that
alone costs nearly half of what reaches ``fit`` (uint8 batches that cost nothing to make:
6,672 images/s against 11,742 through the dataset built here;
``benchmarks/bench_fit_feeding.py``); with the JAX backend :func:`prefetched_batches`
delivered 1.42x (1.54x with augmentation) what the adapter did
(``benchmarks/bench_loader_scaling.py``, docs/PERFORMANCE.md). Batch ``k`` of the run (epoch
``k // steps``, batch ``k % steps``) is made by the generator's own ``worker_batch``,
``workers`` at a time, in order, ahead of the model: the same batches, the same
per-(seed, epoch, batch) random numbers, whatever thread makes them. On TensorFlow the
batch dimension is of unknown size, so the last partial batch does not retrace the
training step. A loader's own error (a damaged row of the file: one line naming it and
the row) reaches the caller as it is, not inside TensorFlow's error about the function that
raised it: call ``fit`` inside :func:`loader_errors`.

Example (not run by the tests: trains a model):
    >>> with loader_errors():                                              # doctest: +SKIP
    ...     model.fit(**fit_inputs(train_gen, val_gen, initial_epoch=0), epochs=10)
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import keras
import numpy as np

from pyimagesearch.errors import PyImageSearchError

FOREVER = 2**62  # the training dataset repeats; fit counts the steps
_FAILURES: list[tuple[int, PyImageSearchError]] = []  # (step, error) raised inside tf.data


@contextlib.contextmanager
def loader_errors() -> Iterator[None]:
    """Raise the loader's own error (a ``PyImageSearchError``, e.g. a damaged row) when
    ``model.fit`` / ``evaluate`` inside fails with TensorFlow's wrapping of it."""
    _FAILURES.clear()
    try:
        yield
    except PyImageSearchError:
        raise
    except Exception as exc:
        if _FAILURES and type(exc).__module__.startswith("tensorflow"):
            raise min(_FAILURES, key=lambda failure: failure[0])[1] from None  # fit's first
        raise
    finally:
        _FAILURES.clear()


def as_tf_dataset(gen, initial_epoch: int = 0, repeat: bool = True, prefetch: int | None = None):
    """A ``tf.data.Dataset`` of ``gen``'s batches from epoch ``initial_epoch`` on (forever
    when ``repeat``; else one pass of the current epoch's batches).

    Args:
        gen: an :class:`~pyimagesearch.io.HDF5DatasetGenerator`.
        initial_epoch: the first epoch (a resumed run continues its shuffles).
        repeat: endless, for training with ``steps_per_epoch``; one pass otherwise.
        prefetch: batches made ahead (default: the generator's ``max_queue_size``).
    """
    import tensorflow as tf

    steps = len(gen)
    first = initial_epoch if repeat else gen.epoch
    probe_x, probe_y = gen.load_batch(0, first)
    x_spec = (None, *probe_x.shape[1:])
    y_spec = (None, *probe_y.shape[1:])
    y_dtype = np.float32 if probe_y.dtype.kind == "f" else np.int64

    def load(step: np.int64) -> tuple[np.ndarray, np.ndarray]:
        epoch, index = divmod(int(step), steps)
        try:
            images, labels = gen.worker_batch(index, epoch if repeat else first)
        except PyImageSearchError as exc:  # given back as it is by loader_errors()
            _FAILURES.append((int(step), exc))
            raise
        return images, labels.astype(y_dtype, copy=False)

    def call(step):
        images, labels = tf.numpy_function(
            load, [step], (tf.as_dtype(probe_x.dtype), tf.as_dtype(y_dtype)), stateful=False
        )
        return tf.ensure_shape(images, x_spec), tf.ensure_shape(labels, y_spec)

    start = initial_epoch * steps if repeat else 0
    stop = FOREVER if repeat else steps
    dataset = tf.data.Dataset.range(start, stop).map(
        call, num_parallel_calls=max(1, gen.workers), deterministic=True
    )
    return dataset.prefetch(prefetch or max(2, gen.max_queue_size))


def prefetched_batches(
    gen, initial_epoch: int = 0, repeat: bool = True, ahead: int | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``gen``'s batches from epoch ``initial_epoch`` on, made by ``gen.workers`` threads
    ``ahead`` batches in advance, in order (forever when ``repeat``: every pass of a
    validation generator gives the same batches; else one pass of the current epoch).

    Example (not run by the tests: needs a generator over a builder file):
        >>> batches = prefetched_batches(gen)           # doctest: +SKIP
        >>> images, labels = next(batches)              # doctest: +SKIP
    """
    steps = len(gen)
    workers = max(1, gen.workers)
    ahead = ahead or max(2, gen.max_queue_size, 2 * workers)
    first = initial_epoch if repeat else gen.epoch
    total = FOREVER if repeat else steps
    with ThreadPoolExecutor(workers, thread_name_prefix="pyis-feed") as pool:
        pending: deque = deque()
        made = 0
        try:
            while made < total or pending:
                while made < total and len(pending) < ahead:
                    epoch, index = divmod(made, steps)
                    pending.append(pool.submit(gen.worker_batch, index, first + epoch))
                    made += 1
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def weighted_batches(batches, class_weight: dict[int, float]):
    """``(images, labels, sample weights)``: each row weighted by its class's weight, as
    Keras weighs rows for ``class_weight`` (one-hot labels: the class of the largest).

    >>> batch = (np.zeros((2, 1)), np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> next(weighted_batches(iter([batch]), {0: 0.5, 1: 2.0}))[2].tolist()
    [0.5, 2.0]
    """
    table = np.array([class_weight[k] for k in range(max(class_weight) + 1)], np.float32)
    for images, labels in batches:
        classes = labels.argmax(axis=-1) if labels.ndim > 1 else labels.astype(np.int64)
        yield images, labels, table[classes]


def _on_tensorflow() -> bool:
    return keras.backend.backend() == "tensorflow"


def fit_inputs(
    train, val=None, initial_epoch: int = 0, class_weight: dict[int, float] | None = None
) -> dict[str, Any]:
    """``model.fit`` keyword arguments feeding ``train`` (and ``val``) as fast as they are
    made: ``x``, ``steps_per_epoch``, ``validation_data``, ``validation_steps``;
    ``class_weight`` is ``fit``'s on TensorFlow, each batch's sample weights elsewhere
    (Keras takes no class weights with a generator there: the same weighting)."""
    if _on_tensorflow():
        x = as_tf_dataset(train, initial_epoch)
        validation = None if val is None else as_tf_dataset(val, repeat=False)
    else:  # a validation pass each epoch: the same batches again and again
        x = prefetched_batches(train, initial_epoch)
        if class_weight is not None:
            x = weighted_batches(x, class_weight)
            class_weight = None
        validation = None if val is None else prefetched_batches(val, val.epoch)
    inputs: dict[str, Any] = {"x": x, "steps_per_epoch": len(train), "class_weight": class_weight}
    if val is not None:
        inputs["validation_data"] = validation
        inputs["validation_steps"] = len(val)
    return inputs


def evaluate_inputs(gen) -> dict[str, Any]:
    """``model.evaluate`` / ``predict`` keyword arguments of one pass over ``gen``'s current
    epoch: ``x`` and ``steps``."""
    x = (
        as_tf_dataset(gen, repeat=False)
        if _on_tensorflow()
        else prefetched_batches(gen, repeat=False)
    )
    return {"x": x, "steps": len(gen)}
