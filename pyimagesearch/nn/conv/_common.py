"""Shared pieces of the book's networks: the channel axis, regularizers, input checks."""

from __future__ import annotations

import keras


def channel_axis() -> int:
    """The axis batch normalization and concatenation work on: -1 for channels-last, 1 for
    channels-first (``keras.config.image_data_format()``)."""
    return 1 if keras.config.image_data_format() == "channels_first" else -1


def input_shape(width: int, height: int, depth: int) -> tuple[int, int, int]:
    """``(height, width, depth)`` or ``(depth, height, width)`` for the data format."""
    if keras.config.image_data_format() == "channels_first":
        return depth, height, width
    return height, width, depth


def regularizer(reg: float):
    return keras.regularizers.l2(reg) if reg else None


def check_args(name: str, width: int, height: int, classes: int, minimum: int) -> None:
    if min(width, height) < minimum:
        raise ValueError(
            f"{name} needs inputs of at least {minimum}x{minimum}, got {width}x{height}"
        )
    if classes < 2:
        raise ValueError(f"classes must be at least 2, got {classes}")


def classifier(x, classes: int, reg: float = 0.0):
    """Dense to ``classes`` then softmax (float32 output, also under mixed precision)."""
    from keras import layers

    x = layers.Dense(classes, kernel_regularizer=regularizer(reg))(x)
    return layers.Activation("softmax", dtype="float32")(x)


def conv_bn_relu(x, filters: int, kernel: int, stride: int, axis: int, reg: float = 0.0):
    """CONV => BN => RELU, the module of both GoogLeNet variants."""
    from keras import layers

    x = layers.Conv2D(filters, kernel, strides=stride, padding="same",
                      kernel_regularizer=regularizer(reg))(x)  # fmt: skip
    x = layers.BatchNormalization(axis=axis)(x)
    return layers.Activation("relu")(x)
