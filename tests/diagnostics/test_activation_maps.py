"""Activation maps that find a planted square; cam.py's and show_batch.py's grids and
predict.py --image overlays open at their sizes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.diagnostics.conftest import square_images
from tests.helpers import build_splits, write_config


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
    images, _ = square_images(4, seed=9)
    for i, image in enumerate(images):
        cv2.imwrite(str(tmp_path / f"{i}.png"), image)
    files = [str(tmp_path / f"{i}.png") for i in range(4)]
    grid = tmp_path / "maps" / "cam.png"
    assert cam.main(["--model", str(square_model), "--image", *files, "-o", str(grid.parent)]) == 0
    assert cv2.imread(str(grid)).shape == (34 + 2 * 226, 2 * 192, 3)
