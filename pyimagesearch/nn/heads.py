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


def loss_for(num_classes: int) -> str:
    return "binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy"


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
