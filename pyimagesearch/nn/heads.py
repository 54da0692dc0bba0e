"""Small Keras classifier heads: on extracted features, or on top of a backbone.

Example:
    >>> build_feature_head(2048, num_classes=2).output_shape   # two classes: P(class 1)
    (None, 1)
"""

from __future__ import annotations

import keras
from keras import layers


def output_layer(num_classes: int) -> layers.Dense:
    """Sigmoid unit for two classes (P(class 1)), softmax over the classes otherwise."""
    if num_classes < 2:
        raise ValueError(f"a classifier needs at least two classes, got {num_classes}")
    if num_classes == 2:
        return layers.Dense(1, activation="sigmoid", name="predictions")
    return layers.Dense(num_classes, activation="softmax", name="predictions")


def loss_for(num_classes: int, label_smoothing: float = 0.0):
    """The loss of :func:`output_layer` on integer labels; ``label_smoothing`` > 0: the
    targets ``y (1 - s) + s / classes`` (Keras' binary ``label_smoothing``; with more
    classes the categorical one on one-hot labels, as Keras' sparse loss has none).

    Example:
        >>> import numpy as np
        >>> loss = loss_for(3, label_smoothing=0.3)
        >>> p = np.array([[0.7, 0.2, 0.1]], "float32")
        >>> expected = -(0.8 * np.log(0.7) + 0.1 * np.log(0.2) + 0.1 * np.log(0.1))
        >>> bool(np.isclose(float(loss(np.array([0]), p)[0]), expected, atol=1e-5))
        True
    """
    if not label_smoothing:
        return "binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy"
    if num_classes == 2:
        return keras.losses.BinaryCrossentropy(label_smoothing=label_smoothing)

    def smoothed_sparse_crossentropy(y_true, y_pred):
        labels = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
        one_hot = keras.ops.one_hot(labels, num_classes)
        return keras.losses.categorical_crossentropy(
            one_hot, y_pred, label_smoothing=label_smoothing
        )

    return smoothed_sparse_crossentropy


def build_feature_head(
    input_dim: int, num_classes: int, dropout: float = 0.5, units: int = 0
) -> keras.Model:
    """Dropout + Dense on pooled features: a neural alternative to logistic regression;
    ``units`` > 0 adds a hidden ReLU layer (and dropout after it)."""
    inputs = keras.Input((int(input_dim),), name="features")
    x = layers.Dropout(dropout, name="dropout")(inputs)
    if units:
        x = layers.Dense(int(units), activation="relu", name="hidden")(x)
        x = layers.Dropout(dropout, name="hidden_dropout")(x)
    return keras.Model(inputs, output_layer(num_classes)(x), name="feature_head")


def build_fine_tune_model(
    backbone: keras.Model,
    preprocess: keras.layers.Layer | None,
    num_classes: int,
    dropout: float = 0.5,
) -> keras.Model:
    """Images (preprocessed for the backbone, unless ``preprocess`` does it) -> backbone
    (pooled) -> dropout -> head. Augmentation happens in the data pipeline
    (``BatchAugmenter``: 28x the Keras layers on this CPU, docs/PERFORMANCE.md).

    ``backbone`` must end in global pooling (``pooling="avg"``).
    """
    size = backbone.input_shape[1:]
    inputs = keras.Input(size, name="image")
    x = inputs
    if preprocess is not None:
        x = preprocess(x)
    x = backbone(x, training=False)  # BatchNorm layers stay in inference mode
    x = layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, output_layer(num_classes)(x), name="fine_tune")
