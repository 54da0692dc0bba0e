"""Baseline and 10-crop evaluation of a model on an HDF5 test set, in large batches.

Baseline: mean subtraction and a resize to the network's input. 10-crop: mean subtraction,
the four corners, the center and their mirrors, probabilities averaged per image. Crops of
many images go through one ``predict_on_batch`` call, never one image at a time.

Example:
    >>> report = run_evaluation(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> report["baseline_rank1"], report["tencrop_rank1"]                      # doctest: +SKIP
    (0.9272, 0.9404)
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from pyimagesearch.config import Config, setting
from pyimagesearch.errors import DatasetError
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_rows
from pyimagesearch.preprocessing import CropPreprocessor, MeanPreprocessor, SimplePreprocessor
from pyimagesearch.utils.progress import progress_bar
from pyimagesearch.utils.ranked import ranked_accuracy
from pyimagesearch.utils.reports import write_json

REQUIRED_SETTINGS = ("MODEL_PATH", "TEST_HDF5")
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


def _predict(model, inputs: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_on_batch(inputs))


def predict_baseline(
    model,
    images: h5py.Dataset | np.ndarray,
    mean: MeanPreprocessor | None,
    batch_size: int = DEFAULT_EVAL_BATCH_SIZE,
    progress: bool = False,
) -> np.ndarray:
    """``(N, classes)`` probabilities of images resized to the model's input."""
    height, width = model.input_shape[1:3]
    resize = SimplePreprocessor(width, height)
    n = len(images)
    out = None
    bar = progress_bar("baseline", n, enabled=progress)

    def prepare(lo: int, hi: int) -> np.ndarray:
        batch = resize.preprocess_batch(_rows(images, lo, hi))
        return batch if mean is None else mean.preprocess_batch(batch)

    for lo, hi, batch in _prefetched(_chunks(n, max(1, batch_size)), prepare):
        probs = _predict(model, batch)
        if out is None:
            out = np.empty((n, probs.shape[-1]), np.float32)
        out[lo:hi] = probs
        bar.update(hi)
    bar.finish()
    return out


def predict_tencrop(
    model,
    images: h5py.Dataset | np.ndarray,
    mean: MeanPreprocessor | None,
    batch_size: int = DEFAULT_EVAL_BATCH_SIZE,
    horiz: bool = True,
    progress: bool = False,
) -> np.ndarray:
    """``(N, classes)`` probabilities averaged over each image's 10 (or 5) crops.

    ``batch_size`` counts network inputs: each call predicts the crops of
    ``batch_size // 10`` images at once.
    """
    height, width = model.input_shape[1:3]
    crops = CropPreprocessor(width, height, horiz=horiz)
    k = crops.n_crops
    per_call = max(1, batch_size // k)
    n = len(images)
    out = None
    bar = progress_bar("10-crop", n, enabled=progress)

    def prepare(lo: int, hi: int) -> np.ndarray:
        batch = crops.preprocess_batch(_rows(images, lo, hi))  # (m, k, h, w, c)
        batch = batch.reshape(-1, *batch.shape[2:])
        return batch if mean is None else mean.preprocess_batch(batch)

    for lo, hi, batch in _prefetched(_chunks(n, per_call), prepare):
        probs = _predict(model, batch)
        if out is None:
            out = np.empty((n, probs.shape[-1]), np.float32)
        out[lo:hi] = probs.reshape(hi - lo, k, -1).mean(axis=1)
        bar.update(hi)
    bar.finish()
    return out


def evaluate_model(
    model,
    db: h5py.File,
    mean: MeanPreprocessor | None,
    batch_size: int = DEFAULT_EVAL_BATCH_SIZE,
    progress: bool = False,
) -> dict[str, Any]:
    """Baseline and 10-crop accuracy of ``model`` on an open dataset file."""
    from sklearn.metrics import classification_report

    labels = np.asarray(db["labels"][:], dtype=np.int64)
    names = read_label_names(db)
    classes = int(model.output_shape[-1])
    if not names:
        names = [str(i) for i in range(classes)]
    if len(names) != classes:
        raise DatasetError(
            f"the model predicts {classes} classes but the test set has {len(names)} "
            f"({', '.join(names)})"
        )
    images = db["images"]
    report: dict[str, Any] = {"n_images": len(labels), "classes": classes, "label_names": names}
    correct = {}
    for name, fn in (("baseline", predict_baseline), ("tencrop", predict_tencrop)):
        started = time.perf_counter()
        probs = fn(model, images, mean, batch_size=batch_size, progress=progress)
        seconds = time.perf_counter() - started
        report[f"{name}_rank1"] = ranked_accuracy(probs, labels, k=1)
        if classes > 5:
            report[f"{name}_rank5"] = ranked_accuracy(probs, labels, k=5)
        report[f"{name}_seconds"] = seconds
        predicted = probs.argmax(axis=1)
        correct[name] = predicted == labels
        kwargs = {"labels": list(range(classes)), "target_names": names, "zero_division": 0}
        report[f"{name}_per_class"] = classification_report(
            labels, predicted, output_dict=True, **kwargs
        )
        report[f"{name}_report_text"] = classification_report(labels, predicted, **kwargs)
    # the paired view: a difference of a few images on a small test set is noise
    report["tencrop_fixed"] = int((correct["tencrop"] & ~correct["baseline"]).sum())
    report["tencrop_broke"] = int((correct["baseline"] & ~correct["tencrop"]).sum())
    report["tencrop_vs_baseline_time"] = report["tencrop_seconds"] / max(
        report["baseline_seconds"], 1e-9
    )
    return report


def check_fit(
    record: dict[str, Any] | None,
    test_shape: tuple[int, int],
    test_names: list[str],
    train_shape: tuple[int, int] | None = None,
) -> list[str]:
    """Refuse a model that does not fit the test set; return notes for the user.

    The model must have been trained on images of the test set's size (a model trained
    on 72x72 images, evaluated on 256x256 ones, would see 10 crops of a quarter of each
    photo and report a lower accuracy without a word) and on the same classes in the
    same order. ``test_shape`` and ``train_shape`` are ``(height, width)``.
    """
    height, width = test_shape
    trained = None
    if record and record.get("image_size"):
        trained = (int(record["image_size"][1]), int(record["image_size"][0]))
        source = "the model record says it was trained on"
    elif train_shape is not None:
        trained, source = train_shape, "TRAIN_HDF5 (no model record) holds"
    if trained is not None and trained != (height, width):
        raise DatasetError(
            f"{source} {trained[1]}x{trained[0]} images but TEST_HDF5 holds {width}x{height} "
            "images; evaluate on a test set built with the same IMAGE_SIZE"
        )
    names = list((record or {}).get("label_names") or [])
    if names and test_names and names != test_names:
        raise DatasetError(
            f"the model's classes {names} differ from the test set's {test_names} (same "
            "names in the same order are needed)"
        )
    if trained is None:
        return [
            "the model has no record and TRAIN_HDF5 is unset: its training image size "
            f"cannot be checked against the test set's {width}x{height}"
        ]
    return []


def _train_shape(cfg: Config) -> tuple[int, int] | None:
    path = cfg.get("TRAIN_HDF5")
    if path is None or not Path(path).exists():
        return None
    with open_hdf5(path, "images") as db:
        return tuple(int(v) for v in db["images"].shape[1:3])


def run_evaluation(
    cfg: Config,
    model_path: str | None = None,
    batch_size: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Load ``MODEL_PATH`` and ``TEST_HDF5``, evaluate, write ``evaluation.json``.

    Everything is checked before TensorFlow starts: the model file and its record, the
    test set (its image size and classes must match the model's training data), the
    mean and the output folder.
    """
    from pyimagesearch.models.record import read_record
    from pyimagesearch.utils.atomic import check_writable

    path = Path(model_path or cfg.MODEL_PATH)
    if not path.is_file():
        raise DatasetError(f"model not found: {path} (train it first: train_alexnet.py)")
    record = read_record(path)
    report_path = cfg.output_path("evaluation.json")
    check_writable({"OUTPUT_PATH": report_path})
    with open_hdf5(cfg.TEST_HDF5, "images") as db:
        test_shape = tuple(int(v) for v in db["images"].shape[1:3])
        notes = check_fit(record, test_shape, read_label_names(db), _train_shape(cfg))
        order = str(db.attrs.get("channel_order", "RGB"))
    for note in notes:
        print(f"[WARNING] {note}")

    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import keras

    from pyimagesearch.nn.conv.alexnet import has_mean_layer

    try:
        model = keras.models.load_model(path)
    except Exception as exc:  # not a Keras file, truncated, ...
        raise DatasetError(f"cannot load the model {path}: {exc}") from exc
    height, width = model.input_shape[1:3]
    if height > test_shape[0] or width > test_shape[1]:
        raise DatasetError(
            f"the model takes {width}x{height} inputs but TEST_HDF5 holds "
            f"{test_shape[1]}x{test_shape[0]} images: too small to crop"
        )
    mean = None
    if not has_mean_layer(model):
        recorded = ((record or {}).get("preprocessing") or {}).get("mean")
        if recorded:
            mean = MeanPreprocessor(recorded["R"], recorded["G"], recorded["B"], order)
        elif cfg.get("DATASET_MEAN") is None:
            raise DatasetError("the model expects mean-subtracted input: set DATASET_MEAN")
        else:
            mean = MeanPreprocessor.from_json(cfg.DATASET_MEAN, order)
    size = int(batch_size or cfg.get("EVAL_BATCH_SIZE"))
    with open_hdf5(cfg.TEST_HDF5, "images") as db:
        report = evaluate_model(model, db, mean, batch_size=size, progress=progress)
    report["model_path"] = str(path)
    report["test_hdf5"] = str(cfg.TEST_HDF5)
    report["notes"] = notes
    report["report_path"] = str(write_json(report_path, report))
    return report
