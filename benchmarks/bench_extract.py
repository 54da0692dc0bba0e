"""Feature-extraction speed: ours vs the in-memory limit vs the straightforward loop.

Usage:
    python benchmarks/bench_extract.py [--images 384] [--size 224] [--rounds 5] [--workers N]

Three ways through the same MobileNetV2 (same model object, batches of 32):

* limit: images already decoded, resized and preprocessed, as float32 tensors in
  memory; only the network runs (no pipeline can beat it);
* ours: ``iter_features`` from JPEG files (threaded decoding overlapping inference);
* straightforward: load one image, resize, collect, predict per batch, no overlap.

Each round measures the three back to back, so background load hits them alike; the
ratios are taken per round and their median is reported. Uses the real Kaggle photos in ../shared
(``PYIMAGESEARCH_SHARED``) when present, otherwise synthetic JPEGs of the same sizes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PYIMAGESEARCH_SHARED", REPO.parent / "shared"))
SAMPLE = SHARED / "data" / "dogs-vs-cats-sample" / "train"
BATCH = 32


def image_folder(count: int, work: Path) -> tuple[Path, str]:
    folder = work / "images"
    folder.mkdir()
    if SAMPLE.is_dir():
        for i in range(count):
            name = f"{('cat', 'dog')[i % 2]}.{i // 2 + 1}.jpg"
            (folder / name).symlink_to(SAMPLE / name)
        return folder, f"{count} Kaggle photos from {SAMPLE}"
    rng = np.random.default_rng(0)
    for i in range(count):
        image = rng.integers(0, 256, (375, 500, 3), dtype=np.uint8)
        image = cv2.GaussianBlur(image, (0, 0), 3)
        cv2.imwrite(str(folder / f"{('cat', 'dog')[i % 2]}.{i}.jpg"), image)
    return folder, f"{count} synthetic 500x375 JPEGs (../shared not found)"


def run_limit(extractor, tensors: list[np.ndarray]) -> float:
    start = time.perf_counter()
    for batch in tensors:
        extractor.model.predict_on_batch(batch)
    return sum(len(b) for b in tensors) / (time.perf_counter() - start)


def run_ours(extractor, source) -> float:
    from pyimagesearch.features.extraction import iter_features

    start = time.perf_counter()
    done = sum(len(fb.indices) for fb in iter_features(extractor, source, BATCH))
    return done / (time.perf_counter() - start)


def run_straightforward(extractor, paths: list[str]) -> float:
    from pyimagesearch.preprocessing import AspectAwarePreprocessor

    aap = AspectAwarePreprocessor(extractor.image_size, extractor.image_size)
    start = time.perf_counter()
    batch: list[np.ndarray] = []
    for i, path in enumerate(paths):
        image = cv2.cvtColor(aap.preprocess(cv2.imread(path)), cv2.COLOR_BGR2RGB)
        batch.append(image)
        if len(batch) == BATCH or i == len(paths) - 1:
            extractor.features(np.stack(batch))
            batch = []
    return len(paths) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=384)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None, help="decoding threads")
    args = parser.parse_args()

    from pyimagesearch.data.image_loading import ImageLoader
    from pyimagesearch.data.sources import open_source
    from pyimagesearch.features.extraction import FeatureExtractor

    with tempfile.TemporaryDirectory() as tmp:
        folder, what = image_folder(args.images, Path(tmp))
        extractor = FeatureExtractor("MobileNetV2", weights=None, image_size=args.size)
        source = open_source(folder, workers=args.workers)
        loader = ImageLoader(args.size, args.size)
        start = time.perf_counter()
        decoded = np.stack([loader(p) for p in source.paths])
        decode_ms = 1000 * (time.perf_counter() - start) / len(source.paths)
        tensors = [
            extractor.preprocess(decoded[i : i + BATCH]) for i in range(0, len(decoded), BATCH)
        ]
        extractor.features(decoded[:BATCH])  # build and warm up the model
        extractor.features(decoded[-(len(decoded) % BATCH or BATCH) :])  # the last batch shape

        ratios: dict[str, list[float]] = {"ours": [], "straightforward": []}
        for r in range(args.rounds):
            rates = {
                "limit": run_limit(extractor, tensors),
                "ours": run_ours(extractor, source),
                "straightforward": run_straightforward(extractor, source.paths),
            }
            for key in ratios:
                ratios[key].append(rates[key] / rates["limit"])
            print(
                f"round {r + 1}: "
                + ", ".join(f"{k} {v:.1f} img/s" for k, v in rates.items())
                + f"; ours/limit {ratios['ours'][-1]:.2f}, "
                f"straightforward/limit {ratios['straightforward'][-1]:.2f}"
            )

    ours, plain = float(np.median(ratios["ours"])), float(np.median(ratios["straightforward"]))
    print(f"\nMobileNetV2 {args.size}x{args.size}, batch {BATCH}, {what}, {os.cpu_count()} CPUs")
    print(f"decoding + resizing alone, one thread: {decode_ms:.1f} ms an image")
    print(f"median over {args.rounds} rounds (each round measures the three back to back):")
    print(f"  ours / in-memory limit:             {ours:.2f}")
    print(f"  straightforward / in-memory limit:  {plain:.2f}")
    print(f"  ours / straightforward:             {ours / plain:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
