"""MiniVGGNet: two VGG blocks with batch normalization and dropout (the book's CIFAR-10 net)."""

from __future__ import annotations

import keras
from keras import layers

from pyimagesearch.nn.conv._common import (
    channel_axis,
    check_args,
    classifier,
    input_shape,
    regularizer,
)


class MiniVGGNet:
    """``MiniVGGNet.build(32, 32, 3, 10)``: ((CONV => RELU => BN) x 2 => POOL => DROPOUT) x 2
    => FC(512) => RELU => BN => DROPOUT => FC.

    Example:
        >>> MiniVGGNet.build(32, 32, 3, 10).output_shape
        (None, 10)
    """

    @staticmethod
    def build(width: int, height: int, depth: int, classes: int, reg: float = 0.0) -> keras.Model:
        check_args("MiniVGGNet", width, height, classes, 4)
        r, axis = regularizer(reg), channel_axis()
        inputs = keras.Input(input_shape(width, height, depth))
        x = inputs
        for filters in (32, 64):
            for _ in range(2):
                x = layers.Conv2D(filters, 3, padding="same", kernel_regularizer=r)(x)
                x = layers.Activation("relu")(x)
                x = layers.BatchNormalization(axis=axis)(x)
            x = layers.MaxPooling2D(2)(x)
            x = layers.Dropout(0.25)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(512, kernel_regularizer=r)(x)
        x = layers.Activation("relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Dropout(0.5)(x)
        return keras.Model(inputs, classifier(x, classes, reg), name="minivggnet")
