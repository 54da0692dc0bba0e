"""Predict a folder of test images and write a Kaggle submission (id,label).

Usage:
    python predict.py --config config/dogs_vs_cats_config.py
    python predict.py --images datasets/kaggle_dogs_vs_cats/test1 \
        --model output/logreg.pickle --output output/submission.csv

``label`` is the probability of the positive class (``POSITIVE_CLASS``, default "dog"),
clipped to ``CLIP_RANGE`` (default 0.005-0.995). When the file names carry labels
(``cat.1.jpg``), the log loss with and without clipping is reported too
(``predict_report.json`` beside the CSV). An image that
cannot be read still gets its row, with probability 0.5, and is listed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.utils.atomic import check_writable
from pyimagesearch.utils.cli import (
    absolute_path,
    config_parser,
    friendly_errors,
    load_script_config,
)
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.reports import write_json
from pyimagesearch.utils.submission import (
    binary_log_loss,
    check_clip_range,
    clip_probabilities,
    kaggle_id,
    non_numeric_ids,
    write_submission,
)
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("-i", "--images", help="test image folder (TEST_IMAGES_PATH)")
    parser.add_argument(
        "-m", "--model", help="logreg .pickle or head .keras (LOGREG_MODEL_PATH / HEAD_MODEL_PATH)"
    )
    parser.add_argument("-o", "--output", help="submission CSV (SUBMISSION_PATH)")
    parser.add_argument("-w", "--weights", help="backbone weights, if moved (WEIGHTS)")
    parser.add_argument("--head", action="store_true", help="use HEAD_MODEL_PATH from the config")
    parser.add_argument("--clip", nargs=2, type=float, metavar=("LOW", "HIGH"), help="CLIP_RANGE")
    parser.add_argument("-b", "--batch-size", type=int, help="FEATURE_BATCH_SIZE")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def settings_from(args) -> tuple[Config, str]:
    cfg = load_script_config(
        args,
        TEST_IMAGES_PATH=absolute_path(args.images),
        SUBMISSION_PATH=absolute_path(args.output),
        CLIP_RANGE=tuple(args.clip) if args.clip else None,
        FEATURE_BATCH_SIZE=args.batch_size,
    )
    model = args.model or cfg.get("HEAD_MODEL_PATH" if args.head else "LOGREG_MODEL_PATH")
    if cfg.get("TEST_IMAGES_PATH") is None:
        raise ConfigError("no test images: pass --images DIR or set TEST_IMAGES_PATH")
    if model is None:
        raise ConfigError("no classifier: pass --model PATH or set LOGREG_MODEL_PATH")
    return cfg, str(model)


def run(cfg: Config, model_path: str, weights: Any = None, progress: bool = True) -> dict:
    check_writable({"SUBMISSION_PATH": cfg.get("SUBMISSION_PATH")})
    quiet_tensorflow()
    from pyimagesearch.features.prediction import load_model_bundle, predict_folder

    clip_range = check_clip_range(cfg.get("CLIP_RANGE"))
    bundle = load_model_bundle(model_path)
    names = list(bundle.get("label_names") or [])
    positive = str(cfg.get("POSITIVE_CLASS"))
    if positive not in names:
        raise ConfigError(f"POSITIVE_CLASS {positive!r} is not one of the classes {names}")
    if len(names) != 2:
        raise ConfigError(f"a Kaggle submission needs two classes; the classifier has {names}")
    column = names.index(positive)

    result = predict_folder(
        bundle,
        cfg.TEST_IMAGES_PATH,
        batch_size=int(cfg.get("FEATURE_BATCH_SIZE")),
        weights=weights,
        progress=progress,
    )
    raw = result.probs[:, column]
    unreadable = np.isnan(raw)
    raw = np.where(unreadable, 0.5, raw)  # every id needs a row: the uninformed guess
    clipped = clip_probabilities(raw, clip_range)
    ids = [kaggle_id(p) for p in result.paths]
    odd_ids = non_numeric_ids(result.paths)
    output = cfg.get("SUBMISSION_PATH")
    write_submission(output, ids, clipped)

    report: dict[str, Any] = {
        "submission": str(output),
        "images": len(ids),
        "unreadable": [{"path": p, "reason": r} for p, r in result.skipped],
        "non_numeric_ids": [{"path": display_path(p), "id": i} for p, i in odd_ids],
        "positive_class": positive,
        "clip_range": list(clip_range),
        "model": model_path,
    }
    known = result.labels >= 0
    print(f"[INFO] {len(ids)} rows -> {output} (P({positive}) clipped to {clip_range})")
    for path, reason in result.skipped[:10]:
        print(f"         unreadable {display_path(path)}: {reason} (submitted 0.5)")
    if odd_ids:
        shown = ", ".join(f"{display_path(Path(p).name)} -> {i}" for p, i in odd_ids[:5])
        print(
            f"[WARNING] {len(odd_ids)} file(s) have non-numeric names, but Kaggle ids are "
            f"numbers; their id is the file name without extension: {shown}"
            + (" ..." if len(odd_ids) > 5 else "")
            + " (listed under 'non_numeric_ids' in predict_report.json)"
        )
    if known.any():
        y = (result.labels[known] == column).astype(int)
        report.update(
            labeled_images=int(known.sum()),
            log_loss=binary_log_loss(y, raw[known]),
            log_loss_clipped=binary_log_loss(y, clipped[known]),
            accuracy=float(np.mean((raw[known] >= 0.5) == (y == 1))),
        )
        print(
            f"[INFO] {report['labeled_images']} labeled images: accuracy "
            f"{report['accuracy']:.4f}, log loss {report['log_loss']:.4f} unclipped, "
            f"{report['log_loss_clipped']:.4f} clipped"
        )
    write_json(Path(output).with_name("predict_report.json"), report)  # beside the CSV
    return report


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    cfg, model = settings_from(args)
    run(cfg, model, weights=args.weights, progress=not args.quiet)


if __name__ == "__main__":
    sys.exit(main())
