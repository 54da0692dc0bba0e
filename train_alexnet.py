"""Train AlexNet on the HDF5 dataset (mean, random patches, augmentation), resumable.

Usage:
    python train_alexnet.py --config config/dogs_vs_cats_config.py [--epochs N]
        [--batch-size N] [--resume] [--workers N] [--multi-gpu]
"""

from __future__ import annotations

import sys

from pyimagesearch.config import load_config
from pyimagesearch.training.alexnet_training import REQUIRED_SETTINGS, train_alexnet
from pyimagesearch.utils.cli import config_parser, friendly_errors


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = config_parser(__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="total epochs (overrides EPOCHS)")
    parser.add_argument("--batch-size", type=int, help="batch size (overrides BATCH_SIZE)")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--workers", type=int, help="loader threads (overrides WORKERS)")
    parser.add_argument(
        "--multi-gpu",
        action="store_true",
        help="train on every visible GPU with tf.distribute.MirroredStrategy",
    )
    parser.add_argument("--quiet", action="store_true", help="one line per epoch")
    args = parser.parse_args(argv)
    for flag in ("epochs", "batch_size", "workers"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1")
    cfg = load_config(args.config, required=REQUIRED_SETTINGS)
    summary = train_alexnet(
        cfg,
        epochs=args.epochs,
        batch_size=args.batch_size,
        resume=args.resume,
        workers=args.workers,
        distribute="mirrored" if args.multi_gpu else None,
        verbose=2 if args.quiet else "auto",
    )
    final = summary["final"]
    if final:
        shown = "  ".join(f"{k} {v:.4f}" for k, v in sorted(final.items()))
        print(f"[INFO] last epoch: {shown}")
    print(f"[INFO] plot: {summary['plot_path']}  history: {summary['history_path']}")


if __name__ == "__main__":
    sys.exit(main())
