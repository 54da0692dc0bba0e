"""Any trained model, loaded from its record, as one kind of object: images in, probabilities out.

Four kinds exist, whatever made them:

* ``network``: one of the book's networks trained from scratch (AlexNet, MiniGoogLeNet,
  ResNet, ...) on mean-subtracted pixels (``train.py``, ``train_alexnet.py``);
* ``fine_tuned``: a pretrained backbone with a new head, on the backbone's own
  preprocessing (``fine_tune.py``);
* ``logreg``: a scikit-learn logistic regression on pooled features of one or more
  backbones (``train_logreg.py``, stored with ``skops``, which runs no code on load);
* ``head``: a small Keras head on those features (``train_head.py``).

Each takes raw RGB uint8 images at any size: they are first brought to the size the model
was trained on (``image_size``, aspect-aware, as the builder stores them), then resized to
the network input (baseline) or cut into 10 crops whose probabilities are averaged
(10-crop; for a model on features, the 10 crops' features are classified and averaged).
Work is split in two so callers can overlap it: ``*_inputs`` (CPU: resize, crop, mean) and
``predict_prepared`` (the network). A model on features runs its backbone over at most
``backbone_batch`` images at a time (:func:`backbone_batch_for`), however many inputs it
is given, so that the memory of a call does not grow with them; features already computed
go straight to :meth:`FeatureClassifier.classify`.

Loading is safe by default: the model file must match the sha256 in its record, Keras
models load with ``safe_mode``, and scikit-learn models come from ``skops`` files.

Example (not run by the tests: needs a trained model):
    >>> clf = load_classifier("output/alexnet_dogs_vs_cats.keras")   # doctest: +SKIP
    >>> clf.predict_proba(images).shape, clf.label_names              # doctest: +SKIP
    ((32, 2), ['cat', 'dog'])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import default
from pyimagesearch.errors import DatasetError, PyImageSearchError
from pyimagesearch.models.record import file_sha256, read_record
from pyimagesearch.preprocessing.aspect_aware_preprocessor import AspectAwarePreprocessor
from pyimagesearch.preprocessing.crop_preprocessor import CropPreprocessor
from pyimagesearch.preprocessing.simple_preprocessor import SimplePreprocessor

KINDS = ("network", "alexnet", "fine_tuned", "logreg", "head")  # "alexnet": older records
# A backbone call of a model on features takes as many images as make this many pixels when
# EVAL_BACKBONE_BATCH is None: 4 at 224x224. MobileNetV2 takes about 19 MB an image at 224
# px on a CPU, over the 720 MB of TensorFlow and the model: evaluate.py then peaks near
# 0.95 GB whatever the test set (8 an image: 1.01 GB; 256, as before: 4-6 GB), at the
# rate of larger calls (docs/PERFORMANCE.md).
BACKBONE_BATCH_PIXELS = 4 * 224 * 224


def backbone_batch_for(side: int, batch: int | None = default("EVAL_BACKBONE_BATCH")) -> int:
    """Images per backbone call at input ``side``: ``batch``, or (None) as many as make
    :data:`BACKBONE_BATCH_PIXELS`.

    Example:
        >>> backbone_batch_for(224), backbone_batch_for(32), backbone_batch_for(299)
        (4, 196, 2)
        >>> backbone_batch_for(224, 64)
        64
    """
    return int(batch) if batch is not None else max(1, BACKBONE_BATCH_PIXELS // (side * side))


class ModelError(PyImageSearchError):
    """A model file cannot be used: missing, without record, replaced or damaged."""


def _size(value: Any) -> tuple[int, int]:
    """A record's ``[width, height]`` (or one side) as ``(width, height)``."""
    if isinstance(value, int):
        return value, value
    return int(value[0]), int(value[1])


def two_columns(probs: np.ndarray) -> np.ndarray:
    """A sigmoid output (P(class 1)) as ``[P(class 0), P(class 1)]`` rows."""
    probs = np.asarray(probs, dtype=np.float32)
    if probs.ndim == 2 and probs.shape[1] == 1:
        probs = np.hstack([1.0 - probs, probs])
    return probs


class Classifier:
    """Images in, class probabilities out, for one trained model (see the module doc)."""

    kind = "classifier"

    def __init__(self, path: str | os.PathLike[str], record: dict[str, Any]) -> None:
        self.path = Path(path)
        self.record = record
        self.label_names: list[str] = [str(n) for n in record.get("label_names") or []]
        self.image_size = _size(record["image_size"])  # (width, height)
        self.input_size = _size(record["input_size"])
        width, height = self.input_size
        self._fit = AspectAwarePreprocessor(*self.image_size)
        self._resize = SimplePreprocessor(width, height)
        self._crops = CropPreprocessor(width, height)

    # -- what subclasses provide ------------------------------------------------------------
    def prepare(self, inputs: np.ndarray) -> np.ndarray:
        """uint8 network-size inputs -> what :meth:`predict_prepared` takes."""
        return inputs

    def predict_prepared(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------------------
    def fit_images(self, images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        """Images (an (N, H, W, 3) array, or a list of arrays of any sizes) at
        ``image_size``: as they are when they fit, aspect-aware resized otherwise."""
        width, height = self.image_size
        if isinstance(images, np.ndarray) and images.ndim == 4:
            if images.shape[1:3] == (height, width):
                return images
            images = list(images)
        return np.stack([self._fit.preprocess(np.asarray(image)) for image in images])

    def baseline_inputs(self, images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        return self.prepare(self._resize.preprocess_batch(self.fit_images(images)))

    def tencrop_inputs(self, images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        crops = self._crops.preprocess_batch(self.fit_images(images))  # (n, 10, h, w, 3)
        return self.prepare(crops.reshape(-1, *crops.shape[2:]))

    @property
    def crops_per_image(self) -> int:
        return self._crops.n_crops

    def predict_proba(self, images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        """``(N, classes)`` probabilities, each image resized to the network input."""
        return self.predict_prepared(self.baseline_inputs(images))

    def predict_proba_tencrop(self, images: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        """``(N, classes)`` probabilities averaged over each image's 10 crops."""
        probs = self.predict_prepared(self.tencrop_inputs(images))
        return probs.reshape(-1, self.crops_per_image, probs.shape[-1]).mean(axis=1)

    def describe(self) -> str:
        w, h = self.input_size
        return f"{self.kind} ({len(self.label_names)} classes, {w}x{h} input)"


def quiet_reloaded_inputs() -> None:
    """Silence Keras' warning that a reloaded model's inputs do not match its structure.

    The models train.py and the fine-tuning write keep their one input as a one-element
    list (:func:`~pyimagesearch.callbacks.best_model.inference_model`); called with the
    tensor, the same input, Keras 3.15 warns ("The structure of `inputs` doesn't match the
    expected structure") at eager calls: on PyTorch, at predict and fit.
    """
    import warnings

    warnings.filterwarnings("ignore", message="The structure of `inputs` doesn't match",
                            category=UserWarning)  # fmt: skip


def _load_keras(path: Path):
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import keras

    quiet_reloaded_inputs()
    try:
        return keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # not a Keras file, truncated, unsafe layers, ...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load the model {path}: {first[:300]}") from None


class NetworkClassifier(Classifier):
    """A Keras network on images: AlexNet (mean subtraction) or a fine-tuned backbone."""

    def __init__(self, path: Path, record: dict[str, Any]) -> None:
        super().__init__(path, record)
        self.kind = record["kind"]
        self.model = _load_keras(path)
        preprocessing = record.get("preprocessing") or {}
        self._mean = None
        self._backbone_preprocess = None
        if self.kind == "fine_tuned":
            from pyimagesearch.features.backbones import preprocess_function

            self._backbone_preprocess = preprocess_function(preprocessing["backbone"])
        elif not preprocessing.get("mean_in_model"):
            from pyimagesearch.preprocessing.mean_preprocessor import MeanPreprocessor

            mean = preprocessing["mean"]
            self._mean = MeanPreprocessor(mean["R"], mean["G"], mean["B"], "RGB")

    def prepare(self, inputs: np.ndarray) -> np.ndarray:
        if self._backbone_preprocess is not None:
            return self._backbone_preprocess(inputs.astype(np.float32))
        if self._mean is not None:
            return self._mean.preprocess_batch(inputs)
        return inputs

    def predict_prepared(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.empty((0, len(self.label_names)), np.float32)
        return two_columns(np.asarray(self.model.predict_on_batch(x)))


class FeatureClassifier(Classifier):
    """A classifier on pooled backbone features (several backbones: fused features); each
    backbone sees at most ``backbone_batch`` images a call (None: :func:`backbone_batch_for`)."""

    def __init__(
        self,
        path: Path,
        record: dict[str, Any],
        weights: Any = None,
        backbone_batch: int | None = default("EVAL_BACKBONE_BATCH"),
    ) -> None:
        super().__init__(path, record)
        self.kind = record["kind"]
        self.backbones = [dict(b) for b in record["backbones"]]
        if weights is not None:  # the same weights file, moved
            for backbone in self.backbones:
                backbone["weights"] = weights
        self.backbone_batch = backbone_batch
        self._extractors = None
        self.model = _load_skops(path) if self.kind == "logreg" else _load_keras(path)

    @property
    def extractors(self) -> list:
        if self._extractors is None:
            from pyimagesearch.features.extraction import FeatureExtractor

            self._extractors = [
                FeatureExtractor(b["backbone"], b.get("weights"), int(b["image_size"]))
                for b in self.backbones
            ]
        return self._extractors

    def features(self, inputs: np.ndarray) -> np.ndarray:
        """The (fused) features of network-size uint8 ``inputs``, each backbone over
        slices of at most its ``backbone_batch`` images (resized to its side slice by slice)."""
        from pyimagesearch.data.sources import resize_batch

        columns = []
        for fx in self.extractors:
            step = backbone_batch_for(fx.image_size, self.backbone_batch)
            out = np.empty((len(inputs), fx.feature_dim), np.float32)
            for lo in range(0, len(inputs), step):
                out[lo : lo + step] = fx.features(
                    resize_batch(inputs[lo : lo + step], fx.image_size)
                )
            columns.append(out)
        return np.concatenate(columns, axis=1)

    def classify(self, features: np.ndarray) -> np.ndarray:
        """``(N, classes)`` float32 probabilities of (fused) feature rows, as stored by
        ``extract_features.py`` or given by :meth:`features`."""
        from pyimagesearch.features.classifiers import predict_proba

        if len(features) == 0:
            return np.empty((0, len(self.label_names)), np.float32)
        return predict_proba(self.model, features).astype(np.float32)

    def predict_prepared(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.empty((0, len(self.label_names)), np.float32)
        return self.classify(self.features(x))


def _load_skops(path: Path):
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModelError(f"{path} is not a readable skops file: {exc}") from None
    if untrusted:
        raise ModelError(
            f"{path} holds types that could run code when loaded ({', '.join(untrusted)}); refused"
        )
    return skops.io.load(path, trusted=[])


def check_integrity(path: Path, record: dict[str, Any]) -> None:
    """Refuse a model file that is not the one its record describes."""
    expected = record.get("sha256")
    if expected and file_sha256(path) != expected:
        raise ModelError(
            f"{path} does not match its record {path.name}.json (sha256 differs): the file was "
            "replaced or damaged after training; restore it or train again"
        )


def load_classifier(
    path: str | os.PathLike[str],
    weights: Any = None,
    verify: bool = True,
    backbone_batch: int | None = default("EVAL_BACKBONE_BATCH"),
) -> Classifier:
    """The trained model at ``path`` as a :class:`Classifier`, from its record.

    Args:
        path: a model file written by a training script (``.keras``, ``.skops``).
        weights: for a model on features, replaces the recorded backbone weights (the same
            file moved elsewhere).
        verify: check the file's sha256 against the record (on by default).
        backbone_batch: for a model on features, the most images of one backbone call
            (``EVAL_BACKBONE_BATCH``; None: :func:`backbone_batch_for` its input side).

    Raises:
        ModelError: no file, no record, a pickle, a swapped or damaged file.
    """
    path = Path(path)
    record = model_record(path)
    if verify:
        check_integrity(path, record)
    if record["kind"] in ("logreg", "head"):
        return FeatureClassifier(path, record, weights, backbone_batch)
    return NetworkClassifier(path, record)


def model_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The record of the model file at ``path``, checked before anything is loaded.

    Raises:
        ModelError: no file, a pickle, no record, an unknown kind of model.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model not found: {path}")
    if path.suffix in (".pickle", ".pkl"):
        raise ModelError(
            f"{path} is a pickle, which runs code when loaded; train again with "
            "train_logreg.py (it writes a .skops file)"
        )
    record = read_record(path)
    if record is None:
        raise ModelError(
            f"{path} has no record ({path.name}.json beside it), so its classes, input and "
            "preprocessing are unknown; train it again with this version"
        )
    kind = record.get("kind")
    if kind not in KINDS:
        raise ModelError(f"{path}: unknown model kind {kind!r} in its record")
    return record


def require_same_classes(classifier: Classifier, label_names: Sequence[str], where: str) -> None:
    """Refuse data whose classes differ from the model's (names and order)."""
    names = list(label_names)
    if names and classifier.label_names and names != classifier.label_names:
        raise DatasetError(
            f"the model's classes {classifier.label_names} differ from {where}'s {names} "
            "(same names in the same order are needed)"
        )
