"""The parity check of an export: the artifact, run by its own runtime (TensorFlow for the
SavedModel, ``onnxruntime`` for ONNX, the LiteRT interpreter), against
``load_classifier(...).predict_proba`` on the same real images.

The images are the test split of the model's build (a few rows spread over it) or a
folder of photos, each brought to the model's ``image_size`` as the builder stores images
(aspect-aware resize): exactly what the artifact takes.

Example:
    >>> compare(np.array([[0.2, 0.8]]), np.array([[0.2000001, 0.7999999]]), 1e-4)["passed"]
    True
    >>> spread(10, 4).tolist(), spread(3, 8).tolist()
    ([0, 3, 6, 9], [0, 1, 2])
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.data.image_loading import ImageLoader, UnreadableImageError
from pyimagesearch.data.sources import open_source
from pyimagesearch.errors import DatasetError
from pyimagesearch.evaluation.tencrop import check_fit
from pyimagesearch.export.formats import INPUT_NAME, OUTPUT_NAME, ExportFormat
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_rows
from pyimagesearch.models.classifiers import Classifier, require_same_classes
from pyimagesearch.models.record import data_fingerprint
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.tensorflow_logging import filtered_stderr

RUNTIME_BATCH = 32  # images per runtime call in the parity check


@dataclass
class Runtime:
    """An artifact loaded by its runtime: uint8 images in, probabilities out."""

    name: str  # "onnxruntime 1.32.0"
    predict: Callable[[np.ndarray], np.ndarray]

    def predict_proba(self, images: np.ndarray, batch: int = RUNTIME_BATCH) -> np.ndarray:
        """Probabilities of ``images`` (uint8 ``(n, H, W, 3)``), ``batch`` at a time."""
        parts = [
            np.asarray(self.predict(np.ascontiguousarray(images[lo : lo + batch])))
            for lo in range(0, len(images), batch)
        ]
        return np.concatenate(parts).astype(np.float32)


def load_runtime(fmt: ExportFormat, path: str | os.PathLike[str]) -> Runtime:
    """The artifact at ``path`` in its own runtime, as a user of it would load it."""
    loaders = {"saved_model": _tensorflow, "onnx": _onnxruntime, "litert": _litert}
    return loaders[fmt.name](str(path))


def _tensorflow(path: str) -> Runtime:
    import tensorflow as tf

    serve = tf.saved_model.load(path).signatures["serving_default"]
    return Runtime(
        f"TensorFlow {tf.__version__}",
        lambda x: serve(**{INPUT_NAME: tf.constant(x)})[OUTPUT_NAME].numpy(),
    )


def _onnxruntime(path: str) -> Runtime:
    import onnxruntime

    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    return Runtime(
        f"onnxruntime {onnxruntime.__version__}",
        lambda x: session.run([OUTPUT_NAME], {INPUT_NAME: x})[0],
    )


def _litert(path: str) -> Runtime:
    try:
        from importlib.metadata import version

        from ai_edge_litert.interpreter import Interpreter

        name = f"LiteRT (ai-edge-litert {version('ai-edge-litert')})"
    except ImportError:  # TensorFlow's own copy of the interpreter
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
        name = f"LiteRT (tf.lite.Interpreter of TensorFlow {tf.__version__})"
    runner = Interpreter(model_path=path).get_signature_runner()
    shape = runner.get_input_details()[INPUT_NAME]["shape"]
    with filtered_stderr():  # its first call announces the XNNPACK delegate
        runner(**{INPUT_NAME: np.zeros(shape, np.uint8)})
    return Runtime(name, lambda x: runner(**{INPUT_NAME: x})[OUTPUT_NAME])


@dataclass
class ParityImages:
    """The images of a parity check, at the model's ``image_size``, and where from."""

    images: np.ndarray  # (n, height, width, 3) uint8 RGB
    source: dict[str, Any]  # the file or folder: path, build id and settings, rows or files
    notes: list[str] = field(default_factory=list)


def spread(total: int, count: int) -> np.ndarray:
    """``count`` rows spread evenly over ``total`` (all of them when fewer)."""
    rows = np.linspace(0, total - 1, min(count, total)).round().astype(np.int64)
    return np.unique(rows)


def parity_images(
    location: str | os.PathLike[str], classifier: Classifier, count: int
) -> ParityImages:
    """``count`` images of ``location`` (a builder HDF5 file, or a folder of photos) as
    the model takes them.

    Raises:
        DatasetError: no such file or folder, other classes, a network trained on images
            of another size than the split's, or no readable image.
    """
    path = Path(location)
    if path.is_dir():
        return _folder_images(path, classifier, count)
    if not path.is_file():
        raise DatasetError(f"no images for the parity check at {path} (EXPORT_IMAGES)")
    with open_hdf5(path, "images") as db:
        data = db["images"]
        rows = spread(len(data), count)
        images = read_rows(data, rows)
        names = read_label_names(db)
    require_same_classes(classifier, names, str(path))
    notes = check_fit(classifier.record, images.shape[1:3])
    source = {**data_fingerprint(path), "rows": rows.tolist()}
    return ParityImages(classifier.fit_images(images), source, notes)


def _folder_images(folder: Path, classifier: Classifier, count: int) -> ParityImages:
    """Photos of a folder, decoded and resized as the builder does (aspect-aware)."""
    paths = open_source(folder, require_labels=False).paths
    chosen = [paths[i] for i in spread(len(paths), count)]
    loader = ImageLoader(*classifier.image_size)
    images, used, skipped = [], [], []
    for path in chosen:  # a few files, each decoded on its own
        try:
            images.append(loader(path))
            used.append(display_path(path))
        except UnreadableImageError as exc:
            skipped.append(f"{display_path(path)}: {exc}")
    if not images:
        raise DatasetError(f"none of the {len(chosen)} images chosen from {folder} is readable")
    source = {"path": str(folder), "files": used, "unreadable": skipped}
    return ParityImages(np.stack(images), source)


def compare(exported: np.ndarray, reference: np.ndarray, tolerance: float) -> dict[str, Any]:
    """The export against the original on the same images: the largest (and mean)
    difference of any probability, and how often both predict the same class."""
    exported = np.asarray(exported, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if exported.shape != reference.shape:
        return {
            "images": len(reference),
            "passed": False,
            "shape": [list(exported.shape), list(reference.shape)],
        }
    diff = np.abs(exported - reference)
    agree = exported.argmax(axis=1) == reference.argmax(axis=1)
    return {
        "images": len(reference),
        "max_abs_difference": float(diff.max()),
        "mean_abs_difference": float(diff.mean()),
        "agreement": float(agree.mean()),
        "agreeing": int(agree.sum()),
        "tolerance": float(tolerance),
        "passed": bool(diff.max() <= tolerance),
    }
