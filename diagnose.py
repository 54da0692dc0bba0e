"""Diagnose any trained model on a split: confusion matrix, every image's loss, top losses.

Usage:
    python diagnose.py --config config/dogs_vs_cats_config.py [--model PATH]
        [--split test|val|train] [--tencrop] [--output DIR] [-n 16]

Writes confusion_matrix.png/.csv, errors.csv (every image, sorted by loss),
top_losses.png and diagnosis.json into ``--output`` (default OUTPUT_PATH/diagnosis_<split>),
and keeps them in a run folder of its own (OUTPUT_PATH/runs), linked to the model's run:
``report.py`` shows them with that run. ``--run [NAME]``: the model kept in a run.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.config import SPLIT_SETTINGS
from pyimagesearch.diagnostics.diagnose import run_diagnosis


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(cli.description(__doc__), runs=True)
    parser.add_argument("-m", "--model", help="any trained model (default MODEL_PATH)")
    cli.add_run_argument(parser)
    parser.add_argument("--split", choices=list(SPLIT_SETTINGS), help="which (DIAGNOSE_SPLIT)")
    parser.add_argument("--tencrop", action="store_true", help="average 10 crops per image")
    parser.add_argument("-o", "--output", help="folder of the outputs")
    parser.add_argument("-n", "--top", type=int, help="top-loss images shown (DIAGNOSE_TOP)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(args, DIAGNOSE_SPLIT=args.split, DIAGNOSE_TOP=args.top)
    model = cli.model_argument(args, cfg, "MODEL_PATH")
    with cli.script_run(args, cfg, "diagnose", model) as run:
        output = cli.absolute_path(args.output)
        report = run_diagnosis(cfg, model, args.tencrop, output, not args.quiet)
        run.collect(report)
    print(f"[INFO] {report['n_images']} {report['split']} images: accuracy "
          f"{report['accuracy'] * 100:.2f}%, log loss {report['log_loss']:.4f}")  # fmt: skip
    for pair in report["top_confused_pairs"][:5]:
        print(f"         {pair['true']} taken for {pair['predicted']}: {pair['count']}")
    for row in report["top_losses"][:5]:
        print(f"         loss {row['loss']:.2f}: {row['path']} ({row['true_label']} -> "
              f"{row['predicted_label']}, p={row['true_probability']:.3f})")  # fmt: skip
    print(f"[INFO] pictures and tables in {report['report_path'].rsplit('/', 1)[0]}")
    print(f"[INFO] run folder: {run.path}")


if __name__ == "__main__":
    sys.exit(main())
