"""Fine-tuning from the builder's splits: frozen backbone first, then only the chosen top
layers move; the model is scored on the test split and loads as any other model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import fine_tune  # noqa: E402
from pyimagesearch.errors import ConfigError  # noqa: E402
from pyimagesearch.features.backbones import block_names, build_backbone  # noqa: E402
from pyimagesearch.training.fine_tune import (  # noqa: E402
    default_fine_tune_layers,
    unfreeze_top,
)
from tests.helpers import build_splits, write_config, write_noise_images  # noqa: E402

SIZE = 32
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def start_weights(mobilenet_weights: Path) -> Path:
    """Known starting weights, so that what moved and what did not can be checked: the
    real pretrained MobileNetV2 (with random weights its features vanish)."""
    return mobilenet_weights


@pytest.fixture(scope="module")
def splits(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Noise images, the dogs darker: something random-weight features can tell apart."""
    folder = tmp_path_factory.mktemp("ft_splits")
    return build_splits(folder, write_noise_images(folder / "images"), IMAGE_SIZE=40)


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
    blocks = block_names([layer.name for layer in base.layers])
    assert blocks[-2:] == ["block_16", "Conv_1"] and default_fine_tune_layers("VGG16") == "block5_"


def test_flags_reach_the_engine_as_settings(tmp_path, monkeypatch) -> None:
    """``--layers 3`` is the count 3 (as ``--set`` reads it), a prefix stays a string;
    ``--weights`` and ``--from-activations FILE`` are relative to the current folder."""
    from pyimagesearch.errors import PyImageSearchError

    seen = []

    def engine(cfg, from_activations, overwrite=False):
        seen.append((cfg, from_activations))
        raise PyImageSearchError("stop here")

    monkeypatch.setattr(fine_tune, "fine_tune", engine)
    monkeypatch.chdir(tmp_path)
    splits = {k: str(tmp_path / f"{k}.hdf5") for k in ("TRAIN_HDF5", "VAL_HDF5", "TEST_HDF5")}
    config = write_config(tmp_path / "c.py", **splits, OUTPUT_PATH=str(tmp_path / "out"))
    assert fine_tune.main(["--config", str(config), "--layers", "3", "--weights", "w.h5"]) == 2
    cfg, from_activations = seen[-1]
    assert cfg.FINE_TUNE_LAYERS == 3 and isinstance(cfg.FINE_TUNE_LAYERS, int)
    assert cfg.WEIGHTS == str(tmp_path / "w.h5") and from_activations is False
    argv = ["--config", str(config), "--layers", "block5_", "--from-activations", "a.hdf5"]
    assert fine_tune.main(argv) == 2
    cfg, from_activations = seen[-1]
    assert cfg.FINE_TUNE_LAYERS == "block5_" and from_activations is True
    assert cfg.ACTIVATIONS_HDF5 == str(tmp_path / "a.hdf5")


@pytest.mark.long  # make test-long (CI); see README
@pytest.mark.backends  # run again on JAX by .ci/run
def test_fine_tuning_trains_only_the_top_and_scores_the_test_split(
    splits: dict, start_weights: Path, tmp_path: Path
) -> None:
    from pyimagesearch.models import load_classifier

    config = write_config(
        tmp_path / "c.py",
        **splits,
        BACKBONE="MobileNetV2",
        WEIGHTS=str(start_weights),
        FEATURE_IMAGE_SIZE=SIZE,
        FINE_TUNE_LAYERS="block_16_",
        FINE_TUNE_HEAD_EPOCHS=1,
        FINE_TUNE_EPOCHS=1,
        FINE_TUNE_BATCH_SIZE=25,
        AUGMENTATION={"rotation_range": 10, "horizontal_flip": True},
        FINE_TUNE_MODEL_PATH=str(tmp_path / "out" / "ft.keras"),
    )
    assert fine_tune.main(["--config", str(config)]) == 0
    out = tmp_path / "out"
    assert (out / "ft.keras").is_file() and (out / "ft_history.png").is_file()
    report = json.loads((out / "ft_report.json").read_text())
    assert report["head_epochs"] == 1 and report["fine_tune_epochs"] == 1
    assert report["test"]["n_images"] == 10
    assert {"baseline_rank1", "tencrop_rank1"} <= set(report["test"])
    assert report["recipe"]["fine_tune_recipe"] == "book" and report["recipe"]["optimizer"] == "sgd"

    classifier = load_classifier(out / "ft.keras")
    assert classifier.kind == "fine_tuned" and classifier.label_names == ["cat", "dog"]
    assert classifier.input_size == (SIZE, SIZE) and classifier.image_size == (40, 40)
    base = next(layer for layer in classifier.model.layers if isinstance(layer, keras.Model))
    start = build_backbone("MobileNetV2", str(start_weights), SIZE)
    for layer in base.layers:
        if not layer.weights:
            continue
        before = start.get_layer(layer.name).get_weights()
        same = all(np.array_equal(a, b) for a, b in zip(before, layer.get_weights(), strict=True))
        if layer.name in report["trained_layers"]:
            assert not same, f"{layer.name} should have been fine-tuned"
        else:
            assert same, f"{layer.name} is frozen and must not change"

    assert fine_tune.main(["--config", str(config)]) == 2  # no silent replacement


@pytest.mark.long  # make test-long (CI)
def test_fine_tuning_with_the_training_recipe_records_it(
    splits: dict, start_weights: Path, tmp_path: Path
) -> None:
    """``FINE_TUNE_RECIPE = "recipe"`` end to end: the run prints and records AdamW, the
    cosine warm-up, label smoothing and the averaged weights; the model loads."""
    from pyimagesearch.models import load_classifier
    from pyimagesearch.models.record import read_record

    config = write_config(
        tmp_path / "c.py",
        **splits,
        BACKBONE="MobileNetV2",
        WEIGHTS=str(start_weights),
        FEATURE_IMAGE_SIZE=SIZE,
        FINE_TUNE_HEAD_EPOCHS=1,
        FINE_TUNE_EPOCHS=2,
        FINE_TUNE_BATCH_SIZE=25,
        FINE_TUNE_RECIPE="recipe",
        OPTIMIZER="adamw",
        WEIGHT_DECAY=0.05,
        LR_SCHEDULE="cosine",
        WARMUP_EPOCHS=1,
        LABEL_SMOOTHING=0.1,
        EMA_DECAY=0.9,
        GRADIENT_CLIP=1.0,
        FINE_TUNE_MODEL_PATH=str(tmp_path / "out" / "ft.keras"),
    )
    assert fine_tune.main(["--config", str(config)]) == 0
    report = json.loads((tmp_path / "out" / "ft_report.json").read_text())
    recipe = report["recipe"]
    assert recipe["fine_tune_recipe"] == "recipe" and recipe["optimizer"] == "adamw"
    assert recipe["schedule"] == "cosine" and recipe["warmup_steps"] > 0
    assert recipe["label_smoothing"] == 0.1 and recipe["ema_decay"] == 0.9
    assert recipe["weights"].startswith("exponential moving average (EMA_DECAY 0.9)")
    assert read_record(tmp_path / "out" / "ft.keras")["recipe"] == recipe
    assert report["fine_tune_epochs"] >= 1
    assert load_classifier(tmp_path / "out" / "ft.keras").kind == "fine_tuned"
