"""Every kind of model on one test split: AlexNet from scratch, logistic regression and a
Keras head on pretrained features, a network fine-tuned from stored activations (split
before its last block) and one fine-tuned with images, run as a user runs them.

Builds the 2,000 real Kaggle photos of $PYIMAGESEARCH_SHARED (default ../shared) into
1,600 / 200 / 200 images at 256x256, then runs the scripts in order with one config:

    build_dataset.py -> train_alexnet.py -> evaluate.py
    extract_features.py (MobileNetV2, the shared weights, 224x224, the builder's splits)
      -> train_logreg.py -> evaluate.py;  train_head.py -> evaluate.py
    extract_features.py --activations (MobileNetV2 split before block_16_)
      -> fine_tune.py --from-activations -> evaluate.py (the same epochs, then more)
    fine_tune.py (MobileNetV2 from the shared weights, its last block) -> evaluate.py

and prints one Markdown table: each model's baseline and 10-crop rank-1 accuracy and log
loss on the same 200 test images, and the wall time of its training. Every command and its
output go to ``--work`` (default: a new temporary folder).

Usage:
    python benchmarks/compare_models.py [--alexnet-epochs 15] [--skip-alexnet] \
        [--fine-tune-epochs 3] [--split-epochs 10] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_common import SAMPLE, WEIGHTS, sample_settings  # noqa: E402
from bench_common import run_script as run  # noqa: E402

from pyimagesearch.preprocessing import BOOK_AUGMENTATION  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alexnet-epochs", type=int, default=15)
    parser.add_argument("--fine-tune-epochs", type=int, default=3)
    parser.add_argument("--split-epochs", type=int, default=10,
                        help="epochs per stage of the longer run from activations")  # fmt: skip
    parser.add_argument("--skip-alexnet", action="store_true")
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if not SAMPLE.is_dir() or not WEIGHTS.is_file():
        sys.exit(f"needs {SAMPLE} and {WEIGHTS} (set PYIMAGESEARCH_SHARED)")
    work = args.work or Path(tempfile.mkdtemp(prefix="compare_models_"))
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.py"
    out = work / "output"
    config.write_text(
        "\n".join(
            f"{k} = {v!r}"
            for k, v in {
                **sample_settings(work, out),
                "MODEL_PATH": str(out / "alexnet.keras"),
                "EPOCHS": args.alexnet_epochs,
                "BATCH_SIZE": 64,
                "AUGMENTATION": BOOK_AUGMENTATION,
                "BACKBONE": "MobileNetV2",
                "WEIGHTS": str(WEIGHTS),
                "FEATURE_IMAGE_SIZE": 224,
                "FEATURES_HDF5": str(out / "features_mobilenetv2.hdf5"),
                "FINE_TUNE_HEAD_EPOCHS": args.fine_tune_epochs,
                "FINE_TUNE_EPOCHS": args.fine_tune_epochs,
                "FINE_TUNE_MODEL_PATH": str(out / "fine_tuned.keras"),
                "ACTIVATIONS_HDF5": str(out / "activations_mobilenetv2.hdf5"),
            }.items()
        )
        + "\n"
    )
    c = ["--config", str(config)]
    seconds = {"build": run(work, "build_dataset.py", *c, "--quiet")}
    if not args.skip_alexnet:
        seconds["alexnet"] = run(work, "train_alexnet.py", *c, "--quiet")
    seconds["features"] = run(work, "extract_features.py", *c, "--quiet")
    seconds["logreg"] = run(work, "train_logreg.py", *c)
    seconds["head"] = run(work, "train_head.py", *c)
    seconds["activations"] = run(work, "extract_features.py", *c, "--activations", "--quiet")
    n, long = args.fine_tune_epochs, args.split_epochs
    for key, epochs in (("split", n), ("split_long", long)):
        seconds[key] = run(work, "fine_tune.py", *c, "--from-activations", "--model",
                           str(out / f"{key}.keras"), "--head-epochs", str(epochs),
                           "--epochs", str(epochs))  # fmt: skip
    seconds["fine_tuned"] = run(work, "fine_tune.py", *c)
    models = {
        "AlexNet from scratch": ("alexnet", out / "alexnet.keras"),
        "logistic regression on MobileNetV2 features": ("logreg", out / "logreg.skops"),
        "Keras head on MobileNetV2 features": ("head", out / "head.keras"),
        f"MobileNetV2 block 16 from stored activations ({n}+{n} epochs, no augmentation)": (
            "split",
            out / "split.keras",
        ),
        f"MobileNetV2 block 16 from stored activations ({long}+{long} epochs)": (
            "split_long",
            out / "split_long.keras",
        ),
        f"MobileNetV2 fine-tuned with images (block 16, {n}+{n} epochs, augmentation)": (
            "fine_tuned",
            out / "fine_tuned.keras",
        ),
    }
    if args.skip_alexnet:
        del models["AlexNet from scratch"]
    rows = []
    for name, (key, path) in models.items():
        report = out / f"evaluation_{key}.json"
        run(work, "evaluate.py", *c, "--model", str(path), "--quiet", "--set",
            f"OUTPUT_PATH={out / key}")  # fmt: skip
        (out / key / "evaluation.json").rename(report)
        r = json.loads(report.read_text())
        extra = {"logreg": "features", "head": "features", "split": "activations",
                 "split_long": "activations"}.get(key)  # fmt: skip
        extra = seconds[extra] if extra else 0.0
        rows.append(
            f"| {name} | {r['baseline_rank1']:.1%} | {r['tencrop_rank1']:.1%} | "
            f"{r['baseline_log_loss']:.3f} | {r['tencrop_log_loss']:.3f} | "
            f"{seconds[key] + extra:.0f} s |"
        )
    print(f"{json.loads(report.read_text())['n_images']} test images, the builder's test split "
          f"(work folder {work})\n")  # fmt: skip
    print("| model | baseline rank-1 | 10-crop rank-1 | baseline log loss | 10-crop log loss "
          "| training (incl. features) |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
