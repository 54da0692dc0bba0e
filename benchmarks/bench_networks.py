"""Each network of the zoo at its native size: parameters, and images/s training and
predicting on this machine (random data in memory, so only the network is measured).

Usage:
    python benchmarks/bench_networks.py [--batch 64] [--steps 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow  # noqa: E402

# name: (native input side, classes, build arguments), as the book uses each
NATIVE = {
    "ShallowNet": (32, 10, {}),
    "LeNet": (28, 10, {}),
    "MiniVGGNet": (32, 10, {}),
    "AlexNet": (227, 2, {}),
    "MiniGoogLeNet": (32, 10, {}),
    "DeeperGoogLeNet": (64, 200, {}),
    "ResNet": (32, 10, {"stages": (9, 9, 9), "filters": (64, 64, 128, 256)}),
}


def rate(fn, images: int, steps: int) -> float:
    fn()  # warm-up: traces the step function
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return images * steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    quiet_tensorflow()
    import keras

    from pyimagesearch.nn.conv import build_network

    print("| network | input | classes | parameters | train images/s | predict images/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    rng = np.random.default_rng(0)
    for name, (side, classes, extra) in NATIVE.items():
        model = build_network(name, side, side, 3, classes, **extra)
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        x = rng.normal(size=(args.batch, side, side, 3)).astype(np.float32)
        y = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, args.batch)]
        train = rate(lambda m=model, x=x, y=y: m.train_on_batch(x, y), args.batch, args.steps)
        predict = rate(lambda m=model, x=x: m.predict_on_batch(x), args.batch, args.steps)
        print(f"| {name} | {side}x{side} | {classes} | {model.count_params():,} | "
              f"{train:,.0f} | {predict:,.0f} |", flush=True)  # fmt: skip
        keras.backend.clear_session()


if __name__ == "__main__":
    main()
