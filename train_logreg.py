"""Train a logistic regression on extracted features (grid search over C) and evaluate it.

Usage:
    python train_logreg.py --config config/dogs_vs_cats_config.py [--overwrite]
    python train_logreg.py --db output/features_resnet50.hdf5 --model output/logreg.skops
    python train_logreg.py --db output/features_a.hdf5 output/features_b.hdf5   # fusion

Test rows: the builder's test split when the features come from its split files (the
default of extract_features.py), else ``--test-db`` / ``TEST_FEATURES_HDF5``, else a
seeded stratified share of ``--db`` (``LOGREG_TEST_SIZE``). Several ``--db`` files are
fused image by image. The model is a ``.skops`` file (no code runs when it is loaded); an
existing one is replaced only with ``--overwrite``, once the new one is complete.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.training.train_logreg import train_logreg


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.features_parser(cli.description(__doc__))
    parser.add_argument("-j", "--jobs", type=int, default=None, help="grid-search processes")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(
        args,
        FEATURES_HDF5=cli.absolute_paths(args.db),
        TEST_FEATURES_HDF5=cli.absolute_paths(args.test_db),
        OVERWRITE=cli.overwrite_setting(args),
        LOGREG_MODEL_PATH=cli.absolute_path(args.model),
        LOGREG_REPORT=cli.absolute_path(args.report),
    )
    with cli.script_run(args, cfg, "train_logreg") as run:
        report = train_logreg(cfg, jobs=args.jobs, progress=not args.quiet)
        run.collect(report)
    cli.print_classifier_report(report, f"classifier (best C {report['best_C']})")
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
