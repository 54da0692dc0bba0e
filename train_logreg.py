"""Train a logistic regression on extracted features (grid search over C) and evaluate it.

Usage:
    python train_logreg.py --config config/dogs_vs_cats_config.py
    python train_logreg.py --db output/features_resnet50.hdf5 --model output/logreg.skops
    python train_logreg.py --db output/features_a.hdf5 output/features_b.hdf5   # fusion

Test rows: the builder's test split when the features come from its split files (the
default of extract_features.py), else ``--test-db`` / ``TEST_FEATURES_HDF5``, else a
seeded stratified share of ``--db`` (``LOGREG_TEST_SIZE``). Several ``--db`` files are
fused image by image. The model is a ``.skops`` file (no code runs when it is loaded).
"""

from __future__ import annotations

import sys

from pyimagesearch.training.transfer import train_logreg
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
    parser.add_argument("-m", "--model", help="classifier to write (LOGREG_MODEL_PATH)")
    parser.add_argument("-r", "--report", help="JSON report to write (LOGREG_REPORT)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="grid-search processes")
    return parser


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    cfg = load_script_config(
        args,
        FEATURES_HDF5=absolute_paths(args.db),
        TEST_FEATURES_HDF5=absolute_paths(args.test_db),
        LOGREG_MODEL_PATH=absolute_path(args.model),
        LOGREG_REPORT=absolute_path(args.report),
    )
    report = train_logreg(cfg, jobs=args.jobs)
    print(report["classification_report"])
    print(f"[INFO] test rows: {report['n_test']} ({report['split']}); best C {report['best_C']}")
    print(f"[INFO] accuracy {report['accuracy']:.4f}  log loss {report['log_loss']:.4f}")
    print(f"[INFO] classifier: {report['model']}  report: {report['report_path']}")


if __name__ == "__main__":
    sys.exit(main())
