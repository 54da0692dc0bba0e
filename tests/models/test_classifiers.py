"""Every kind of trained model loads from its record and works with evaluate.py and
predict.py: AlexNet, logistic regression and head on features, the fine-tuned network."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import evaluate
import extract_features
import fine_tune
import predict
import train_alexnet
import train_head
import train_logreg
from pyimagesearch.models import ModelError, load_classifier, read_record, write_record
from tests.helpers import build_splits, output_in, write_config


def test_a_swapped_or_damaged_model_file_is_refused(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(
        keras.layers.GlobalAveragePooling2D()(inputs)))  # fmt: skip
    path = tmp_path / "m.keras"
    model.save(path)
    record = {"kind": "alexnet", "label_names": ["a", "b"], "image_size": [8, 8],
              "input_size": [8, 8], "preprocessing": {"mean_in_model": True}}  # fmt: skip
    write_record(path, record)
    assert load_classifier(path).predict_proba(np.zeros((3, 20, 10, 3), np.uint8)).shape == (3, 2)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelError, match=r"m.keras.json \(sha256 differs\)"):
        load_classifier(path)
    (tmp_path / "m.keras.json").unlink()
    with pytest.raises(ModelError, match="has no record"):
        load_classifier(path)


@pytest.fixture(scope="module")
def four_models(
    synthetic_images: Path, mobilenet_weights: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    """Tiny models of every kind: AlexNet on a 72px build (it needs 63px inputs), the three
    pretrained-backbone models (the real MobileNetV2 weights) on a 40px build."""
    folder = tmp_path_factory.mktemp("four")
    settings = build_splits(folder, synthetic_images, IMAGE_SIZE=40)
    out = folder / "out"
    config = write_config(
        folder / "config.py",
        **settings,
        BACKBONE="MobileNetV2",
        WEIGHTS=str(mobilenet_weights),
        FEATURE_IMAGE_SIZE=32,
        FEATURES_HDF5=str(out / "features.hdf5"),
        LOGREG_C_GRID=[1.0],
        HEAD_EPOCHS=2,
        FINE_TUNE_LAYERS="block_16_",
        FINE_TUNE_HEAD_EPOCHS=1,
        FINE_TUNE_EPOCHS=1,
        FINE_TUNE_BATCH_SIZE=25,
        FINE_TUNE_MODEL_PATH=str(out / "fine_tuned.keras"),
    )
    alexnet = build_splits(folder / "alexnet", synthetic_images, IMAGE_SIZE=72)
    alexnet_config = write_config(
        folder / "alexnet.py", **alexnet, MODEL_PATH=str(out / "alexnet.keras"), INPUT_SIZE=64,
        DENSE_UNITS=16, EPOCHS=1, BATCH_SIZE=25,
    )  # fmt: skip
    assert train_alexnet.main(["--config", str(alexnet_config), "--quiet"]) == 0
    assert extract_features.main(["--config", str(config), "--quiet"]) == 0
    assert train_logreg.main(["--config", str(config)]) == 0
    assert train_head.main(["--config", str(config)]) == 0
    assert fine_tune.main(["--config", str(config)]) == 0
    return {
        "alexnet": (out / "alexnet.keras", alexnet_config),
        "logreg": (out / "logreg.skops", config),
        "head": (out / "head.keras", config),
        "fine_tuned": (out / "fine_tuned.keras", config),
    }


KINDS = ["alexnet", "logreg", "head", "fine_tuned"]


@pytest.mark.long  # make test-long (CI); see README
@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_evaluate_takes_every_kind(four_models: dict, kind: str, tmp_path: Path) -> None:
    model, config = four_models[kind]
    record = read_record(model)
    assert record["kind"] == {"alexnet": "network"}.get(kind, kind)
    assert record["label_names"] == ["cat", "dog"]
    report_args = ["--set", f"OUTPUT_PATH={tmp_path}"]
    assert evaluate.main(["--config", str(config), "--model", str(model), "--quiet",
                          *report_args]) == 0  # fmt: skip
    report = json.loads((tmp_path / "evaluation.json").read_text())
    assert report["model_kind"] == record["kind"] and report["n_images"] == 10
    for name in ("baseline", "tencrop"):
        assert 0.0 <= report[f"{name}_rank1"] <= 1.0 and report[f"{name}_log_loss"] > 0
    import diagnose

    out = tmp_path / "diagnosis"
    assert diagnose.main(["--config", str(config), "--model", str(model), "--tencrop",
                          "--output", str(out), "--quiet", "-n", "4"]) == 0  # fmt: skip
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    assert diagnosis["n_images"] == 10 and sum(map(sum, diagnosis["confusion_matrix"])) == 10
    assert diagnosis["accuracy"] == pytest.approx(report["tencrop_rank1"])


@pytest.mark.long  # make test-long (CI); see README
@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_predict_takes_every_kind(
    four_models: dict, kind: str, synthetic_images: Path, tmp_path: Path
) -> None:
    model, _ = four_models[kind]
    test1 = tmp_path / "test1"
    test1.mkdir()
    for i in (1, 2, 3):
        (test1 / f"{i}.jpg").write_bytes((synthetic_images / f"dog.{i}.jpg").read_bytes())
    out = tmp_path / "submission.csv"
    args = ["--images", str(test1), "--model", str(model), "--output", str(out), "--quiet",
            *output_in(tmp_path / "out")]  # fmt: skip
    assert predict.main(args) == 0
    assert predict.main([*args, "--tencrop", "--overwrite"]) == 0
    assert out.read_text().splitlines()[0] == "id,label"
    assert len(out.read_text().splitlines()) == 4


@pytest.mark.long  # make test-long (CI); see README
@pytest.mark.slow
def test_tencrop_of_a_features_model_averages_the_crops_features(four_models: dict) -> None:
    classifier = load_classifier(four_models["logreg"][0])
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 40, 40, 3), dtype=np.uint8)
    crops = classifier.tencrop_inputs(images)
    assert crops.shape == (30, 32, 32, 3)
    by_hand = classifier.predict_prepared(crops).reshape(3, 10, 2).mean(axis=1)
    tta = classifier.predict_proba_tencrop(images)
    np.testing.assert_allclose(tta, by_hand, rtol=1e-5)
    np.testing.assert_allclose(tta.sum(axis=1), 1.0, rtol=1e-5)  # still probabilities
