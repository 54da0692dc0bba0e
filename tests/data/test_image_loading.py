"""Every kind of awkward file gives a 3-channel uint8 image or a clear reason."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from pyimagesearch.data.image_loading import UnreadableImageError, read_image

RED_LEFT = np.zeros((40, 60, 3), np.uint8)
RED_LEFT[:, :30] = (255, 0, 0)  # RGB


def test_exif_rotation_is_applied(tmp_path):
    image = Image.fromarray(RED_LEFT)
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    image.save(tmp_path / "rotated.jpg", exif=exif)
    out = read_image(tmp_path / "rotated.jpg")
    assert out.shape == (60, 40, 3)
    assert out[5, 20, 2] > 200 and out[55, 20, 2] < 50  # red is now on top (BGR)


def test_cmyk_jpeg_is_converted(tmp_path):
    Image.fromarray(RED_LEFT).convert("CMYK").save(tmp_path / "cmyk.jpg")
    out = read_image(tmp_path / "cmyk.jpg")
    assert out.shape == (40, 60, 3)
    assert out[20, 10, 2] > 200 and out[20, 10, 0] < 60


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".bmp"])
def test_grayscale_becomes_three_channels(tmp_path, suffix):
    Image.fromarray(RED_LEFT).convert("L").save(tmp_path / f"gray{suffix}")
    out = read_image(tmp_path / f"gray{suffix}")
    assert out.shape == (40, 60, 3) and out.dtype == np.uint8


def test_sixteen_bit_png_is_scaled_to_eight_bits(tmp_path):
    cv2.imwrite(str(tmp_path / "deep.png"), np.full((8, 8, 3), 40000, np.uint16))
    out = read_image(tmp_path / "deep.png")
    assert out.dtype == np.uint8 and out[0, 0, 0] == 40000 >> 8


def test_alpha_is_composited_over_white(tmp_path):
    bgra = np.zeros((8, 8, 4), np.uint8)
    bgra[..., 2] = 255
    bgra[:, :4, 3] = 255  # left half opaque red, right half fully transparent
    cv2.imwrite(str(tmp_path / "alpha.png"), bgra)
    out = read_image(tmp_path / "alpha.png")
    assert out.shape == (8, 8, 3)
    assert tuple(out[0, 0]) == (0, 0, 255) and tuple(out[0, 7]) == (255, 255, 255)


def write_bad_files(folder: Path, real_jpeg: bytes) -> dict[str, str]:
    """Write one file of each bad kind; return name -> expected reason fragment."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "truncated.jpg").write_bytes(real_jpeg[: len(real_jpeg) // 2])
    (folder / "text.jpg").write_text("this is not an image\n" * 20)
    (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return {
        "empty.jpg": "empty file",
        "truncated.jpg": "truncated JPEG",
        "text.jpg": "not a decodable image",
        "corrupt.png": "not a decodable image",
    }


@pytest.fixture
def real_jpeg(tmp_path) -> bytes:
    ok, data = cv2.imencode(
        ".jpg", np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    )
    assert ok
    return data.tobytes()


def test_bad_files_raise_with_their_reason(tmp_path, real_jpeg):
    expected = write_bad_files(tmp_path, real_jpeg)
    for name, reason in expected.items():
        with pytest.raises(UnreadableImageError, match=reason):
            read_image(tmp_path / name)
    with pytest.raises(UnreadableImageError, match="cannot read file"):
        read_image(tmp_path / "missing.jpg")
