"""Export a trained model out of the framework: one artifact (TensorFlow SavedModel, ONNX or
LiteRT) that takes uint8 RGB images with the model's preprocessing inside, checked against
the model on real images.

Usage:
    python export.py --model output/dogs_vs_cats_logreg.skops --format onnx
    python export.py --config config/dogs_vs_cats_config.py --run [NAME] --format litert
        [--output DIR] [--images DIR|FILE.hdf5] [-n 32] [--tolerance 1e-4] [--overwrite]

Any trained model: a network of train.py / train_alexnet.py, a fine-tuned network, a head
or a logistic regression on features (which becomes one network: the backbone, its
pooling, the regression's coefficients as a dense layer). The artifact takes uint8 RGB
images of the model's image size, any number at a time, and gives the class
probabilities of ``load_classifier(...).predict_proba``; ``labels.txt`` and
``export.json`` (the source model's sha256 and record, the settings, the parity check)
are written beside it. The parity check runs the artifact in its own runtime on real
images (the test split of the model's build, or ``--images``); beyond ``EXPORT_TOLERANCE``
the export fails and nothing is written. An existing export is kept unless --overwrite.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pyimagesearch import cli
from pyimagesearch.export.export import export_lines, plan_export, run_export
from pyimagesearch.export.formats import FORMATS


def build_parser() -> argparse.ArgumentParser:
    parser = cli.config_parser(cli.description(__doc__), config_required=False, runs=True)
    parser.add_argument("-m", "--model", help="any trained model file (.keras, .skops)")
    cli.add_run_argument(parser)
    parser.add_argument("-f", "--format", choices=tuple(FORMATS), help="EXPORT_FORMAT")
    parser.add_argument("-o", "--output", help="the export folder (EXPORT_PATH)")
    parser.add_argument("--images", help="parity images: a folder or an HDF5 file (EXPORT_IMAGES)")
    parser.add_argument("-n", "--parity-images", type=int, help="EXPORT_PARITY_IMAGES")
    parser.add_argument("--tolerance", type=float, help="EXPORT_TOLERANCE")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing export")
    return parser


def flag_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the flags give (a flag not given changes nothing)."""
    return {
        "EXPORT_FORMAT": args.format,
        "EXPORT_PATH": cli.absolute_path(args.output),
        "EXPORT_IMAGES": cli.absolute_path(args.images),
        "EXPORT_PARITY_IMAGES": args.parity_images,
        "EXPORT_TOLERANCE": args.tolerance,
        "OVERWRITE": True if args.overwrite else None,
    }


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    cfg = cli.load_script_config(args, **flag_settings(args))
    model = cli.model_argument(args, cfg, None)
    plan = plan_export(cfg, model)
    with cli.script_run(args, cfg, "export", plan.model) as run:
        report = run_export(plan)
        run.collect(
            {"report_path": report["report_path"]},
            {
                "export_format": report["export_format"],
                "parity_max_difference": report["parity"]["max_abs_difference"],
            },
        )
    print("\n".join(export_lines(report)))
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
