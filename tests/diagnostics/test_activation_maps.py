"""Activation maps that find a planted square; cam.py's and show_batch.py's grids and
predict.py --image overlays open at their sizes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.diagnostics.conftest import square_images
from tests.helpers import build_splits, output_in, write_config


@pytest.mark.backends  # run again on JAX by .ci/run
def test_cam_maps_peak_on_the_planted_square(square_model: Path) -> None:
    from pyimagesearch.diagnostics.activation_maps import class_activation_maps
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
            str(tmp_path / "bad.jpg"), "--output", str(tmp_path / "out"),
            *output_in(tmp_path / "runs")]  # fmt: skip
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
    images, _ = square_images(4, seed=9)
    for i, image in enumerate(images):
        cv2.imwrite(str(tmp_path / f"{i}.png"), image)
    files = [str(tmp_path / f"{i}.png") for i in range(4)]
    grid = tmp_path / "maps" / "cam.png"
    assert cam.main(["--model", str(square_model), "--image", *files, "-o", str(grid.parent),
                     *output_in(tmp_path / "runs")]) == 0  # fmt: skip
    assert cv2.imread(str(grid)).shape == (34 + 2 * 226, 2 * 192, 3)


@pytest.mark.backends  # run again on JAX by .ci/run
def test_cam_of_a_split_shows_the_worst_errors_with_true_labels(square_model, tmp_path) -> None:
    import h5py

    from pyimagesearch.config import load_config
    from pyimagesearch.diagnostics.cam import run_cam
    from pyimagesearch.models import load_classifier

    images, labels = square_images(10, seed=4)
    labels[[3, 6]] = 1 - labels[[3, 6]]  # two wrong labels: the model's worst "errors"
    with h5py.File(tmp_path / "test.hdf5", "w") as db:
        db.create_dataset("images", data=images)
        db.create_dataset("labels", data=labels)
        db.create_dataset("label_names", data=["plain", "square"])
        db.create_dataset("paths", data=[f"/x/{i}.png" for i in range(10)])
        db.attrs["complete"] = True
    config = write_config(tmp_path / "c.py", TEST_HDF5=str(tmp_path / "test.hdf5"),
                          OUTPUT_PATH=str(tmp_path / "out"), CAM_IMAGES=4)  # fmt: skip
    shown = run_cam(load_config(config), square_model, None, "test", tmp_path, progress=False)
    probs = load_classifier(square_model).predict_proba(images)
    losses = -np.log(probs[np.arange(10), labels])
    assert shown.rows == np.argsort(-losses, kind="stable")[:4].tolist()  # the worst first
    assert set(shown.rows[:2]) == {3, 6}
    names = ["plain", "square"]
    for row, title in zip(shown.rows, shown.titles, strict=True):
        truth, predicted = names[labels[row]], names[int(probs[row].argmax())]
        assert title.startswith(f"{truth} -> {predicted} ") and title.endswith(f" {row}.png")
    first = run_cam(load_config(config, overrides=["CAM_SELECT='first'"]), square_model, None,
                    "test", tmp_path / "first.png", progress=False)  # fmt: skip
    assert first.rows == [0, 1, 2, 3]


def _flat_split(path: Path) -> Path:
    import h5py

    with h5py.File(path, "w") as db:
        db.create_dataset("images", data=np.full((6, 40, 40, 3), 90, np.uint8))
        db.create_dataset("labels", data=[0, 1] * 3)
        db.create_dataset("label_names", data=["cat", "dog"])
        db.attrs["complete"] = True
    return path


def test_show_batch_shows_what_the_chosen_model_sees(tmp_path) -> None:
    from pyimagesearch.config import load_config
    from pyimagesearch.diagnostics.show_batch import network_batch
    from pyimagesearch.errors import ConfigError
    from pyimagesearch.models import write_record

    _flat_split(tmp_path / "train.hdf5")
    config = write_config(tmp_path / "c.py", TRAIN_HDF5=str(tmp_path / "train.hdf5"),
                          INPUT_SIZE=32, AUGMENTATION={"horizontal_flip": True})  # fmt: skip
    cfg = load_config(config)
    for kind in ("fine_tuned", "logreg"):
        model = tmp_path / f"{kind}.keras"
        model.write_bytes(b"a model")
        write_record(model, {"kind": kind, "label_names": ["cat", "dog"],
                             "image_size": [40, 40], "input_size": [24, 24]})  # fmt: skip
        images, labels, view = network_batch(cfg, "train", False, 4, model=model)
        assert images.shape == (4, 24, 24, 3) and set(labels) <= {"cat", "dog"}  # not 32
        assert view.patches == (kind == "fine_tuned") and kind in view.whose
    with pytest.raises(ConfigError, match="unaugmented"):
        network_batch(cfg, "train", True, 4, model=model)  # features of whole images


@pytest.mark.slow
def test_show_batch_prints_no_tensorflow_noise(tmp_path) -> None:
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    (tmp_path / "mean.json").write_text(json.dumps({"R": 90.0, "G": 90.0, "B": 90.0}))
    config = write_config(tmp_path / "c.py", TRAIN_HDF5=str(_flat_split(tmp_path / "t.hdf5")),
                          DATASET_MEAN=str(tmp_path / "mean.json"), INPUT_SIZE=32,
                          OUTPUT_PATH=str(tmp_path / "out"))  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "show_batch.py", "--config", str(config), "-n", "4"],
        cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for noise in ("oneDNN", "InitializeLog", "cpu_feature_guard", "I0000"):
        assert noise not in result.stderr
    last = result.stdout.splitlines()[-1]  # (after a note: a file without checksums)
    assert last.startswith("[INFO] 4 train images as the network receives them")


def test_cam_quiets_tensorflow_before_the_model_loads(tmp_path, monkeypatch) -> None:
    from pyimagesearch.config import load_config
    from pyimagesearch.diagnostics import cam

    calls = []
    monkeypatch.setattr(cam, "quiet_tensorflow", lambda: calls.append("quiet"))

    def load(path, *args, **kwargs):  # a model on features imports TensorFlow only later
        calls.append("load")
        raise KeyboardInterrupt

    monkeypatch.setattr("pyimagesearch.models.classifiers.load_classifier", load)
    image = tmp_path / "cat.1.png"
    cv2.imwrite(str(image), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(KeyboardInterrupt):
        cam.run_cam(load_config(write_config(tmp_path / "c.py")), "m.keras", [str(image)],
                    None, tmp_path)  # fmt: skip
    assert calls == ["quiet", "load"]
