"""Train any of the book's networks on the HDF5 dataset, resumable, restartable with a new
learning rate; or find a learning rate first.

Usage:
    python train.py --config config/cifar10_config.py [--epochs N] [--batch-size N]
        [--resume | --start-epoch N | --overwrite] [--lr X] [--strategy mirrored]
    python train.py --config config/cifar10_config.py --find-lr

``NETWORK`` (``--network``) names the network (``NETWORK_ARGS`` its build arguments);
``OPTIMIZER``, ``LR_SCHEDULE``, ``CLASS_WEIGHT``, ``AUGMENTATION``, ``INPUT_SIZE`` and
``EPOCHS`` the rest. The book's restart: stop a run, then ``--start-epoch 40 --lr 1e-3``
continues from checkpoint 40 at the new rate.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.experiments.runs import summarise as run_summary
from pyimagesearch.training.train import REQUIRED_SETTINGS, summary_lines, train_network


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.training_parser(cli.description(__doc__))
    parser.add_argument("--network", help="the network (NETWORK)")
    parser.add_argument("--find-lr", action="store_true", help="run the learning-rate finder")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(args, REQUIRED_SETTINGS, NETWORK=args.network,
                                 **cli.training_overrides(args))  # fmt: skip
    if args.find_lr:
        from pyimagesearch.training.lr_finder import find_learning_rate, finder_lines

        with cli.script_run(args, cfg, "find_lr") as run:
            report = find_learning_rate(cfg, verbose=0 if args.quiet else cli.keras_verbose())
            run.collect(report, {"network": cfg.get("NETWORK"), "suggestion": report["suggestion"]})
        print("\n".join(finder_lines(report)))
        print(f"[INFO] run folder: {run.path}")
        return
    with cli.script_run(args, cfg, "train") as run:
        summary = train_network(
            cfg, **cli.training_arguments(args), run_folder=run.path, progress=run.note_training
        )
        run.collect(summary, {"network": cfg.get("NETWORK"), **run_summary(summary)})
    print("\n".join(summary_lines(summary)))
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
