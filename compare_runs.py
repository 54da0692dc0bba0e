"""Compare runs side by side: the settings that differ, epochs, best validation loss,
baseline and 10-crop rank-1/rank-5, log loss, time.

Usage:
    python compare_runs.py --config config/dogs_vs_cats_config.py [RUN ...] [--output DIR]

RUN: a run folder's name in OUTPUT_PATH/runs (or its end: ``alexnet-lr3``), ``latest``, or
a path to a run folder; none: every run that trained a model. Writes comparison.csv and
comparison.md into ``--output`` (default OUTPUT_PATH/comparisons/<date-time>-<n>-runs).
"""

from __future__ import annotations

import sys

from pyimagesearch.experiments.compare import compare_runs, table_lines, write_comparison
from pyimagesearch.experiments.runs import resolve_runs, stamped_folder
from pyimagesearch.utils import cli


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("runs", nargs="*", metavar="RUN", help="runs to compare")
    parser.add_argument("-o", "--output", help="folder of comparison.csv and comparison.md")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(args)
    folders = resolve_runs(cfg.get("OUTPUT_PATH"), args.runs)
    rows, differing = compare_runs(folders)
    print("\n".join(table_lines(rows, differing)))
    if not differing and len(rows) > 1:
        print("[INFO] the runs' settings are the same (file paths aside)")
    output = cli.absolute_path(args.output) or stamped_folder(
        cfg.output_path("comparisons"), f"{len(rows)}-runs"
    )
    paths = write_comparison(rows, differing, output)
    print(f"[INFO] {paths['csv']}  {paths['markdown']}")


if __name__ == "__main__":
    sys.exit(main())
