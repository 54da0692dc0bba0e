"""LeNet (LeCun et al., 1998) as the book builds it, with ReLU."""

from __future__ import annotations

import keras
from keras import layers

from pyimagesearch.nn.conv._common import check_args, classifier, input_shape, regularizer


class LeNet:
    """``LeNet.build(28, 28, 1, 10)``: (CONV => RELU => POOL) x 2 => FC(500) => RELU => FC.

    Example:
        >>> LeNet.build(28, 28, 1, 10).output_shape
        (None, 10)
    """

    @staticmethod
    def build(width: int, height: int, depth: int, classes: int, reg: float = 0.0) -> keras.Model:
        check_args("LeNet", width, height, classes, 4)
        r = regularizer(reg)
        inputs = keras.Input(input_shape(width, height, depth))
        x = inputs
        for filters in (20, 50):
            x = layers.Conv2D(filters, 5, padding="same", kernel_regularizer=r)(x)
            x = layers.Activation("relu")(x)
            x = layers.MaxPooling2D(2, strides=2)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(500, kernel_regularizer=r)(x)
        x = layers.Activation("relu")(x)
        return keras.Model(inputs, classifier(x, classes, reg), name="lenet")
