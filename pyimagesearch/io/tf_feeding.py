"""Feed ``model.fit`` from an ``HDF5DatasetGenerator`` through ``tf.data``, not through
Keras' ``PyDataset`` adapter.

Handed a ``PyDataset``, Keras 3 moves every batch through a thread pool, a queue and
``tf.data.Dataset.from_generator``: on the 2-core reference machine that alone costs
nearly half of what reaches ``fit`` (uint8 batches that cost nothing to make: 6,672
images/s against 11,742 through the dataset built here;
``benchmarks/bench_fit_feeding.py``). Here batch ``k`` of the run (epoch ``k // steps``,
batch ``k % steps``) is made by the generator's own ``load_batch`` inside
``tf.numpy_function``, ``workers`` at a time, in order, with prefetching: the same
batches, the same per-(seed, epoch, batch) random numbers, whatever thread makes them, and
a batch dimension of unknown size, so the last partial batch does not retrace the
training step.

Example:
    >>> model.fit(**fit_inputs(train_gen, val_gen, initial_epoch=0), epochs=10)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

FOREVER = 2**62  # the training dataset repeats; fit counts the steps


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
        images, labels = gen.load_batch(index, epoch if repeat else first)
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


def fit_inputs(train, val=None, initial_epoch: int = 0) -> dict[str, Any]:
    """``model.fit`` keyword arguments feeding ``train`` (and ``val``) through tf.data:
    ``x``, ``steps_per_epoch``, ``validation_data``, ``validation_steps``."""
    inputs: dict[str, Any] = {
        "x": as_tf_dataset(train, initial_epoch),
        "steps_per_epoch": len(train),
    }
    if val is not None:
        inputs["validation_data"] = as_tf_dataset(val, repeat=False)
        inputs["validation_steps"] = len(val)
    return inputs
