"""Class activation maps of any trained model: where it looks for the class it predicts.

Usage:
    python cam.py --model output/fine_tuned.keras --image a.jpg b.jpg [--output cam.png]
    python cam.py --config config/dogs_vs_cats_config.py --model PATH --split test -n 16
        [--select errors|first|random]

CAM for networks ending in global average pooling + dense (and classifiers on pooled
features, through their backbone), Grad-CAM otherwise (``--layer`` names the convolution;
default: the last one). Of a split, ``--select errors`` (default) shows the model's
mistakes, worst first (the highest losses after one batched pass over the split),
``first`` the first rows, ``random`` a seeded sample. All maps in one batched pass; one
grid of overlays, each titled true -> predicted label and its probability. The grid is
kept in a run folder of its own (OUTPUT_PATH/runs), linked to the model's run; ``--run
[NAME]``: the model kept in a run.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.config import SPLIT_SETTINGS
from pyimagesearch.diagnostics.cam import run_cam


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(cli.description(__doc__), config_required=False, runs=True)
    parser.add_argument("-m", "--model", help="any trained model (default MODEL_PATH)")
    cli.add_run_argument(parser)
    parser.add_argument("--image", nargs="+", help="image files")
    parser.add_argument("--split", choices=list(SPLIT_SETTINGS), help="or images of a split")
    parser.add_argument("-n", "--count", type=int, help="images of the split (CAM_IMAGES)")
    parser.add_argument(
        "--select",
        choices=("errors", "first", "random"),
        help="which images of the split (CAM_SELECT; default: errors)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--layer", help="the convolution to map (CAM_LAYER)")
    parser.add_argument("-o", "--output", help="the PNG to write, or a folder for cam.png")
    args = parser.parse_args(argv)
    if bool(args.image) == bool(args.split):
        parser.error("give --image FILES or --split NAME")
    cfg = cli.load_script_config(args, CAM_IMAGES=args.count, CAM_LAYER=args.layer,
                                 CAM_SELECT=args.select)  # fmt: skip
    model = cli.model_argument(args, cfg, "MODEL_PATH")
    with cli.script_run(args, cfg, "cam", model) as run:
        shown = run_cam(cfg, model, args.image, args.split, cli.absolute_path(args.output),
                        progress=not args.quiet)  # fmt: skip
        run.collect({"figures": [str(shown.path)]}, {"cam_method": shown.method})
    what = f" ({cfg.get('CAM_SELECT')} of the {args.split} split)" if args.split else ""
    print(f"[INFO] {shown.method} overlays{what}: {shown.path}")
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
