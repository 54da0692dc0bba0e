"""One self-contained HTML report of a run, or of a comparison of runs.

Usage:
    python report.py --config config/dogs_vs_cats_config.py [--run [NAME]] [--output FILE]
    python report.py --config config/dogs_vs_cats_config.py --compare RUN RUN ... [--output FILE]

An existing ``--output`` file is replaced only with ``--overwrite``.

``--run NAME`` (default: the newest run; when that one evaluated a model, the run that
trained it): the run's numbers, config, the build report and audit it saw, training
curves, baseline vs 10-crop, classification report, confusion matrix, top losses and CAM
grid (from the evaluations and diagnoses of its model), written to ``report.html`` in the
run folder. ``--compare`` (no names: every run that trained a model): one table and the
validation curves, in OUTPUT_PATH/comparisons/<date-time>-<n>-runs. The page needs no
server and no network: images are embedded, no script runs.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.experiments.report import make_report


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(cli.description(__doc__), config_required=False)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--run", nargs="?", const="latest", metavar="NAME", help="one run")
    which.add_argument("--compare", nargs="*", metavar="RUN", help="runs to compare")
    parser.add_argument("-o", "--output", help="the HTML file to write")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --output")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(args)
    path = make_report(cfg.get("OUTPUT_PATH"), args.run, args.compare,
                       cli.absolute_path(args.output), args.overwrite)  # fmt: skip
    print(f"[INFO] report: {path} ({path.stat().st_size / 1e6:.2f} MB); open it in a browser")


if __name__ == "__main__":
    sys.exit(main())
