"""Benchmark evaluate.py of a logistic regression on MobileNetV2 features at 224 px: peak
memory against the test set's size, the baseline from the stored features against
extracting them again, and 10-crop against the backbone's own predict rate on its crops.

The shared Kaggle photos are built at 256 px twice: ``--small-photos`` of them (half cats)
with ``--small`` test images, and all 2,000 with ``--large`` test images; each build goes
through extract_features.py (MobileNetV2 from the shared weights, 224 px) and
train_logreg.py (C = 1), as the documented pipeline does. Then, in one run:

* memory: the peak resident memory of each ``python evaluate.py`` process (``os.wait4``),
  small and large test set, and the small one as before this version (``--set
  EVAL_BACKBONE_BATCH=256``: each chunk's 250 crops in one backbone call);
* baseline (large test set, the model loaded once): from the stored features (best of 3)
  against extracting them again (the backbone over the test images, once with this
  version's slices and once with 256 images a call, as before);
* 10-crop (the first ``--rate-images`` test images, in memory): images/s of
  ``predict_tencrop`` against the backbone's own ``predict_on_batch`` over the same crops
  already cut and preprocessed (float32), in calls of this version's slice, of 32 (as
  extract_features.py) and of 256 (as before);
  best of ``--rounds`` alternating rounds, ratios within the run.

Usage:
    python benchmarks/bench_evaluate_features.py [--small 100] [--large 400]
        [--small-photos 600] [--rate-images 60] [--rounds 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench_common import SAMPLE, WEIGHTS, best_seconds, peak_rss_mb, write_settings  # noqa: E402

SIDE = 224


def prepare(work: Path, photos: Path, test_images: int, log: Path) -> Path:
    """Build ``photos`` (``test_images`` test and 100 validation images), extract the
    features of the splits and train the logistic regression; return the config."""
    settings = {
        "IMAGES_PATH": str(photos),
        "NUM_VAL_IMAGES": 100,
        "NUM_TEST_IMAGES": test_images,
        "IMAGE_SIZE": 256,
        "TRAIN_HDF5": str(work / "hdf5" / "train.hdf5"),
        "VAL_HDF5": str(work / "hdf5" / "val.hdf5"),
        "TEST_HDF5": str(work / "hdf5" / "test.hdf5"),
        "DATASET_MEAN": str(work / "out" / "mean.json"),
        "OUTPUT_PATH": str(work / "out"),
        "BACKBONE": "MobileNetV2",
        "WEIGHTS": str(WEIGHTS),
        "FEATURE_IMAGE_SIZE": SIDE,
        "FEATURES_HDF5": str(work / "out" / "features.hdf5"),
        "MODEL_PATH": str(work / "out" / "logreg.skops"),
        "LOGREG_C_GRID": [1.0],
    }
    work.mkdir(parents=True, exist_ok=True)
    config = write_settings(work / "config.py", settings)
    for script in ("build_dataset.py", "extract_features.py", "train_logreg.py"):
        extra = ["--quiet"] if script != "train_logreg.py" else []
        peak_rss_mb([script, "--config", str(config), *extra], log)
    return config


def photo_folder(folder: Path, n: int) -> Path:
    """``n`` of the shared photos (half cats, half dogs), linked into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("cat", "dog"):
        for i in range(1, n // 2 + 1):
            (folder / f"{name}.{i}.jpg").symlink_to(SAMPLE / f"{name}.{i}.jpg")
    return folder


def evaluate_memory(config: Path, log: Path, *sets: str) -> tuple[float, dict]:
    """Peak RSS (MB) of one ``evaluate.py`` run, and its report."""
    out = Path(config).parent / "out" / "evaluation.json"
    extra = [arg for s in sets for arg in ("--set", s)]
    mb = peak_rss_mb(["evaluate.py", "--config", str(config), "--quiet", *extra], log)
    return mb, json.loads(out.read_text())


def baselines(config: Path) -> dict[str, float]:
    """Seconds of the large set's baseline: stored features, and extracted again."""
    from pyimagesearch.config import load_config
    from pyimagesearch.evaluation.stored_features import match_stored_features, predict_stored
    from pyimagesearch.evaluation.tencrop import predict_baseline
    from pyimagesearch.io.hdf5_dataset import open_hdf5
    from pyimagesearch.models import load_classifier

    cfg = load_config(config)
    classifier = load_classifier(cfg.MODEL_PATH)
    with open_hdf5(cfg.TEST_HDF5, "images") as db:
        predict_baseline(classifier, db["images"][:8])  # build and trace the backbone
        classifier.backbone_batch = 256
        predict_baseline(classifier, db["images"][:256])
        before = best_seconds(lambda: predict_baseline(classifier, db["images"]), 1)
        classifier.backbone_batch = None
        sliced = best_seconds(lambda: predict_baseline(classifier, db["images"]), 1)
        stored = best_seconds(
            lambda: predict_stored(classifier, match_stored_features(classifier, db)[0]), 3
        )
    return {"stored": stored, "sliced": sliced, "before": before}


def tencrop_rates(config: Path, n: int, rounds: int) -> dict[str, float]:
    """Images/s of 10-crop evaluation and of the backbone alone on the same crops."""
    from pyimagesearch.config import load_config
    from pyimagesearch.evaluation.tencrop import predict_tencrop
    from pyimagesearch.io.hdf5_dataset import open_hdf5
    from pyimagesearch.models import load_classifier
    from pyimagesearch.models.classifiers import backbone_batch_for

    cfg = load_config(config)
    classifier = load_classifier(cfg.MODEL_PATH)
    with open_hdf5(cfg.TEST_HDF5, "images") as db:
        images = db["images"][:n]
    fx = classifier.extractors[0]
    crops = fx.preprocess(classifier.tencrop_inputs(images))  # float32, as the backbone takes
    slice_ = backbone_batch_for(SIDE)

    def backbone(batch: int) -> None:
        for lo in range(0, len(crops), batch):
            fx.model.predict_on_batch(crops[lo : lo + batch])

    contenders = {
        "ours": lambda: predict_tencrop(classifier, images),
        f"backbone, {slice_} a call": lambda: backbone(slice_),
        "backbone, 32 a call": lambda: backbone(32),
        "backbone, 256 a call": lambda: backbone(256),
    }
    predict_tencrop(classifier, images[:3])  # build and trace; best of rounds does the rest
    for batch in (slice_, 32, 256):
        fx.model.predict_on_batch(crops[:batch])
    best = {name: float("inf") for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: n / seconds for name, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100, help="test images, small set")
    parser.add_argument("--large", type=int, default=400, help="test images, large set")
    parser.add_argument("--small-photos", type=int, default=600, help="photos of the small build")
    parser.add_argument("--rate-images", type=int, default=60, help="images of the 10-crop rates")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, help="keep the datasets and logs here")
    args = parser.parse_args()
    if not SAMPLE.is_dir() or not WEIGHTS.is_file():
        sys.exit(f"needs {SAMPLE} and {WEIGHTS} (set PYIMAGESEARCH_SHARED)")
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        log = work / "log.txt"
        work.mkdir(parents=True, exist_ok=True)
        small_photos = photo_folder(work / "small_photos", args.small_photos)
        small = prepare(work / "small", small_photos, args.small, log)
        large = prepare(work / "large", SAMPLE, args.large, log)
        report(args, small, large, log)


def report(args: argparse.Namespace, small: Path, large: Path, log: Path) -> None:
    """Run every measurement and print the figures and their ratios."""
    rows = [
        (f"small ({args.small} test images)", *evaluate_memory(small, log)),
        (f"large ({args.large} test images)", *evaluate_memory(large, log)),
        ("small, as before (EVAL_BACKBONE_BATCH=256)",
         *evaluate_memory(small, log, "EVAL_BACKBONE_BATCH=256")),
    ]  # fmt: skip
    print("evaluate.py (logistic regression on MobileNetV2 features, 224 px)")
    print("  test set                                   | peak RSS | baseline s | 10-crop s")
    for name, mb, rep in rows:
        print(f"  {name:43s}| {mb:5.0f} MB | {rep['baseline_seconds']:10.2f} "
              f"| {rep['tencrop_seconds']:9.1f}")  # fmt: skip
    print(f"  large / small peak: {rows[1][1] / rows[0][1]:.2f}x for "
          f"{args.large / args.small:.0f}x the images (goal: flat, < 1000 MB)")  # fmt: skip
    seconds = baselines(large)
    print(f"baseline of the {args.large} large-set test images:")
    print(f"  from the stored features       {seconds['stored']:8.3f} s")
    print(f"  extracted again (this version) {seconds['sliced']:8.2f} s  "
          f"({seconds['sliced'] / seconds['stored']:.0f}x the stored)")  # fmt: skip
    print(f"  extracted again (256 a call)   {seconds['before']:8.2f} s  "
          f"({seconds['before'] / seconds['stored']:.0f}x the stored; goal >= 10x)")  # fmt: skip
    rates = tencrop_rates(large, args.rate_images, args.rounds)
    print(f"10-crop of {args.rate_images} images, images/s (best of {args.rounds}):")
    ours = rates.pop("ours")
    print(f"  ours (predict_tencrop)         {ours:8.2f}")
    for name, rate in rates.items():
        print(f"  {name:31s}{rate:8.2f}  ours / it: {ours / rate:.2f} (goal >= 0.8)")


if __name__ == "__main__":
    main()
