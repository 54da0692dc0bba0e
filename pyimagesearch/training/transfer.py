"""What the classifiers on pretrained features share: their rows, record, report and head.

``train_logreg.py`` (:mod:`pyimagesearch.training.train_logreg`) and ``train_head.py``
(:mod:`pyimagesearch.training.train_head`) read the same features and test on the same
rows (:func:`transfer_data`):

* features of the builder's split files (``extract_features.py`` reads them by default):
  train on the training split (the head validates on the validation split), test on the
  builder's test split, so AlexNet, logistic regression, head and fine-tuned network are
  compared on the same images;
* ``TEST_FEATURES_HDF5``: train on all of ``FEATURES_HDF5``, test on that file;
* features of a plain folder: a seeded stratified held-out fraction (``LOGREG_TEST_SIZE``).

Each writes its model with a record (:func:`model_record`: kind, classes, the backbones and
weights that make its features, sizes, data, config), so ``evaluate.py`` and
``predict.py`` take it. The head's rows and training (:func:`head_rows`, :func:`fit_head`)
are here too, because ``search.py``'s head trials train exactly as ``train_head.py`` does.

Example (not run by the tests: needs extracted features):
    >>> data = transfer_data(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> data.split                                                           # doctest: +SKIP
    "the builder's splits (train / val / test)"
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError, DatasetError
from pyimagesearch.features.fusion import FeatureSet, load_features
from pyimagesearch.models.record import data_fingerprint

# A model on features sees images brought to this multiple of its input side before the
# input (or its 10 crops) is cut: 256 for a 224 input, as the builder stores images.
CROP_MARGIN = 256 / 224


@dataclass
class TransferData:
    """Labelled training, validation (may be None) and test rows, and how they were split."""

    train: FeatureSet
    val: FeatureSet | None
    test: FeatureSet
    split: str


def transfer_data(cfg: Config) -> TransferData:
    """The rows to train and test on (see the module doc)."""
    from pyimagesearch.features.classifiers import held_out_split
    from pyimagesearch.features.extract_features import features_files

    files = features_files(cfg)
    missing = [f for f in files if not Path(f).is_file()]
    if missing and not cfg.get("FEATURES_HDF5"):  # the defaults; named files say it below
        raise ConfigError(
            f"no features at {missing[0]}: run extract_features.py first, or pass --db "
            "FILE.hdf5 or set FEATURES_HDF5 in --config"
        )
    data = load_features(files)
    test_files = cfg.path_list("TEST_FEATURES_HDF5")
    seed = cfg.get("RANDOM_SEED")
    if test_files:
        test = load_features(test_files)
        if test.label_names != data.label_names:
            raise DatasetError(
                f"held-out label names {test.label_names} differ from {data.label_names}"
            )
        _require_same_features(data, test)
        result = TransferData(data.labelled(), None, test.labelled(), "separate file")
    elif data.splits is not None:
        val = data.split("val")
        result = TransferData(
            data.split("train"),
            val if len(val) else None,
            data.split("test"),
            "the builder's splits (train / val / test)",
        )
    else:
        size = cfg.get("LOGREG_TEST_SIZE")
        train, test = held_out_split(data, size, seed)
        split = f"stratified {1 - size:.0%}/{size:.0%} split, seed {seed}"
        result = TransferData(train.labelled(), None, test.labelled(), split)
    if len(result.test) == 0:
        raise DatasetError("the held-out features have no labelled rows")
    return result


def _made_by(features: FeatureSet) -> str:
    """How a feature set's columns were made: ``1280 features of MobileNetV2 (224 px,
    weights imagenet)``, one backbone after another for fused files."""
    parts = [f"{s.get('backbone')} ({s.get('image_size')} px, weights {s.get('weights')})"
             for s in features.sources]  # fmt: skip
    return f"{features.features.shape[1]} features of {' + '.join(parts)}"


def _require_same_features(data: FeatureSet, test: FeatureSet) -> None:
    """Refuse held-out features made another way (another backbone, size or weights), before
    anything is fitted: a classifier on one kind of features cannot score the other."""
    if _made_by(test) != _made_by(data):
        raise DatasetError(
            f"TEST_FEATURES_HDF5 holds {_made_by(test)}, FEATURES_HDF5 {_made_by(data)}: "
            "extract both with the same backbone, image size and weights"
        )


def model_record(kind: str, cfg: Config, data: TransferData) -> dict[str, Any]:
    """The record of a classifier on ``data``'s features."""
    backbones = [
        {
            "backbone": source["backbone"],
            "weights": None if source.get("weights") in (None, "none") else source["weights"],
            "image_size": int(source["image_size"]),
        }
        for source in data.train.sources
    ]
    side = max(b["image_size"] for b in backbones)
    base = data.train.sources[0].get("source_image_size")
    image_size = list(base) if base is not None else [math.ceil(side * CROP_MARGIN)] * 2
    files = [s["file"] for s in data.train.sources]
    return {
        "kind": kind,
        "label_names": data.train.label_names,
        "backbones": backbones,
        "input_size": [side, side],
        "image_size": [int(v) for v in image_size],
        "preprocessing": {"features": "each backbone's preprocess_input, global average pool"},
        "split": data.split,
        "data": {"features": [data_fingerprint(f) for f in files]},
        "config": cfg.snapshot(),
    }


HEAD_PATIENCE = 5  # epochs without a better validation loss before the head stops


def head_early_stopping():
    """Stop after ``HEAD_PATIENCE`` epochs without progress; keep the best epoch's weights
    (train_head.py, and search.py's trials, so a trial scores what train_head.py keeps)."""
    import keras

    return keras.callbacks.EarlyStopping(patience=HEAD_PATIENCE, restore_best_weights=True)


def head_rows(cfg: Config, data: TransferData) -> tuple[FeatureSet, FeatureSet]:
    """The head's training and validation rows: the builder's validation split, or a
    seeded stratified ``HEAD_VAL_SPLIT`` of the training rows."""
    if data.val is not None and len(data.val):
        return data.train, data.val
    return stratified_part(data.train, cfg.get("HEAD_VAL_SPLIT"), cfg.get("RANDOM_SEED"))


def fit_head(
    cfg: Config, train: FeatureSet, val: FeatureSet, callbacks: list | None = None, verbose: int = 2
) -> tuple[Any, dict[str, list[float]]]:
    """Train the head as train_head.py does (seeded, early stopping, the best epoch kept),
    with ``callbacks`` after its own (search.py's pruning); return it and its history."""
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import keras

    keras.utils.set_random_seed(cfg.get("RANDOM_SEED"))
    model = compiled_head(cfg, train.features.shape[1], len(train.label_names))
    history = model.fit(
        train.features,
        train.labels,
        validation_data=(val.features, val.labels),
        epochs=cfg.get("HEAD_EPOCHS"),
        batch_size=cfg.get("HEAD_BATCH_SIZE"),
        callbacks=[head_early_stopping(), *(callbacks or [])],
        verbose=verbose,
    )
    return model, {k: [float(v) for v in vs] for k, vs in history.history.items()}


def compiled_head(cfg: Config, input_dim: int, classes: int):
    """The head of ``HEAD_DROPOUT``, ``HEAD_UNITS`` and ``HEAD_LEARNING_RATE`` (Adam),
    compiled (train_head.py and search.py's trials)."""
    import keras

    from pyimagesearch.nn.heads import build_feature_head, loss_for

    dropout, units = cfg.get("HEAD_DROPOUT"), cfg.get("HEAD_UNITS")
    model = build_feature_head(input_dim, classes, dropout, units)
    model.compile(
        optimizer=keras.optimizers.Adam(cfg.get("HEAD_LEARNING_RATE")),
        loss=loss_for(classes),
        metrics=["accuracy"],
    )
    return model


def report_summary(results: dict[str, Any], data: TransferData) -> dict[str, Any]:
    """The part of both engines' reports about the test rows and the features."""
    return {
        "accuracy": results["accuracy"],
        "log_loss": results["log_loss"],
        "n_test": len(data.test),
        "split": data.split,
        "feature_dim": int(data.train.features.shape[1]),
        "backbones": [s.get("backbone") for s in data.train.sources],
        "features": [s["file"] for s in data.train.sources],
        "label_names": data.train.label_names,
        "per_class": results["per_class"],
        "classification_report": results["classification_report"],
    }


def stratified_part(data: FeatureSet, fraction: float, seed: int) -> tuple[FeatureSet, FeatureSet]:
    from sklearn.model_selection import train_test_split

    try:
        keep, part = train_test_split(
            np.arange(len(data)), test_size=fraction, stratify=data.labels, random_state=seed
        )
    except ValueError as exc:
        raise DatasetError(f"cannot split {len(data)} rows for validation: {exc}") from None
    return data.subset(np.sort(keep)), data.subset(np.sort(part))
