"""Which fine-tuning wins here? MobileNetV2 fine-tuned with the modern recipe against
today's fine-tuning (the book's) and against logistic regression on its pooled features,
on the builder's test split of the shared Kaggle photos, run as a user runs the scripts.

Builds the 2,000 photos of $PYIMAGESEARCH_SHARED (default ../shared) once (``--size`` + 16
px stored, 200 validation and 400 test images: the builder's seeded split), then, with one
config (the shared MobileNetV2 weights, ``--size`` px input):

    extract_features.py -> train_logreg.py (C by cross-validation on train + val)
    fine_tune.py, FINE_TUNE_RECIPE = "book": RMSprop 1e-3 for the head, then SGD 1e-4
        (momentum 0.9) for the last block (block_16_), AUGMENTATION = "book"
    fine_tune.py, FINE_TUNE_RECIPE = "recipe": the same head stage, then AdamW 1e-4
        (decoupled decay 0.05), 1 warm-up epoch then cosine, label smoothing 0.1 (both
        stages), GRADIENT_CLIP 1, EMA_DECAY 0.99 (0.999 would average over more steps than
        these short runs have), AUGMENTATION = "strong"

both fine-tunings with ``--head-epochs`` + ``--epochs`` epochs, batch 32, RANDOM_SEED 42,
early stopping as always (patience 3). Each model is then scored by ``evaluate.py --model``
on the same test images: baseline (resized) and 10-crop rank-1 and log loss. Prints one
Markdown table; writes ``fine_tuning.json`` (and every command's output, commands.log)
into ``--work``.

Usage:
    python benchmarks/compare_fine_tuning.py [--size 128] [--head-epochs 3] [--epochs 5]
        [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_common import SAMPLE, WEIGHTS, sample_settings, write_settings  # noqa: E402

BOOK = {"FINE_TUNE_RECIPE": "book", "AUGMENTATION": "book"}
MODERN = {"FINE_TUNE_RECIPE": "recipe", "OPTIMIZER": "adamw", "WEIGHT_DECAY": 0.05,
          "LR_SCHEDULE": "cosine", "WARMUP_EPOCHS": 1, "LABEL_SMOOTHING": 0.1,
          "GRADIENT_CLIP": 1.0, "EMA_DECAY": 0.99, "AUGMENTATION": "strong"}  # fmt: skip
MODELS = {  # key: (the table's name, the model file)
    "logreg": ("logistic regression on MobileNetV2 features", "logreg.skops"),
    "book": ("MobileNetV2 fine-tuned, today's (book) recipe", "fine_tuned_book.keras"),
    "modern": ("MobileNetV2 fine-tuned, the modern recipe", "fine_tuned_modern.keras"),
}


def run(work: Path, *args: str) -> float:
    """Run one script as a user would; log its output; return its wall time."""
    started = time.perf_counter()
    with open(work / "commands.log", "a") as log:
        log.write(f"\n$ python {' '.join(args)}\n")
        log.flush()
        subprocess.run([sys.executable, *args], cwd=REPO, stdout=log, stderr=log, check=True)
    return time.perf_counter() - started


def write_configs(work: Path, args) -> dict[str, Path]:
    """The shared config, and one per fine-tuning recipe on top of it."""
    out = work / "output"
    common = {**sample_settings(work, out), "IMAGE_SIZE": args.size + 16,
              "NUM_TEST_IMAGES": 400, "RANDOM_SEED": 42, "BACKBONE": "MobileNetV2",
              "WEIGHTS": str(WEIGHTS), "FEATURE_IMAGE_SIZE": args.size,
              "FEATURES_HDF5": str(out / "features_mobilenetv2.hdf5"),
              "FINE_TUNE_HEAD_EPOCHS": args.head_epochs, "FINE_TUNE_EPOCHS": args.epochs,
              "FINE_TUNE_BATCH_SIZE": 32, "FINE_TUNE_LAYERS": "block_16_"}  # fmt: skip
    configs = {"common": write_settings(work / "config.py", common)}
    for key, recipe in (("book", BOOK), ("modern", MODERN)):
        path = str(out / MODELS[key][1])
        configs[key] = write_settings(
            work / f"config_{key}.py", {**common, **recipe, "FINE_TUNE_MODEL_PATH": path}
        )
    return configs


def evaluate(work: Path, config: Path, key: str) -> dict:
    """``evaluate.py --model`` of one model on the test split: its report."""
    out = work / "output"
    run(work, "evaluate.py", "--config", str(config), "--model", str(out / MODELS[key][1]),
        "--quiet", "--set", f"OUTPUT_PATH={out / key}")  # fmt: skip
    return json.loads((out / key / "evaluation.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128, help="the network's input, px")
    parser.add_argument("--head-epochs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5, help="epochs after unfreezing")
    parser.add_argument("--work", type=Path, default=REPO / "output" / "compare_fine_tuning")
    args = parser.parse_args()
    if not SAMPLE.is_dir() or not WEIGHTS.is_file():
        sys.exit(f"needs {SAMPLE} and {WEIGHTS} (set PYIMAGESEARCH_SHARED)")
    args.work.mkdir(parents=True, exist_ok=True)
    configs = write_configs(args.work, args)
    c = ["--config", str(configs["common"])]
    seconds = {"build": run(args.work, "build_dataset.py", *c, "--quiet")}
    seconds["logreg"] = run(args.work, "extract_features.py", *c, "--quiet")
    seconds["logreg"] += run(args.work, "train_logreg.py", *c)
    results = {}
    for key in MODELS:
        if key != "logreg":
            seconds[key] = run(args.work, "fine_tune.py", "--config", str(configs[key]))
        results[key] = {**evaluate(args.work, configs["common"], key),
                        "train_seconds": round(seconds[key], 1)}  # fmt: skip
        (args.work / "fine_tuning.json").write_text(json.dumps(results, indent=2))
    print(f"{results['logreg']['n_images']} test images, {args.size} px, fine-tuning "
          f"{args.head_epochs}+{args.epochs} epochs (work folder {args.work})\n")  # fmt: skip
    print("| model | test rank-1 | test log loss | 10-crop rank-1 | 10-crop log loss | "
          "training |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for key, r in results.items():
        print(f"| {MODELS[key][0]} | {r['baseline_rank1']:.2%} | {r['baseline_log_loss']:.3f} "
              f"| {r['tencrop_rank1']:.2%} | {r['tencrop_log_loss']:.3f} "
              f"| {r['train_seconds']:.0f} s |")  # fmt: skip


if __name__ == "__main__":
    main()
