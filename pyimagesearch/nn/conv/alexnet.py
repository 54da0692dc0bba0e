"""AlexNet (Krizhevsky et al., 2012) as the book builds it: batch normalization after each
activation, dropout after every block."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers
from keras.regularizers import l2

from pyimagesearch.nn.conv._common import channel_axis, input_shape
from pyimagesearch.nn.conv.registry import MEAN_LAYER_NAME


class AlexNet:
    """``AlexNet.build(width, height, depth, classes, reg=0.0002)`` -> an uncompiled model.

    Optional knobs beyond the book's signature keep the layout but shrink it for small
    machines: ``dense_units`` (4096 in the paper), ``dropout`` (conv blocks, dense blocks)
    and ``mean``: per-channel means to subtract *inside* the model (a ``Normalization``
    layer), so the model takes raw uint8 batches (the fastest input path on a GPU).

    The input side must be at least 63 pixels (three 3x3/2 poolings after the 4x stride).

    Example:
        >>> model = AlexNet.build(227, 227, 3, 2)
        >>> model.output_shape
        (None, 2)
    """

    @staticmethod
    def build(
        width: int = 227,
        height: int = 227,
        depth: int = 3,
        classes: int = 1000,
        reg: float = 0.0002,
        dense_units: int = 4096,
        dropout: Sequence[float] = (0.25, 0.5),
        mean: Sequence[float] | None = None,
    ) -> keras.Model:
        if min(width, height) < 63:
            raise ValueError(f"AlexNet needs inputs of at least 63x63, got {width}x{height}")
        if classes < 2:
            raise ValueError(f"classes must be at least 2, got {classes}")
        conv_drop, dense_drop = dropout
        regularizer = l2(reg) if reg else None

        def conv(x, filters: int, kernel: int, strides: int = 1):
            x = layers.Conv2D(
                filters,
                kernel,
                strides=strides,
                padding="same",
                kernel_regularizer=regularizer,
            )(x)
            x = layers.Activation("relu")(x)
            return layers.BatchNormalization(axis=axis)(x)

        axis = channel_axis()
        inputs = keras.Input(shape=input_shape(width, height, depth))
        x = inputs
        if mean is not None:
            x = layers.Normalization(
                axis=axis, mean=list(mean), variance=[1.0] * depth, name=MEAN_LAYER_NAME
            )(x)
        # Block #1: CONV => RELU => POOL
        x = conv(x, 96, 11, strides=4)
        x = layers.MaxPooling2D(pool_size=3, strides=2)(x)
        x = layers.Dropout(conv_drop)(x)
        # Block #2: CONV => RELU => POOL
        x = conv(x, 256, 5)
        x = layers.MaxPooling2D(pool_size=3, strides=2)(x)
        x = layers.Dropout(conv_drop)(x)
        # Block #3: (CONV => RELU) * 3 => POOL
        x = conv(x, 384, 3)
        x = conv(x, 384, 3)
        x = conv(x, 256, 3)
        x = layers.MaxPooling2D(pool_size=3, strides=2)(x)
        x = layers.Dropout(conv_drop)(x)
        # Blocks #4 and #5: FC => RELU, twice
        x = layers.Flatten()(x)
        for _ in range(2):
            x = layers.Dense(dense_units, kernel_regularizer=regularizer)(x)
            x = layers.Activation("relu")(x)
            x = layers.BatchNormalization()(x)
            x = layers.Dropout(dense_drop)(x)
        # softmax classifier
        x = layers.Dense(classes, kernel_regularizer=regularizer)(x)
        outputs = layers.Activation("softmax", dtype="float32")(x)
        return keras.Model(inputs, outputs, name="alexnet")


def has_mean_layer(model: keras.Model) -> bool:
    """Whether ``model`` subtracts the dataset mean itself (built with ``mean=``)."""
    return any(layer.name == MEAN_LAYER_NAME for layer in model.layers)
