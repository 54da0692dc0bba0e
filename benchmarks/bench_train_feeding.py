"""Is feeding the bottleneck of train.py? MiniVGGNet on 64x64 HDF5 data, in one run:

* ours: ``model.fit`` on ``HDF5DatasetGenerator`` batches as the training engine builds
  them (random patch, mean subtraction; augmentation off and on);
* in memory: ``model.fit`` on the same number of images already in memory as NumPy
  arrays, mean-subtracted, in batches of the same size (the network's own speed).

Images/s of each, best of ``--repeats`` alternating rounds, and their ratio (goal: ours at
least 0.9 of in-memory without augmentation).

Usage:
    python benchmarks/bench_train_feeding.py [--images 2048] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_common import random_split  # noqa: E402

from pyimagesearch.config import Config  # noqa: E402
from pyimagesearch.preprocessing import BOOK_AUGMENTATION  # noqa: E402
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow  # noqa: E402

SIZE, BATCH = 64, 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    quiet_tensorflow()
    import keras

    from pyimagesearch.io.split_files import split_info
    from pyimagesearch.nn.conv import build_network
    from pyimagesearch.training.train import loader_plan, make_generators

    with tempfile.TemporaryDirectory() as tmp:
        train, mean = random_split(Path(tmp), args.images, SIZE)
        model = build_network("MiniVGGNet", SIZE, SIZE, 3, 10)
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        rng = np.random.default_rng(1)
        x = (rng.integers(0, 256, (args.images, SIZE, SIZE, 3)) - 127.0).astype(np.float32)
        y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, args.images)]

        def in_memory() -> float:
            start = time.perf_counter()
            model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
            return args.images / (time.perf_counter() - start)

        def ours(augmentation: dict | None) -> float:
            cfg = Config({"TRAIN_HDF5": str(train), "DATASET_MEAN": str(mean), "INPUT_SIZE": SIZE,
                          "BATCH_SIZE": BATCH, "AUGMENTATION": augmentation})  # fmt: skip
            info = split_info(train)
            gen, _ = make_generators(loader_plan(cfg, info), info)
            try:
                start = time.perf_counter()
                model.fit(gen, epochs=1, shuffle=False, verbose=0)
                return args.images / (time.perf_counter() - start)
            finally:
                gen.close()

        in_memory()  # warm-up: traces the step function
        ours(None)
        best = {"in memory": 0.0, "ours, no augmentation": 0.0, "ours, augmentation": 0.0}
        for _ in range(args.repeats):
            best["in memory"] = max(best["in memory"], in_memory())
            best["ours, no augmentation"] = max(best["ours, no augmentation"], ours(None))
            best["ours, augmentation"] = max(best["ours, augmentation"], ours(BOOK_AUGMENTATION))
        print(f"MiniVGGNet, {args.images} images {SIZE}x{SIZE}, batch {BATCH}, best of "
              f"{args.repeats} rounds ({keras.backend.backend()} backend):")  # fmt: skip
        for name, value in best.items():
            print(f"  {name:24s} {value:8.1f} images/s  ({value / best['in memory']:.2f}x)")


if __name__ == "__main__":
    main()
