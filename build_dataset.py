"""Build train/val/test HDF5 files and the RGB mean from a folder of photos.

Usage:
    python build_dataset.py --config config/dogs_vs_cats_config.py [--overwrite]
        [--set NAME=VALUE ...]
"""

from __future__ import annotations

import sys

from pyimagesearch.cli import config_parser, friendly_errors, load_script_config
from pyimagesearch.data.build_dataset import build_dataset, summary_lines


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = config_parser(__doc__.splitlines()[0])
    parser.add_argument("--overwrite", action="store_true", help="replace existing HDF5 files")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    cfg = load_script_config(args, keras=False)  # the builder imports no backend
    report = build_dataset(cfg, overwrite=args.overwrite or None, progress=not args.quiet)
    print("\n".join(summary_lines(report)))


if __name__ == "__main__":
    sys.exit(main())
