"""AlexNet: output shapes, the book's layout, the optional in-model mean subtraction."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from pyimagesearch.nn.conv import AlexNet  # noqa: E402
from pyimagesearch.nn.conv.alexnet import has_mean_layer  # noqa: E402


@pytest.mark.parametrize("classes", [2, 17])
def test_output_shape_small_input(classes: int) -> None:
    model = AlexNet.build(64, 64, 3, classes, dense_units=16)
    assert model.input_shape == (None, 64, 64, 3)
    assert model.output_shape == (None, classes)
    probs = model.predict_on_batch(np.zeros((3, 64, 64, 3), np.float32))
    assert probs.shape == (3, classes)
    np.testing.assert_allclose(np.asarray(probs).sum(axis=1), 1.0, rtol=1e-5)


def test_default_is_the_227_pixel_layout() -> None:
    model = AlexNet.build(227, 227, 3, 2)
    assert model.input_shape == (None, 227, 227, 3)
    assert model.output_shape == (None, 2)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == [96, 256, 384, 384, 256]
    assert [c.kernel_size for c in convs] == [(11, 11), (5, 5), (3, 3), (3, 3), (3, 3)]
    assert convs[0].strides == (4, 4)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [d.units for d in dense] == [4096, 4096, 2]
    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(bns) == 7  # after each of the 5 conv and 2 dense activations
    drops = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert drops == [0.25, 0.25, 0.25, 0.5, 0.5]
    assert not has_mean_layer(model)


def test_mean_inside_the_model_equals_mean_outside(rng) -> None:
    mean = [120.0, 110.0, 100.0]
    inside = AlexNet.build(64, 64, 3, 2, dense_units=8, mean=mean)
    outside = AlexNet.build(64, 64, 3, 2, dense_units=8)
    assert has_mean_layer(inside)
    outside.set_weights(inside.get_weights())  # the mean is a constant, not a weight
    images = rng.integers(0, 256, (2, 64, 64, 3)).astype(np.uint8)
    a = inside.predict_on_batch(images)
    b = outside.predict_on_batch(images.astype(np.float32) - np.array(mean, np.float32))
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_too_small_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 63"):
        AlexNet.build(32, 32, 3, 2)


def test_a_saved_model_says_whether_it_subtracts_the_mean_without_keras(tmp_path) -> None:
    """A resumed run feeds batches as its checkpoint expects: read from the file alone."""
    from pyimagesearch.errors import DatasetError
    from pyimagesearch.nn.conv.registry import keras_file_has_mean_layer

    inside = AlexNet.build(64, 64, 3, 2, dense_units=8, mean=[1.0, 2.0, 3.0])
    outside = AlexNet.build(64, 64, 3, 2, dense_units=8)
    inside.save(tmp_path / "inside.keras")
    outside.save(tmp_path / "outside.keras")
    assert keras_file_has_mean_layer(tmp_path / "inside.keras")
    assert not keras_file_has_mean_layer(tmp_path / "outside.keras")
    cut = tmp_path / "cut.keras"
    cut.write_bytes((tmp_path / "inside.keras").read_bytes()[:100])
    with pytest.raises(DatasetError, match="not a readable Keras model file"):
        keras_file_has_mean_layer(cut)
