"""Classify a folder of new images with a saved classifier: extract the same features
(same backbones, input sizes and weights as training), fuse them, predict.

Example:
    >>> bundle = load_model_bundle("output/logreg.pickle")                      # doctest: +SKIP
    >>> result = predict_folder(bundle, "datasets/kaggle_dogs_vs_cats/test1")   # doctest: +SKIP
    >>> result.probs.shape                                                     # doctest: +SKIP
    (12500, 2)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.data.sources import UNLABELED, open_source
from pyimagesearch.errors import DatasetError
from pyimagesearch.features.classifiers import load_classifier, predict_proba
from pyimagesearch.features.extraction import FeatureExtractor, extract_arrays
from pyimagesearch.utils.reports import read_json

KERAS_SUFFIX = ".keras"


def head_metadata_path(model_path: str | os.PathLike[str]) -> Path:
    """The JSON beside a Keras head that names its label names and feature sources."""
    path = Path(model_path)
    return path.with_name(path.stem + ".json")


def load_model_bundle(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A classifier with its label names and feature sources: a logistic-regression
    pickle from train_logreg.py or a Keras head (``.keras``) from train_head.py."""
    path = Path(path)
    if path.suffix != KERAS_SUFFIX:
        return load_classifier(path)
    meta_path = head_metadata_path(path)
    if not path.is_file() or not meta_path.is_file():
        raise DatasetError(f"head model or its {meta_path.name} not found (run train_head.py)")
    import keras

    meta = read_json(meta_path)
    return {**meta, "classifier": keras.models.load_model(path)}


@dataclass
class FolderPrediction:
    paths: list[str]
    probs: np.ndarray  # (N, K); rows of unreadable images are NaN
    labels: np.ndarray  # (N,) from file names when they carry one, else -1
    skipped: list[tuple[str, str]] = field(default_factory=list)


def predict_folder(
    bundle: dict[str, Any],
    folder: str | os.PathLike[str],
    batch_size: int = 32,
    weights: Any = None,
    progress: bool = True,
) -> FolderPrediction:
    """Probabilities of every image of ``folder`` (Kaggle's ``test1/``: ``1.jpg ...``).

    Args:
        weights: replaces the weights recorded at training (e.g. the same file moved).
    """
    sources = bundle.get("sources") or []
    if not sources or any("backbone" not in s for s in sources):
        raise DatasetError(
            "the classifier does not record which backbone made its features; retrain it "
            "with train_logreg.py on features from extract_features.py"
        )
    source = open_source(folder, require_labels=False)
    names = bundle.get("label_names") or []
    lookup = {n: i for i, n in enumerate(names)}
    labels = np.array(
        [lookup.get(source.label_names[y], UNLABELED) if y >= 0 else UNLABELED
         for y in source.labels],
        dtype=np.int64,
    )  # fmt: skip
    columns, readable, skipped = [], None, []
    for spec in sources:
        extractor = FeatureExtractor(
            spec["backbone"],
            weights if weights is not None else spec.get("weights", "imagenet"),
            int(spec["image_size"]),
        )
        features, rows, skipped = extract_arrays(extractor, source, batch_size, progress)
        if readable is None:
            readable = rows
        elif not np.array_equal(rows, readable):  # same loader: cannot differ, but check
            raise DatasetError("backbones read different images of the test folder")
        columns.append(features)
    probs = np.full((len(source), max(len(names), 2)), np.nan)
    if readable is not None and len(readable):
        probs[readable] = predict_proba(bundle["classifier"], np.concatenate(columns, axis=1))
    return FolderPrediction(source.paths, probs, labels, skipped)
