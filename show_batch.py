"""Show a batch as the network receives it (patch, augmentation; the mean added back).

Usage:
    python show_batch.py --config config/dogs_vs_cats_config.py [--split train] [--augment]
        [-n 32] [--output FILE.png]
    python show_batch.py --config ... --model output/dogs_vs_cats_fine_tuned.keras
    python show_batch.py --config ... --run [NAME]     # the model of a run (newest: no NAME)

Without a model: the inputs of the network train.py trains (INPUT_SIZE). With ``--model``
(or ``--run``): what that model sees, from its record: its input size, random patches for
a network or a fine-tuned backbone, whole resized images for a classifier on features.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.config import SPLIT_SETTINGS
from pyimagesearch.diagnostics.show_batch import show_batch


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(cli.description(__doc__))
    parser.add_argument("--split", choices=list(SPLIT_SETTINGS), help="which (SHOW_BATCH_SPLIT)")
    parser.add_argument("--augment", action="store_true", help="apply AUGMENTATION")
    parser.add_argument("-n", "--count", type=int, help="images in the grid (SHOW_BATCH_IMAGES)")
    parser.add_argument("-o", "--output", help="the PNG to write")
    parser.add_argument("-m", "--model", help="show what this trained model sees")
    cli.add_run_argument(parser)
    args = parser.parse_args(argv)
    flags = {"SHOW_BATCH_SPLIT": args.split, "SHOW_BATCH_IMAGES": args.count}
    required = ("TRAIN_HDF5",) if args.model or args.run else ("TRAIN_HDF5", "DATASET_MEAN")
    cfg = cli.load_script_config(args, required, **flags)
    model = cli.model_argument(args, cfg, None)
    path, shown = show_batch(cfg, args.augment, cli.absolute_path(args.output), model)
    print(f"[INFO] {shown} {cfg.get('SHOW_BATCH_SPLIT')} images as the "
          f"{'model' if model else 'network'} receives them: {path}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
