"""Extract pooled features of a pretrained network for every image of a dataset.

Usage:
    python extract_features.py --config config/dogs_vs_cats_config.py
    python extract_features.py --dataset datasets/kaggle_dogs_vs_cats/train \
        --output output/features_resnet50.hdf5 --backbone ResNet50 --weights imagenet

Flags override the config (``IMAGES_PATH``, ``FEATURES_HDF5``, ``BACKBONE``, ``WEIGHTS``,
``FEATURE_IMAGE_SIZE``, ``FEATURE_BATCH_SIZE``); ``--config`` is optional when they say
enough. ``--dataset`` is a folder of images or an HDF5 file from build_dataset.py.
Several backbones (``--backbone ResNet50,Xception`` or ``BACKBONES``) write one file each,
ready for fusion (``train_logreg.py --db A.hdf5 B.hdf5``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError, OutputError
from pyimagesearch.features.backbones import get_backbone_spec
from pyimagesearch.features.weights import config_weights
from pyimagesearch.utils.atomic import check_writable
from pyimagesearch.utils.cli import (
    absolute_path,
    absolute_paths,
    config_parser,
    friendly_errors,
    load_script_config,
)
from pyimagesearch.utils.reports import write_json
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("-d", "--dataset", help="image folder or builder HDF5 (IMAGES_PATH)")
    parser.add_argument(
        "-o", "--output", nargs="+", help="features HDF5 to write, one per backbone (FEATURES_HDF5)"
    )
    parser.add_argument(
        "-n", "--backbone", help="keras.applications name(s), comma-separated (BACKBONE[S])"
    )
    parser.add_argument("-w", "--weights", help="imagenet | none | PATH (WEIGHTS)")
    parser.add_argument("--image-size", type=int, help="input side (FEATURE_IMAGE_SIZE)")
    parser.add_argument("-b", "--batch-size", type=int, help="batch size (FEATURE_BATCH_SIZE)")
    parser.add_argument("-s", "--buffer-size", type=int, help="rows per HDF5 write (BUFFER_SIZE)")
    parser.add_argument("--workers", type=int, help="decoding threads (BUILD_WORKERS)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing features")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def settings_from(args) -> Config:
    cfg = load_script_config(
        args,
        IMAGES_PATH=absolute_path(args.dataset),
        FEATURES_HDF5=absolute_paths(args.output),
        WEIGHTS=args.weights,
        FEATURE_IMAGE_SIZE=args.image_size,
        FEATURE_BATCH_SIZE=args.batch_size,
        BUFFER_SIZE=args.buffer_size,
        BUILD_WORKERS=args.workers,
    )
    if cfg.get("IMAGES_PATH") is None:
        raise ConfigError("no dataset: pass --dataset PATH or set IMAGES_PATH in --config")
    return cfg


def plan(
    cfg: Config, backbone_flag: str | None, output_flag: bool = False, weights_flag: bool = False
) -> list[tuple[str, str, Any]]:
    """``(backbone, output file, weights)`` for every backbone to extract.

    Several backbones (``--backbone ResNet50,Xception`` or ``BACKBONES``) give one file
    each: the ``FEATURES_HDF5`` list in the same order, or ``features_<name>.hdf5``.
    ``WEIGHTS`` may be a dict ``{backbone: weights}``.
    """
    if backbone_flag:
        names = [n.strip() for n in backbone_flag.split(",") if n.strip()]
    elif cfg.get("BACKBONES"):
        names = list(cfg.BACKBONES)
    else:
        names = [cfg.get("BACKBONE")]
    names = [get_backbone_spec(n).name for n in names]
    outputs = cfg.path_list("FEATURES_HDF5")
    configured = cfg.get("BACKBONES") or [cfg.get("BACKBONE")]
    if (
        backbone_flag
        and not output_flag
        and names != [get_backbone_spec(n).name for n in configured]
    ):
        outputs = None  # the config's files hold other backbones' features: never overwrite
    if outputs is None:
        outputs = [str(cfg.output_path(f"features_{n.lower()}.hdf5")) for n in names]
    elif len(outputs) != len(names):
        raise ConfigError(
            f"{len(names)} backbone(s) ({', '.join(names)}) but {len(outputs)} features "
            "file(s): name one file per backbone (--output A.hdf5 B.hdf5 or a FEATURES_HDF5 "
            "list), or leave them unset for features_<backbone>.hdf5 in OUTPUT_PATH"
        )
    weights = cfg.get("WEIGHTS")
    if not weights_flag:  # a file named in the config is relative to the config's folder
        weights = config_weights(weights, cfg.source)
    if isinstance(weights, dict):
        lookup = {get_backbone_spec(k).name: v for k, v in weights.items()}
        missing = [n for n in names if n not in lookup]
        if missing:
            raise ConfigError(f"WEIGHTS names no weights for {', '.join(missing)}")
        return [(n, o, lookup[n]) for n, o in zip(names, outputs, strict=True)]
    return [(n, o, weights) for n, o in zip(names, outputs, strict=True)]


def print_report(report: dict[str, Any], report_path: Path) -> None:
    print(
        f"[INFO] {report['backbone']} ({report['image_size']}x{report['image_size']}, "
        f"weights: {report['weights']}): {report['written']} images -> {report['output']} "
        f"({report['feature_dim']} features each, {report['images_per_second']:.1f} images/s)"
    )
    for skipped in report["skipped_files"][:10]:
        print(f"         skipped {skipped['path']}: {skipped['reason']}")
    if report["skipped"] > 10:
        print(f"         ... and {report['skipped'] - 10} more")
    if report["unlabeled"]:
        print(f"[INFO] {len(report['unlabeled'])} image(s) had no label and were left out")
    print(f"[INFO] report: {report_path}")


def check_outputs(jobs: list[tuple[str, str, Any]], overwrite: bool) -> None:
    """Refuse to replace a features file without --overwrite; check every output can be
    written, before TensorFlow starts."""
    existing = [output for _, output, _ in jobs if Path(output).exists()]
    if existing and not overwrite:
        raise OutputError(
            f"features file(s) already exist: {', '.join(existing)}; pass --overwrite to "
            "replace them (the old file stays until the new one is complete)"
        )
    check_writable({f"FEATURES_HDF5 ({backbone})": output for backbone, output, _ in jobs})


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    cfg = settings_from(args)
    jobs = plan(cfg, args.backbone, args.output is not None, args.weights is not None)
    check_outputs(jobs, args.overwrite or bool(cfg.get("OVERWRITE")))

    quiet_tensorflow()
    from pyimagesearch.features.extraction import extract_features

    for backbone, output, weights in jobs:
        report = extract_features(
            cfg.IMAGES_PATH,
            output,
            backbone=backbone,
            weights=weights,
            image_size=cfg.get("FEATURE_IMAGE_SIZE"),
            batch_size=int(cfg.get("FEATURE_BATCH_SIZE")),
            buffer_size=int(cfg.get("BUFFER_SIZE")),
            overwrite=True,  # checked above; the old file is replaced once the new is whole
            label_source=cfg.get("LABEL_SOURCE"),
            workers=cfg.get("BUILD_WORKERS"),
            progress=not args.quiet,
        )
        output = Path(output)
        print_report(report, write_json(output.with_name(f"{output.stem}_report.json"), report))
    if len(jobs) > 1:
        files = " ".join(str(o) for _, o, _ in jobs)
        print(f"[INFO] fuse them: python train_logreg.py --db {files}")


if __name__ == "__main__":
    sys.exit(main())
