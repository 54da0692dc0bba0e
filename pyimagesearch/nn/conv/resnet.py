"""ResNet with pre-activation bottleneck residual modules (He et al., 2016), as the book
builds it for CIFAR-10 (32x32) and Tiny ImageNet (64x64)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from pyimagesearch.nn.conv._common import (
    channel_axis,
    check_args,
    classifier,
    input_shape,
    regularizer,
)


class ResNet:
    """``ResNet.build(32, 32, 3, 10, stages=(9, 9, 9), filters=(64, 64, 128, 256))``.

    ``stages[i]`` residual modules of ``filters[i + 1]`` filters each; the first module of
    every stage but the first halves the resolution (a 1x1 projection on the shortcut).
    ``dataset="cifar"`` starts with one 3x3 convolution (32x32 inputs);
    ``"tiny_imagenet"`` with a 5x5 convolution and a max pool (64x64 inputs).

    Example:
        >>> ResNet.build(32, 32, 3, 10, stages=(1, 1), filters=(16, 32, 64)).output_shape
        (None, 10)
    """

    @staticmethod
    def residual_module(
        x, filters: int, stride: int, axis: int, reduce: bool = False, reg: float = 0.0001,
        bn_eps: float = 2e-5, bn_mom: float = 0.9,
    ):  # fmt: skip
        """BN => RELU => CONV(1x1) => BN => RELU => CONV(3x3, stride) => BN => RELU =>
        CONV(1x1), added to the shortcut (projected when ``reduce``)."""
        r = regularizer(reg)

        def bn_relu(t):
            t = layers.BatchNormalization(axis=axis, epsilon=bn_eps, momentum=bn_mom)(t)
            return layers.Activation("relu")(t)

        act1 = bn_relu(x)
        y = layers.Conv2D(filters // 4, 1, use_bias=False, kernel_regularizer=r)(act1)
        y = layers.Conv2D(filters // 4, 3, strides=stride, padding="same", use_bias=False,
                          kernel_regularizer=r)(bn_relu(y))  # fmt: skip
        y = layers.Conv2D(filters, 1, use_bias=False, kernel_regularizer=r)(bn_relu(y))
        shortcut = x
        if reduce:
            shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False,
                                     kernel_regularizer=r)(act1)  # fmt: skip
        return layers.Add()([y, shortcut])

    @staticmethod
    def build(
        width: int,
        height: int,
        depth: int,
        classes: int,
        reg: float = 0.0001,
        stages: Sequence[int] = (9, 9, 9),
        filters: Sequence[int] = (64, 64, 128, 256),
        dataset: str = "cifar",
        bn_eps: float = 2e-5,
        bn_mom: float = 0.9,
    ) -> keras.Model:
        check_args("ResNet", width, height, classes, 8)
        if len(filters) != len(stages) + 1:
            raise ValueError(
                f"filters needs one more entry than stages ({len(stages) + 1}), got {filters}"
            )
        if dataset not in ("cifar", "tiny_imagenet"):
            raise ValueError(f"dataset must be 'cifar' or 'tiny_imagenet', got {dataset!r}")
        axis, r = channel_axis(), regularizer(reg)
        inputs = keras.Input(input_shape(width, height, depth))
        x = layers.BatchNormalization(axis=axis, epsilon=bn_eps, momentum=bn_mom)(inputs)
        if dataset == "cifar":
            x = layers.Conv2D(filters[0], 3, padding="same", use_bias=False,
                              kernel_regularizer=r)(x)  # fmt: skip
        else:
            x = layers.Conv2D(filters[0], 5, padding="same", use_bias=False,
                              kernel_regularizer=r)(x)  # fmt: skip
            x = layers.BatchNormalization(axis=axis, epsilon=bn_eps, momentum=bn_mom)(x)
            x = layers.Activation("relu")(x)
            x = layers.ZeroPadding2D(1)(x)
            x = layers.MaxPooling2D(3, strides=2)(x)
        for i, count in enumerate(stages):
            stride = 1 if i == 0 else 2
            x = ResNet.residual_module(x, filters[i + 1], stride, axis, True, reg, bn_eps, bn_mom)
            for _ in range(count - 1):
                x = ResNet.residual_module(x, filters[i + 1], 1, axis, False, reg, bn_eps, bn_mom)
        x = layers.BatchNormalization(axis=axis, epsilon=bn_eps, momentum=bn_mom)(x)
        x = layers.Activation("relu")(x)
        x = layers.GlobalAveragePooling2D()(x)
        return keras.Model(inputs, classifier(x, classes, reg), name="resnet")
