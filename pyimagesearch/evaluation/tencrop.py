"""Baseline and 10-crop evaluation of any trained model on an HDF5 test set, in large batches.

Baseline: each image resized to the network's input. 10-crop: the four corners, the center
and their mirrors, probabilities averaged per image. The model's own preprocessing (mean
subtraction, a backbone's ``preprocess_input``, features and a classifier on them) comes
from its record (:mod:`pyimagesearch.models`). Crops of many images go through one call,
never one image at a time, and the next chunk is read and prepared on a background thread
while the model predicts the current one (a model on features then runs its backbone over
slices of the chunk: memory stays flat). The baseline of a model on features takes the
features ``extract_features.py`` stored of the same images where they match
(:mod:`pyimagesearch.evaluation.stored_features`).

Example (not run by the tests: needs a trained model and the builder's test split):
    >>> classifier = load_classifier("output/alexnet_dogs_vs_cats.keras")     # doctest: +SKIP
    >>> with open_hdf5("datasets/kaggle_dogs_vs_cats/hdf5/test.hdf5", "images") as db:
    ...     report = evaluate_model(classifier, db)                          # doctest: +SKIP
    >>> report["baseline_rank1"], report["tencrop_rank1"]                    # doctest: +SKIP
    (0.9272, 0.9404)
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import h5py
import numpy as np

from pyimagesearch.config import setting
from pyimagesearch.errors import DatasetError
from pyimagesearch.evaluation.ranked import ranked_accuracy
from pyimagesearch.evaluation.stored_features import StoredFeatures, predict_stored
from pyimagesearch.io.hdf5_dataset import read_label_names, read_rows
from pyimagesearch.models.classifiers import Classifier
from pyimagesearch.utils.progress import progress_bar

DEFAULT_EVAL_BATCH_SIZE = setting("EVAL_BATCH_SIZE").default  # network inputs per call


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, n)) for start in range(0, n, size)]


def _prefetched(chunks: list[tuple[int, int]], prepare):
    """Yield ``(lo, hi, prepare(lo, hi))``, preparing the next chunk on a background thread
    while the caller predicts the current one (reads, crops and casts overlap the model)."""
    if not chunks:
        return
    with ThreadPoolExecutor(1, thread_name_prefix="pyis-eval") as pool:
        future = pool.submit(prepare, *chunks[0])
        for k, (lo, hi) in enumerate(chunks):
            batch = future.result()
            if k + 1 < len(chunks):
                future = pool.submit(prepare, *chunks[k + 1])
            yield lo, hi, batch


def _rows(images: h5py.Dataset | np.ndarray, lo: int, hi: int) -> np.ndarray:
    return read_rows(images, slice(lo, hi)) if isinstance(images, h5py.Dataset) else images[lo:hi]


def _predict_all(
    classifier: Classifier,
    images: h5py.Dataset | np.ndarray,
    per_image: int,
    batch_size: int,
    label: str,
    progress: bool,
) -> np.ndarray:
    """``(N, classes)`` probabilities, ``per_image`` network inputs for each image."""
    n = len(images)
    tencrop = per_image > 1
    inputs = classifier.tencrop_inputs if tencrop else classifier.baseline_inputs
    out = None
    bar = progress_bar(label, n, enabled=progress)
    for lo, hi, batch in _prefetched(
        _chunks(n, max(1, batch_size // per_image)),
        lambda lo, hi: inputs(_rows(images, lo, hi)),
    ):
        probs = classifier.predict_prepared(batch)
        if tencrop:
            probs = probs.reshape(hi - lo, per_image, -1).mean(axis=1)
        if out is None:
            out = np.empty((n, probs.shape[1]), np.float32)
        out[lo:hi] = probs
        bar.update(hi)
    bar.finish()
    return out if out is not None else np.empty((0, len(classifier.label_names)), np.float32)


def predict_baseline(
    classifier: Classifier,
    images: h5py.Dataset | np.ndarray,
    batch_size: int = DEFAULT_EVAL_BATCH_SIZE,
    progress: bool = False,
) -> np.ndarray:
    """``(N, classes)`` probabilities of images resized to the model's input."""
    return _predict_all(classifier, images, 1, batch_size, "baseline", progress)


def predict_tencrop(
    classifier: Classifier,
    images: h5py.Dataset | np.ndarray,
    batch_size: int = DEFAULT_EVAL_BATCH_SIZE,
    progress: bool = False,
) -> np.ndarray:
    """``(N, classes)`` probabilities averaged over each image's 10 crops; ``batch_size``
    counts network inputs (the crops of ``batch_size // 10`` images per call)."""
    per_image = classifier.crops_per_image
    return _predict_all(classifier, images, per_image, batch_size, "10-crop", progress)


def evaluate_model(
    classifier: Classifier,
    db: h5py.File,
    batch_size: int = DEFAULT_EVAL_BATCH_SIZE,
    progress: bool = False,
    stored: StoredFeatures | None = None,
) -> dict[str, Any]:
    """Baseline and 10-crop accuracy, rank-5 with more than 5 classes, per-class reports.

    With ``stored`` (a model on features: :func:`match_stored_features`), the baseline
    classifies the stored features of ``db``'s images instead of running the backbone."""
    labels = np.asarray(db["labels"][:], dtype=np.int64)
    names = read_label_names(db) or classifier.label_names
    images = db["images"]
    report: dict[str, Any] = {"n_images": len(labels), "classes": len(names), "label_names": names}
    passes = {
        "baseline": (lambda: predict_stored(classifier, stored, progress))
        if stored is not None
        else (lambda: predict_baseline(classifier, images, batch_size, progress)),
        "tencrop": lambda: predict_tencrop(classifier, images, batch_size, progress),
    }
    correct = {}
    for name, predict in passes.items():
        started = time.perf_counter()
        probs = predict()
        report[f"{name}_seconds"] = time.perf_counter() - started
        report.update(_pass_report(name, probs, labels, names))
        correct[name] = probs.argmax(axis=1) == labels
    if len(names) <= 5:
        report["rank5_note"] = f"rank-5 is not reported: there are only {len(names)} classes"
    # the paired view: a difference of a few images on a small test set is noise
    report["tencrop_fixed"] = int((correct["tencrop"] & ~correct["baseline"]).sum())
    report["tencrop_broke"] = int((correct["baseline"] & ~correct["tencrop"]).sum())
    report["tencrop_vs_baseline_time"] = report["tencrop_seconds"] / max(
        report["baseline_seconds"], 1e-9
    )
    return report


def _pass_report(
    name: str, probs: np.ndarray, labels: np.ndarray, names: list[str]
) -> dict[str, Any]:
    """Ranked accuracy, log loss and the per-class report of one pass's probabilities."""
    from sklearn.metrics import classification_report, log_loss

    classes = len(names)
    if probs.shape[1] != classes:
        raise DatasetError(
            f"the model predicts {probs.shape[1]} classes but the test set has {classes}"
        )
    report: dict[str, Any] = {f"{name}_rank1": ranked_accuracy(probs, labels, k=1)}
    if classes > 5:
        report[f"{name}_rank5"] = ranked_accuracy(probs, labels, k=5)
    report[f"{name}_log_loss"] = float(
        log_loss(labels, np.clip(probs, 1e-7, 1.0), labels=list(range(classes)))
    )
    predicted = probs.argmax(axis=1)
    kwargs = {"labels": list(range(classes)), "target_names": names, "zero_division": 0}
    report[f"{name}_per_class"] = classification_report(
        labels, predicted, output_dict=True, **kwargs
    )
    report[f"{name}_report_text"] = classification_report(labels, predicted, **kwargs)
    return report


def check_fit(record: dict[str, Any], test_shape: tuple[int, int]) -> list[str]:
    """Refuse a network trained from scratch on images of another size than the test set's;
    for other models, say plainly what is resized. ``test_shape`` is ``(height, width)``.

    A network trained on 72x72 images, evaluated on 256x256 ones, would see 10 crops of a
    quarter of each photo and report a lower accuracy without a word.
    """
    height, width = test_shape
    trained_w, trained_h = (int(v) for v in record["image_size"])
    if (trained_h, trained_w) == (height, width):
        return []
    if record.get("kind") in ("network", "alexnet"):
        raise DatasetError(
            f"the model record says it was trained on {trained_w}x{trained_h} images but "
            f"TEST_HDF5 holds {width}x{height} images; evaluate on a test set built with the "
            "same IMAGE_SIZE"
        )
    return [
        f"the test images ({width}x{height}) are resized to {trained_w}x{trained_h}, the size "
        "the model was trained on, before its input is cut from them"
    ]
