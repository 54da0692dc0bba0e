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

both fine-tunings with ``--head-epochs`` + ``--epochs`` epochs, batch 32, early stopping as
always (patience 3), once for each of ``--seeds`` (``RANDOM_SEED`` of the fine-tuning: the
head's initial weights, the shuffles, the augmentation; the build and the logistic
regression keep seed 42). Each model is then scored by ``evaluate.py --model`` on the same
test images: baseline (resized) and 10-crop rank-1 and log loss. Prints one Markdown table
(a row a run, then each recipe's mean and spread over the seeds); writes
``fine_tuning.json`` after every run (and every command's output, commands.log) into
``--work``. A work folder used before keeps its build, its logistic regression and the runs
in its ``fine_tuning.json`` (run more seeds into it).

Usage:
    python benchmarks/compare_fine_tuning.py [--size 128] [--head-epochs 3] [--epochs 5]
        [--seeds 42] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_common import SAMPLE, WEIGHTS, sample_settings, write_settings  # noqa: E402
from bench_common import run_script as run  # noqa: E402

BOOK = {"FINE_TUNE_RECIPE": "book", "AUGMENTATION": "book"}
MODERN = {"FINE_TUNE_RECIPE": "recipe", "OPTIMIZER": "adamw", "WEIGHT_DECAY": 0.05,
          "LR_SCHEDULE": "cosine", "WARMUP_EPOCHS": 1, "LABEL_SMOOTHING": 0.1,
          "GRADIENT_CLIP": 1.0, "EMA_DECAY": 0.99, "AUGMENTATION": "strong"}  # fmt: skip
NAMES = {
    "logreg": "logistic regression on MobileNetV2 features",
    "book": "MobileNetV2 fine-tuned, today's (book) recipe",
    "modern": "MobileNetV2 fine-tuned, the modern recipe",
}
RECIPES = {"book": BOOK, "modern": MODERN}


def common_settings(work: Path, args) -> dict:
    """The build, the backbone and the epochs: the same for every model."""
    out = work / "output"
    return {**sample_settings(work, out), "IMAGE_SIZE": args.size + 16,
            "NUM_TEST_IMAGES": 400, "RANDOM_SEED": 42, "BACKBONE": "MobileNetV2",
            "WEIGHTS": str(WEIGHTS), "FEATURE_IMAGE_SIZE": args.size,
            "FEATURES_HDF5": str(out / "features_mobilenetv2.hdf5"),
            "FINE_TUNE_HEAD_EPOCHS": args.head_epochs, "FINE_TUNE_EPOCHS": args.epochs,
            "FINE_TUNE_BATCH_SIZE": 32, "FINE_TUNE_LAYERS": "block_16_"}  # fmt: skip


def evaluate(work: Path, config: Path, model: Path, name: str) -> dict:
    """``evaluate.py --model`` of one model on the test split: its report."""
    out = work / "output" / name
    run(work, "evaluate.py", "--config", str(config), "--model", str(model), "--quiet",
        "--set", f"OUTPUT_PATH={out}")  # fmt: skip
    return json.loads((out / "evaluation.json").read_text())


def logreg(work: Path, config: Path) -> dict:
    """Features, the logistic regression and its test figures (kept from an earlier run)."""
    model = work / "output" / "logreg.skops"
    c = ["--config", str(config)]
    if not (work / "hdf5" / "test.hdf5").exists():
        run(work, "build_dataset.py", *c, "--quiet")
    seconds = 0.0
    if not model.exists():
        seconds = run(work, "extract_features.py", *c, "--quiet") + run(work, "train_logreg.py", *c)
    return {**evaluate(work, config, model, "logreg"), "train_seconds": round(seconds, 1)}


def fine_tune(work: Path, common: dict, recipe: str, seed: int) -> dict:
    """One fine-tuning run of ``recipe`` with ``RANDOM_SEED = seed``; its test figures."""
    model = work / "output" / f"fine_tuned_{recipe}_{seed}.keras"
    settings = {
        **common,
        **RECIPES[recipe],
        "RANDOM_SEED": seed,
        "FINE_TUNE_MODEL_PATH": str(model),
    }
    config = write_settings(work / f"config_{recipe}_{seed}.py", settings)
    seconds = run(work, "fine_tune.py", "--config", str(config), "--overwrite")
    report = evaluate(work, work / "config.py", model, f"{recipe}-{seed}")
    return {**report, "train_seconds": round(seconds, 1), "recipe": recipe, "seed": seed}


def table(results: dict) -> list[str]:
    """A row a run, then the mean and (population) spread of each recipe's runs."""
    keys = ("baseline_rank1", "baseline_log_loss", "tencrop_rank1", "tencrop_log_loss")
    rows = ["| model | seed | test rank-1 | test log loss | 10-crop rank-1 | 10-crop log loss "
            "| training |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for name, r in results.items():
        kind, seed = (name.split("-") + ["-"])[:2]
        rank1, loss, crop_rank1, crop_loss = (r[k] for k in keys)
        rows.append(f"| {NAMES[kind]} | {seed} | {rank1:.2%} | {loss:.3f} | {crop_rank1:.2%} "
                    f"| {crop_loss:.3f} | {r['train_seconds']:.0f} s |")  # fmt: skip
    for recipe in RECIPES:
        runs = [r for name, r in results.items() if name.startswith(f"{recipe}-")]
        if len(runs) > 1:
            cells = [(np.mean([r[k] for r in runs]), np.std([r[k] for r in runs])) for k in keys]
            rows.append(f"| {NAMES[recipe]}: mean +- sd | {len(runs)} seeds | " + " | ".join(
                f"{m:.2%} +- {d:.2%}" if "rank1" in k else f"{m:.3f} +- {d:.3f}"
                for (m, d), k in zip(cells, keys, strict=True)) + " | |")  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128, help="the network's input, px")
    parser.add_argument("--head-epochs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5, help="epochs after unfreezing")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--work", type=Path, default=REPO / "output" / "compare_fine_tuning")
    args = parser.parse_args()
    if not SAMPLE.is_dir() or not WEIGHTS.is_file():
        sys.exit(f"needs {SAMPLE} and {WEIGHTS} (set PYIMAGESEARCH_SHARED)")
    args.work.mkdir(parents=True, exist_ok=True)
    common = common_settings(args.work, args)
    config = write_settings(args.work / "config.py", common)
    saved = args.work / "fine_tuning.json"
    results = json.loads(saved.read_text()) if saved.exists() else {}
    if "logreg" not in results:
        results["logreg"] = logreg(args.work, config)
    for seed in args.seeds:  # the recipes alternate: a slower spell hits both
        for recipe in RECIPES:
            if f"{recipe}-{seed}" not in results:
                results[f"{recipe}-{seed}"] = fine_tune(args.work, common, recipe, seed)
                saved.write_text(json.dumps(results, indent=2))
    saved.write_text(json.dumps(results, indent=2))
    print(f"{results['logreg']['n_images']} test images, {args.size} px, fine-tuning "
          f"{args.head_epochs}+{args.epochs} epochs (work folder {args.work})\n")  # fmt: skip
    print("\n".join(table(results)))


if __name__ == "__main__":
    main()
