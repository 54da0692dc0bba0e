"""Extract pooled features of a pretrained network for every image of a dataset.

Usage:
    python extract_features.py --config config/dogs_vs_cats_config.py [--overwrite]
    python extract_features.py --dataset datasets/kaggle_dogs_vs_cats/train \
        --output output/features_resnet50.hdf5 --backbone ResNet50 --weights imagenet
    python extract_features.py --config ... --activations [--split-at block_15_add]

By default the builder's split files (``TRAIN_HDF5``, ``VAL_HDF5``, ``TEST_HDF5``) when
they exist, each row marked with its split, so classifiers on the features are tested on
the builder's test split; else ``IMAGES_PATH`` (``FEATURES_SOURCE`` chooses). Flags
override the config (``--dataset`` a folder or an HDF5 file). Several backbones
(``--backbone ResNet50,Xception`` or ``BACKBONES``) write one file each, ready for fusion.

``--activations`` (or ``--split-at LAYER``) stores, instead of pooled features, the spatial
output of one layer (``SPLIT_AT``; default: just before the backbone's last block) in
``ACTIVATIONS_HDF5`` (float16 by default), for ``fine_tune.py --from-activations``; the
size it will take is printed, and checked against the free disk, before it starts.
"""

from __future__ import annotations

import sys

from pyimagesearch.config import command_line_paths
from pyimagesearch.errors import ConfigError
from pyimagesearch.features.extract_features import (
    check_outputs,
    estimate_activations,
    plan_extraction,
    run_extraction,
)
from pyimagesearch.utils.cli import (
    absolute_path,
    absolute_paths,
    config_parser,
    friendly_errors,
    load_script_config,
)


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("-d", "--dataset", help="image folder or builder HDF5 (IMAGES_PATH)")
    parser.add_argument("-o", "--output", nargs="+", help="features file(s), one per backbone")
    parser.add_argument("-n", "--backbone", help="keras.applications name(s), comma-separated")
    parser.add_argument("-w", "--weights", help="imagenet | none | PATH (WEIGHTS)")
    parser.add_argument("--image-size", type=int, help="input side (FEATURE_IMAGE_SIZE)")
    parser.add_argument("-b", "--batch-size", type=int, help="batch size (FEATURE_BATCH_SIZE)")
    parser.add_argument("-s", "--buffer-size", type=int, help="rows per HDF5 write (BUFFER_SIZE)")
    parser.add_argument("--workers", type=int, help="decoding threads (BUILD_WORKERS)")
    parser.add_argument(
        "--activations", action="store_true", help="store the SPLIT_AT layer's activations"
    )
    parser.add_argument(
        "--split-at", help="layer (or block prefix) whose output to store (SPLIT_AT)"
    )
    parser.add_argument("--overwrite", action="store_true", help="replace existing features")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    activations = args.activations or args.split_at is not None
    if activations and args.output and len(args.output) > 1:
        raise ConfigError("activations go to one file: pass one --output PATH")
    cfg = load_script_config(
        args,
        FEATURES_HDF5=None if activations else absolute_paths(args.output),
        ACTIVATIONS_HDF5=absolute_path(args.output[0]) if activations and args.output else None,
        SPLIT_AT=args.split_at,
        WEIGHTS=command_line_paths("WEIGHTS", args.weights),
        FEATURE_IMAGE_SIZE=args.image_size,
        FEATURE_BATCH_SIZE=args.batch_size,
        BUFFER_SIZE=args.buffer_size,
        BUILD_WORKERS=args.workers,
    )
    plan = plan_extraction(cfg, args.backbone, absolute_path(args.dataset),
                           args.output is not None, activations)  # fmt: skip
    check_outputs(plan, args.overwrite or cfg.get("OVERWRITE"))
    if activations:
        print(f"[INFO] {estimate_activations(cfg, plan).describe()}, from {plan.description}")
    else:
        print(f"[INFO] features of {plan.description}")
    for report in run_extraction(cfg, plan, progress=not args.quiet):
        size = report["image_size"]
        what = (
            f"{report['feature_dim']} features"
            if report["split_at"] is None
            else f"{report['split_at']} activations {report['output_shape']}, {report['dtype']}"
        )
        print(f"[INFO] {report['backbone']} ({size}x{size}, weights: {report['weights']}): "
              f"{report['written']} images -> {report['output']} ({what}, "
              f"{report['images_per_second']:.1f} images/s)")  # fmt: skip
        for skipped in report["skipped_files"][:10]:
            print(f"         skipped {skipped['path']}: {skipped['reason']}")
    if len(plan.jobs) > 1:
        print(
            f"[INFO] fuse them: python train_logreg.py --db {' '.join(j.output for j in plan.jobs)}"
        )


if __name__ == "__main__":
    sys.exit(main())
