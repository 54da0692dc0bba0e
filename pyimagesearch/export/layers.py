"""The layers that put a model's preprocessing and its scikit-learn classifier inside one
Keras network, made of operations every export runtime has (casts, matrix products,
rounding, a dense layer), so that the exported artifact takes plain uint8 images.

* :class:`SizeCheck`: images of one size pass unchanged, any other size is refused by
  every runtime (the signature's fixed height and width alone are not enough: the LiteRT
  signature runner and TensorFlow's ``serving_default`` would run a fully convolutional
  network on another size);
* :class:`AreaResize`: OpenCV's ``INTER_AREA`` resize of uint8 images (what
  :class:`~pyimagesearch.preprocessing.SimplePreprocessor` and the backbones' resize do),
  as a few weighted sums of fixed source pixels and the same rounding to whole values;
* :class:`SubtractMean`, :class:`BackbonePreprocess`: the dataset mean of a network trained
  here, a backbone's own ``preprocess_input``;
* :class:`TwoColumns`: a sigmoid output as ``[P(class 0), P(class 1)]``;
* :func:`logistic_regression_layers`: a fitted ``LogisticRegression`` as a dense layer
  whose outputs are ``predict_proba``'s.

Example:
    >>> layer = AreaResize((40, 40), (32, 32))
    >>> images = np.random.default_rng(0).integers(0, 256, (2, 40, 40, 3)).astype("float32")
    >>> tuple(layer(images).shape)
    (2, 32, 32, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import keras
import numpy as np
from keras import ops


def area_matrix(size_in: int, size_out: int) -> np.ndarray:
    """The ``(size_out, size_in)`` matrix of OpenCV's ``INTER_AREA`` resize along one axis
    (the resize is separable and linear: the matrix is the resize of the identity).

    >>> area_matrix(4, 2).tolist()
    [[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]]
    """
    eye = np.eye(size_in, dtype=np.float32)
    return cv2.resize(eye, (size_in, size_out), interpolation=cv2.INTER_AREA)


def area_taps(size_in: int, size_out: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`area_matrix` as taps, in OpenCV's order: tap ``k`` is, for every output, the
    index of its ``k``-th source pixel (ascending) and that pixel's weight (0 where an
    output has fewer sources).

    >>> [(i.tolist(), w.tolist()) for i, w in area_taps(4, 2)]
    [([0, 2], [0.5, 0.5]), ([1, 3], [0.5, 0.5])]
    """
    sources = [np.flatnonzero(row) for row in area_matrix(size_in, size_out)]
    weights = area_matrix(size_in, size_out)
    taps = []
    for k in range(max(len(s) for s in sources)):
        index = np.array([s[min(k, len(s) - 1)] for s in sources], dtype=np.int32)
        weight = np.array(
            [row[s[k]] if k < len(s) else 0.0 for row, s in zip(weights, sources, strict=True)],
            np.float32,
        )
        taps.append((index, weight))
    return taps


class AreaResize(keras.layers.Layer):
    """Resize ``(n, H, W, 3)`` float images of uint8 values to ``target`` = ``(h, w)`` as
    ``cv2.resize(..., interpolation=cv2.INTER_AREA)`` does on uint8 images, bit for bit
    when shrinking: OpenCV's own float32 weights (:func:`area_taps`), each output the sum
    of its few weighted sources, along each row first, then down the columns, in OpenCV's
    order and with a rounding after each product and each sum as OpenCV does (a matrix
    product would fuse them, and many sums lie exactly half-way between two values, so
    the order decides their rounding), then rounded to whole values as OpenCV rounds (half
    up for whole shrinking factors, which OpenCV sums in integers; half to even
    otherwise). Enlarging (OpenCV's fixed-point linear path) matches to within one level."""

    def __init__(self, source: Sequence[int], target: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        (height, width), (new_h, new_w) = source, target
        self.source, self.target = (int(height), int(width)), (int(new_h), int(new_w))
        self.row_taps = [(i, w.reshape(1, 1, -1, 1)) for i, w in area_taps(width, new_w)]
        self.column_taps = [(i, w.reshape(1, -1, 1, 1)) for i, w in area_taps(height, new_h)]
        self.half_up = height % new_h == 0 and width % new_w == 0

    @staticmethod
    def _weighted_sum(images, taps, axis: int):
        total = None
        for index, weight in taps:
            term = ops.multiply(ops.take(images, index, axis=axis), weight)
            total = term if total is None else ops.add(total, term)
        return total

    def call(self, images):
        x = self._weighted_sum(images, self.row_taps, axis=2)  # (n, H, w, 3)
        x = self._weighted_sum(x, self.column_taps, axis=1)  # (n, h, w, 3)
        return ops.floor(x + 0.5) if self.half_up else ops.round(x)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.target, input_shape[3])


class SizeCheck(keras.layers.Layer):
    """Images of ``(height, width)`` as they are; images of any other size fail in every
    runtime: two products with fixed-size vectors of ones (the sum of the first channel,
    which needs exactly ``height`` rows and ``width`` columns), tied to the images by a
    ``maximum`` with a value below 0 (which leaves pixel values, all >= 0, unchanged and
    which no graph optimizer can remove without knowing that). Costs one pass over a
    channel."""

    def __init__(self, height: int, width: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows = np.ones((1, int(height)), np.float32)
        self.columns = np.ones((int(width), 1), np.float32)

    def call(self, images):
        total = ops.matmul(self.rows, ops.matmul(images[..., 0], self.columns))  # (n, 1, 1)
        return ops.maximum(images, ops.minimum(total, -1.0)[..., None])


class ToFloat(keras.layers.Layer):
    """uint8 images as float32 (the values kept)."""

    def call(self, images):
        return ops.cast(images, "float32")


class SubtractMean(keras.layers.Layer):
    """Subtract the training split's RGB mean (``MeanPreprocessor``'s, for networks
    trained with ``MEAN_IN_MODEL = False``)."""

    def __init__(self, mean_rgb: Sequence[float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mean = np.asarray(mean_rgb, dtype=np.float32).reshape(1, 1, 1, 3)

    def call(self, images):
        return images - self.mean


class BackbonePreprocess(keras.layers.Layer):
    """A ``keras.applications`` backbone's own ``preprocess_input`` (RGB 0..255 in)."""

    def __init__(self, backbone: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from pyimagesearch.features.backbones import preprocess_function

        self.backbone = backbone
        self.preprocess = preprocess_function(backbone)

    def call(self, images):
        return self.preprocess(images)


class TwoColumns(keras.layers.Layer):
    """A sigmoid output ``P(class 1)`` as ``[1 - p, p]`` (``two_columns`` of the loader)."""

    def call(self, probs):
        return ops.concatenate([1.0 - probs, probs], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2)


class RowSum(keras.layers.Layer):
    """Rows divided by their sums (one-vs-rest probabilities, as scikit-learn gives them)."""

    def call(self, probs):
        return probs / ops.sum(probs, axis=-1, keepdims=True)


def _one_vs_rest(model: Any) -> bool:
    """Whether a fitted ``LogisticRegression`` of 3+ classes scores each class on its own
    (scikit-learn before 1.8 with ``multi_class='ovr'``, or 'auto' with liblinear)."""
    multi_class = getattr(model, "multi_class", "auto")
    return multi_class == "ovr" or (multi_class == "auto" and model.solver == "liblinear")


def logistic_regression_layers(model: Any, name: str = "logistic_regression") -> list:
    """A fitted scikit-learn ``LogisticRegression`` as Keras layers whose outputs are its
    ``predict_proba``: two classes, ``sigmoid(w.x + b)`` as the softmax of ``[0, w.x + b]``
    (a dense layer of weights ``[0, w]``); more classes, the softmax of ``W.x + b``
    (multinomial), or each class's sigmoid divided by their sum (one-vs-rest).

    >>> from sklearn.linear_model import LogisticRegression
    >>> x = np.random.default_rng(0).normal(size=(40, 5)).astype("float32")
    >>> lr = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    >>> probs = keras.Sequential(logistic_regression_layers(lr))(x)
    >>> bool(np.abs(np.asarray(probs) - lr.predict_proba(x)).max() < 1e-6)
    True
    """
    coef = np.asarray(model.coef_, dtype=np.float64)
    intercept = np.asarray(model.intercept_, dtype=np.float64)
    ovr = coef.shape[0] > 1 and _one_vs_rest(model)
    if coef.shape[0] == 1:  # two classes: class 0 scores 0, class 1 scores w.x + b
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.concatenate([[0.0], intercept])
    dense = keras.layers.Dense(len(coef), activation="sigmoid" if ovr else "softmax", name=name)
    dense.build((None, coef.shape[1]))
    dense.set_weights([coef.T.astype(np.float32), intercept.astype(np.float32)])
    return [dense, RowSum(name=f"{name}_normalize")] if ovr else [dense]
