"""Train a logistic regression on extracted features (grid search over C) and evaluate it.

Usage:
    python train_logreg.py --config config/dogs_vs_cats_config.py
    python train_logreg.py --db output/features_resnet50.hdf5 --model output/logreg.pickle
    python train_logreg.py --db output/features_a.hdf5 output/features_b.hdf5   # fusion

Held-out data: the features named by ``--test-db`` / ``TEST_FEATURES_HDF5`` when given,
otherwise a seeded stratified split of ``--db`` (``LOGREG_TEST_SIZE``, default 0.25).
Several ``--db`` files are fused: their features are concatenated image by image.
"""

from __future__ import annotations

import sys
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.utils.cli import (
    absolute_path,
    absolute_paths,
    config_parser,
    friendly_errors,
    load_script_config,
)
from pyimagesearch.utils.reports import write_json


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("-d", "--db", nargs="+", help="features HDF5 file(s) (FEATURES_HDF5)")
    parser.add_argument("--test-db", nargs="+", help="held-out features (TEST_FEATURES_HDF5)")
    parser.add_argument("-m", "--model", help="classifier to write (LOGREG_MODEL_PATH)")
    parser.add_argument("-r", "--report", help="JSON report to write (LOGREG_REPORT)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="grid-search processes")
    return parser


def settings_from(args) -> Config:
    cfg = load_script_config(
        args,
        FEATURES_HDF5=absolute_paths(args.db),
        TEST_FEATURES_HDF5=absolute_paths(args.test_db),
        LOGREG_MODEL_PATH=absolute_path(args.model),
        LOGREG_REPORT=absolute_path(args.report),
    )
    if cfg.get("FEATURES_HDF5") is None:
        raise ConfigError("no features: pass --db FILE.hdf5 or set FEATURES_HDF5 in --config")
    return cfg


def run(cfg: Config, jobs: int | None = None) -> dict[str, Any]:
    """Train, evaluate, save; return the report (also written as JSON)."""
    from pyimagesearch.features.classifiers import (
        evaluate,
        held_out_split,
        save_classifier,
        train_logreg,
    )
    from pyimagesearch.features.fusion import load_features

    seed = int(cfg.get("RANDOM_SEED"))
    train_files = cfg.path_list("FEATURES_HDF5")
    test_files = cfg.path_list("TEST_FEATURES_HDF5")
    data = load_features(train_files)
    if test_files:
        train, test = data, load_features(test_files)
        if test.label_names != train.label_names:
            raise ConfigError(
                f"held-out label names {test.label_names} differ from {train.label_names}"
            )
        split = "separate file"
    else:
        test_size = float(cfg.get("LOGREG_TEST_SIZE"))
        train, test = held_out_split(data, test_size, seed)
        split = f"stratified {1 - test_size:.0%}/{test_size:.0%} split, seed {seed}"
    train = train.subset((train.labels >= 0).nonzero()[0])
    test = test.subset((test.labels >= 0).nonzero()[0])
    if len(test) == 0:
        raise ConfigError("the held-out features have no labeled rows")

    print(f"[INFO] training on {len(train)} rows of {train.features.shape[1]} features")
    search = train_logreg(
        train.features,
        train.labels,
        c_grid=cfg.get("LOGREG_C_GRID"),
        seed=seed,
        n_jobs=jobs,
    )
    best_c = float(search.best_params_["C"])
    print(f"[INFO] best C: {best_c}")
    results = evaluate(search.best_estimator_, test.features, test.labels, train.label_names)
    print(results["classification_report"])
    print(f"[INFO] accuracy {results['accuracy']:.4f}  log loss {results['log_loss']:.4f}")

    model_path = cfg.get("LOGREG_MODEL_PATH")
    save_classifier(
        model_path,
        search.best_estimator_,
        train.label_names,
        train.sources,
        kind="logreg",
        best_C=best_c,
    )
    report = {
        "accuracy": results["accuracy"],
        "log_loss": results["log_loss"],
        "best_C": best_c,
        "n_train": len(train),
        "n_test": len(test),
        "feature_dim": int(train.features.shape[1]),
        "split": split,
        "features": train_files,
        "test_features": test_files,
        "backbones": [s.get("backbone") for s in train.sources],
        "label_names": train.label_names,
        "cv_scores": {
            str(c): float(s)
            for c, s in zip(
                search.cv_results_["param_C"], search.cv_results_["mean_test_score"], strict=True
            )
        },
        "per_class": results["per_class"],
        "model": str(model_path),
    }
    report_path = cfg.get("LOGREG_REPORT")
    write_json(report_path, report)
    print(f"[INFO] classifier: {model_path}  report: {report_path}")
    return report


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    run(settings_from(args), jobs=args.jobs)


if __name__ == "__main__":
    sys.exit(main())
