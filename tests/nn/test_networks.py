"""The book's networks: output shape and parameter count for 10 and 17 classes, in both
data formats (batch normalization and concatenation follow the channel axis)."""

from __future__ import annotations

import pytest

keras = pytest.importorskip("keras")

from pyimagesearch.errors import ConfigError  # noqa: E402
from pyimagesearch.nn.conv import NETWORKS, build_network  # noqa: E402

# name: (input side, build arguments, parameters for 10 classes, for 17 classes)
CASES = {
    "ShallowNet": (32, {}, 328_586, 557_969),
    "LeNet": (28, {}, 1_257_080, 1_260_587),
    "MiniVGGNet": (32, {}, 2_171_178, 2_174_769),
    "AlexNet": (64, {"dense_units": 64}, 3_774_474, 3_774_929),
    "MiniGoogLeNet": (32, {}, 1_656_250, 1_658_609),
    "DeeperGoogLeNet": (64, {}, 3_509_706, 3_515_537),
    "ResNet": (32, {"stages": (2, 2), "filters": (16, 32, 64)}, 15_110, 15_565),
}


@pytest.fixture(params=["channels_last", "channels_first"])
def data_format(request):
    before = keras.config.image_data_format()
    keras.config.set_image_data_format(request.param)
    yield request.param
    keras.config.set_image_data_format(before)


@pytest.mark.parametrize("name", list(CASES))
def test_shape_and_parameters_in_both_data_formats(name: str, data_format: str) -> None:
    side, args, ten, seventeen = CASES[name]
    for classes, params in ((10, ten), (17, seventeen)):
        model = build_network(name, side, side, 3, classes, **args)
        assert model.output_shape == (None, classes)
        assert model.count_params() == params
        channels_axis = 1 if data_format == "channels_first" else 3
        assert model.input_shape[channels_axis] == 3


def test_every_network_is_covered_and_errors_name_the_fix() -> None:
    assert set(CASES) == set(NETWORKS)
    with pytest.raises(ConfigError, match="unknown NETWORK 'VGG'; known: ShallowNet, LeNet"):
        build_network("VGG", 32, 32, 3, 10)
    with pytest.raises(ConfigError, match="NETWORK_ARGS do not fit MiniVGGNet.build"):
        build_network("MiniVGGNet", 32, 32, 3, 10, stages=(3,))
    with pytest.raises(ConfigError, match="ResNet: filters needs one more entry"):
        build_network("ResNet", 32, 32, 3, 10, stages=(2, 2), filters=(16, 32))


def test_resnet_for_tiny_imagenet_and_a_forward_pass() -> None:
    import numpy as np

    model = build_network("ResNet", 64, 64, 3, 200, stages=(1, 1), filters=(16, 32, 64),
                          dataset="tiny_imagenet")  # fmt: skip
    probs = model.predict(np.zeros((2, 64, 64, 3), np.float32), verbose=0)
    assert probs.shape == (2, 200)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_fcheadnet_on_a_body() -> None:
    from pyimagesearch.nn.conv import FCHeadNet

    inputs = keras.Input((16, 16, 3))
    body = keras.Model(inputs, keras.layers.Conv2D(8, 3)(inputs))
    model = keras.Model(body.input, FCHeadNet.build(body, 17, 32))
    assert model.output_shape == (None, 17)
