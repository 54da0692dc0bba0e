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
from pyimagesearch.evaluation.evaluate import REQUIRED_SETTINGS, report_lines, run_evaluation


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
    print("\n".join(report_lines(report)))
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
