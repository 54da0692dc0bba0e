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

import argparse
import sys
from typing import Any

from pyimagesearch.cli import (
    absolute_path,
    absolute_paths,
    add_backbone_options,
    backbone_names,
    backbone_settings,
    config_parser,
    friendly_errors,
    load_script_config,
)
from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.features.backbones import get_backbone_spec
from pyimagesearch.features.extract_features import extract_features


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("-d", "--dataset", help="image folder or builder HDF5 (IMAGES_PATH)")
    parser.add_argument("-o", "--output", nargs="+", help="features file(s), one per backbone")
    add_backbone_options(parser, several=True)
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


def wants_activations(args: argparse.Namespace) -> bool:
    return args.activations or args.split_at is not None


def flag_settings(args: argparse.Namespace, cfg: Config) -> dict[str, Any]:
    """The settings the flags give, over the config's (a flag not given changes nothing).

    ``--dataset PATH`` is ``IMAGES_PATH`` read as images (``FEATURES_SOURCE = 'images'``);
    ``--output`` is ``FEATURES_HDF5`` (``ACTIVATIONS_HDF5`` with ``--activations``);
    ``--backbone A,B`` is ``BACKBONES`` (``BACKBONE`` with ``--activations``), and when it
    names other backbones than the config's and no ``--output`` is given, the config's
    ``FEATURES_HDF5`` holds their features: ``features_<backbone>.hdf5`` apply instead.

    Raises:
        ConfigError: several backbones with ``--activations``, or an unknown one.
    """
    activations = wants_activations(args)
    settings = {
        **backbone_settings(args),
        "SPLIT_AT": args.split_at,
        "FEATURE_BATCH_SIZE": args.batch_size,
        "BUFFER_SIZE": args.buffer_size,
        "BUILD_WORKERS": args.workers,
        "OVERWRITE": True if args.overwrite else None,
    }
    if args.dataset is not None:
        settings.update(IMAGES_PATH=absolute_path(args.dataset), FEATURES_SOURCE="images")
    if args.output and activations:
        settings["ACTIVATIONS_HDF5"] = absolute_path(args.output[0])
    elif args.output:
        settings["FEATURES_HDF5"] = absolute_paths(args.output)
    names = backbone_names(settings.pop("BACKBONE"))
    given = {k: v for k, v in settings.items() if v is not None}
    return given if names is None else {**given, **_backbones(names, cfg, args, activations)}


def _backbones(
    names: list[str], cfg: Config, args: argparse.Namespace, activations: bool
) -> dict[str, Any]:
    names = [get_backbone_spec(n).name for n in names]
    if activations:
        if len(names) != 1:
            raise ConfigError(
                f"activations are stored for one backbone at a time, got {', '.join(names)}; "
                "pass --backbone NAME"
            )
        return {"BACKBONE": names[0]}
    configured = [get_backbone_spec(n).name for n in cfg.get("BACKBONES") or [cfg.get("BACKBONE")]]
    if args.output is None and names != configured:
        return {"BACKBONES": names, "FEATURES_HDF5": None}  # never overwrite other features
    return {"BACKBONES": names}


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if wants_activations(args) and args.output and len(args.output) > 1:
        raise ConfigError("activations go to one file: pass one --output PATH")
    cfg = load_script_config(args)
    cfg = cfg.replace(**flag_settings(args, cfg))
    reports = extract_features(cfg, wants_activations(args), progress=not args.quiet)
    for report in reports:
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
    if len(reports) > 1:
        outputs = " ".join(report["output"] for report in reports)
        print(f"[INFO] fuse them: python train_logreg.py --db {outputs}")


if __name__ == "__main__":
    sys.exit(main())
