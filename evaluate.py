"""Evaluate the trained model on the test set: baseline vs 10-crop accuracy.

Usage:
    python evaluate.py --config config/dogs_vs_cats_config.py [--model PATH | --run [NAME]]
        [--quiet] [--name RUN_NAME] [--set NAME=VALUE ...]

``--run NAME`` evaluates the model kept in that run folder (no NAME: the newest run that
trained one). The evaluation is a run of its own (OUTPUT_PATH/runs), linked to the run that
trained the model, and ``evaluation.json`` is also written to OUTPUT_PATH.
"""

from __future__ import annotations

import sys

from pyimagesearch.cli import (
    add_run_argument,
    config_parser,
    friendly_errors,
    load_script_config,
    model_argument,
    script_run,
)
from pyimagesearch.evaluation.evaluate import REQUIRED_SETTINGS, run_evaluation


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
    parser = config_parser(__doc__.splitlines()[0], runs=True)
    parser.add_argument("--model", help="model file (default: MODEL_PATH)")
    add_run_argument(parser)
    parser.add_argument("--batch-size", type=int, help="network inputs per predict call")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    required = ("TEST_HDF5",) if args.model or args.run else REQUIRED_SETTINGS
    cfg = load_script_config(args, required, EVAL_BATCH_SIZE=args.batch_size)
    model = model_argument(args, cfg, "MODEL_PATH")
    with script_run(args, cfg, "evaluate", model) as run:
        report = run_evaluation(cfg, model, progress=not args.quiet)
        run.collect(report)
    print_report(report)
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
