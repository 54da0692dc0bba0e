"""Build train/val/test HDF5 files and the RGB mean from a folder of photos.

Usage:
    python build_dataset.py --config config/dogs_vs_cats_config.py [--overwrite]
        [--set NAME=VALUE ...]
    python build_dataset.py --config ... --shard K --of N    # one shard (one machine of N)
    python build_dataset.py --config ... --publish --of N    # then: check and publish the set
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
    parser.add_argument("--shard", type=int, metavar="K", help="build only shard K (of --of)")
    parser.add_argument("--of", type=int, metavar="N", help="shards of a set built in steps")
    parser.add_argument("--publish", action="store_true", help="publish the shards built")
    args = parser.parse_args(argv)
    if (args.shard is not None or args.publish) != (args.of is not None) or (
        args.shard is not None and args.publish
    ):
        parser.error("give --shard K --of N (one shard), or --publish --of N (the last step)")
    cfg = load_script_config(args, keras=False)  # the builder imports no backend
    overwrite, progress = args.overwrite or None, not args.quiet
    if args.shard is not None:
        from pyimagesearch.data.shard_build import build_shard, shard_lines

        print("\n".join(shard_lines(build_shard(cfg, args.shard, args.of, overwrite, progress))))
        return
    if args.publish:
        from pyimagesearch.data.shard_build import publish_shards

        report = publish_shards(cfg, args.of, overwrite, progress)
    else:
        report = build_dataset(cfg, overwrite=overwrite, progress=progress)
    print("\n".join(summary_lines(report)))


if __name__ == "__main__":
    sys.exit(main())
