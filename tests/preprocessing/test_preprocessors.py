"""Preprocessors: exact 10-crop coordinates, per-channel means, random patches, augmentation."""

from __future__ import annotations

import numpy as np
import pytest

from pyimagesearch.errors import DatasetError
from pyimagesearch.preprocessing import (
    BOOK_AUGMENTATION,
    BatchAugmenter,
    CropPreprocessor,
    ImageToArrayPreprocessor,
    MeanPreprocessor,
    PatchPreprocessor,
    SimplePreprocessor,
)
from pyimagesearch.utils.reports import write_json


def coded_image(h: int = 6, w: int = 8) -> np.ndarray:
    """Pixel (y, x) holds (y, x, 100 + y * w + x): every crop is identifiable."""
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([ys, xs, 100 + ys * w + xs], axis=-1).astype(np.uint8)


def test_ten_crops_exact_coordinates_and_mirrors() -> None:
    image = coded_image(6, 8)
    crops = CropPreprocessor(4, 3).preprocess(image)
    assert crops.shape == (10, 3, 4, 3)
    expected = [
        image[0:3, 0:4],  # top-left
        image[0:3, 4:8],  # top-right
        image[3:6, 4:8],  # bottom-right
        image[3:6, 0:4],  # bottom-left
        image[1:4, 2:6],  # center
    ]
    for j, region in enumerate(expected):
        np.testing.assert_array_equal(crops[j], region)
        np.testing.assert_array_equal(crops[5 + j], region[:, ::-1])
    # the top-left crop starts at pixel (0, 0), the bottom-right one ends at (5, 7)
    assert tuple(crops[0][0, 0, :2]) == (0, 0)
    assert tuple(crops[2][-1, -1, :2]) == (5, 7)
    assert tuple(crops[5][0, 0, :2]) == (0, 3)  # mirror of top-left: its right edge first


def test_five_crops_without_mirrors_and_batch_form_matches() -> None:
    images = np.stack([coded_image(6, 8) + i for i in range(3)])
    cp = CropPreprocessor(4, 3, horiz=False)
    batch = cp.preprocess_batch(images)
    assert batch.shape == (3, 5, 3, 4, 3)
    for i, image in enumerate(images):
        np.testing.assert_array_equal(batch[i], cp.preprocess(image))
    assert CropPreprocessor(4, 3).preprocess_batch(images).shape == (3, 10, 3, 4, 3)


def test_crop_coordinates_for_227_of_256() -> None:
    coords = CropPreprocessor(227, 227).coords(256, 256)
    assert coords == [
        (0, 0, 227, 227),
        (29, 0, 256, 227),
        (29, 29, 256, 256),
        (0, 29, 227, 256),
        (14, 14, 241, 241),
    ]


def test_mean_subtraction_per_channel_rgb_and_bgr() -> None:
    image = np.zeros((2, 2, 3), np.uint8)
    image[..., 0], image[..., 1], image[..., 2] = 100, 150, 200
    rgb = MeanPreprocessor(10.0, 20.0, 30.0).preprocess(image)
    assert rgb.dtype == np.float32
    np.testing.assert_array_equal(rgb[0, 0], [90.0, 130.0, 170.0])
    bgr = MeanPreprocessor(10.0, 20.0, 30.0, channel_order="BGR").preprocess(image)
    np.testing.assert_array_equal(bgr[0, 0], [70.0, 130.0, 190.0])  # B - 30, G - 20, R - 10
    with pytest.raises(ValueError):
        MeanPreprocessor(1, 2, 3, channel_order="RGX")


def test_mean_batch_form_matches_and_reads_json(tmp_path, rng) -> None:
    path = write_json(tmp_path / "mean.json", {"R": 120.5, "G": 110.25, "B": 100.0})
    mp = MeanPreprocessor.from_json(path)
    images = rng.integers(0, 256, (5, 7, 9, 3), dtype=np.uint8)
    batch = mp.preprocess_batch(images)
    assert batch.dtype == np.float32 and batch.shape == images.shape
    for i, image in enumerate(images):
        np.testing.assert_array_equal(batch[i], mp.preprocess(image))
    np.testing.assert_allclose(batch[..., 0], images[..., 0] - 120.5)
    np.testing.assert_allclose(batch[..., 2], images[..., 2] - 100.0)
    with pytest.raises(DatasetError, match="not found"):
        MeanPreprocessor.from_json(tmp_path / "missing.json")
    write_json(tmp_path / "bad.json", {"R": 1})
    with pytest.raises(DatasetError, match="R, G and B"):
        MeanPreprocessor.from_json(tmp_path / "bad.json")


def _patch_origin(patch: np.ndarray) -> tuple[int, int]:
    return int(patch[0, 0, 0]), int(patch[0, 0, 1])


def test_patches_within_bounds_contiguous_and_random() -> None:
    image = coded_image(20, 30)
    pp = PatchPreprocessor(12, 8, seed=3)
    origins = set()
    for _ in range(60):
        patch = pp.preprocess(image)
        assert patch.shape == (8, 12, 3)
        y, x = _patch_origin(patch)
        assert 0 <= y <= 20 - 8 and 0 <= x <= 30 - 12
        np.testing.assert_array_equal(patch, image[y : y + 8, x : x + 12])
        origins.add((y, x))
    assert len(origins) > 20  # random, not always the same place
    ys = {y for y, _ in origins}
    xs = {x for _, x in origins}
    assert 0 in ys and 12 in ys and 0 in xs and 18 in xs  # every offset is reachable


def test_patch_batch_gives_each_image_its_own_offset() -> None:
    images = np.stack([coded_image(20, 30)] * 16)
    pp = PatchPreprocessor(12, 8)
    batch = pp.preprocess_batch(images, rng=np.random.default_rng(0))
    again = pp.preprocess_batch(images, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(batch, again)  # the rng decides everything
    origins = [_patch_origin(p) for p in batch]
    assert len(set(origins)) > 8
    for patch, (y, x) in zip(batch, origins, strict=True):
        np.testing.assert_array_equal(patch, images[0, y : y + 8, x : x + 12])
    with pytest.raises(ValueError, match="cannot cut"):
        pp.preprocess_batch(np.zeros((2, 5, 5, 3), np.uint8))


def test_simple_and_image_to_array(rng) -> None:
    images = rng.integers(0, 256, (4, 40, 30, 3), dtype=np.uint8)
    sp = SimplePreprocessor(16, 20)
    batch = sp.preprocess_batch(images)
    assert batch.shape == (4, 20, 16, 3)
    np.testing.assert_array_equal(batch[2], sp.preprocess(images[2]))
    iap = ImageToArrayPreprocessor()
    assert iap.preprocess(images[0]).dtype == np.float32
    assert iap.preprocess_batch(images).shape == images.shape
    first = ImageToArrayPreprocessor("channels_first")
    assert first.preprocess(images[0]).shape == (3, 40, 30)
    assert first.preprocess_batch(images).shape == (4, 3, 40, 30)


def test_augmenter_without_settings_is_identity(rng) -> None:
    images = rng.integers(0, 256, (3, 32, 40, 3), dtype=np.uint8)
    np.testing.assert_array_equal(BatchAugmenter().augment_batch(images), images)


def test_augmenter_flip_only_mirrors_some_images(rng) -> None:
    images = rng.integers(0, 256, (32, 16, 20, 3), dtype=np.uint8)
    out = BatchAugmenter(horizontal_flip=True).augment_batch(images, np.random.default_rng(1))
    same = [np.array_equal(o, i) for o, i in zip(out, images, strict=True)]
    mirrored = [np.array_equal(o, i[:, ::-1]) for o, i in zip(out, images, strict=True)]
    assert all(s or m for s, m in zip(same, mirrored, strict=True))
    assert 4 < sum(mirrored) < 28


def test_augmenter_transforms_keep_shape_dtype_and_are_seeded(rng) -> None:
    aug = BatchAugmenter.from_settings(BOOK_AUGMENTATION)
    images = rng.integers(0, 256, (6, 40, 40, 3), dtype=np.uint8)
    a = aug.augment_batch(images, np.random.default_rng(5))
    b = aug.augment_batch(images, np.random.default_rng(5))
    assert a.shape == images.shape and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, images)
    floats = aug.augment_batch(images.astype(np.float32), np.random.default_rng(5))
    assert floats.dtype == np.float32
    # constant images stay constant (nearest fill): an image never mixes with another one
    flat = np.stack([np.full((40, 40, 3), v, np.uint8) for v in (10, 60, 110, 160, 210, 250)])
    out = aug.augment_batch(flat, np.random.default_rng(9))
    for value, image in zip((10, 60, 110, 160, 210, 250), out, strict=True):
        assert np.all(image == value)
    assert BatchAugmenter.from_settings({}) is None


def test_augmenter_rotation_about_the_center() -> None:
    aug = BatchAugmenter(rotation_range=90)
    mats = aug.matrices(50, 41, 41, np.random.default_rng(0))
    center = np.array([20.0, 20.0, 1.0])
    np.testing.assert_allclose(mats @ center, np.tile([20.0, 20.0], (50, 1)), atol=1e-4)


def test_fused_patch_augment_mean_equals_the_separate_steps(rng) -> None:
    from pyimagesearch.preprocessing.augmentation import PatchAugmentMean, fuse_steps

    images = rng.integers(0, 256, (12, 30, 40, 3), dtype=np.uint8)
    patch = PatchPreprocessor(24, 20)
    flip = BatchAugmenter(horizontal_flip=True)  # exact pixels: comparable bit for bit
    mean = MeanPreprocessor(100.0, 50.0, 25.0)
    fused = fuse_steps([patch, flip, mean])
    assert len(fused) == 1 and isinstance(fused[0], PatchAugmentMean)
    a = fused[0].preprocess_batch(images, np.random.default_rng(4))
    r = np.random.default_rng(4)
    b = mean.preprocess_batch(flip.augment_batch(patch.preprocess_batch(images, r), r))
    np.testing.assert_array_equal(a, b)
    uint8 = fuse_steps([patch, flip])[0].preprocess_batch(images, np.random.default_rng(4))
    assert uint8.dtype == np.uint8
    np.testing.assert_array_equal(uint8.astype(np.float32) - mean.mean, b)
    kept = [mean, patch]
    assert fuse_steps(kept) == kept  # nothing to fuse


def test_fused_and_separate_agree_wherever_the_patch_has_the_pixel(rng) -> None:
    """With rotation, shift, zoom and shear the two differ in one documented way only: where
    the warp reaches outside the patch, the fused step reads the real pixels around it and
    the separate steps (patch first) replicate the patch's edge. Every output pixel whose
    source lies inside the patch is the same."""
    from pyimagesearch.preprocessing.augmentation import PatchAugmentMean

    images = rng.integers(0, 256, (16, 64, 64, 3), dtype=np.uint8)
    patch = PatchPreprocessor(48, 48)
    aug = BatchAugmenter(rotation_range=20, width_shift_range=0.1, height_shift_range=0.1,
                         zoom_range=0.1, shear_range=0.1, horizontal_flip=True)  # fmt: skip
    fused = PatchAugmentMean(patch, aug).preprocess_batch(images, np.random.default_rng(9))
    r = np.random.default_rng(9)
    separate = aug.augment_batch(patch.preprocess_batch(images, r), r)
    r = np.random.default_rng(9)
    patch.offsets(16, 64, 64, r)
    mats = aug.matrices(16, 48, 48, r)  # output pixel -> source pixel, in the patch
    ys, xs = np.mgrid[0:48, 0:48]
    points = np.stack([xs.ravel(), ys.ravel(), np.ones(48 * 48)])
    differ = 0
    for i in range(16):
        sx, sy = mats[i] @ points
        inside = ((sx >= 0) & (sx <= 47) & (sy >= 0) & (sy <= 47)).reshape(48, 48)
        assert inside.mean() > 0.5
        diff = np.abs(fused[i].astype(int) - separate[i].astype(int)).max(axis=-1)
        assert diff[inside].max() <= 1  # the same bilinear weights (rounding aside)
        differ += int((diff[~inside] > 1).any())
    assert differ > 0  # outside the patch they do differ: real pixels vs replicated edge


def test_four_channel_warp_path_gives_the_same_pixels(rng) -> None:
    import cv2

    from pyimagesearch.preprocessing.augmentation import warp_affine

    image = rng.integers(0, 256, (50, 60, 3), dtype=np.uint8)
    matrix = np.array([[0.97, 0.12, 3.3], [-0.11, 1.05, -2.1]], np.float32)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    expected = cv2.warpAffine(image, matrix, (40, 30), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    got = warp_affine(image, matrix, (40, 30), flags, cv2.BORDER_REPLICATE, (0, 0, 0, 0))
    np.testing.assert_array_equal(got, expected)
