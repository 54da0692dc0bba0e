"""MiniGoogLeNet (Zhang et al.'s Inception variant for CIFAR-10, as the book builds it)."""

from __future__ import annotations

import keras
from keras import layers

from pyimagesearch.nn.conv._common import (
    channel_axis,
    check_args,
    classifier,
    conv_bn_relu,
    input_shape,
)


class MiniGoogLeNet:
    """``MiniGoogLeNet.build(32, 32, 3, 10)``: conv, two inception and a downsample module,
    four inception and a downsample module, two inception modules, global pooling.

    Example:
        >>> MiniGoogLeNet.build(32, 32, 3, 10).output_shape
        (None, 10)
    """

    conv_module = staticmethod(conv_bn_relu)  # the book's CONV => BN => RELU module

    @staticmethod
    def inception_module(x, k1: int, k3: int, axis: int, reg: float = 0.0):
        a = MiniGoogLeNet.conv_module(x, k1, 1, 1, axis, reg)
        b = MiniGoogLeNet.conv_module(x, k3, 3, 1, axis, reg)
        return layers.Concatenate(axis=axis)([a, b])

    @staticmethod
    def downsample_module(x, filters: int, axis: int, reg: float = 0.0):
        a = MiniGoogLeNet.conv_module(x, filters, 3, 2, axis, reg)
        b = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        return layers.Concatenate(axis=axis)([a, b])

    @staticmethod
    def build(width: int, height: int, depth: int, classes: int, reg: float = 0.0) -> keras.Model:
        check_args("MiniGoogLeNet", width, height, classes, 8)
        axis, m = channel_axis(), MiniGoogLeNet
        inputs = keras.Input(input_shape(width, height, depth))
        x = m.conv_module(inputs, 96, 3, 1, axis, reg)
        for k1, k3 in ((32, 32), (32, 48)):
            x = m.inception_module(x, k1, k3, axis, reg)
        x = m.downsample_module(x, 80, axis, reg)
        for k1, k3 in ((112, 48), (96, 64), (80, 80), (48, 96)):
            x = m.inception_module(x, k1, k3, axis, reg)
        x = m.downsample_module(x, 96, axis, reg)
        for k1, k3 in ((176, 160), (176, 160)):
            x = m.inception_module(x, k1, k3, axis, reg)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dropout(0.5)(x)
        return keras.Model(inputs, classifier(x, classes, reg), name="minigooglenet")
