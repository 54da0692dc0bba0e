"""FCHeadNet: the book's fully connected head placed on a pretrained body for fine-tuning."""

from __future__ import annotations

import keras
from keras import layers


class FCHeadNet:
    """``FCHeadNet.build(base_model, classes, D)``: FLATTEN => FC(D) => RELU => DROPOUT(0.5)
    => FC(classes) => SOFTMAX on the base model's output; returns the head's output tensor.

    Example (not run by the tests: builds VGG16, a few seconds):
        >>> base = keras.applications.VGG16(weights=None, include_top=False,
        ...                                 input_shape=(64, 64, 3))  # doctest: +SKIP
        >>> head = FCHeadNet.build(base, 17, 256)                     # doctest: +SKIP
        >>> keras.Model(base.input, head).output_shape                # doctest: +SKIP
        (None, 17)
    """

    @staticmethod
    def build(base_model: keras.Model, classes: int, D: int = 256):
        if classes < 2:
            raise ValueError(f"classes must be at least 2, got {classes}")
        x = layers.Flatten(name="flatten")(base_model.output)
        x = layers.Dense(D, activation="relu")(x)
        x = layers.Dropout(0.5)(x)
        return layers.Dense(classes, activation="softmax", dtype="float32")(x)
