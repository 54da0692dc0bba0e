"""Fine-tuning: frozen backbone first, then only the chosen top layers move; outputs."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest

import fine_tune
from pyimagesearch.errors import ConfigError
from pyimagesearch.features.backbones import build_backbone
from pyimagesearch.features.fine_tuning import fine_tune as run_fine_tune
from pyimagesearch.features.fine_tuning import unfreeze_top

SIZE = 32


@pytest.fixture(scope="module")
def start_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Known starting weights, so that what moved and what did not can be checked."""
    path = tmp_path_factory.mktemp("fine_tune") / "start.weights.h5"
    build_backbone("MobileNetV2", None, SIZE).save_weights(path)
    return path


def test_unfreeze_top_by_count_and_name() -> None:
    base = build_backbone("MobileNetV2", None, SIZE)
    trained = unfreeze_top(base, 10)
    assert trained and all(base.get_layer(n).trainable for n in trained)
    assert not any(layer.trainable for layer in base.layers[:-10])
    assert not any(
        layer.trainable
        for layer in base.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    trained = unfreeze_top(base, "block_16")
    assert trained[0].startswith("block_16") and "Conv_1" in trained
    with pytest.raises(ConfigError, match="names no layer"):
        unfreeze_top(base, "conv5_")


def test_only_the_unfrozen_layers_change(start_weights: Path, rng: np.random.Generator) -> None:
    images = rng.integers(0, 256, (24, SIZE, SIZE, 3), dtype=np.uint8)
    labels = np.arange(24) % 2
    images[labels == 1] //= 3  # something to learn
    result = run_fine_tune(
        images[:16], labels[:16], images[16:], labels[16:], num_classes=2,
        backbone="MobileNetV2", weights=str(start_weights), image_size=SIZE, layers="block_16",
        head_epochs=1, epochs=1, batch_size=8, patience=5, verbose=0,
    )  # fmt: skip
    assert len(result.history["loss"]) == 2 and result.head_epochs == 1
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(result.history)
    base = next(layer for layer in result.model.layers if isinstance(layer, keras.Model))
    start = build_backbone("MobileNetV2", str(start_weights), SIZE)
    for layer in base.layers:
        if not layer.weights:
            continue
        before = start.get_layer(layer.name).get_weights()
        same = all(np.array_equal(a, b) for a, b in zip(before, layer.get_weights(), strict=True))
        if layer.name in result.trained_layers:
            assert not same, f"{layer.name} should have been fine-tuned"
        else:
            assert same, f"{layer.name} is frozen and must not change"


def test_script_writes_model_plot_and_report(
    synthetic_images: Path, start_weights: Path, tmp_path: Path, make_config
) -> None:
    config = make_config(
        IMAGES_PATH=str(synthetic_images),
        BACKBONE="MobileNetV2",
        WEIGHTS=str(start_weights),
        FEATURE_IMAGE_SIZE=SIZE,
        FINE_TUNE_LAYERS=12,
        FINE_TUNE_HEAD_EPOCHS=1,
        FINE_TUNE_EPOCHS=1,
        BATCH_SIZE=16,
        OUTPUT_PATH="out",
        FINE_TUNE_MODEL_PATH="out/ft.keras",
    )
    assert fine_tune.main(["--config", str(config)]) == 0
    out = tmp_path / "out"
    assert (out / "ft.keras").is_file() and (out / "ft_history.png").is_file()
    report = json.loads((out / "ft_report.json").read_text())
    assert (report["n_train"], report["n_val"]) == (96, 24)
    assert report["head_epochs"] == 1 and report["fine_tune_epochs"] == 1
    assert 0.0 <= report["val_accuracy"] <= 1.0
    model = keras.models.load_model(out / "ft.keras")
    assert model.output_shape == (None, 1)
