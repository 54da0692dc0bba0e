"""Raw against JPEG rows (STORAGE, JPEG_QUALITY) and the read orders (SHUFFLE), in one run.

The shared Kaggle photos (``--source``, 2,000 by default) are built at 256x256 four times:
raw, and JPEG at 85, 90 and 95 (the same split: 1,000 train, 100 validation, 900 test).
Measured, each ratio within this one run:

* bytes per image (the build report's ``bytes_per_image``) and the mean absolute error of
  the decoded JPEG rows against the raw ones (levels, 0-255);
* build rate (the builder's own images/s, best of ``--repeats``) against the decode limit
  (``bench_build.decode_limit``: a plain OpenCV loop, one process per core), the builds and
  the limit alternating; raw and JPEG 90 also with ``SHARDS = 2`` (two writer processes,
  their start-up included);
* the training loader as ``train.py`` makes it (``make_generators``: 227x227 uint8 patches,
  the mean in the model), one loader thread per core, with and without the book's
  augmentation, raw against JPEG 90 and the raw set in 2 shards (best of ``--rounds``
  passes);
* cold reads (``--cold-images``, default 25,000: the training rows repeated into a file of
  the full Kaggle size, ~4.9 GB raw, ~0.46 GB JPEG 90): ``--cold-rows`` rows read in random
  order, in block order (``SHUFFLE = "block"``) and in file order, the page cache dropped
  before each: raw rows by the loader (its threads, no preprocessing), JPEG rows' bytes as
  the loader reads them (one h5py call a batch; in block order whole blocks, two windows
  kept: ``BlockCache``), not decoded
  (``echo 3 > /proc/sys/vm/drop_caches``: needs root; the part is skipped, saying so,
  where it is not allowed; ``--cold-images 0`` skips it);
* accuracy: MobileNetV2 features (the shared weights, 224 px) and a logistic regression
  trained on the train split's features, scored on the test split, raw against JPEG 90,
  with the paired bootstrap spread of the difference (``--no-accuracy`` skips it).

Usage:
    python benchmarks/bench_storage.py [--source DIR] [--repeats 2] [--rounds 3]
        [--cold-images 25000] [--cold-rows 4000] [--no-accuracy]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from bench_common import SAMPLE, WEIGHTS, sample_settings, write_settings  # noqa: E402

STORAGES = {"raw": ("raw", 90), "jpeg 85": ("jpeg", 85), "jpeg 90": ("jpeg", 90),
            "jpeg 95": ("jpeg", 95)}  # fmt: skip
SHARDED = {"raw, 2 shards": "raw", "jpeg 90, 2 shards": "jpeg 90"}  # SHARDS = 2 builds


def build(work: Path, source: Path, name: str) -> tuple[Path, dict]:
    """Build ``source`` as ``STORAGES[name]`` (or ``SHARDED[name]``: 2 shards) under
    ``work/name``; its config and report."""
    from pyimagesearch.config import load_config
    from pyimagesearch.data.build_dataset import build_dataset

    storage, quality = STORAGES[SHARDED.get(name, name)]
    folder = work / name.replace(" ", "").replace(",", "_")
    settings = {**sample_settings(folder, folder / "out", source, held_out=100),
                "NUM_TEST_IMAGES": 900, "STORAGE": storage, "JPEG_QUALITY": quality,
                "SHARDS": 2 if name in SHARDED else 1, "OVERWRITE": True,
                "INPUT_SIZE": 227}  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    config = write_settings(folder / "config.py", settings)
    report = build_dataset(load_config(config), progress=False)
    return config, report


def builds(work: Path, source: Path, repeats: int) -> tuple[dict, dict]:
    """Every storage built ``repeats`` times, alternating with the decode limit: the
    configs, and the best rates, bytes per image and the limit."""
    from bench_build import decode_limit

    from pyimagesearch.parallel.workers import available_cores

    paths = sorted(source.glob("*.jpg"))
    configs, best = {}, {"limit": 0.0}
    for _ in range(repeats):
        best["limit"] = max(best["limit"], decode_limit(paths, available_cores()))
        for name in [*STORAGES, *SHARDED]:
            configs[name], report = build(work, source, name)
            rate = report["totals"]["images_per_second"]
            best[name] = max(best.get(name, 0.0), rate)
            best[f"{name} bytes"] = report["totals"]["bytes_per_image"]
    return configs, best


def decoded_error(configs: dict) -> dict[str, float]:
    """Mean absolute error (levels) of each JPEG build's training rows against raw."""
    from pyimagesearch.config import load_config
    from pyimagesearch.io.hdf5_dataset import open_hdf5, read_rows

    def rows(name: str) -> np.ndarray:
        with open_hdf5(load_config(configs[name]).TRAIN_HDF5, "images") as db:
            return read_rows(db["images"], slice(None)).astype(np.int16)

    raw = rows("raw")
    return {name: float(np.abs(rows(name) - raw).mean()) for name in STORAGES if name != "raw"}


def loader_rates(configs: dict, rounds: int) -> dict[tuple[str, bool], float]:
    """Best images/s of a pass of the training loader, raw and JPEG 90, augmentation off
    and on (the variants alternating within each round)."""
    from bench_loader_scaling import iterate_rate, loader

    from pyimagesearch.parallel.workers import available_cores

    threads = available_cores()
    best: dict[tuple[str, bool], float] = {}
    for _ in range(rounds):
        for name in ("raw", "jpeg 90", "raw, 2 shards"):
            for aug in (False, True):
                gen = loader(configs[name], 128, threads, aug)
                try:
                    rate = iterate_rate(gen, 1)
                finally:
                    gen.close()
                best[(name, aug)] = max(best.get((name, aug), 0.0), rate)
    return best


def drop_caches() -> bool:
    """Drop the page cache (root only); False where it is not allowed."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def large_file(train: Path, path: Path, images: int) -> Path:
    """The stored rows of ``train`` (raw or JPEG bytes) repeated into ``images`` rows."""
    import h5py

    from pyimagesearch.io import HDF5DatasetWriter
    from pyimagesearch.io.storage import QUALITY_ATTR, row_shape, storage_of

    with h5py.File(train, "r") as db:
        data = db["images"]
        rows, labels, shape = data[:256], db["labels"][:256], row_shape(data)
        storage, quality = storage_of(data), data.attrs.get(QUALITY_ATTR)
    with HDF5DatasetWriter((images, *shape), path, buffer_size=256, storage=storage,
                           jpeg_quality=quality) as writer:  # fmt: skip
        writer.store_class_labels(["cat", "dog"])
        for start in range(0, images, len(rows)):
            take = min(len(rows), images - start)
            writer.add(rows[:take], labels[:take])
    return path


def cold_rate(path: Path, order: str | bool, rows: int, threads: int) -> float:
    """Images/s of the loader's first ``rows`` rows of an epoch in ``order`` (raw rows,
    its loader threads), the cache dropped."""
    from pyimagesearch.io import HDF5DatasetGenerator

    with HDF5DatasetGenerator(path, 128, shuffle=order, seed=1, workers=threads) as gen:
        batches = range(min(len(gen), max(1, rows // 128)))
        drop_caches()
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            count = sum(len(x) for x, _ in pool.map(gen.worker_batch, batches))
        return count / (time.perf_counter() - start)


def cold_bytes_rate(path: Path, order: str | bool, rows: int) -> float:
    """Rows/s of reading the JPEG bytes of the first ``rows`` rows of an epoch in
    ``order``, a batch of 128 per h5py call as the loader reads them (not decoded), the
    cache dropped."""
    import h5py

    from pyimagesearch.config import default
    from pyimagesearch.io.read_order import BlockCache, epoch_order

    with h5py.File(path, "r") as db:
        data = db["images"]
        rng = np.random.default_rng([1, 0, 0])
        order_rows = epoch_order(len(data), rng, order) if order else np.arange(len(data))
        # as the loader reads: whole blocks in block order (BlockCache), else one call a batch
        blocks = BlockCache(data, default("SHUFFLE_BLOCK"), 2 * default("SHUFFLE_WINDOW"))
        read = blocks.rows if order == "block" else lambda rows: data[rows]
        drop_caches()
        start = time.perf_counter()
        for lo in range(0, rows, 128):
            read(np.sort(order_rows[lo : lo + 128]))
        return rows / (time.perf_counter() - start)


def cold_reads(configs: dict, work: Path, images: int, rows: int) -> dict[str, dict] | None:
    """Cold rows/s of random, block and file order on files of ``images`` rows (raw: the
    loader; JPEG 90: its bytes); None where the page cache cannot be dropped."""
    from pyimagesearch.config import load_config
    from pyimagesearch.parallel.workers import available_cores

    if not drop_caches():
        print("[SKIP] cold reads: the page cache cannot be dropped here (needs root: "
              "echo 3 > /proc/sys/vm/drop_caches)")  # fmt: skip
        return None
    orders = {"random": "random", "block": "block", "sequential": False}
    out = {}
    for name in ("raw", "jpeg 90"):
        path = large_file(load_config(configs[name]).TRAIN_HDF5, work / "large.hdf5", images)
        try:
            out[name] = {
                key: cold_rate(path, order, rows, available_cores())
                if name == "raw"
                else cold_bytes_rate(path, order, rows)
                for key, order in orders.items()
            }
        finally:
            path.unlink()
    return out


def features(config: Path, extractor) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The features and labels of the train and test splits of a build."""
    from pyimagesearch.config import load_config
    from pyimagesearch.data.sources import open_source
    from pyimagesearch.features.extraction import extract_arrays

    cfg = load_config(config)
    out = {}
    for split in ("train", "test"):
        source = open_source(cfg.split_path(split))
        values, rows, _ = extract_arrays(extractor, source, 64)
        out[split] = (values, source.labels[rows])
    return out


def accuracy(configs: dict) -> dict[str, float]:
    """Test accuracy of a logistic regression on MobileNetV2 features (the shared weights,
    224 px) of each build, raw and JPEG 90, and the paired bootstrap standard deviation of
    their difference."""
    from sklearn.linear_model import LogisticRegression

    from pyimagesearch.features.extraction import FeatureExtractor

    extractor = FeatureExtractor("MobileNetV2", str(WEIGHTS), 224)
    right = {}
    for name in ("raw", "jpeg 90"):
        split = features(configs[name], extractor)
        model = LogisticRegression(C=1.0, max_iter=2000).fit(*split["train"])
        right[name] = model.predict(split["test"][0]) == split["test"][1]
    diff = right["raw"].astype(float) - right["jpeg 90"]
    boot = np.random.default_rng(0).integers(0, len(diff), (2000, len(diff)))
    acc = {name: hits.mean() * 100 for name, hits in right.items()}
    spread = diff[boot].mean(axis=1).std() * 100
    return {**acc, "difference": diff.mean() * 100, "spread": spread}


def report(best: dict, errors: dict, loaders: dict, cold: dict | None, acc: dict | None) -> None:
    raw_bytes = best["raw bytes"]
    print(f"\nbuild (images/s, best of the repeats; decode limit {best['limit']:.0f})")
    for name in STORAGES:
        err = f"  error {errors[name]:.2f} levels" if name in errors else ""
        print(f"  {name:8s} {best[name]:7.0f} images/s ({best[name] / best['limit']:.2f} of the "
              f"limit)  {best[name + ' bytes']:9,.0f} bytes/image "
              f"(1/{raw_bytes / best[name + ' bytes']:.1f} of raw){err}")  # fmt: skip
    for name, one in SHARDED.items():
        print(f"  {name:18s} {best[name]:7.0f} images/s ({best[name] / best['limit']:.2f} of the "
              f"limit, {best[name] / best[one]:.2f}x one file a split)")  # fmt: skip
    print("\nloader (images/s, 227 px uint8 patches, one thread per core)")
    for aug in (False, True) if loaders else ():
        raw, jpeg = loaders[("raw", aug)], loaders[("jpeg 90", aug)]
        shards = loaders[("raw, 2 shards", aug)]
        print(f"  {'augmentation' if aug else 'no augmentation':16s} raw {raw:7.0f}  "
              f"jpeg 90 {jpeg:7.0f}  jpeg/raw {jpeg / raw:.2f}  "
              f"raw, 2 shards {shards:7.0f}")  # fmt: skip
    for name, rates in (cold or {}).items():
        print(f"\ncold reads, {name} (rows/s): "
              + ", ".join(f"{k} {v:.0f}" for k, v in rates.items())
              + f"; block/sequential {rates['block'] / rates['sequential']:.2f}, "
              f"block/random {rates['block'] / rates['random']:.1f}x")  # fmt: skip
    if acc:
        print(f"\naccuracy (MobileNetV2 + logistic regression, 900 test images): raw "
              f"{acc['raw']:.2f}%, jpeg 90 {acc['jpeg 90']:.2f}%, difference "
              f"{acc['difference']:+.2f} points (bootstrap sd {acc['spread']:.2f})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SAMPLE)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold-images", type=int, default=25000)
    parser.add_argument("--cold-rows", type=int, default=4000)
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument("--only-cold", action="store_true", help="builds and cold reads only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        configs, best = builds(work, args.source, args.repeats)
        errors = decoded_error(configs)
        loaders = {} if args.only_cold else loader_rates(configs, args.rounds)
        cold = None
        if args.cold_images:
            cold = cold_reads(configs, work, args.cold_images, args.cold_rows)
        acc = None if args.no_accuracy or args.only_cold else accuracy(configs)
    report(best, errors, loaders, cold, acc)
    print(json.dumps({"best": best, "errors": errors, "cold": cold, "accuracy": acc}))


if __name__ == "__main__":
    main()
