"""PatchPreprocessor: a random ``width`` x ``height`` patch of each image (the book's)."""

from __future__ import annotations

import numpy as np

from pyimagesearch.parallel.batches import empty_batch, parallel_for
from pyimagesearch.utils.randomness import check_random_state


class PatchPreprocessor:
    """Cut a random patch, a cheap augmentation that also fits 256px images to AlexNet's 227.

    Every image of a batch gets its own offset; the batch form copies each patch straight
    into one preallocated array (no per-pixel Python work, no intermediate arrays).

    Example:
        >>> pp = PatchPreprocessor(227, 227, seed=0)
        >>> pp.preprocess(np.zeros((256, 256, 3), np.uint8)).shape
        (227, 227, 3)
        >>> pp.preprocess_batch(np.zeros((8, 256, 256, 3), np.uint8)).shape
        (8, 227, 227, 3)
    """

    def __init__(self, width: int, height: int, seed: int | None = None) -> None:
        self.width = int(width)
        self.height = int(height)
        self.rng = check_random_state(seed)

    def _check(self, h: int, w: int) -> None:
        if h < self.height or w < self.width:
            raise ValueError(f"cannot cut a {self.width}x{self.height} patch from {w}x{h} images")

    def offsets(self, n: int, h: int, w: int, rng: np.random.Generator | None = None):
        """Random top-left corners ``(ys, xs)`` of ``n`` patches, each within the image."""
        self._check(h, w)
        rng = self.rng if rng is None else rng
        ys = rng.integers(0, h - self.height + 1, size=n)
        xs = rng.integers(0, w - self.width + 1, size=n)
        return ys, xs

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        (y,), (x,) = self.offsets(1, image.shape[0], image.shape[1])
        return np.ascontiguousarray(image[y : y + self.height, x : x + self.width])

    def preprocess_batch(
        self, images: np.ndarray, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        images = np.asarray(images)
        n, h, w = images.shape[:3]
        ys, xs = self.offsets(n, h, w, rng)
        out = empty_batch((n, self.height, self.width, *images.shape[3:]), images.dtype)

        def cut(i: int) -> None:
            y, x = ys[i], xs[i]
            out[i] = images[i, y : y + self.height, x : x + self.width]

        parallel_for(n, cut)
        return out
