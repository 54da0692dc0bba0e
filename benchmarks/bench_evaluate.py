"""Benchmark 10-crop evaluation against baseline evaluation, and against one predict per image.

Same model, same images, one run: seconds for

* baseline: resize + mean, ``--batch`` images per ``predict_on_batch`` call;
* 10-crop: crops + mean, the crops of ``--batch // 10`` images per call
  (target: at most 11x the baseline: only the 10x more pixels);
* per-image 10-crop (the book's loop: ``model.predict(crops)`` once per image), on a
  subset, scaled to the same number of images.

Two models: the demo's small AlexNet (64px patches of 72px images, 256 dense units) and the
full AlexNet (227px of 256px, 4096 dense units), random weights (speed does not depend on
them).

Usage:
    python benchmarks/bench_evaluate.py [--images 500] [--full-images 100] [--per-image 20]
        [--batch 250] [--full-batch 100]
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
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from pyimagesearch.evaluation import predict_baseline, predict_tencrop  # noqa: E402
from pyimagesearch.nn.conv import AlexNet  # noqa: E402
from pyimagesearch.preprocessing import CropPreprocessor, MeanPreprocessor  # noqa: E402


def per_image_tencrop(model, images: np.ndarray, mean: MeanPreprocessor) -> np.ndarray:
    """The book's loop: one image's 10 crops per ``model.predict`` call."""
    crops = CropPreprocessor(model.input_shape[2], model.input_shape[1])
    out = []
    for image in images:
        batch = np.array([mean.preprocess(c) for c in crops.preprocess(image)])
        out.append(model.predict(batch, verbose=0).mean(axis=0))
    return np.array(out)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(name: str, size: int, stored: int, dense: int, n: int, n_per_image: int, batch: int):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, stored, stored, 3), dtype=np.uint8)
    mean = MeanPreprocessor(124.0, 116.0, 104.0)
    model = AlexNet.build(size, size, 3, 2, dense_units=dense)
    # warm up both input shapes (graph tracing is a one-off cost)
    predict_baseline(model, images[:batch], mean, batch_size=batch)
    predict_tencrop(model, images[: max(1, batch // 10)], mean, batch_size=batch)
    per_image_tencrop(model, images[:2], mean)
    base, ten = [], []
    for _ in range(3):  # alternate, keep the best
        base.append(timed(lambda: predict_baseline(model, images, mean, batch_size=batch)))
        ten.append(timed(lambda: predict_tencrop(model, images, mean, batch_size=batch)))
    per_image = timed(lambda: per_image_tencrop(model, images[:n_per_image], mean))
    per_image *= n / n_per_image
    b, t = min(base), min(ten)
    print(f"\n{name}: {n} images {stored}px -> {size}px, {batch} inputs per predict call")
    print(f"  baseline                 {b:8.2f} s  ({n / b:7.1f} images/s)")
    print(f"  10-crop, batched         {t:8.2f} s  ({n / t:7.1f} images/s)")
    print(f"  10-crop, per image       {per_image:8.2f} s  (measured on {n_per_image}, scaled)")
    print(f"  10-crop / baseline:          {t / b:6.2f}x  (target <= 11x)")
    print(f"  per-image / batched 10-crop: {per_image / t:6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=500, help="images for the small model")
    parser.add_argument("--full-images", type=int, default=100, help="images for full AlexNet")
    parser.add_argument("--per-image", type=int, default=20, help="subset for the slow loop")
    parser.add_argument("--batch", type=int, default=250, help="inputs per predict call (small)")
    parser.add_argument("--full-batch", type=int, default=100, help="inputs per call (full)")
    parser.add_argument("--skip-full", action="store_true", help="only the small model")
    args = parser.parse_args()
    bench("demo AlexNet", 64, 72, 256, args.images, args.per_image, args.batch)
    if not args.skip_full:
        bench(
            "full AlexNet",
            227,
            256,
            4096,
            args.full_images,
            min(args.per_image, args.full_images),
            args.full_batch,
        )


if __name__ == "__main__":
    main()
