"""Decode image files robustly: every file gives a 3-channel uint8 image or a clear reason.

Handled: EXIF rotation (JPEG), grayscale, CMYK, 16-bit and alpha-channel images (alpha is
composited over white). Refused with a reason: empty, truncated, corrupt and non-image
files.

``ImageLoader`` adds the aspect-aware resize and the conversion to RGB that the builder
and the feature extractor share.

Example (not run by the tests: needs a photo):
    >>> image = read_image("cat.0.jpg")          # doctest: +SKIP
    >>> image.shape, image.dtype                 # doctest: +SKIP
    ((374, 500, 3), dtype('uint8'))              # BGR, as OpenCV
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from pyimagesearch.preprocessing.aspect_aware_preprocessor import AspectAwarePreprocessor
from pyimagesearch.preprocessing.simple_preprocessor import SimplePreprocessor

JPEG_MAGIC = b"\xff\xd8\xff"
JPEG_EOI = b"\xff\xd9"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Some cameras append bytes after the end-of-image marker; look for it near the end.
_EOI_SEARCH_BYTES = 4096


class UnreadableImageError(Exception):
    """The file cannot be turned into an image; ``str(exc)`` is the reason."""


def _to_bgr_uint8(image: np.ndarray) -> np.ndarray:
    """Normalize any decoded array (gray, gray+alpha, BGRA, 16-bit, float) to BGR uint8."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype in (np.float32, np.float64):
        image = np.clip(image * 255.0, 0, 255).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise UnreadableImageError(f"unsupported pixel type {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR)
    if channels == 3:
        return image
    if channels in (2, 4):
        color = image[:, :, :1] if channels == 2 else image[:, :, :3]
        alpha = image[:, :, -1:].astype(np.float32) / 255.0
        composite = color.astype(np.float32) * alpha + 255.0 * (1.0 - alpha)  # over white
        composite = composite.astype(np.uint8)
        return cv2.cvtColor(composite, cv2.COLOR_GRAY2BGR) if channels == 2 else composite
    raise UnreadableImageError(f"unsupported number of channels: {channels}")


def decode_image(data: bytes) -> np.ndarray:
    """Decode encoded image bytes to a BGR uint8 array, or raise UnreadableImageError."""
    if not data:
        raise UnreadableImageError("empty file (0 bytes)")
    buffer = np.frombuffer(data, dtype=np.uint8)
    if data.startswith(JPEG_MAGIC):
        if data.rfind(JPEG_EOI, max(0, len(data) - _EOI_SEARCH_BYTES)) == -1:
            raise UnreadableImageError("truncated JPEG (no end-of-image marker)")
        # IMREAD_COLOR applies the EXIF orientation and converts gray/CMYK to BGR.
        image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    else:
        image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
        if image is not None:
            image = _to_bgr_uint8(image)
    if image is None:
        raise UnreadableImageError("not a decodable image (corrupt or unsupported format)")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise UnreadableImageError("image has no pixels")
    return image


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read and decode one image file to BGR uint8 (see module docstring)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise UnreadableImageError(f"cannot read file: {exc.strerror or exc}") from exc
    return decode_image(data)


class ImageLoader:
    """Read, decode, aspect-aware resize and convert one file to RGB (safe in threads).

    ``load_into`` writes the image straight into its row of the block being built and
    returns its per-channel sums, so neither a copy nor the mean needs an extra pass.
    """

    def __init__(self, width: int, height: int, resize: str = "aspect") -> None:
        if resize not in ("aspect", "plain"):
            raise ValueError(f"resize must be 'aspect' or 'plain', got {resize!r}")
        # aspect: the largest centered region of the target's shape, resized (the book's
        # AspectAwarePreprocessor); plain: the whole image squeezed to the target
        self.resizer = (
            AspectAwarePreprocessor(width, height)
            if resize == "aspect"
            else SimplePreprocessor(width, height)
        )

    def __call__(self, path: str) -> np.ndarray:
        """The RGB uint8 image of ``path`` at the target size."""
        image = self.resizer.preprocess(read_image(path))
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def load_into(self, path: str, out: np.ndarray) -> tuple[float, ...]:
        """Write the image of ``path`` into ``out``; return its R, G, B sums and what the
        audit reads of the source: its height, width, and 1.0 when it is grayscale."""
        source = read_image(path)
        sample = source[::8, ::8]
        gray = float(np.array_equal(sample[..., 0], sample[..., 1])
                     and np.array_equal(sample[..., 1], sample[..., 2]))  # fmt: skip
        cv2.cvtColor(self.resizer.preprocess(source), cv2.COLOR_BGR2RGB, dst=out)
        return (*cv2.sumElems(out)[:3], float(source.shape[0]), float(source.shape[1]), gray)
