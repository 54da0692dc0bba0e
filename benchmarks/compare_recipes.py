"""Which recipe wins here? The book's against the modern one, from scratch on the shared
Kaggle photos (``../shared/data/dogs-vs-cats-sample``), the same network, epochs and
seeds: test rank-1 and log loss of each seed, and their mean and spread.

The sample is built once (72x72, 10 % validation, 20 % test: the builder's seeded split);
each run trains ``--network`` at 64x64 for ``--epochs`` epochs with ``RANDOM_SEED`` = the
seed (shuffles, augmentation, mixing, initial weights; the split stays the build's):

* book: SGD (momentum 0.9, Nesterov) at 0.01 with polynomial decay, L2 5e-4 in the
  layers, the book's augmentation;
* modern: AdamW at 1e-3 (decoupled decay 0.05), ``WARMUP_EPOCHS`` then cosine decay,
  label smoothing 0.1, mixup 0.2 / CutMix 1.0 (half the batches each), the strong
  augmentation, gradient clipping at 1, EMA of the weights (0.99: the runs are short).

Each run's MODEL_PATH (the best epoch by validation loss; for the modern recipe the
averaged weights) is evaluated on the test split, resized (the baseline of evaluate.py).
Writes ``recipes.json`` into ``--out`` after every run (a cut-off comparison keeps what it
measured).

Usage:
    python benchmarks/compare_recipes.py [--epochs 15] [--seeds 1 2 3] [--network MiniVGGNet]
        [--out output/compare_recipes]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_common import SAMPLE  # noqa: E402

from pyimagesearch.config import load_config  # noqa: E402

BOOK = {"OPTIMIZER": "sgd", "LEARNING_RATE": 0.01, "MOMENTUM": 0.9, "NESTEROV": True,
        "LR_SCHEDULE": "poly", "WEIGHT_DECAY": 0.0005, "AUGMENTATION": "book"}  # fmt: skip
MODERN = {"OPTIMIZER": "adamw", "LEARNING_RATE": 0.001, "WEIGHT_DECAY": 0.05,
          "LR_SCHEDULE": "cosine", "WARMUP_EPOCHS": 2, "LABEL_SMOOTHING": 0.1,
          "MIXUP_ALPHA": 0.2, "CUTMIX_ALPHA": 1.0, "AUGMENTATION": "strong",
          "GRADIENT_CLIP": 1.0, "EMA_DECAY": 0.99}  # fmt: skip
RECIPES = {"book": BOOK, "modern": MODERN}


def build(out: Path) -> dict:
    """The sample's split files (built once; an earlier build is reused)."""
    from pyimagesearch.data.build_dataset import build_dataset

    data = out / "data"
    settings = {"IMAGES_PATH": str(SAMPLE), "IMAGE_SIZE": 72, "NUM_VAL_IMAGES": 0.1,
                "NUM_TEST_IMAGES": 0.2, "TRAIN_HDF5": str(data / "train.hdf5"),
                "VAL_HDF5": str(data / "val.hdf5"), "TEST_HDF5": str(data / "test.hdf5"),
                "DATASET_MEAN": str(data / "mean.json"), "OUTPUT_PATH": str(data),
                "RANDOM_SEED": 42}  # fmt: skip
    if not (data / "test.hdf5").exists():
        build_dataset(load_config(None, overrides=settings), progress=False)
    return settings


def train_and_test(data: dict, recipe: str, seed: int, args) -> dict:
    """One run: train, then rank-1 and log loss of MODEL_PATH on the test split."""
    from sklearn.metrics import log_loss

    from pyimagesearch.io.hdf5_dataset import open_hdf5
    from pyimagesearch.models.classifiers import load_classifier
    from pyimagesearch.training.train import train_network

    run = args.out / f"{recipe}-{seed}"
    settings = {**data, "OUTPUT_PATH": str(run), "MODEL_PATH": str(run / "model.keras"),
                "NETWORK": args.network, "INPUT_SIZE": 64, "EPOCHS": args.epochs,
                "BATCH_SIZE": 32, "RANDOM_SEED": seed, **RECIPES[recipe]}  # fmt: skip
    started = time.perf_counter()
    train_network(load_config(None, overrides=settings), verbose=0, overwrite=True)
    seconds = time.perf_counter() - started
    with open_hdf5(data["TEST_HDF5"], "images") as db:
        images, labels = db["images"][:], db["labels"][:]
    probs = load_classifier(run / "model.keras").predict_proba(images)
    return {"recipe": recipe, "seed": seed, "rank1": float(np.mean(probs.argmax(1) == labels)),
            "log_loss": float(log_loss(labels, probs, labels=[0, 1])),
            "train_seconds": round(seconds, 1), "test_images": int(len(labels))}  # fmt: skip


def summary(results: list[dict]) -> dict:
    """Mean and standard deviation (over the seeds) of each recipe's figures."""
    out = {}
    for recipe in RECIPES:
        rows = [r for r in results if r["recipe"] == recipe]
        if rows:
            out[recipe] = {k: [float(np.mean([r[k] for r in rows])),
                               float(np.std([r[k] for r in rows]))]
                           for k in ("rank1", "log_loss")}  # fmt: skip
            out[recipe]["runs"] = len(rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--network", default="MiniVGGNet")
    parser.add_argument("--out", type=Path, default=REPO / "output" / "compare_recipes")
    args = parser.parse_args()
    if not SAMPLE.is_dir():
        sys.exit(f"the shared sample is not at {SAMPLE}")
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    data = build(args.out)
    results = []
    for seed in args.seeds:  # the recipes alternate: a slower machine later hits both
        for recipe in RECIPES:
            results.append(train_and_test(data, recipe, seed, args))
            print(json.dumps(results[-1]), flush=True)
            report = {"network": args.network, "epochs": args.epochs, "runs": results,
                      "summary": summary(results)}  # fmt: skip
            (args.out / "recipes.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(summary(results), indent=2))


if __name__ == "__main__":
    main()
