"""ShallowNet: one CONV => RELU layer, then the classifier (the book's first CNN)."""

from __future__ import annotations

import keras
from keras import layers

from pyimagesearch.nn.conv._common import check_args, classifier, input_shape, regularizer


class ShallowNet:
    """``ShallowNet.build(32, 32, 3, 10)``: INPUT => CONV(32, 3x3) => RELU => FC => SOFTMAX.

    Example:
        >>> ShallowNet.build(32, 32, 3, 10).output_shape
        (None, 10)
    """

    @staticmethod
    def build(width: int, height: int, depth: int, classes: int, reg: float = 0.0) -> keras.Model:
        check_args("ShallowNet", width, height, classes, 3)
        inputs = keras.Input(input_shape(width, height, depth))
        x = layers.Conv2D(32, 3, padding="same", kernel_regularizer=regularizer(reg))(inputs)
        x = layers.Activation("relu")(x)
        x = layers.Flatten()(x)
        return keras.Model(inputs, classifier(x, classes, reg), name="shallownet")
