"""Train AlexNet on the HDF5 dataset (mean, random patches, augmentation), resumable.

Usage:
    python train_alexnet.py --config config/dogs_vs_cats_config.py [--epochs N]
        [--batch-size N] [--resume | --overwrite] [--workers N] [--multi-gpu]
        [--set NAME=VALUE ...]
"""

from __future__ import annotations

import sys

from pyimagesearch.training.alexnet_training import REQUIRED_SETTINGS, train_alexnet
from pyimagesearch.utils.cli import config_parser, friendly_errors, load_script_config


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = config_parser(__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="total epochs (overrides EPOCHS)")
    parser.add_argument("--batch-size", type=int, help="batch size (overrides BATCH_SIZE)")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start again although an earlier run's files are there (kept until the new "
        "model is complete)",
    )
    parser.add_argument("--workers", type=int, help="loader threads (overrides WORKERS)")
    parser.add_argument(
        "--multi-gpu",
        action="store_true",
        help="train on every visible GPU with tf.distribute.MirroredStrategy (STRATEGY)",
    )
    parser.add_argument("--quiet", action="store_true", help="one line per epoch")
    args = parser.parse_args(argv)
    cfg = load_script_config(
        args,
        REQUIRED_SETTINGS,
        EPOCHS=args.epochs,
        BATCH_SIZE=args.batch_size,
        WORKERS=args.workers,
        STRATEGY="mirrored" if args.multi_gpu else None,
    )
    summary = train_alexnet(
        cfg,
        resume=args.resume,
        overwrite=args.overwrite,
        verbose=2 if args.quiet else "auto",
    )
    final = summary["final"]
    if final:
        shown = "  ".join(f"{k} {v:.4f}" for k, v in sorted(final.items()))
        print(f"[INFO] last epoch: {shown}")
    print(f"[INFO] plot: {summary['plot_path']}  history: {summary['history_path']}")


if __name__ == "__main__":
    sys.exit(main())
