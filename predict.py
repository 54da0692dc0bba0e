"""Predict with any trained model: a folder of test images to a Kaggle submission, or
single images to their labels (drawn on them with --output).

Usage:
    python predict.py --config config/dogs_vs_cats_config.py [--model PATH] [--tencrop]
        [--output submission.csv] [--overwrite]
    python predict.py --config ... --run [NAME]     # the model of a run (newest: no NAME)
    python predict.py --model output/alexnet.keras --image a.jpg b.jpg [--output DIR]

``--model`` takes any trained model (default ``LOGREG_MODEL_PATH``; ``--head``:
``HEAD_MODEL_PATH``). The submission's ``label`` is the probability of ``POSITIVE_CLASS``
clipped to ``CLIP_RANGE``; with labelled file names (``cat.1.jpg``) the log loss is
reported too; an unreadable image gets 0.5 and is listed. An existing submission (or
drawn image) is replaced only with ``--overwrite``, once the new one is complete. A
submission is a run of its own (OUTPUT_PATH/runs), linked to the run that trained the
model.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.evaluation.predict import predict_images, run_prediction


def build_parser():
    parser = cli.config_parser(cli.description(__doc__), config_required=False, runs=True)
    parser.add_argument("-i", "--images", help="test image folder (TEST_IMAGES_PATH)")
    parser.add_argument("--image", nargs="+", help="single image file(s) instead of a folder")
    parser.add_argument("-m", "--model", help="any trained model (default LOGREG_MODEL_PATH)")
    cli.add_run_argument(parser)
    parser.add_argument("-o", "--output", help="submission CSV; with --image: a folder")
    parser.add_argument("-w", "--weights", help="backbone weights, if moved (WEIGHTS)")
    parser.add_argument("--head", action="store_true", help="use HEAD_MODEL_PATH")
    parser.add_argument("--tencrop", action="store_true", help="average 10 crops per image")
    parser.add_argument("--clip", nargs=2, type=float, metavar=("LOW", "HIGH"), help="CLIP_RANGE")
    parser.add_argument("-b", "--batch-size", type=int, help="images per batch")
    cli.add_overwrite_argument(parser, "an existing submission (--image: drawn images)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    cfg = cli.load_script_config(
        args,
        () if args.image else ("TEST_IMAGES_PATH",),
        TEST_IMAGES_PATH=cli.absolute_path(args.images),
        SUBMISSION_PATH=None if args.image else cli.absolute_path(args.output),
        CLIP_RANGE=tuple(args.clip) if args.clip else None,
        FEATURE_BATCH_SIZE=args.batch_size,
        OVERWRITE=cli.overwrite_setting(args),
    )
    model = cli.model_argument(args, cfg, "HEAD_MODEL_PATH" if args.head else "LOGREG_MODEL_PATH")
    if args.image:
        for result in predict_images(
            model, args.image, args.tencrop, args.output, args.weights, cfg.get("OVERWRITE")
        ):
            shown = ", ".join(f"{name} {p:.1%}" for name, p in result.get("top", []))
            print(f"{result['path']}: {shown or 'unreadable: ' + result['error']}")
        return
    with cli.script_run(args, cfg, "predict", model) as run:
        report = run_prediction(cfg, model, args.weights, args.tencrop, not args.quiet)
        run.collect(report)
    print("\n".join(cli.submission_lines(report)))
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
