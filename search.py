"""Search with Optuna (TPE, pruning of bad trials): the classifier on features, or a
network's training settings on a short budget.

Usage:
    python search.py --config config/dogs_vs_cats_config.py [--trials N] [--name NAME]
        [--model head|logreg|network] [--epochs N]
        [--set SEARCH_SPACE="{'HEAD_LEARNING_RATE': ('log', 1e-4, 1e-1)}"]

SEARCH_MODEL 'head': train_head.py's HEAD_LEARNING_RATE, HEAD_DROPOUT, HEAD_UNITS and
HEAD_EPOCHS; 'logreg': train_logreg.py's LOGREG_C and LOGREG_PENALTY; 'network':
train.py's LEARNING_RATE, WEIGHT_DECAY, BATCH_SIZE, OPTIMIZER (SEARCH_EPOCHS epochs a
trial, ``--epochs``). Trials are scored by validation loss (the test rows are never used);
each is a run of its own. The search's run folder holds search_results.csv, best.json
(with the command that trains with the best settings) and report.html. A killed search is
not resumed: a new one of the same name says so, and starts again.
"""

from __future__ import annotations

import sys

from pyimagesearch import cli
from pyimagesearch.experiments.search import SEARCHABLE, run_search


@cli.friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = cli.config_parser(cli.description(__doc__), runs=True)
    parser.add_argument("--trials", type=int, help="number of trials (SEARCH_TRIALS)")
    parser.add_argument("--model", choices=list(SEARCHABLE), help="what to tune (SEARCH_MODEL)")
    parser.add_argument("--epochs", type=int, help="epochs of a network trial (SEARCH_EPOCHS)")
    parser.add_argument("-d", "--db", nargs="+", help="features HDF5 file(s) (FEATURES_HDF5)")
    args = parser.parse_args(argv)
    cfg = cli.load_script_config(
        args,
        SEARCH_TRIALS=args.trials,
        SEARCH_MODEL=args.model,
        SEARCH_EPOCHS=args.epochs,
        FEATURES_HDF5=cli.absolute_paths(args.db),
    )
    result = run_search(cfg, name=args.name, command=list(cli.current_command()))
    best = result["best"]
    pruned = sum(r["state"] == "pruned" for r in result["rows"])
    print(
        f"[SEARCH] {len(result['rows'])} trials ({pruned} pruned); best: trial {best['trial']}, "
        f"{best['scored_by']} {best['val_loss']:.4f}, val accuracy {best['val_accuracy']:.4f}"
    )
    for line in best["config_lines"]:
        print(f"         {line}")
    print(f"[SEARCH] train with them: {best['command']}")
    print(f"[SEARCH] results, best.json and report.html in {result['run']}")


if __name__ == "__main__":
    sys.exit(main())
