"""Audit a dataset before training: duplicates across splits, suspicious labels, outliers,
near-uniform images, reading problems. Reads only; writes its findings.

Usage:
    python audit_dataset.py --config config/dogs_vs_cats_config.py [--output DIR] [--overwrite]
    python audit_dataset.py --config ... --folder datasets/kaggle_dogs_vs_cats/train

Reads the builder's split files (or ``--folder``); with features from extract_features.py
(``FEATURES_HDF5``, or its default ``features_<backbone>.hdf5`` when that file is there)
also judges labels by a cross-validated classifier and finds outliers.
Writes audit.json, one CSV per finding, contact sheets and exclusions.txt (give it to the
builder as ``EXCLUDE_LIST`` after a look) into ``--output`` (default OUTPUT_PATH/audit); an
earlier audit's files there are replaced only with ``--overwrite``, once all are made.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.audit.audit_dataset import run_audit


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(cli.description(__doc__))
    parser.add_argument("--folder", help="audit a folder of images instead of the splits")
    parser.add_argument("-o", "--output", help="folder of the findings")
    cli.add_overwrite_argument(parser, "the files of an earlier audit in --output")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(args, keras=False, OVERWRITE=cli.overwrite_setting(args))
    s = run_audit(cfg, cli.absolute_path(args.folder), cli.absolute_path(args.output),
                  progress=not args.quiet)  # fmt: skip
    print(f"[AUDIT] {s['images']} images")
    print(f"[AUDIT] duplicate groups: {s['duplicate_groups']} ("
          f"{s['duplicate_groups_with_conflicting_labels']} with two labels, "
          f"{s['duplicate_groups_across_splits']} across splits)")  # fmt: skip
    print(f"[AUDIT] suspicious labels: {s['suspicious_labels']}; outliers: {s['outliers']}; "
          f"near-uniform images: {s['uniform_images']}; reading problems: "
          f"{s['reading_problems']}")  # fmt: skip
    for note in s["notes"]:
        print(f"[AUDIT] note: {note}")
    print(f"[AUDIT] findings, contact sheets and exclusions.txt in {s['output']}")


if __name__ == "__main__":
    sys.exit(main())
