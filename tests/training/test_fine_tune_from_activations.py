"""Fine-tuning from stored activations: the upper part of ResNet50 (whose conv5_block1
reads the split layer through both of its branches) trains from the file, the layers below
the split do not move, and the saved network takes raw images like any other model."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

keras = pytest.importorskip("keras")

import extract_features  # noqa: E402
import fine_tune  # noqa: E402
from pyimagesearch.features.backbones import build_backbone, preprocess_function  # noqa: E402
from pyimagesearch.features.network_cut import split_network  # noqa: E402
from tests.helpers import build_splits, write_config, write_noise_images  # noqa: E402

SIZE = 32
pytestmark = [pytest.mark.slow, pytest.mark.long]  # make test-long (CI)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Splits of noise images (the dogs darker), known ResNet50 starting weights, and the
    activations of conv4_block6_out (the default split: just before conv5_block1)."""
    folder = tmp_path_factory.mktemp("split_ft")
    settings = build_splits(folder, write_noise_images(folder / "images"), IMAGE_SIZE=40)
    weights = folder / "start.weights.h5"
    build_backbone("ResNet50", None, SIZE).save_weights(weights)
    settings.update(
        BACKBONE="ResNet50",
        WEIGHTS=str(weights),
        FEATURE_IMAGE_SIZE=SIZE,
        ACTIVATIONS_HDF5=str(folder / "act.hdf5"),
        FINE_TUNE_HEAD_EPOCHS=4,
        FINE_TUNE_EPOCHS=1,
        FINE_TUNE_BATCH_SIZE=25,
    )
    config = write_config(folder / "c.py", **settings)
    assert extract_features.main(["--config", str(config), "--activations", "--quiet"]) == 0
    return {"config": config, "settings": settings, "weights": weights, "folder": folder}


def stored(path: str, split: int) -> tuple[np.ndarray, np.ndarray]:
    with h5py.File(path) as db:
        rows = np.flatnonzero(db["split"][:] == split)
        return db["activations"][rows[0] : rows[-1] + 1], db["paths"][rows[0] : rows[-1] + 1]


def test_upper_resnet50_on_stored_activations_matches_the_whole_network(prepared) -> None:
    settings = prepared["settings"]
    with h5py.File(settings["ACTIVATIONS_HDF5"]) as db:
        assert db.attrs["split_at"] == "conv4_block6_out"
        activations = db["activations"][:8]
    with h5py.File(settings["TRAIN_HDF5"]) as db:
        images = db["images"][:8]
    base = build_backbone("ResNet50", str(prepared["weights"]), SIZE)
    _, upper = split_network(base, "conv4_block6_out")
    from pyimagesearch.data.sources import resize_batch

    inputs = preprocess_function("ResNet50")(resize_batch(images, SIZE).astype(np.float32))
    whole = base.predict_on_batch(inputs)
    from_stored = upper.predict_on_batch(activations.astype(np.float32))
    np.testing.assert_allclose(from_stored, whole, rtol=1e-2, atol=1e-2 * np.abs(whole).max())


@pytest.mark.backends  # run again on JAX by .ci/run
def test_fine_tuning_from_activations_trains_above_the_split_only(prepared, tmp_path) -> None:
    from pyimagesearch.models import load_classifier

    settings = prepared["settings"]
    model_path = tmp_path / "ft.keras"
    config = write_config(tmp_path / "c.py", **settings, FINE_TUNE_MODEL_PATH=str(model_path))
    argv = ["--config", str(config), "--from-activations"]
    assert fine_tune.main(argv) == 0
    report = json.loads((tmp_path / "ft_report.json").read_text())
    loss = report["history"]["loss"]
    assert report["split_at"] == "conv4_block6_out" and report["head_epochs"] >= 2
    assert loss[report["head_epochs"] - 1] < loss[0], loss  # training reduces the loss
    assert report["test"]["n_images"] == 10
    assert all(name.startswith("conv5_") for name in report["trained_layers"])

    classifier = load_classifier(model_path)  # the recombined network, on raw images
    assert classifier.kind == "fine_tuned" and classifier.record["split_at"] == "conv4_block6_out"
    base = next(layer for layer in classifier.model.layers if isinstance(layer, keras.Model))
    start = build_backbone("ResNet50", str(prepared["weights"]), SIZE)
    for layer in base.layers:
        if layer.weights:
            same = all(
                np.array_equal(a, b)
                for a, b in zip(start.get_layer(layer.name).get_weights(), layer.get_weights(),
                                strict=True)
            )  # fmt: skip
            assert same == (layer.name not in report["trained_layers"]), layer.name

    # raw test images through the saved network == their stored activations through the
    # trained upper part and head
    with h5py.File(settings["TEST_HDF5"]) as db:
        test_images = db["images"][:]
    activations, _ = stored(settings["ACTIVATIONS_HDF5"], split=2)
    _, upper = split_network(base, "conv4_block6_out")
    head = classifier.model.get_layer("predictions")
    as_numpy = keras.ops.convert_to_numpy
    from_activations = as_numpy(head(upper(activations.astype(np.float32))))[:, 0]
    from_images = classifier.predict_proba(test_images)[:, 1]
    np.testing.assert_allclose(from_images, from_activations, atol=5e-3)
    assert classifier.predict_proba_tencrop(test_images).shape == (10, 2)

    assert fine_tune.main(argv) == 2  # an existing model is kept without --overwrite


def test_missing_or_splitless_activations_are_refused(prepared, tmp_path, capsys) -> None:
    settings = {**prepared["settings"], "FINE_TUNE_MODEL_PATH": str(tmp_path / "m.keras")}
    config = write_config(tmp_path / "c.py", **settings)
    missing = str(tmp_path / "none.hdf5")
    assert fine_tune.main(["--config", str(config), "--from-activations", missing]) == 2
    line = capsys.readouterr().err.strip().splitlines()[0]
    assert line == (
        f"error: activations file not found: {missing}; write it first with "
        "extract_features.py --activations"
    )
    folder_only = tmp_path / "folder.hdf5"  # extracted from an image folder: no splits
    argv = ["--config", str(config), "--activations", "--dataset",
            settings["IMAGES_PATH"], "-o", str(folder_only), "--quiet"]  # fmt: skip
    assert extract_features.main(argv) == 0
    assert fine_tune.main(["--config", str(config), "--from-activations", str(folder_only)]) == 2
    assert "has no split column" in capsys.readouterr().err
    assert not (tmp_path / "m.keras").exists()


def test_settings_are_checked_before_activations_load(prepared, tmp_path, capsys, monkeypatch):
    from pyimagesearch.training import fine_tune_from_activations as engine

    def no_loading(*args, **kwargs):
        raise AssertionError("activations were loaded before the settings were checked")

    monkeypatch.setattr(engine, "activation_generators", no_loading)
    settings = {**prepared["settings"], "FINE_TUNE_MODEL_PATH": str(tmp_path / "m.h5")}
    config = write_config(tmp_path / "c.py", **settings)
    assert fine_tune.main(["--config", str(config), "--from-activations"]) == 2
    assert capsys.readouterr().err.startswith(
        "error: FINE_TUNE_MODEL_PATH must end in .keras, got m.h5"
    )
    other = {**prepared["settings"], "FINE_TUNE_MODEL_PATH": str(tmp_path / "m.keras"),
             "TEST_HDF5": prepared["settings"]["TRAIN_HDF5"]}  # fmt: skip
    config = write_config(tmp_path / "c2.py", **other)
    with h5py.File(other["TEST_HDF5"], "r+") as db:
        build = db.attrs["build_id"]
        db.attrs["build_id"] = "another build"
    try:
        assert fine_tune.main(["--config", str(config), "--from-activations"]) == 2
    finally:
        with h5py.File(other["TEST_HDF5"], "r+") as db:
            db.attrs["build_id"] = build
    assert "was extracted from another build than TEST_HDF5" in capsys.readouterr().err


def test_settings_the_activations_decide_are_named_when_given() -> None:
    from types import SimpleNamespace

    from pyimagesearch.config import Config
    from pyimagesearch.training.fine_tune_from_activations import unused_settings

    plan = SimpleNamespace(split_layer="conv4_block6_out", backbone="ResNet50",
                           weights="/w/start.weights.h5", input_size=32)  # fmt: skip
    cfg = Config({"FINE_TUNE_LAYERS": 3, "BACKBONE": "resnet50", "WEIGHTS": "imagenet"})
    notes = unused_settings(cfg, plan)
    assert notes == [
        "FINE_TUNE_LAYERS = 3 is not used with --from-activations: the layers above "
        "conv4_block6_out are trained",
        "WEIGHTS = 'imagenet' is not used with --from-activations: the activations were made "
        "with WEIGHTS = '/w/start.weights.h5'",
    ]
    assert unused_settings(Config({}), plan) == []
