"""Fine-tune a pretrained network (new head, then its last block) on the builder's splits.

Usage:
    python fine_tune.py --config config/dogs_vs_cats_config.py [--overwrite]
    python fine_tune.py --config ... --backbone VGG16 --layers block5_ --image-size 224
    python fine_tune.py --config ... --from-activations [output/activations.hdf5]

Stage 1 trains the new head with the backbone frozen (``FINE_TUNE_HEAD_EPOCHS``), stage 2
unfreezes the backbone from ``FINE_TUNE_LAYERS`` on (a layer-name prefix or a count;
default its last block) and trains with SGD at ``FINE_TUNE_LEARNING_RATE``
(``FINE_TUNE_EPOCHS``); both stop early on the validation split. Images stream from
``TRAIN_HDF5`` / ``VAL_HDF5`` (memory does not grow with their number); the model is then
scored on ``TEST_HDF5`` (baseline and 10-crop). Writes the model with its record,
``<model>_history.png`` and ``<model>_report.json``.

``--from-activations`` trains the layers above the split point of an activations file
(``extract_features.py --activations``; default file ``ACTIVATIONS_HDF5``) from the stored
activations, without running the frozen layers again (no augmentation); the saved model
takes raw images like any other.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pyimagesearch.cli import (
    absolute_path,
    add_backbone_options,
    backbone_settings,
    config_parser,
    friendly_errors,
    load_script_config,
    script_run,
)
from pyimagesearch.config import parse_value
from pyimagesearch.training.fine_tune import fine_tune, required_settings


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], runs=True)
    parser.add_argument("-m", "--model", help="model to write (FINE_TUNE_MODEL_PATH)")
    add_backbone_options(parser)
    parser.add_argument("--layers", help="first layer (prefix) or count (FINE_TUNE_LAYERS)")
    parser.add_argument("--head-epochs", type=int, help="FINE_TUNE_HEAD_EPOCHS")
    parser.add_argument("--epochs", type=int, help="FINE_TUNE_EPOCHS")
    parser.add_argument("--batch-size", type=int, help="FINE_TUNE_BATCH_SIZE")
    parser.add_argument(
        "--from-activations",
        nargs="?",
        const="",
        metavar="FILE",
        help="train above the split point from stored activations (ACTIVATIONS_HDF5)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an existing model")
    return parser


def flag_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the flags give (None: not given, the config's applies). ``--layers`` is
    read as ``--set`` reads a value (``3``: a count, ``block5_``: a layer prefix)."""
    return {
        "FINE_TUNE_MODEL_PATH": absolute_path(args.model),
        **backbone_settings(args),
        "FINE_TUNE_LAYERS": None if args.layers is None else parse_value(args.layers),
        "FINE_TUNE_HEAD_EPOCHS": args.head_epochs,
        "FINE_TUNE_EPOCHS": args.epochs,
        "FINE_TUNE_BATCH_SIZE": args.batch_size,
        "ACTIVATIONS_HDF5": absolute_path(args.from_activations or None),
    }


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    from_activations = args.from_activations is not None
    cfg = load_script_config(args, required_settings(from_activations), **flag_settings(args))
    with script_run(args, cfg, "fine_tune") as run:
        report = fine_tune(cfg, from_activations, overwrite=args.overwrite)
        run.collect(report)
    test = report["test"]
    print(f"[INFO] validation accuracy {report['val_accuracy']:.4f}, loss {report['val_loss']:.4f}")
    print(
        f"[INFO] test ({test['n_images']} images): baseline rank-1 "
        f"{test['baseline_rank1'] * 100:.2f}%, 10-crop rank-1 {test['tencrop_rank1'] * 100:.2f}%"
    )
    print(f"[INFO] model {report['model']}, plot {report['plot']}, report {report['report_path']}")
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
