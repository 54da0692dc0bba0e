"""Train a small Keras head (Dropout 0.5 + Dense) on extracted features and evaluate it.

Usage:
    python train_head.py --config config/dogs_vs_cats_config.py
    python train_head.py --db output/features_resnet50.hdf5 --model output/head.keras

The second classifier beside train_logreg.py, on the same features and the same held-out
data (``--test-db`` / ``TEST_FEATURES_HDF5``, or the seeded stratified split); a
stratified part of the training rows (``HEAD_VAL_SPLIT``, default 0.1) is the validation
set for early stopping. Writes the model, a JSON of its label names and feature sources
(for predict.py --model head.keras) and ``head_report.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.utils.atomic import atomic_write
from pyimagesearch.utils.cli import (
    absolute_path,
    absolute_paths,
    config_parser,
    friendly_errors,
    load_script_config,
)
from pyimagesearch.utils.reports import write_json
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

DEFAULT_EPOCHS = 30


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("-d", "--db", nargs="+", help="features HDF5 file(s) (FEATURES_HDF5)")
    parser.add_argument("--test-db", nargs="+", help="held-out features (TEST_FEATURES_HDF5)")
    parser.add_argument("-m", "--model", help="Keras model to write (HEAD_MODEL_PATH)")
    parser.add_argument("-r", "--report", help="JSON report (default head_report.json)")
    parser.add_argument("-e", "--epochs", type=int, help="most epochs (HEAD_EPOCHS)")
    return parser


def run(cfg: Config, report_path: str | None = None) -> dict[str, Any]:
    quiet_tensorflow()
    import keras
    from sklearn.model_selection import train_test_split

    from pyimagesearch.features.classifiers import evaluate, held_out_split
    from pyimagesearch.features.fusion import load_features
    from pyimagesearch.features.prediction import head_metadata_path
    from pyimagesearch.nn.heads import build_feature_head, loss_for

    seed = int(cfg.get("RANDOM_SEED"))
    keras.utils.set_random_seed(seed)
    data = load_features(cfg.path_list("FEATURES_HDF5"))
    test_files = cfg.path_list("TEST_FEATURES_HDF5")
    if test_files:
        train, test = data, load_features(test_files)
    else:
        train, test = held_out_split(data, float(cfg.get("LOGREG_TEST_SIZE")), seed)
    train = train.subset(np.flatnonzero(train.labels >= 0))
    test = test.subset(np.flatnonzero(test.labels >= 0))
    num_classes = len(train.label_names)
    fit_rows, val_rows = train_test_split(
        np.arange(len(train)),
        test_size=float(cfg.get("HEAD_VAL_SPLIT")),
        stratify=train.labels,
        random_state=seed,
    )
    model = build_feature_head(train.features.shape[1], num_classes)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss=loss_for(num_classes), metrics=["accuracy"]
    )
    history = model.fit(
        train.features[fit_rows],
        train.labels[fit_rows],
        validation_data=(train.features[val_rows], train.labels[val_rows]),
        epochs=int(cfg.get("HEAD_EPOCHS")),
        batch_size=int(cfg.get("HEAD_BATCH_SIZE")),
        callbacks=[keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)],
        verbose=2,
    )
    results = evaluate(model, test.features, test.labels, train.label_names)
    print(results["classification_report"])
    print(f"[INFO] accuracy {results['accuracy']:.4f}  log loss {results['log_loss']:.4f}")

    model_path = Path(cfg.get("HEAD_MODEL_PATH"))
    with atomic_write(model_path) as tmp:
        model.save(tmp)
    write_json(
        head_metadata_path(model_path),
        {"kind": "head", "label_names": train.label_names, "sources": train.sources},
    )
    report = {
        "accuracy": results["accuracy"],
        "log_loss": results["log_loss"],
        "n_train": len(fit_rows),
        "n_val": len(val_rows),
        "n_test": len(test),
        "epochs_run": len(history.history["loss"]),
        "history": history.history,
        "per_class": results["per_class"],
        "model": str(model_path),
    }
    report_path = report_path or cfg.output_path("head_report.json")
    write_json(report_path, report)
    print(f"[INFO] head: {model_path}  report: {report_path}")
    return report


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    cfg = load_script_config(
        args,
        FEATURES_HDF5=absolute_paths(args.db),
        TEST_FEATURES_HDF5=absolute_paths(args.test_db),
        HEAD_MODEL_PATH=absolute_path(args.model),
        HEAD_EPOCHS=args.epochs,
    )
    if cfg.get("FEATURES_HDF5") is None:
        raise ConfigError("no features: pass --db FILE.hdf5 or set FEATURES_HDF5 in --config")
    run(cfg, args.report)


if __name__ == "__main__":
    sys.exit(main())
