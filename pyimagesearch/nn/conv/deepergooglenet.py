"""DeeperGoogLeNet: the book's GoogLeNet variant for Tiny ImageNet (64x64, 200 classes)."""

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

# (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection) of each inception module
STAGE_3 = ((64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64))
STAGE_4 = (
    (192, 96, 208, 16, 48, 64),
    (160, 112, 224, 24, 64, 64),
    (128, 128, 256, 24, 64, 64),
    (112, 144, 288, 32, 64, 64),
    (256, 160, 320, 32, 128, 128),
)


class DeeperGoogLeNet:
    """``DeeperGoogLeNet.build(64, 64, 3, 200)``: CONV(5x5) => POOL => CONV(1x1) =>
    CONV(3x3) => POOL => inception 3a-3b => POOL => inception 4a-4e => POOL => global
    average pool => DROPOUT(0.4) => FC.

    Example:
        >>> DeeperGoogLeNet.build(64, 64, 3, 200).output_shape
        (None, 200)
    """

    conv_module = staticmethod(conv_bn_relu)  # the book's CONV => BN => RELU module

    @staticmethod
    def inception_module(x, sizes: tuple[int, ...], axis: int, reg: float = 0.0):
        k1, k3r, k3, k5r, k5, proj = sizes
        conv = DeeperGoogLeNet.conv_module
        first = conv(x, k1, 1, 1, axis, reg)
        second = conv(conv(x, k3r, 1, 1, axis, reg), k3, 3, 1, axis, reg)
        third = conv(conv(x, k5r, 1, 1, axis, reg), k5, 5, 1, axis, reg)
        fourth = conv(layers.MaxPooling2D(3, strides=1, padding="same")(x), proj, 1, 1, axis, reg)
        return layers.Concatenate(axis=axis)([first, second, third, fourth])

    @staticmethod
    def build(
        width: int, height: int, depth: int, classes: int, reg: float = 0.0005
    ) -> keras.Model:
        check_args("DeeperGoogLeNet", width, height, classes, 16)
        axis, m = channel_axis(), DeeperGoogLeNet
        inputs = keras.Input(input_shape(width, height, depth))
        x = m.conv_module(inputs, 64, 5, 1, axis, reg)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        x = m.conv_module(x, 64, 1, 1, axis, reg)
        x = m.conv_module(x, 192, 3, 1, axis, reg)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        for sizes in STAGE_3:
            x = m.inception_module(x, sizes, axis, reg)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        for sizes in STAGE_4:
            x = m.inception_module(x, sizes, axis, reg)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dropout(0.4)(x)
        return keras.Model(inputs, classifier(x, classes, reg), name="deepergooglenet")
