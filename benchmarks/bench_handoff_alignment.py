"""What a batch's alignment costs on its way into TensorFlow.

``tf.numpy_function`` (how ``pyimagesearch.io.feeding`` hands batches to ``fit``) takes a
NumPy array as a tensor without copying it only when its data starts on a 64-byte
boundary; NumPy aligns its own allocations to 16. The loader allocates its batches with
``empty_batch`` (64). Measured here: images/s of a ``tf.data`` pipeline of ready uint8
227x227 batches of 64 (nothing else running), aligned against 16-byte aligned, best of
``--rounds`` alternating rounds, in one process.

Usage:
    python benchmarks/bench_handoff_alignment.py [--rounds 5] [--batches 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

SHAPE = (64, 227, 227, 3)


def batch(aligned: bool) -> np.ndarray:
    from pyimagesearch.parallel.batches import empty_batch

    out = empty_batch(SHAPE, np.uint8)
    if not aligned:  # NumPy's own 16-byte alignment, off the 64-byte boundary
        out = np.empty(out.nbytes + 64, np.uint8)
        start = (-out.ctypes.data % 64) + 16
        out = out[start : start + int(np.prod(SHAPE))].reshape(SHAPE)
    out[:] = 1
    return out


def rate(images: np.ndarray, batches: int) -> float:
    import tensorflow as tf

    def make(step: np.int64) -> np.ndarray:
        return images

    def load(step):
        return tf.numpy_function(make, [step], tf.uint8, stateful=False)

    data = tf.data.Dataset.range(batches).map(load, num_parallel_calls=2).prefetch(4)
    start = time.perf_counter()
    for _ in data:
        pass
    return batches * SHAPE[0] / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batches", type=int, default=300)
    args = parser.parse_args()
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    arrays = {"64-byte aligned (ours)": batch(True), "16-byte aligned (NumPy's)": batch(False)}
    best = dict.fromkeys(arrays, 0.0)
    for _ in range(args.rounds):
        for name, images in arrays.items():
            best[name] = max(best[name], rate(images, args.batches))
    for name, value in best.items():
        print(f"{name}: {value:,.0f} images/s")
    ours, numpy = best.values()
    print(f"aligned / unaligned: {ours / numpy:.2f}x (best of {args.rounds} rounds)")


if __name__ == "__main__":
    main()
