"""Evaluation: known results on tiny models, batched 10-crop predictions, rank-5, errors."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from pyimagesearch.errors import DatasetError
from pyimagesearch.evaluation import evaluate_model, predict_baseline, predict_tencrop
from pyimagesearch.evaluation.ranked import rank5_accuracy, ranked_accuracy
from pyimagesearch.models.classifiers import Classifier
from pyimagesearch.models.record import write_record
from pyimagesearch.preprocessing import CropPreprocessor, MeanPreprocessor
from pyimagesearch.utils.reports import read_json, write_json


def write_test_set(path: Path, labels: np.ndarray, names: list[str], size: int = 72, seed=0):
    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as db:
        images = rng.integers(0, 256, (len(labels), size, size, 3), dtype=np.uint8)
        db.create_dataset("images", data=images, chunks=(1, size, size, 3))
        db.create_dataset("labels", data=labels)
        db.create_dataset("label_names", data=names)
        db.attrs["channel_order"] = "RGB"
        db.attrs["complete"] = True
    return path


class FakeModel:
    """Scores class c by the mean of channel c of its input; records every call."""

    def __init__(self, size: int = 64, classes: int = 3) -> None:
        self.input_shape = (None, size, size, 3)
        self.output_shape = (None, classes)
        self.calls: list[tuple[int, ...]] = []

    def predict_on_batch(self, x: np.ndarray) -> np.ndarray:
        self.calls.append(x.shape)
        scores = x.mean(axis=(1, 2))  # (n, 3)
        scores = np.resize(scores, (len(x), self.output_shape[1]))
        e = np.exp((scores - scores.max(axis=1, keepdims=True)) / 10)
        return e / e.sum(axis=1, keepdims=True)


class FakeClassifier(Classifier):
    """A FakeModel behind the Classifier interface: mean subtraction, then the model."""

    def __init__(self, model: FakeModel, mean: MeanPreprocessor | None, image_size: int = 72):
        classes = model.output_shape[1]
        record = {
            "kind": "alexnet",
            "label_names": [f"c{i}" for i in range(classes)],
            "image_size": [image_size, image_size],
            "input_size": list(model.input_shape[1:3]),
        }
        super().__init__("fake.keras", record)
        self.model, self.mean = model, mean

    def prepare(self, inputs: np.ndarray) -> np.ndarray:
        return inputs if self.mean is None else self.mean.preprocess_batch(inputs)

    def predict_prepared(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict_on_batch(x), np.float32)


def test_ranked_accuracy() -> None:
    preds = np.array(
        [
            [0.5, 0.2, 0.1, 0.1, 0.05, 0.03, 0.02],
            [0.1, 0.2, 0.3, 0.15, 0.1, 0.1, 0.05],
            [0.1, 0.2, 0.3, 0.15, 0.1, 0.1, 0.05],
        ]
    )
    labels = np.array([0, 6, 3])
    assert rank5_accuracy(preds, labels) == (1 / 3, 2 / 3)
    assert ranked_accuracy(preds, np.eye(7)[labels], k=1) == 1 / 3


@pytest.mark.backends  # run again on JAX by .ci/run
def test_tencrop_predicts_many_images_per_call_and_averages_the_crops(rng) -> None:
    images = rng.integers(0, 256, (23, 72, 72, 3), dtype=np.uint8)
    mean = MeanPreprocessor(100.0, 110.0, 120.0)
    model = FakeModel()
    probs = predict_tencrop(FakeClassifier(model, mean), images, batch_size=100)
    assert model.calls == [(100, 64, 64, 3), (100, 64, 64, 3), (30, 64, 64, 3)]
    crops = CropPreprocessor(64, 64)
    for i in (0, 11, 22):
        expected = FakeModel().predict_on_batch(mean.preprocess_batch(crops.preprocess(images[i])))
        np.testing.assert_allclose(probs[i], expected.mean(axis=0), rtol=1e-5)


def test_baseline_resizes_in_batches(rng) -> None:
    images = rng.integers(0, 256, (23, 72, 72, 3), dtype=np.uint8)
    model = FakeModel()
    probs = predict_baseline(FakeClassifier(model, None), images, batch_size=10)
    assert model.calls == [(10, 64, 64, 3), (10, 64, 64, 3), (3, 64, 64, 3)]
    assert probs.shape == (23, 3)


def test_rank5_reported_for_more_than_five_classes(tmp_path: Path) -> None:
    labels = np.arange(14) % 7
    path = write_test_set(tmp_path / "test.hdf5", labels, [f"c{i}" for i in range(7)])
    with h5py.File(path, "r") as db:
        report = evaluate_model(FakeClassifier(FakeModel(classes=7), None), db, batch_size=40)
    assert report["n_images"] == 14
    assert {"baseline_rank5", "tencrop_rank5"} <= set(report)
    assert set(report["baseline_per_class"]) >= {"c0", "c6", "accuracy"}
    with h5py.File(path, "r") as db, pytest.raises(DatasetError, match="7"):
        evaluate_model(FakeClassifier(FakeModel(classes=3), None), db)


@pytest.fixture(scope="module")
def always_cat_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved Keras model that gives class 0 ("cat") 0.9 whatever the image."""
    keras = pytest.importorskip("keras")
    inputs = keras.Input((64, 64, 3))
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    x = keras.layers.Dense(
        2, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant([2.2, 0.0])
    )(x)
    model = keras.Model(inputs, keras.layers.Activation("softmax")(x))
    path = tmp_path_factory.mktemp("model") / "always_cat.keras"
    model.save(path)
    write_record(
        path,
        {
            "kind": "alexnet",
            "label_names": ["cat", "dog"],
            "image_size": [72, 72],
            "input_size": [64, 64],
            "preprocessing": {"mean": {"R": 120.0, "G": 115.0, "B": 105.0}},
        },
    )
    return path


@pytest.mark.backends  # run again on JAX by .ci/run
def test_constant_model_scores_the_class_share(always_cat_model: Path, tmp_path: Path) -> None:
    import evaluate

    labels = np.array([0] * 7 + [1] * 13)  # 35% cats
    test = write_test_set(tmp_path / "test.hdf5", labels, ["cat", "dog"])
    mean = write_json(tmp_path / "mean.json", {"R": 120.0, "G": 115.0, "B": 105.0})
    config = tmp_path / "config.py"
    config.write_text(
        f"MODEL_PATH = {str(always_cat_model)!r}\nTEST_HDF5 = {str(test)!r}\n"
        f"DATASET_MEAN = {str(mean)!r}\nOUTPUT_PATH = {str(tmp_path / 'out')!r}\n"
        "EVAL_BATCH_SIZE = 64\n"
    )
    assert evaluate.main(["--config", str(config), "--quiet"]) == 0
    report = read_json(tmp_path / "out" / "evaluation.json")
    assert report["n_images"] == 20
    assert report["baseline_rank1"] == pytest.approx(0.35)
    assert report["tencrop_rank1"] == pytest.approx(0.35)
    assert (report["tencrop_fixed"], report["tencrop_broke"]) == (0, 0)  # same answers
    assert "baseline_rank5" not in report
    assert report["tencrop_per_class"]["cat"]["recall"] == 1.0
    assert report["label_names"] == ["cat", "dog"]


def test_evaluate_errors(always_cat_model: Path, tmp_path: Path, capsys) -> None:
    import evaluate

    test = write_test_set(tmp_path / "test.hdf5", np.arange(6) % 3, ["a", "b", "c"])
    mean = write_json(tmp_path / "mean.json", {"R": 1.0, "G": 1.0, "B": 1.0})
    config = tmp_path / "config.py"

    def run(model: Path) -> int:
        config.write_text(
            f"MODEL_PATH = {str(model)!r}\nTEST_HDF5 = {str(test)!r}\n"
            f"DATASET_MEAN = {str(mean)!r}\nOUTPUT_PATH = {str(tmp_path / 'out')!r}\n"
        )
        return evaluate.main(["--config", str(config), "--quiet"])

    assert run(tmp_path / "missing.keras") == 2
    assert "model not found" in capsys.readouterr().err
    assert run(always_cat_model) == 2  # a two-class model on a three-class test set
    assert (
        "the model's classes ['cat', 'dog'] differ from the test set's" in capsys.readouterr().err
    )
