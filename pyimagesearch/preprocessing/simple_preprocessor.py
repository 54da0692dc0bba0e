"""SimplePreprocessor: resize to a fixed size, ignoring the aspect ratio (the book's)."""

from __future__ import annotations

import cv2
import numpy as np

from pyimagesearch.parallel.batches import empty_batch, parallel_for


class SimplePreprocessor:
    """Resize to ``width`` x ``height``.

    Example:
        >>> sp = SimplePreprocessor(32, 32)
        >>> sp.preprocess(np.zeros((64, 48, 3), np.uint8)).shape
        (32, 32, 3)
        >>> sp.preprocess_batch(np.zeros((5, 64, 48, 3), np.float32)).shape
        (5, 32, 32, 3)
    """

    def __init__(self, width: int, height: int, inter: int = cv2.INTER_AREA) -> None:
        self.width = int(width)
        self.height = int(height)
        self.inter = inter

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        if image.shape[0] == self.height and image.shape[1] == self.width:
            return image
        return cv2.resize(image, (self.width, self.height), interpolation=self.inter)

    def preprocess_batch(self, images: np.ndarray, rng: np.random.Generator | None = None):
        """Resize a ``(N, H, W, C)`` batch; the resizes run on the thread pool."""
        images = np.asarray(images)
        if images.shape[1] == self.height and images.shape[2] == self.width:
            return images
        out = empty_batch((len(images), self.height, self.width, *images.shape[3:]), images.dtype)
        size = (self.width, self.height)

        def resize(i: int) -> None:
            out[i] = cv2.resize(images[i], size, interpolation=self.inter).reshape(out[i].shape)

        parallel_for(len(images), resize)
        return out
