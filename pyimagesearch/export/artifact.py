"""Any trained model as one Keras network from uint8 images to probabilities, with its
preprocessing inside: what :mod:`pyimagesearch.export.export` writes out.

The network takes what a user has, RGB uint8 images of the size the model was trained on
(``image_size`` of its record: the builder's stored size), any number at a time, and gives
``predict_proba``'s probabilities of :func:`~pyimagesearch.models.load_classifier` for
those images (the baseline: resized to the network input, no 10-crop):

* a network trained here (``train.py``, ``train_alexnet.py``): resize to its input
  (OpenCV's ``INTER_AREA``, :class:`~pyimagesearch.export.layers.AreaResize`), the
  dataset mean subtracted (unless the network does it itself), the network;
* a fine-tuned network: resize, the backbone's ``preprocess_input``, the network;
* a logistic regression or a head on features: resize to each backbone's input, its
  ``preprocess_input``, the backbone with its global average pooling (several backbones:
  their features side by side), then the head, or the regression's coefficients as a
  dense layer (:func:`~pyimagesearch.export.layers.logistic_regression_layers`).

Example (not run by the tests: needs a trained model):
    >>> artifact = build_artifact(load_classifier("output/logreg.skops"))  # doctest: +SKIP
    >>> artifact.model(images)["probabilities"].shape, artifact.steps[0]     # doctest: +SKIP
    (TensorShape([8, 2]), 'resize 256x256 -> 224x224 (OpenCV INTER_AREA, whole values)')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from pyimagesearch.export.formats import INPUT_NAME, OUTPUT_NAME
from pyimagesearch.export.layers import (
    AreaResize,
    BackbonePreprocess,
    SizeCheck,
    SubtractMean,
    ToFloat,
    TwoColumns,
    logistic_regression_layers,
)
from pyimagesearch.models.classifiers import Classifier, FeatureClassifier


@dataclass
class Artifact:
    """The network to export and what it does, in words, step by step."""

    model: Any  # keras.Model: uint8 (n, height, width, 3) -> {"probabilities": (n, classes)}
    steps: list[str]
    height: int
    width: int

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return self.height, self.width, 3


def build_artifact(classifier: Classifier) -> Artifact:
    """The one network of ``classifier`` (any kind :func:`load_classifier` gives)."""
    width, height = classifier.image_size
    inputs = keras.Input((height, width, 3), dtype="uint8", name=INPUT_NAME)
    steps = [f"uint8 RGB images {width}x{height} as float32 (other sizes refused)"]
    x = SizeCheck(height, width, name="size_check")(ToFloat(name="to_float")(inputs))
    in_w, in_h = classifier.input_size
    x = resized(x, (height, width), (in_h, in_w), steps, "resize")
    if isinstance(classifier, FeatureClassifier):
        probs = _on_features(classifier, x, steps)
    else:
        probs = _network(classifier, x, steps)
    if probs.shape[-1] == 1:
        probs = TwoColumns(name="two_columns")(probs)
        steps.append("P(class 1) as [1 - p, p]")
    model = keras.Model(inputs, {OUTPUT_NAME: probs}, name=f"{classifier.path.stem}_export")
    return Artifact(model, steps, height, width)


def resized(
    x: Any, source: tuple[int, int], target: tuple[int, int], steps: list[str], what: str
) -> Any:
    """``x`` resized from ``source`` to ``target`` (``(height, width)``) as OpenCV's
    ``INTER_AREA`` does on uint8 images; as it is when they are equal."""
    if tuple(source) == tuple(target):
        return x
    (h, w), (new_h, new_w) = source, target
    steps.append(f"{what} {w}x{h} -> {new_w}x{new_h} (OpenCV INTER_AREA, whole values)")
    return AreaResize(source, target, name=f"{what.replace(' ', '_')}_{new_w}x{new_h}")(x)


def constants_inside(model: Any) -> Any:
    """``model`` with the mean and variance of its ``Normalization`` layers (the
    ``mean_subtraction`` layer of a network trained with ``MEAN_IN_MODEL``, EfficientNet's
    own) as NumPy arrays: Keras keeps them as eager tensors, which a traced export
    captures as extra inputs of the graph (tf2onnx then asks for them as inputs of the
    ONNX model); arrays become constants of the graph. The values are unchanged."""
    layers = [model]
    while layers:
        layer = layers.pop()
        layers.extend(getattr(layer, "layers", []))
        if isinstance(layer, keras.layers.Normalization) and layer.mean is not None:
            layer.mean = np.asarray(layer.mean)
            layer.variance = np.asarray(layer.variance)
    return model


def _network(classifier: Classifier, x: Any, steps: list[str]) -> Any:
    """A Keras network on images: the mean or the backbone's preprocessing, the network."""
    preprocessing = classifier.record.get("preprocessing") or {}
    if classifier.kind == "fine_tuned":
        backbone = preprocessing["backbone"]
        x = BackbonePreprocess(backbone, name="preprocess_input")(x)
        steps.append(f"{backbone}'s preprocess_input")
    elif not preprocessing.get("mean_in_model"):
        mean = preprocessing["mean"]
        x = SubtractMean([mean["R"], mean["G"], mean["B"]], name="subtract_mean")(x)
        steps.append("the training split's RGB mean subtracted")
    network = constants_inside(classifier.model)
    name = classifier.record.get("network") or network.name
    what = "fine-tuned network" if classifier.kind == "fine_tuned" else "network"
    steps.append(f"the {what} {name}")
    return network(x)


def _on_features(classifier: FeatureClassifier, x: Any, steps: list[str]) -> Any:
    """A classifier on pooled backbone features: each backbone on its own input size and
    preprocessing, the features side by side, the head or the folded regression."""
    in_w, in_h = classifier.input_size
    columns = []
    for fx in classifier.extractors:
        side = fx.image_size
        y = resized(x, (in_h, in_w), (side, side), steps, f"{fx.backbone} resize")
        y = BackbonePreprocess(fx.backbone, name=f"{fx.backbone}_preprocess_input")(y)
        columns.append(constants_inside(fx.model)(y))
        steps.append(
            f"{fx.backbone} ({side} px, weights {fx.weights_source}): "
            f"{fx.feature_dim} pooled features"
        )
    features = columns[0] if len(columns) == 1 else keras.layers.Concatenate()(columns)
    if classifier.kind == "head":
        steps.append("the Keras head on the features")
        return constants_inside(classifier.model)(features)
    layers = logistic_regression_layers(classifier.model)
    steps.append(f"the logistic regression as a dense layer ({layers[0].units} outputs)")
    for layer in layers:
        features = layer(features)
    return features
