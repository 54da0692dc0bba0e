"""Predict a folder of test images with any trained model and write a Kaggle submission.

Usage:
    python predict.py --config config/dogs_vs_cats_config.py [--model PATH] [--tencrop]
    python predict.py --images datasets/kaggle_dogs_vs_cats/test1 \
        --model output/logreg.skops --output output/submission.csv

``--model`` takes any trained model (AlexNet, logistic regression, head, fine-tuned);
default ``LOGREG_MODEL_PATH`` (``--head``: ``HEAD_MODEL_PATH``). ``label`` is the
probability of ``POSITIVE_CLASS`` clipped to ``CLIP_RANGE``; with labelled file names
(``cat.1.jpg``) the log loss is reported too; an unreadable image gets 0.5 and is listed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pyimagesearch.evaluation.prediction import run_prediction
from pyimagesearch.utils.cli import (
    absolute_path,
    config_parser,
    friendly_errors,
    load_script_config,
)


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("-i", "--images", help="test image folder (TEST_IMAGES_PATH)")
    parser.add_argument("-m", "--model", help="any trained model (default LOGREG_MODEL_PATH)")
    parser.add_argument("-o", "--output", help="submission CSV (SUBMISSION_PATH)")
    parser.add_argument("-w", "--weights", help="backbone weights, if moved (WEIGHTS)")
    parser.add_argument("--head", action="store_true", help="use HEAD_MODEL_PATH")
    parser.add_argument("--tencrop", action="store_true", help="average 10 crops per image")
    parser.add_argument("--clip", nargs=2, type=float, metavar=("LOW", "HIGH"), help="CLIP_RANGE")
    parser.add_argument("-b", "--batch-size", type=int, help="images per batch")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def print_report(report: dict) -> None:
    print(f"[INFO] {report['images']} rows -> {report['submission']} "
          f"(P({report['positive_class']}) clipped to {tuple(report['clip_range'])})")  # fmt: skip
    for item in report["unreadable"][:10]:
        print(f"         unreadable {item['path']}: {item['reason']} (submitted 0.5)")
    odd = report["non_numeric_ids"]
    if odd:
        shown = ", ".join(f"{Path(i['path']).name} -> {i['id']}" for i in odd[:5])
        print(
            f"[WARNING] {len(odd)} file(s) have non-numeric names, but Kaggle ids are numbers; "
            f"their id is the file name without extension: {shown}"
            + (" ..." if len(odd) > 5 else "")
            + " (listed under 'non_numeric_ids' in predict_report.json)"
        )
    if "accuracy" in report:
        print(f"[INFO] {report['labeled_images']} labeled images: accuracy "
              f"{report['accuracy']:.4f}, log loss {report['log_loss']:.4f} unclipped, "
              f"{report['log_loss_clipped']:.4f} clipped")  # fmt: skip


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    cfg = load_script_config(
        args,
        ("TEST_IMAGES_PATH",),
        TEST_IMAGES_PATH=absolute_path(args.images),
        SUBMISSION_PATH=absolute_path(args.output),
        CLIP_RANGE=tuple(args.clip) if args.clip else None,
        FEATURE_BATCH_SIZE=args.batch_size,
    )
    model = absolute_path(args.model) or cfg.get(
        "HEAD_MODEL_PATH" if args.head else "LOGREG_MODEL_PATH"
    )
    print_report(run_prediction(cfg, model, args.weights, args.tencrop, not args.quiet))


if __name__ == "__main__":
    sys.exit(main())
