"""Train a small Keras head (Dropout 0.5 + Dense) on extracted features and evaluate it.

Usage:
    python train_head.py --config config/dogs_vs_cats_config.py [--overwrite]
    python train_head.py --db output/features_resnet50.hdf5 --model output/head.keras

The second classifier beside train_logreg.py, on the same features and the same test rows;
it validates (early stopping) on the builder's validation split, or on ``HEAD_VAL_SPLIT``
of the training rows. Writes the model with its record and ``head_report.json`` (an
existing model is replaced only with ``--overwrite``, once the new one is complete).
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.training.train_head import train_head


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.features_parser(cli.description(__doc__))
    parser.add_argument("-e", "--epochs", type=int, help="most epochs (HEAD_EPOCHS)")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(
        args,
        FEATURES_HDF5=cli.absolute_paths(args.db),
        TEST_FEATURES_HDF5=cli.absolute_paths(args.test_db),
        OVERWRITE=cli.overwrite_setting(args),
        HEAD_MODEL_PATH=cli.absolute_path(args.model),
        HEAD_EPOCHS=args.epochs,
    )
    with cli.script_run(args, cfg, "train_head") as run:
        report = train_head(cfg, cli.absolute_path(args.report))
        run.collect(report)
    cli.print_classifier_report(report, "head")
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
