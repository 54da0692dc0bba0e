"""ImageToArrayPreprocessor: an image as a float32 array in Keras' channel layout."""

from __future__ import annotations

import numpy as np


class ImageToArrayPreprocessor:
    """Convert to float32 (``channels_last``, Keras' default, or ``channels_first``).

    Already-float32 channels-last batches pass through without a copy.

    Example:
        >>> ImageToArrayPreprocessor().preprocess(np.zeros((4, 4, 3), np.uint8)).dtype
        dtype('float32')
    """

    def __init__(self, data_format: str | None = None) -> None:
        self.data_format = data_format or "channels_last"
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"data_format must be channels_last or channels_first: {data_format}")

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        array = np.asarray(image, dtype=np.float32)
        if array.ndim == 2:
            array = array[:, :, None]
        if self.data_format == "channels_first":
            array = np.moveaxis(array, -1, 0)
        return array

    def preprocess_batch(self, images: np.ndarray, rng: np.random.Generator | None = None):
        array = np.asarray(images, dtype=np.float32)
        if array.ndim == 3:
            array = array[..., None]
        if self.data_format == "channels_first":
            array = np.moveaxis(array, -1, 1)
        return array
