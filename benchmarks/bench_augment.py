"""Benchmark the two augmentation stacks on the same batches: BatchAugmenter vs Keras 3 layers.

Both apply the same kind of random transform to the same uint8 RGB batches (rotation,
zoom, shifts, shear, horizontal flip, nearest fill):

* ``BatchAugmenter`` (OpenCV): one affine matrix per image, one ``cv2.warpAffine`` each, on
  a thread pool;
* Keras 3 preprocessing layers: ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``,
  ``RandomShear`` and ``RandomFlip`` in a ``keras.Sequential``, called on the batch with
  ``training=True`` eagerly (as a data pipeline does) and inside a ``tf.function`` (as it
  runs when the layers sit in the model).

Images per second, best of ``--repeats`` rounds, the contenders alternating in each round;
the ratio is measured within the same run.

Usage:
    python benchmarks/bench_augment.py [--size 224] [--batch 64] [--batches 6] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from pyimagesearch.preprocessing import BOOK_AUGMENTATION, BatchAugmenter  # noqa: E402
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow  # noqa: E402


def keras_stack(seed: int = 0):
    """The book's settings as Keras 3 layers (factors are fractions of a turn / the side)."""
    import keras
    from keras import layers

    aug = BOOK_AUGMENTATION
    return keras.Sequential(
        [
            layers.RandomRotation(aug["rotation_range"] / 360.0, fill_mode="nearest", seed=seed),
            layers.RandomZoom(aug["zoom_range"], fill_mode="nearest", seed=seed),
            layers.RandomTranslation(
                aug["height_shift_range"], aug["width_shift_range"], fill_mode="nearest", seed=seed
            ),
            layers.RandomShear(
                np.tan(aug["shear_range"]),
                np.tan(aug["shear_range"]),
                fill_mode="nearest",
                seed=seed,
            ),  # fmt: skip
            layers.RandomFlip("horizontal", seed=seed),
        ]
    )


def rate(fn, batches: list[np.ndarray]) -> float:
    fn(batches[0])  # warm-up (traces the tf.function, starts the pools)
    start = time.perf_counter()
    for batch in batches:
        fn(batch)
    return sum(len(b) for b in batches) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    quiet_tensorflow()
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    shape = (args.batch, args.size, args.size, 3)
    batches = [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(args.batches)]
    ours = BatchAugmenter(**BOOK_AUGMENTATION, seed=0)
    stack = keras_stack()

    def keras_eager(batch: np.ndarray) -> np.ndarray:
        return keras.ops.convert_to_numpy(stack(batch, training=True))

    compiled = tf.function(lambda x: stack(x, training=True))

    def keras_graph(batch: np.ndarray) -> np.ndarray:
        return compiled(tf.convert_to_tensor(batch)).numpy()

    contenders = {
        "BatchAugmenter (OpenCV, threads)": ours.augment_batch,
        "Keras 3 layers, eager": keras_eager,
        "Keras 3 layers, tf.function": keras_graph,
    }
    best = dict.fromkeys(contenders, 0.0)
    for _ in range(args.repeats):
        for name, fn in contenders.items():
            best[name] = max(best[name], rate(fn, batches))
    print(f"{args.batches} batches of {args.batch} images {args.size}x{args.size}, "
          f"{os.cpu_count()} cores, best of {args.repeats} rounds:")  # fmt: skip
    for name, value in best.items():
        print(f"  {name:36s} {value:8.1f} images/s")
    base = best["BatchAugmenter (OpenCV, threads)"]
    for name in list(contenders)[1:]:
        print(f"  BatchAugmenter / {name}: {base / best[name]:.2f}x")


if __name__ == "__main__":
    main()
