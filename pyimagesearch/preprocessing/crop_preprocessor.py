"""CropPreprocessor: the 10-crop oversampling of evaluation (four corners, center, mirrors)."""

from __future__ import annotations

import cv2
import numpy as np

from pyimagesearch.parallel.batches import empty_batch


class CropPreprocessor:
    """Cut the four corner and the center ``width`` x ``height`` crops, plus (``horiz``) the
    horizontal mirror of each: 10 crops, or 5 with ``horiz=False``.

    Order: top-left, top-right, bottom-right, bottom-left, center, then the mirrors in the
    same order (the book's). Images smaller than the crop are first resized up to it.

    Example:
        >>> cp = CropPreprocessor(227, 227)
        >>> cp.preprocess(np.zeros((256, 256, 3), np.uint8)).shape
        (10, 227, 227, 3)
        >>> cp.preprocess_batch(np.zeros((4, 256, 256, 3), np.uint8)).shape
        (4, 10, 227, 227, 3)
    """

    def __init__(
        self, width: int, height: int, horiz: bool = True, inter: int = cv2.INTER_AREA
    ) -> None:
        self.width = int(width)
        self.height = int(height)
        self.horiz = bool(horiz)
        self.inter = inter

    @property
    def n_crops(self) -> int:
        return 10 if self.horiz else 5

    def coords(self, h: int, w: int) -> list[tuple[int, int, int, int]]:
        """``(x0, y0, x1, y1)`` of the five crops of an ``h`` x ``w`` image."""
        cw, ch = self.width, self.height
        dx, dy = (w - cw) // 2, (h - ch) // 2
        return [
            (0, 0, cw, ch),
            (w - cw, 0, w, ch),
            (w - cw, h - ch, w, h),
            (0, h - ch, cw, h),
            (dx, dy, dx + cw, dy + ch),
        ]

    def _fit(self, images: np.ndarray) -> np.ndarray:
        h, w = images.shape[1:3]
        if h >= self.height and w >= self.width:
            return images
        size = (max(w, self.width), max(h, self.height))
        return np.stack([cv2.resize(im, size, interpolation=cv2.INTER_LINEAR) for im in images])

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        return self.preprocess_batch(np.asarray(image)[None])[0]

    def preprocess_batch(
        self, images: np.ndarray, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """``(N, H, W, C)`` -> ``(N, n_crops, height, width, C)``, by slicing whole batches."""
        images = self._fit(np.asarray(images))
        n, h, w = images.shape[:3]
        out = empty_batch(
            (n, self.n_crops, self.height, self.width, *images.shape[3:]), images.dtype
        )
        for j, (x0, y0, x1, y1) in enumerate(self.coords(h, w)):
            out[:, j] = images[:, y0:y1, x0:x1]
            if self.horiz:
                out[:, 5 + j] = images[:, y0:y1, x0:x1][:, :, ::-1]
        return out
