"""Compare runs side by side: the settings that differ, epochs, best validation loss,
baseline and 10-crop rank-1/rank-5, log loss, time.

Usage:
    python compare_runs.py --config config/dogs_vs_cats_config.py [RUN ...] [--output DIR]

RUN: a run folder's name in OUTPUT_PATH/runs (or its end: ``alexnet-lr3``), ``latest``, or
a path to a run folder; none: every run that trained a model. Writes comparison.csv and
comparison.md into ``--output`` (default OUTPUT_PATH/comparisons/<date-time>-<n>-runs;
tables already in ``--output`` are replaced only with ``--overwrite``).
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.experiments.compare_runs import compare_to_files, table_lines


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(cli.description(__doc__), config_required=False)
    parser.add_argument("runs", nargs="*", metavar="RUN", help="runs to compare")
    parser.add_argument("-o", "--output", help="folder of comparison.csv and comparison.md")
    parser.add_argument("--overwrite", action="store_true", help="replace tables in --output")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(args)
    output = cli.absolute_path(args.output)
    rows, differing, paths = compare_to_files(
        cfg.get("OUTPUT_PATH"), args.runs, output, args.overwrite
    )
    print("\n".join(table_lines(rows, differing)))
    if not differing and len(rows) > 1:
        print("[INFO] the runs' settings are the same (file paths aside)")
    print(f"[INFO] {paths['csv']}  {paths['markdown']}")


if __name__ == "__main__":
    sys.exit(main())
