"""What today's recipe costs in the loader: mixup, CutMix and the strong augmentation
against the book's augmentation, in one run.

Batches made as ``train.py`` makes them (``make_generators(loader_plan(...))``: random
patch, augmentation, uint8 batches for the model's mean layer, then mixup / CutMix), from a
synthetic HDF5 file of 72x72 images into 64x64 patches, batch 64:

* loader: images/s of ``load_batch`` over one epoch (the loader alone, one thread, so the
  cost of each part shows undiluted);
* fit: images/s of one epoch of ``model.fit`` of MiniVGGNet fed through ``fit_inputs`` (as
  training feeds it: the loader threads overlap the model).

Best and median of ``--repeats`` rounds, the variants alternating in each round (a slower
spell of a shared machine then hits every variant), each ratio against the book's
augmentation of the same statistic.

Usage:
    python benchmarks/bench_recipes.py [--images 2048] [--repeats 3] [--no-fit]
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
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow  # noqa: E402

STORED, SIZE, BATCH = 72, 64, 64
VARIANTS = {
    "book augmentation": {"AUGMENTATION": "book"},
    "book + mixup": {"AUGMENTATION": "book", "MIXUP_ALPHA": 0.2},
    "book + CutMix": {"AUGMENTATION": "book", "CUTMIX_ALPHA": 1.0},
    "strong augmentation": {"AUGMENTATION": "strong"},
    "strong + mixup/CutMix (modern)": {
        "AUGMENTATION": "strong",
        "MIXUP_ALPHA": 0.2,
        "CUTMIX_ALPHA": 1.0,
    },  # fmt: skip
}


def generator(train: Path, mean: Path, settings: dict, workers: int):
    from pyimagesearch.io.split_files import split_info
    from pyimagesearch.training.train import loader_plan, make_generators

    cfg = Config({"TRAIN_HDF5": str(train), "DATASET_MEAN": str(mean), "INPUT_SIZE": SIZE,
                  "BATCH_SIZE": BATCH, "WORKERS": workers, **settings})  # fmt: skip
    info = split_info(train)
    gen, _ = make_generators(loader_plan(cfg, info), info)
    return gen


def loader_speed(train: Path, mean: Path, settings: dict) -> float:
    gen = generator(train, mean, settings, workers=1)
    try:
        start = time.perf_counter()
        for index in range(len(gen)):
            gen.load_batch(index)
        return gen.num_images / (time.perf_counter() - start)
    finally:
        gen.close()


def fit_speed(model, train: Path, mean: Path, settings: dict) -> float:
    from pyimagesearch.io.feeding import fit_inputs

    gen = generator(train, mean, settings, workers=2)
    try:
        start = time.perf_counter()
        model.fit(**fit_inputs(gen), epochs=1, shuffle=False, verbose=0)
        return gen.num_images / (time.perf_counter() - start)
    finally:
        gen.close()


def mini_vgg():
    import keras

    from pyimagesearch.nn.conv import build_network

    inputs = keras.Input((SIZE, SIZE, 3))
    centred = keras.layers.Normalization(mean=[127.0] * 3, variance=[1.0] * 3)(inputs)
    net = build_network("MiniVGGNet", SIZE, SIZE, 3, 10)
    model = keras.Model(inputs, net(centred))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def measure(train: Path, mean: Path, repeats: int, fit: bool) -> dict[str, dict[str, list]]:
    """Every round's images/s of each variant: ``{variant: {"loader": [...], "fit": [...]}}``."""
    model = mini_vgg() if fit else None
    speeds = {name: {"loader": [], "fit": []} for name in VARIANTS}
    if fit:
        fit_speed(model, train, mean, VARIANTS["book augmentation"])  # traces the step
    for _ in range(repeats):
        for name, settings in VARIANTS.items():
            speeds[name]["loader"].append(loader_speed(train, mean, settings))
            if fit:
                speeds[name]["fit"].append(fit_speed(model, train, mean, settings))
    return speeds


def table(speeds: dict[str, dict[str, list]]) -> list[str]:
    """One line a variant: best and median images/s of the loader and of fit, each with
    its ratio to the book's augmentation."""
    stats = {"best": np.max, "median": np.median}
    base = speeds["book augmentation"]
    book = {(part, stat): float(fn(base[part])) if base[part] else 0.0
            for part in ("loader", "fit") for stat, fn in stats.items()}  # fmt: skip
    lines = [f"  {'variant':32s}" + "".join(f" {part + ' ' + stat:>14s} {'of book':>7s}"
             for part in ("loader", "fit") for stat in stats)]  # fmt: skip
    for name, parts in speeds.items():
        cells = []
        for part in ("loader", "fit"):
            for stat, fn in stats.items():
                value = float(fn(parts[part])) if parts[part] else float("nan")
                ratio = value / book[part, stat] if book[part, stat] else float("nan")
                cells.append(f" {value:14.1f} {ratio:7.2f}")
        lines.append(f"  {name:32s}" + "".join(cells))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-fit", action="store_true", help="time the loader alone")
    args = parser.parse_args()
    quiet_tensorflow()
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        train, mean = random_split(Path(tmp), args.images, STORED)
        speeds = measure(train, mean, args.repeats, not args.no_fit)
    print(f"{args.images} images {STORED}x{STORED} -> {SIZE}x{SIZE} patches, batch {BATCH}, "
          f"images/s, best and median of {args.repeats} rounds "
          f"({keras.backend.backend()} backend):")  # fmt: skip
    print("\n".join(table(speeds)))


if __name__ == "__main__":
    main()
