"""A tiny trained network that finds a planted square, for the pictures of the diagnostics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="module")
def square_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny GAP + dense network trained to find a bright square (class "square")."""
    keras = pytest.importorskip("keras")
    from pyimagesearch.models import write_record

    keras.utils.set_random_seed(0)
    images, labels = square_images(240, seed=1)
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
    model.fit(images, labels, epochs=25, batch_size=32, verbose=0)
    path = tmp_path_factory.mktemp("cam") / "square.keras"
    model.save(path)
    write_record(path, {"kind": "network", "network": "tiny", "label_names": ["plain", "square"],
                        "image_size": [32, 32], "input_size": [32, 32],
                        "preprocessing": {"mean_in_model": True}})  # fmt: skip
    return path


def square_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, (n, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(n) % 2
    for i in np.flatnonzero(labels):
        y, x = rng.integers(0, 26, 2)
        images[i, y : y + 6, x : x + 6] = 255
    return images, labels
