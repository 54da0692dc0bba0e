"""One self-contained HTML report of a run, or of a comparison of runs.

Usage:
    python report.py --config config/dogs_vs_cats_config.py [--run [NAME]] [--output FILE]
    python report.py --config config/dogs_vs_cats_config.py --compare RUN RUN ... [--output FILE]

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

from pyimagesearch.experiments.run_report import (
    REPORT_FILE,
    comparison_report,
    write_report,
    write_run_report,
)
from pyimagesearch.experiments.runs import find_run, parent_run, resolve_runs, stamped_folder
from pyimagesearch.utils import cli


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(__doc__.splitlines()[0], config_required=False)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--run", nargs="?", const="latest", metavar="NAME", help="one run")
    which.add_argument("--compare", nargs="*", metavar="RUN", help="runs to compare")
    parser.add_argument("-o", "--output", help="the HTML file to write")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(args)
    output = cli.absolute_path(args.output)
    if args.compare is not None:
        folders = resolve_runs(cfg.get("OUTPUT_PATH"), args.compare)
        target = (
            output
            or stamped_folder(cfg.output_path("comparisons"), f"{len(folders)}-runs") / REPORT_FILE
        )
        path = write_report(comparison_report(folders), target)
    else:
        folder = find_run(cfg.get("OUTPUT_PATH"), args.run)
        if args.run in (None, "latest"):  # an evaluation's report is its model's run's
            folder = parent_run(folder) or folder
        path = write_run_report(folder, output)
    size = path.stat().st_size
    print(f"[INFO] report: {path} ({size / 1e6:.2f} MB); open it in a browser")


if __name__ == "__main__":
    sys.exit(main())
