"""Benchmark the training input pipeline (HDF5DatasetGenerator) against its references.

Measured side by side in one run, on the same HDF5 batches (256x256 RGB, batch 128,
227x227 patches), images per second:

* straightforward: the book's pipeline, one image at a time through each preprocessor
  (MeanPreprocessor with cv2.split/merge, PatchPreprocessor with extract_patches_2d,
  img_to_array), then the batch's augmentation as Keras 2's ``ImageDataGenerator.flow``
  did it (one ``scipy.ndimage.affine_transform`` per channel and image);
* ours: ``HDF5DatasetGenerator`` with the batch preprocessors (patch, augmentation,
  mean; by default fused into one warp + cast-and-subtract per image, also shown unfused),
  on all cores and on one core (``batch_threads(1)`` and ``cv2.setNumThreads(1)``);
* ours, uint8: patch (+ augmentation) only, the mean subtracted inside the model;
* limit: one bare NumPy loop over the same batches doing only the random crop, the
  float32 conversion and the mean subtraction, and a raw uint8 read of the batches.

Usage:
    python benchmarks/bench_generator.py [--batches 12] [--naive-batches 2] [--repeats 3]

Each figure is the best of ``--repeats`` runs; the variants alternate within each repeat so
that other work on the machine favours none. The data is the Kaggle sample in
$PYIMAGESEARCH_SHARED (default ../shared) built with build_dataset.py, or random images
when the sample is absent.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import h5py
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from pyimagesearch.io import HDF5DatasetGenerator  # noqa: E402
from pyimagesearch.parallel.workers import available_cores  # noqa: E402
from pyimagesearch.preprocessing import (  # noqa: E402
    BOOK_AUGMENTATION,
    BatchAugmenter,
    MeanPreprocessor,
    PatchPreprocessor,
)
from pyimagesearch.preprocessing.augmentation import fuse_steps  # noqa: E402

SHARED = Path(os.environ.get("PYIMAGESEARCH_SHARED", REPO_ROOT.parent / "shared"))
SAMPLE = SHARED / "data" / "dogs-vs-cats-sample" / "train"
BOOK_AUG = BOOK_AUGMENTATION
SIZE, PATCH, BATCH = 256, 227, 128


# --- the straightforward version: the book's per-image preprocessors and Keras 2's flow -----
class BookMeanPreprocessor:
    def __init__(self, rMean: float, gMean: float, bMean: float) -> None:
        self.rMean, self.gMean, self.bMean = rMean, gMean, bMean

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        (R, G, B) = cv2.split(image.astype("float32"))  # our images are RGB
        R -= self.rMean
        G -= self.gMean
        B -= self.bMean
        return cv2.merge([R, G, B])


class BookPatchPreprocessor:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        from sklearn.feature_extraction.image import extract_patches_2d

        return extract_patches_2d(image, (self.height, self.width), max_patches=1)[0]


def img_to_array(image: np.ndarray) -> np.ndarray:
    return np.asarray(image, dtype="float32")


def keras2_random_transform(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Keras 2 ``ImageDataGenerator.random_transform`` + ``apply_affine_transform``."""
    from scipy import ndimage

    h, w = x.shape[:2]
    theta = np.deg2rad(rng.uniform(-20, 20))
    tx = rng.uniform(-0.2, 0.2) * h
    ty = rng.uniform(-0.2, 0.2) * w
    shear = rng.uniform(-0.15, 0.15)
    zx, zy = rng.uniform(0.85, 1.15, 2)
    rotation = np.array(
        [[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]]
    )
    shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    shear_m = np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])
    zoom = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
    m = rotation @ shift @ shear_m @ zoom
    ox, oy = h / 2 + 0.5, w / 2 + 0.5
    m = (
        np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]])
        @ m
        @ np.array([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
    )
    channels = [
        ndimage.affine_transform(x[:, :, c], m[:2, :2], m[:2, 2], order=1, mode="nearest")
        for c in range(x.shape[2])
    ]
    out = np.stack(channels, axis=-1)
    if rng.random() < 0.5:
        out = out[:, ::-1]
    return out


def straightforward(db_path: Path, mean: dict, n_batches: int, augment: bool) -> int:
    pp = BookPatchPreprocessor(PATCH, PATCH)
    mp = BookMeanPreprocessor(mean["R"], mean["G"], mean["B"])
    rng = np.random.default_rng(0)
    count = 0
    with h5py.File(db_path, "r") as db:
        for b in range(n_batches):
            images = db["images"][b * BATCH : (b + 1) * BATCH]
            batch = np.array([img_to_array(mp.preprocess(pp.preprocess(im))) for im in images])
            if augment:  # aug.flow(images, labels, batch_size=...): one batch
                batch = np.stack([keras2_random_transform(im, rng) for im in batch])
            count += len(batch)
    return count


# --- the limit: one bare loop ------------------------------------------------------------------
def bare_loop(db_path: Path, mean: dict, n_batches: int) -> int:
    m = np.array([mean["R"], mean["G"], mean["B"]], np.float32)
    rng = np.random.default_rng(0)
    out = np.empty((BATCH, PATCH, PATCH, 3), np.float32)
    count = 0
    with h5py.File(db_path, "r") as db:
        for b in range(n_batches):
            images = db["images"][b * BATCH : (b + 1) * BATCH]
            ys = rng.integers(0, SIZE - PATCH + 1, len(images))
            xs = rng.integers(0, SIZE - PATCH + 1, len(images))
            for i in range(len(images)):
                out[i] = images[i, ys[i] : ys[i] + PATCH, xs[i] : xs[i] + PATCH]
            out -= m
            count += len(images)
    return count


def raw_read(db_path: Path, n_batches: int) -> int:
    count = 0
    with h5py.File(db_path, "r") as db:
        for b in range(n_batches):
            count += len(db["images"][b * BATCH : (b + 1) * BATCH])
    return count


# --- ours ----------------------------------------------------------------------------------
def ours(
    db_path: Path,
    mean_path: Path,
    n_batches: int,
    augment: bool,
    uint8: bool,
    threads: int,
    fuse: bool = True,
):
    from pyimagesearch.parallel.batches import batch_threads

    steps: list = [PatchPreprocessor(PATCH, PATCH)]
    if augment:
        steps.append(BatchAugmenter(**BOOK_AUG))
    if not uint8:
        steps.append(MeanPreprocessor.from_json(mean_path))
    cv2_threads = cv2.getNumThreads()
    cv2.setNumThreads(threads)  # OpenCV's own thread pool too: 1 thread means one core
    count = 0
    try:
        with (
            batch_threads(threads),
            HDF5DatasetGenerator(
                db_path, BATCH, fuse_steps(steps) if fuse else steps, classes=2, seed=0
            ) as gen,
        ):
            for b in range(n_batches):
                images, _ = gen[b]
                count += len(images)
    finally:
        cv2.setNumThreads(cv2_threads)
    return count


def prepare_data(folder: Path) -> tuple[Path, Path]:
    if SAMPLE.is_dir():
        import build_dataset

        config = folder / "config.py"
        config.write_text(
            f"IMAGES_PATH = {str(SAMPLE)!r}\nNUM_VAL_IMAGES = 10\nNUM_TEST_IMAGES = 10\n"
            f"IMAGE_SIZE = {SIZE}\nTRAIN_HDF5 = 'train.hdf5'\nVAL_HDF5 = 'val.hdf5'\n"
            "TEST_HDF5 = 'test.hdf5'\nDATASET_MEAN = 'mean.json'\nOUTPUT_PATH = 'out'\n"
        )
        if build_dataset.main(["--config", str(config), "--quiet"]):
            raise SystemExit("build_dataset.py failed")
        print(f"[data] Kaggle sample from {SAMPLE}")
        return folder / "train.hdf5", folder / "mean.json"
    from pyimagesearch.utils.reports import write_json

    rng = np.random.default_rng(0)
    n = 1800
    path = folder / "train.hdf5"
    with h5py.File(path, "w") as db:
        ds = db.create_dataset("images", (n, SIZE, SIZE, 3), np.uint8, chunks=(1, SIZE, SIZE, 3))
        for s in range(0, n, 200):
            ds[s : s + 200] = rng.integers(0, 256, (min(200, n - s), SIZE, SIZE, 3), np.uint8)
        db.create_dataset("labels", data=np.arange(n) % 2)
        db.create_dataset("label_names", data=["cat", "dog"])
        db.attrs["complete"] = True
    print("[data] random images (no Kaggle sample found)")
    return path, write_json(folder / "mean.json", {"R": 124.0, "G": 116.0, "B": 104.0})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=12, help="batches per measurement")
    parser.add_argument("--naive-batches", type=int, default=2, help="for the slow version")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cores = available_cores()
    with tempfile.TemporaryDirectory() as tmp:
        db_path, mean_path = prepare_data(Path(tmp))
        import json

        mean = json.loads(Path(mean_path).read_text())
        with h5py.File(db_path, "r") as db:
            n_batches = min(args.batches, len(db["images"]) // BATCH)
        nb, nn = n_batches, min(args.naive_batches, n_batches)
        variants: dict[str, Callable[[], int]] = {
            "straightforward, augmentation": lambda: straightforward(db_path, mean, nn, True),
            "straightforward, no augmentation": lambda: straightforward(db_path, mean, nb, False),
            f"ours, augmentation, {cores} threads": lambda: ours(
                db_path, mean_path, nb, True, False, cores
            ),
            "ours, augmentation, 1 thread": lambda: ours(db_path, mean_path, nb, True, False, 1),
            f"ours, augmentation, {cores} threads, steps not fused": lambda: ours(
                db_path, mean_path, nb, True, False, cores, fuse=False
            ),
            f"ours, no augmentation, {cores} threads": lambda: ours(
                db_path, mean_path, nb, False, False, cores
            ),
            "ours, no augmentation, 1 thread": lambda: ours(
                db_path, mean_path, nb, False, False, 1
            ),
            f"ours uint8 (mean in model), augmentation, {cores} threads": lambda: ours(
                db_path, mean_path, nb, True, True, cores
            ),
            f"ours uint8 (mean in model), no augmentation, {cores} threads": lambda: ours(
                db_path, mean_path, nb, False, True, cores
            ),
            "limit: bare NumPy crop + float32 + mean, 1 thread": lambda: bare_loop(
                db_path, mean, nb
            ),
            "raw uint8 read": lambda: raw_read(db_path, nb),
        }
        best: dict[str, float] = {}
        for _ in range(args.repeats):
            for name, fn in variants.items():
                start = time.perf_counter()
                count = fn()
                rate = count / (time.perf_counter() - start)
                best[name] = max(best.get(name, 0.0), rate)
    print(
        f"\nimages/s (best of {args.repeats}; batch {BATCH}, {SIZE}px -> {PATCH}px, {cores} cores)"
    )
    for name, rate in best.items():
        print(f"  {name:62s} {rate:9.0f}")
    aug_ref = best["straightforward, augmentation"]
    noaug_ref = best["straightforward, no augmentation"]
    bare = best["limit: bare NumPy crop + float32 + mean, 1 thread"]
    print("\nratios")
    print(
        f"  ours aug ({cores} threads) / straightforward aug: "
        f"{best[f'ours, augmentation, {cores} threads'] / aug_ref:6.1f}x  (target >= 10x)"
    )
    print(
        f"  ours aug (1 thread) / straightforward aug:    "
        f"{best['ours, augmentation, 1 thread'] / aug_ref:6.1f}x"
    )
    print(
        f"  ours no-aug ({cores} threads) / straightforward no-aug: "
        f"{best[f'ours, no augmentation, {cores} threads'] / noaug_ref:6.1f}x"
    )
    print(
        f"  ours no-aug ({cores} threads) / bare loop: "
        f"{best[f'ours, no augmentation, {cores} threads'] / bare:6.2f}x  (target >= 0.8x)"
    )
    print(
        f"  ours no-aug (1 thread) / bare loop:       "
        f"{best['ours, no augmentation, 1 thread'] / bare:6.2f}x"
    )


if __name__ == "__main__":
    main()
