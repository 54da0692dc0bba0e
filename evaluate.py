"""Evaluate the trained model on the test set: baseline vs 10-crop accuracy.

Usage:
    python evaluate.py --config config/dogs_vs_cats_config.py [--model PATH] [--quiet]
        [--set NAME=VALUE ...]
"""

from __future__ import annotations

import sys

from pyimagesearch.evaluation.tencrop import REQUIRED_SETTINGS, run_evaluation
from pyimagesearch.utils.cli import (
    absolute_path,
    config_parser,
    friendly_errors,
    load_script_config,
)


def print_report(report: dict) -> None:
    print(f"[INFO] baseline (resized) predictions:\n{report['baseline_report_text']}")
    print(f"[INFO] 10-crop predictions:\n{report['tencrop_report_text']}")
    print(f"[INFO] test images: {report['n_images']}")
    for name, label in (("baseline", "baseline"), ("tencrop", "10-crop")):
        line = f"[INFO] {label:8s} rank-1: {report[f'{name}_rank1'] * 100:6.2f}%"
        if f"{name}_rank5" in report:
            line += f"  rank-5: {report[f'{name}_rank5'] * 100:6.2f}%"
        line += f"  ({report[f'{name}_seconds']:.1f} s)"
        print(line)
    print(
        f"[INFO] 10-crop got {report['tencrop_fixed']} image(s) right that the baseline got "
        f"wrong, and {report['tencrop_broke']} wrong that the baseline got right"
    )
    print(f"[INFO] report: {report['report_path']}")


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = config_parser(__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file (default: MODEL_PATH)")
    parser.add_argument("--batch-size", type=int, help="network inputs per predict call")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    required = ("TEST_HDF5",) if args.model else REQUIRED_SETTINGS
    cfg = load_script_config(args, required, EVAL_BATCH_SIZE=args.batch_size)
    report = run_evaluation(cfg, absolute_path(args.model), progress=not args.quiet)
    print_report(report)


if __name__ == "__main__":
    sys.exit(main())
