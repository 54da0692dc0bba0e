"""Build train/val/test HDF5 files and the RGB mean from a folder of photos.

Usage:
    python build_dataset.py --config config/dogs_vs_cats_config.py [--overwrite]
        [--set NAME=VALUE ...]
"""

from __future__ import annotations

import sys

from pyimagesearch.cli import config_parser, friendly_errors, load_script_config
from pyimagesearch.data.build_dataset import build_dataset


def print_summary(report: dict) -> None:
    print(f"[INFO] classes: {', '.join(report['label_names'])} ({report['label_source']} labels)")
    for name, split in report["splits"].items():
        print(
            f"[INFO] {name:5s}: listed {split['listed']:6d}  written {split['written']:6d}  "
            f"skipped {split['skipped']:4d}  {split['images_per_second']:7.1f} images/s"
            f"  -> {split['output']}"
        )
        for skipped in split["skipped_files"][:10]:
            print(f"         skipped {skipped['path']}: {skipped['reason']}")
        if split["skipped"] > 10:
            print(f"         ... and {split['skipped'] - 10} more (see the report)")
    totals = report["totals"]
    passed_over = (
        ("unlabeled", "image file(s) had no label and were left out", "unlabeled_files"),
        ("labels_without_a_file", "name(s) in the label file(s) matched no image",
         "labels_without_a_file"),
        ("excluded", "image(s) left out by EXCLUDE_LIST", "excluded_files"),
        ("non_image_files", "file(s) without an image extension were ignored",
         "ignored_non_image_files"),
        ("duplicates_dropped", "link(s) to an image already listed were dropped",
         "duplicate_files"),
        ("link_loops_skipped", "link(s) back to a folder already walked were skipped",
         "link_loops"),
        ("broken_links", "broken link(s) were skipped", "broken_links"),
    )  # fmt: skip
    for key, text, listing in passed_over:
        if totals[key]:
            print(f"[INFO] {totals[key]} {text} (listed under {listing!r} in the report)")
    mean = report["dataset_mean"]
    print(f"[INFO] training mean: R {mean['R']:.2f}  G {mean['G']:.2f}  B {mean['B']:.2f}")
    print(
        f"[INFO] {totals['written']} images in {totals['elapsed_seconds']:.1f} s "
        f"({totals['images_per_second']:.1f} images/s); report: {report['report_path']}"
    )


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = config_parser(__doc__.splitlines()[0])
    parser.add_argument("--overwrite", action="store_true", help="replace existing HDF5 files")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    cfg = load_script_config(args)
    report = build_dataset(cfg, overwrite=args.overwrite or None, progress=not args.quiet)
    print_summary(report)


if __name__ == "__main__":
    sys.exit(main())
