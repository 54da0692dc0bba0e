"""Diagnostics: losses and top losses against a hand computation, confusion counts, every
picture opens at its size, predict.py --image overlays, activation maps that find a
planted square, and show_batch's grid."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from pyimagesearch.evaluation.diagnosis import Diagnosis, top_confused_pairs, write_diagnosis
from tests.helpers import build_splits, write_config


def test_losses_top_losses_and_confusion_by_hand() -> None:
    probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8],
                      [0.5, 0.25, 0.25]])  # fmt: skip
    labels = np.array([0, 1, 1, 2, 2])
    d = Diagnosis(probs, labels, [f"{i}.jpg" for i in range(5)], ["a", "b", "c"])
    expected = [-math.log(0.9), -math.log(0.7), -math.log(0.3), -math.log(0.8), -math.log(0.25)]
    np.testing.assert_allclose(d.losses, expected, rtol=1e-6)
    assert d.order_by_loss().tolist() == [4, 2, 1, 3, 0]
    assert d.confusion().tolist() == [[1, 0, 0], [1, 1, 0], [1, 0, 1]]
    assert top_confused_pairs(d.confusion(), d.label_names) == [
        {"true": "b", "predicted": "a", "count": 1},
        {"true": "c", "predicted": "a", "count": 1},
    ]


def test_diagnosis_files_open_at_their_size(tmp_path: Path) -> None:
    import h5py

    rng = np.random.default_rng(0)
    db_path = tmp_path / "test.hdf5"
    with h5py.File(db_path, "w") as db:
        db.create_dataset("images", data=rng.integers(0, 255, (6, 32, 32, 3), dtype=np.uint8))
        db.create_dataset("labels", data=[0, 1, 2, 0, 1, 2])
        db.create_dataset("label_names", data=["a", "b", "c"])
        db.attrs["complete"] = True
    probs = rng.dirichlet([1, 1, 1], 6)
    d = Diagnosis(probs, np.array([0, 1, 2, 0, 1, 2]), [f"x/{i}.jpg" for i in range(6)],
                  ["a", "b", "c"])  # fmt: skip
    report = write_diagnosis(d, str(db_path), tmp_path / "out", top=4)
    out = tmp_path / "out"
    rows = (out / "errors.csv").read_text().splitlines()
    assert rows[0] == "path,true_label,predicted_label,true_probability,loss" and len(rows) == 7
    losses = [float(r.split(",")[-1]) for r in rows[1:]]
    assert losses == sorted(losses, reverse=True)
    assert (out / "confusion_matrix.csv").read_text().splitlines()[0] == "true \\ predicted,a,b,c"
    assert cv2.imread(str(out / "confusion_matrix.png")).shape == (500, 1000, 3)  # 10 x 5 in
    assert cv2.imread(str(out / "top_losses.png")).shape == (34 + 2 * 226, 2 * 192, 3)  # 2 x 2
    saved = json.loads((out / "diagnosis.json").read_text())
    assert saved["confusion_matrix"] == d.confusion().tolist() and len(saved["top_losses"]) == 4
    assert report["accuracy"] == pytest.approx((d.predicted == d.labels).mean())


def test_many_classes_show_the_most_confused_pairs(tmp_path: Path) -> None:
    from pyimagesearch.evaluation.diagnosis import _plot_confusion

    confusion = np.diag(np.full(200, 5))
    confusion[3, 7] = 4
    pairs = top_confused_pairs(confusion, [f"n{i}" for i in range(200)])
    assert pairs == [{"true": "n3", "predicted": "n7", "count": 4}]
    _plot_confusion(confusion, [f"n{i}" for i in range(200)], pairs, tmp_path / "c.png")
    assert cv2.imread(str(tmp_path / "c.png")).shape[1] == 900  # a bar chart, not 200 x 200


@pytest.fixture(scope="module")
def square_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny GAP + dense network trained to find a bright square (class "square")."""
    keras = pytest.importorskip("keras")
    from pyimagesearch.models import write_record

    keras.utils.set_random_seed(0)
    images, labels = _square_images(240, seed=1)
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


def _square_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 60, (n, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(n) % 2
    for i in np.flatnonzero(labels):
        y, x = rng.integers(0, 26, 2)
        images[i, y : y + 6, x : x + 6] = 255
    return images, labels


def test_cam_maps_peak_on_the_planted_square(square_model: Path) -> None:
    from pyimagesearch.evaluation.cam import class_activation_maps
    from pyimagesearch.models import load_classifier

    classifier = load_classifier(square_model)
    rng = np.random.default_rng(5)
    images = rng.integers(0, 60, (16, 32, 32, 3), dtype=np.uint8)
    corners = rng.integers(2, 24, (16, 2))
    for image, (y, x) in zip(images, corners, strict=True):
        image[y : y + 6, x : x + 6] = 255
    maps, probs, method = class_activation_maps(classifier, images)
    assert method == "Grad-CAM"  # the network ends in softmax(dense(GAP)) inside one model
    assert maps.shape == (16, 32, 32) and maps.min() >= 0.0 and maps.max() <= 1.0
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    hits = 0
    for cam, (y, x) in zip(maps, corners, strict=True):
        py, px = np.unravel_index(np.argmax(cam), cam.shape)
        hits += (y - 3 <= py <= y + 8) and (x - 3 <= px <= x + 8)
    assert hits >= 13, f"the map peaked on the square in only {hits} of 16 images"


def test_predict_image_writes_an_overlay_of_the_image_size(square_model: Path, tmp_path) -> None:
    import predict

    image = np.full((45, 70, 3), 128, np.uint8)
    image[10:20, 30:40] = 255
    cv2.imwrite(str(tmp_path / "one.png"), image)
    (tmp_path / "bad.jpg").write_bytes(b"")
    args = ["--model", str(square_model), "--image", str(tmp_path / "one.png"),
            str(tmp_path / "bad.jpg"), "--output", str(tmp_path / "out")]  # fmt: skip
    assert predict.main(args) == 0
    written = cv2.imread(str(tmp_path / "out" / "one_prediction.png"))
    assert written.shape == (45, 70, 3)
    assert written[:5, :20].mean() < 100  # the label's dark band at the top
    assert abs(int(written[40, 60, 0]) - 128) < 8  # the rest of the image as it was


@pytest.mark.slow
def test_cam_script_and_show_batch_write_grids(square_model, synthetic_images, tmp_path) -> None:
    import cam
    import show_batch

    settings = build_splits(tmp_path, synthetic_images, IMAGE_SIZE=40)
    config = write_config(tmp_path / "c.py", **settings, INPUT_SIZE=32,
                          AUGMENTATION={"rotation_range": 20, "horizontal_flip": True})  # fmt: skip
    out = tmp_path / "batch.png"
    assert show_batch.main(["--config", str(config), "--augment", "-n", "8", "-o", str(out)]) == 0
    assert cv2.imread(str(out)).shape == (34 + 3 * 226, 3 * 192, 3)  # 3 x 3 cells
    images, _ = _square_images(4, seed=9)
    for i, image in enumerate(images):
        cv2.imwrite(str(tmp_path / f"{i}.png"), image)
    files = [str(tmp_path / f"{i}.png") for i in range(4)]
    grid = tmp_path / "maps" / "cam.png"
    assert cam.main(["--model", str(square_model), "--image", *files, "-o", str(grid.parent)]) == 0
    assert cv2.imread(str(grid)).shape == (34 + 2 * 226, 2 * 192, 3)
