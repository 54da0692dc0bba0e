"""Train AlexNet on the HDF5 dataset (mean, random patches, augmentation), resumable.

Usage:
    python train_alexnet.py --config config/dogs_vs_cats_config.py [--epochs N]
        [--batch-size N] [--resume | --start-epoch N | --overwrite] [--lr X]
        [--workers N] [--multi-gpu] [--set NAME=VALUE ...]

The book's script: ``train.py`` with ``NETWORK = "AlexNet"``.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.experiments.runs import summarise as run_summary
from pyimagesearch.training.train import REQUIRED_SETTINGS, summary_lines, train_network


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.training_parser(cli.description(__doc__))
    parser.add_argument(
        "--multi-gpu",
        action="store_true",
        help="train on every visible GPU with tf.distribute.MirroredStrategy (STRATEGY)",
    )
    args = parser.parse_args(argv)
    if args.multi_gpu:
        args.strategy = "mirrored"
    cfg = cli.load_script_config(args, REQUIRED_SETTINGS, NETWORK="AlexNet",
                                 **cli.training_overrides(args))  # fmt: skip
    with cli.script_run(args, cfg, "train_alexnet") as run:
        summary = train_network(
            cfg, **cli.training_arguments(args), run_folder=run.path, progress=run.note_training
        )
        run.collect(summary, {"network": "AlexNet", **run_summary(summary)})
    print("\n".join(summary_lines(summary)))
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
