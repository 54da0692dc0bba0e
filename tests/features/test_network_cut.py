"""Splitting a network: valid split points, residual connections at the split, wrong layers
refused with the valid names, and the activations file extract_features.py writes."""

from __future__ import annotations

import collections
from pathlib import Path

import h5py
import numpy as np
import pytest

keras = pytest.importorskip("keras")

import extract_features  # noqa: E402
from pyimagesearch.errors import ConfigError  # noqa: E402
from pyimagesearch.features.backbones import build_backbone  # noqa: E402
from pyimagesearch.features.network_cut import (  # noqa: E402
    backbone_split_layer,
    resolve_split_layer,
    split_network,
    split_points,
)
from pyimagesearch.io import HDF5DatasetWriter  # noqa: E402
from tests.helpers import build_splits, write_config  # noqa: E402


def residual_network() -> keras.Model:
    """image -> a -> b -> c -> add(b, c) -> d -> pool -> dense: the residual connection
    starts at ``b`` and ends above it, at ``add``."""
    layers = keras.layers
    keras.utils.set_random_seed(3)
    inputs = keras.Input((12, 12, 3), name="image")
    a = layers.Conv2D(4, 3, padding="same", activation="relu", name="a")(inputs)
    b = layers.Conv2D(6, 3, padding="same", activation="relu", name="b")(a)
    c = layers.Conv2D(6, 3, padding="same", name="c")(b)
    added = layers.Add(name="add")([b, c])
    d = layers.Conv2D(5, 1, activation="relu", name="d")(added)
    pooled = layers.GlobalAveragePooling2D(name="pool")(d)
    return keras.Model(inputs, layers.Dense(3, activation="softmax", name="out")(pooled))


def test_split_points_exclude_layers_a_connection_skips_over() -> None:
    model = residual_network()
    assert split_points(model) == ["a", "b", "add", "d", "pool"]
    with pytest.raises(ConfigError, match="'c' is not a split point.*b, add, d, pool"):
        resolve_split_layer(model, "c")
    with pytest.raises(ConfigError, match="network's output"):
        resolve_split_layer(model, "out")
    with pytest.raises(ConfigError, match="'e' names no layer"):
        resolve_split_layer(model, "e")
    assert resolve_split_layer(model, "d") == "d"


def test_upper_part_on_stored_float16_activations_matches_the_whole_network(
    tmp_path: Path,
) -> None:
    """The residual connection from the split layer to ``add`` crosses the split: the upper
    part, fed the stored (float16) activations, gives the whole network's outputs."""
    model = residual_network()
    lower, upper = split_network(model, "b")
    images = np.random.default_rng(0).uniform(0, 1, (16, 12, 12, 3)).astype(np.float32)
    writer = HDF5DatasetWriter((16, 12, 12, 6), tmp_path / "a.hdf5", "activations",
                               dtype="float16")  # fmt: skip
    writer.add(lower.predict_on_batch(images), np.zeros(16, int))
    writer.close()
    with h5py.File(tmp_path / "a.hdf5") as db:
        stored = db["activations"][:]
    assert stored.dtype == np.float16
    from_stored = upper.predict_on_batch(stored.astype(np.float32))
    whole = model.predict_on_batch(images)
    np.testing.assert_allclose(from_stored, whole, rtol=0, atol=2e-3)
    assert not np.allclose(whole, whole[:1])  # the images do give different outputs
    upper_names = {layer.name for layer in upper.layers}
    assert {"c", "add", "d", "out"} <= upper_names and "a" not in upper_names
    assert upper.get_layer("c") is model.get_layer("c")  # shared: training it trains the model


def test_backbone_split_by_block_prefix_and_default() -> None:
    mobilenet = build_backbone("MobileNetV2", None, 32)
    assert resolve_split_layer(mobilenet, "block_16_") == "block_15_add"
    assert backbone_split_layer(mobilenet, "MobileNetV2", None) == "block_15_add"
    resnet = build_backbone("ResNet50", None, 32)
    assert backbone_split_layer(resnet, "ResNet50", None) == "conv4_block6_out"
    with pytest.raises(ConfigError) as error:
        backbone_split_layer(resnet, "ResNet50", "conv5_block9")
    message = str(error.value)
    assert "names no layer of ResNet50" in message and "conv4_block6_out" in message
    assert "'conv5_block1_'" in message  # the prefix form, with the backbone's last block
    with pytest.raises(ConfigError, match="cannot be split just before 'conv5_block2_2'"):
        resolve_split_layer(resnet, "conv5_block2_2")


@pytest.fixture(scope="module")
def splits(tmp_path_factory: pytest.TempPathFactory, synthetic_images: Path) -> dict:
    folder = tmp_path_factory.mktemp("activation_splits")
    return build_splits(folder, synthetic_images, IMAGE_SIZE=40)


def test_activations_file_holds_the_split_layers_output(
    splits: dict, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    config = write_config(tmp_path / "c.py", **splits, BACKBONE="MobileNetV2", WEIGHTS=None,
                          FEATURE_IMAGE_SIZE=32)  # fmt: skip
    out = tmp_path / "act.hdf5"
    argv = ["--config", str(config), "--split-at", "block_16_", "-o", str(out), "--quiet"]
    assert extract_features.main(argv) == 0
    printed = capsys.readouterr().out
    assert "activations of block_15_add (1x1x160, float16) for 120 images: 37.5 KB" in printed
    with h5py.File(out) as db:
        assert db["activations"].shape == (120, 1, 1, 160)
        assert db["activations"].dtype == np.float16
        assert db["activations"].chunks == (1, 1, 1, 160)  # one chunk per image
        assert len(db["labels"]) == len(db["paths"]) == len(db["split"]) == 120
        assert np.bincount(db["split"][:]).tolist() == [100, 10, 10]
        assert [n.decode() if isinstance(n, bytes) else n for n in db["label_names"][:]] == [
            "cat",
            "dog",
        ]
        attrs = dict(db.attrs)
    assert (attrs["backbone"], attrs["split_at"], attrs["weights"]) == (
        "MobileNetV2",
        "block_15_add",
        "none",
    )
    assert attrs["image_size"] == 32 and list(attrs["activation_shape"]) == [1, 1, 160]
    assert attrs["build_id"] and attrs["complete"]

    assert extract_features.main(argv) == 2  # an existing file is kept without --overwrite


def test_activations_refused_before_work_when_layer_or_disk_is_wrong(
    splits: dict, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch
) -> None:
    from pyimagesearch.utils import atomic

    config = write_config(
        tmp_path / "c.py",
        **splits,
        BACKBONE="MobileNetV2",
        WEIGHTS=None,
        FEATURE_IMAGE_SIZE=32,
        ACTIVATIONS_HDF5=str(tmp_path / "a.hdf5"),
    )
    assert extract_features.main(["--config", str(config), "--split-at", "block_99"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[0]
    assert line.startswith("error: SPLIT_AT = 'block_99' names no layer of MobileNetV2")
    assert "block_15_add" in line and "'block_16_'" in line

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda path: usage(10**9, 10**9, 1000))
    assert extract_features.main(["--config", str(config), "--activations"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[0]
    assert line.startswith("error: not enough disk space for ACTIVATIONS_HDF5")
    assert not (tmp_path / "a.hdf5").exists()
