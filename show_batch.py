"""Show a batch as the network receives it (patch, augmentation; the mean added back).

Usage:
    python show_batch.py --config config/dogs_vs_cats_config.py [--split train] [--augment]
        [-n 32] [--output FILE.png]
"""

from __future__ import annotations

import sys

from pyimagesearch.training.show_batch import SPLITS, show_batch
from pyimagesearch.utils import cli


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(__doc__.splitlines()[0])
    parser.add_argument("--split", choices=list(SPLITS), default="train", help="which split")
    parser.add_argument("--augment", action="store_true", help="apply AUGMENTATION")
    parser.add_argument("-n", "--count", type=int, default=32, help="images in the grid")
    parser.add_argument("-o", "--output", help="the PNG to write")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("-n must be at least 1")
    cfg = cli.load_script_config(args, ("TRAIN_HDF5", "DATASET_MEAN"))
    path = show_batch(cfg, args.split, args.augment, args.count, cli.absolute_path(args.output))
    print(f"[INFO] {args.count} {args.split} images as the network receives them: {path}")


if __name__ == "__main__":
    sys.exit(main())
