"""Train a small Keras head (Dropout 0.5 + Dense) on extracted features and evaluate it.

Usage:
    python train_head.py --config config/dogs_vs_cats_config.py
    python train_head.py --db output/features_resnet50.hdf5 --model output/head.keras

The second classifier beside train_logreg.py, on the same features and the same test rows;
it validates (early stopping) on the builder's validation split, or on ``HEAD_VAL_SPLIT``
of the training rows. Writes the model with its record and ``head_report.json``.
"""

from __future__ import annotations

import sys

from pyimagesearch.training.transfer import train_head
from pyimagesearch.utils.cli import (
    absolute_path,
    absolute_paths,
    config_parser,
    friendly_errors,
    load_script_config,
)


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("-d", "--db", nargs="+", help="features HDF5 file(s) (FEATURES_HDF5)")
    parser.add_argument("--test-db", nargs="+", help="held-out features (TEST_FEATURES_HDF5)")
    parser.add_argument("-m", "--model", help="Keras model to write (HEAD_MODEL_PATH)")
    parser.add_argument("-r", "--report", help="JSON report (default head_report.json)")
    parser.add_argument("-e", "--epochs", type=int, help="most epochs (HEAD_EPOCHS)")
    return parser


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    cfg = load_script_config(
        args,
        FEATURES_HDF5=absolute_paths(args.db),
        TEST_FEATURES_HDF5=absolute_paths(args.test_db),
        HEAD_MODEL_PATH=absolute_path(args.model),
        HEAD_EPOCHS=args.epochs,
    )
    report = train_head(cfg, absolute_path(args.report))
    print(report["classification_report"])
    print(f"[INFO] test rows: {report['n_test']} ({report['split']})")
    print(f"[INFO] accuracy {report['accuracy']:.4f}  log loss {report['log_loss']:.4f}")
    print(f"[INFO] head: {report['model']}  report: {report['report_path']}")


if __name__ == "__main__":
    sys.exit(main())
