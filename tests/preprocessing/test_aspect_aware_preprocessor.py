from __future__ import annotations

import numpy as np
import pytest

from pyimagesearch.preprocessing import AspectAwarePreprocessor


@pytest.mark.parametrize("shape", [(375, 500, 3), (500, 375, 3), (40, 300, 3), (256, 256, 3)])
def test_output_has_the_target_size(shape):
    out = AspectAwarePreprocessor(256, 256).preprocess(np.zeros(shape, np.uint8))
    assert out.shape == (256, 256, 3)
    assert out.dtype == np.uint8


def test_wide_image_keeps_the_center_and_drops_the_sides():
    image = np.zeros((100, 300, 3), np.uint8)
    image[:, 100:200] = 200  # the centered square
    out = AspectAwarePreprocessor(50, 50).preprocess(image)
    assert out.min() == 200  # nothing of the black sides survives


def test_tall_image_crops_top_and_bottom():
    image = np.zeros((300, 100, 3), np.uint8)
    image[100:200] = 90
    out = AspectAwarePreprocessor(20, 20).preprocess(image)
    assert np.all(out == 90)


def test_non_square_target_and_crop_box():
    aap = AspectAwarePreprocessor(200, 100)
    assert aap.crop_box(400, 400) == (100, 300, 0, 400)
    assert aap.preprocess(np.zeros((400, 400, 3), np.uint8)).shape == (100, 200, 3)


def test_small_images_are_enlarged():
    assert AspectAwarePreprocessor(64, 64).preprocess(np.ones((10, 20, 3), np.uint8)).shape == (
        64,
        64,
        3,
    )
