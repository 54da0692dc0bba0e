"""The baseline of a model on features from the features ``extract_features.py`` stored.

A logistic regression or a head was trained on a features file; that file usually holds
the baseline features of the very images ``evaluate.py`` and ``diagnose.py`` score (the
builder's split files are what ``extract_features.py`` reads by default). Running the
backbone over them again gives the same numbers at the backbone's cost, so the baseline
takes the stored rows when every one of these holds for each features file the model's
record names (one per backbone):

* the file is there and readable;
* same backbone, input side and weights as the model's backbone;
* the model resizes the test images once, to that side (the images are at the size the
  model was trained on, and with fused backbones of different sides the smaller ones are
  resized twice: not what was stored);
* same build as the split file (``build_id``), and every image of the split is one of the
  file's rows of that split, with the same label.

Otherwise the features are extracted again, as before; :func:`match_stored_features` says
which, in one line. 10-crop never can use them: crops are not stored.

Example (not run by the tests: needs a trained model and the builder's test split):
    >>> classifier = load_classifier("output/logreg.skops")                  # doctest: +SKIP
    >>> with open_hdf5("datasets/kaggle_dogs_vs_cats/hdf5/test.hdf5") as db:
    ...     stored, note = match_stored_features(classifier, db)             # doctest: +SKIP
    >>> probs = predict_stored(classifier, stored)                           # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from pyimagesearch.errors import DatasetError
from pyimagesearch.features.weights import weights_source
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_paths, read_rows
from pyimagesearch.io.storage import row_shape
from pyimagesearch.models.classifiers import Classifier, FeatureClassifier
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.progress import progress_bar

CHUNK_BYTES = 32 * 2**20  # feature rows read and classified at once


@dataclass(frozen=True)
class StoredFeatures:
    """Where the rows of a split's images lie in the model's features files."""

    files: tuple[str, ...]  # one per backbone, in the record's order (fused columns)
    rows: tuple[np.ndarray, ...]  # per file: the row of each image of the split, in order


@dataclass(frozen=True)
class _Split:
    """What the stored rows must match: the split file's images."""

    paths: np.ndarray  # (N,) str
    labels: np.ndarray  # (N,) int64
    build_id: str | None
    split: str | None
    shape: tuple[int, int]  # (height, width) of its images


def _split_of(db: h5py.File) -> _Split:
    paths = read_paths(db).astype(str)
    build_id, split = db.attrs.get("build_id"), db.attrs.get("split")
    return _Split(
        paths,
        np.asarray(db["labels"][:], dtype=np.int64),
        None if build_id is None else str(build_id),
        None if split is None else str(split),
        row_shape(db["images"])[:2],
    )


def match_stored_features(
    classifier: Classifier, db: h5py.File
) -> tuple[StoredFeatures | None, str | None]:
    """The stored features of the split file ``db``'s images for ``classifier``'s baseline,
    and the line that says whether they are used (and if not, why); ``(None, None)`` for a
    model that is not on features."""
    if not isinstance(classifier, FeatureClassifier):
        return None, None
    entries = (classifier.record.get("data") or {}).get("features") or []
    files = [str(entry.get("path", "")) for entry in entries]
    if len(files) != len(classifier.backbones) or not all(files):
        return None, _again("the model's record names no features file for each backbone")
    split = _split_of(db)
    rows = []
    for file, backbone in zip(files, classifier.backbones, strict=True):
        found = _rows_in(file, backbone, classifier, split)
        if isinstance(found, str):
            return None, _again(found)
        rows.append(found)
    names = ", ".join(display_path(f) for f in files)
    return StoredFeatures(tuple(files), tuple(rows)), (
        f"baseline: the stored features of {names} (same backbone, size, weights, build and "
        "images as the split); 10-crop runs the backbone over its crops"
    )


def _again(reason: str) -> str:
    return f"baseline: the backbone extracts the features again ({reason})"


def _rows_in(
    file: str, backbone: dict[str, Any], classifier: FeatureClassifier, split: _Split
) -> np.ndarray | str:
    """The rows of ``split``'s images in ``file``, or why they cannot be used."""
    name = display_path(file)
    if not Path(file).is_file():
        return f"{name} is not there"
    try:
        db = open_hdf5(file, "features")
    except DatasetError as exc:
        return str(exc)
    with db:
        reason = _differs(db.attrs, backbone, classifier, split, name)
        return reason if reason else _split_rows(db, split, name)


def _differs(
    attrs: Any, backbone: dict[str, Any], classifier: FeatureClassifier, split: _Split, name: str
) -> str | None:
    """Why the features of a file with ``attrs`` are not what the baseline computes."""
    side = int(backbone["image_size"])
    if str(attrs.get("backbone")) != backbone["backbone"]:
        return f"{name} holds {attrs.get('backbone')} features, the model {backbone['backbone']}"
    if int(attrs.get("image_size", -1)) != side:
        return f"{name} holds features at {attrs.get('image_size')} px, the model at {side} px"
    if str(attrs.get("weights")) != weights_source(backbone.get("weights")):
        return f"{name} was made with other weights ({attrs.get('weights')})"
    width, height = classifier.image_size
    if split.shape != (height, width) or classifier.input_size != (side, side):
        return "the model resizes the split's images in two steps before this backbone"
    if split.build_id is None:
        return "the split file has no build id"
    if str(attrs.get("build_id")) != split.build_id:
        return f"{name} comes from another build than the split file"
    return None


def _split_rows(db: h5py.File, split: _Split, name: str) -> np.ndarray | str:
    """The row of each of ``split``'s images among the file's rows of that split (all
    rows of a file without split codes), matched by path; or why not."""
    if not len(split.paths):
        return "the split file lists no image paths"
    paths = read_paths(db).astype(str)
    candidates = np.arange(len(paths))
    if "split" in db:
        names = [str(n) for n in db["split"].attrs.get("split_names", [])]
        code = names.index(split.split) if split.split in names else -1
        candidates = np.flatnonzero(np.asarray(db["split"][:]) == code)
    order = np.argsort(paths[candidates], kind="stable")
    known = paths[candidates][order]
    if len(np.unique(known)) != len(known):
        return f"{name} lists an image more than once"
    at = np.minimum(np.searchsorted(known, split.paths), max(len(known) - 1, 0))
    found = known[at] == split.paths if len(known) else np.zeros(len(split.paths), bool)
    if not found.all():
        missing = int((~found).sum())
        return f"{missing} of the split's {len(split.paths)} images are not rows of {name}"
    rows = candidates[order[at]]
    if not np.array_equal(np.asarray(db["labels"][:])[rows], split.labels):
        return f"the labels of {name} differ from the split file's"
    return rows


def _read(features: h5py.Dataset, rows: np.ndarray) -> np.ndarray:
    """``features[rows]`` for any order of distinct rows: one slice read when they lie
    close together (the usual case: a split's rows are consecutive), else sorted reads."""
    if not len(rows):
        return np.empty((0, features.shape[1]), np.float32)
    lo, hi = int(rows.min()), int(rows.max()) + 1
    if hi - lo <= 2 * len(rows):
        return np.asarray(read_rows(features, slice(lo, hi))[rows - lo], np.float32)
    order = np.argsort(rows)
    out = np.empty((len(rows), features.shape[1]), np.float32)
    out[order] = read_rows(features, rows[order])
    return out


def predict_stored(
    classifier: FeatureClassifier, stored: StoredFeatures, progress: bool = False
) -> np.ndarray:
    """``(N, classes)`` baseline probabilities from the stored features, read and
    classified in chunks of about :data:`CHUNK_BYTES` (memory flat in N)."""
    handles = [open_hdf5(f, "features") for f in stored.files]
    try:
        data = [h["features"] for h in handles]
        n = len(stored.rows[0])
        step = max(1, CHUNK_BYTES // (4 * sum(int(d.shape[1]) for d in data)))
        out = np.empty((n, len(classifier.label_names)), np.float32)
        bar = progress_bar("baseline", n, enabled=progress)
        for lo in range(0, n, step):
            pairs = zip(data, stored.rows, strict=True)
            columns = [_read(d, rows[lo : lo + step]) for d, rows in pairs]
            out[lo : lo + step] = classifier.classify(np.concatenate(columns, axis=1))
            bar.update(min(lo + step, n))
        bar.finish()
    finally:
        for handle in handles:
            handle.close()
    return out
