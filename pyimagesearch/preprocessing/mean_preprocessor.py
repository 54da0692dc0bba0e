"""MeanPreprocessor: subtract the training set's per-channel mean (the book's)."""

from __future__ import annotations

import os

import cv2
import numpy as np

from pyimagesearch.errors import DatasetError
from pyimagesearch.parallel.batches import empty_batch, parallel_for
from pyimagesearch.utils.reports import read_json


class MeanPreprocessor:
    """Subtract ``(rMean, gMean, bMean)`` from each pixel, giving float32.

    ``channel_order`` is the order of the channels in the images ("RGB" for the HDF5 files
    written by build_dataset.py, "BGR" for images read with ``cv2.imread`` as in the book),
    so each channel loses its own mean.

    Example:
        >>> mp = MeanPreprocessor(10.0, 20.0, 30.0)       # images are RGB
        >>> mp.preprocess(np.full((1, 1, 3), 100, np.uint8))[0, 0].tolist()
        [90.0, 80.0, 70.0]
        >>> MeanPreprocessor(10.0, 20.0, 30.0, "BGR").preprocess(
        ...     np.full((1, 1, 3), 100, np.uint8))[0, 0].tolist()
        [70.0, 80.0, 90.0]
    """

    def __init__(self, rMean: float, gMean: float, bMean: float, channel_order: str = "RGB"):
        order = channel_order.upper()
        if sorted(order) != ["B", "G", "R"]:
            raise ValueError(f"channel_order must be a permutation of RGB, got {channel_order!r}")
        self.rMean, self.gMean, self.bMean = float(rMean), float(gMean), float(bMean)
        self.channel_order = order
        by_name = {"R": self.rMean, "G": self.gMean, "B": self.bMean}
        self.mean = np.array([by_name[c] for c in order], dtype=np.float32)
        self._scalar = (*(float(v) for v in self.mean), 0.0)

    @classmethod
    def from_json(cls, path: str | os.PathLike[str], channel_order: str = "RGB"):
        """Read the ``{"R": .., "G": .., "B": ..}`` file written by build_dataset.py."""
        try:
            means = read_json(path)
            return cls(means["R"], means["G"], means["B"], channel_order)
        except FileNotFoundError as exc:
            raise DatasetError(
                f"dataset mean file not found: {path} (run build_dataset.py)"
            ) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{path} is not a mean file with R, G and B: {exc}") from exc

    def subtract_into(self, image: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out[...] = image - mean`` as float32 (OpenCV: about 7x NumPy's mixed-type
        subtraction for uint8 images)."""
        fast = image.ndim == 3 and image.shape[2] == 3 and image.dtype in (np.uint8, np.float32)
        if fast and out.flags.c_contiguous:
            cv2.subtract(image, self._scalar, dst=out, dtype=cv2.CV_32F)
            return out
        np.subtract(image, self.mean, out=out, dtype=np.float32)
        return out

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        image = np.asarray(image)
        return self.subtract_into(image, np.empty(image.shape, np.float32))

    def preprocess_batch(
        self, images: np.ndarray, rng: np.random.Generator | None = None, out=None
    ) -> np.ndarray:
        """The batch as float32 minus the mean: one fused cast-and-subtract per image, the
        images split across the cores."""
        images = np.asarray(images)
        if out is None:
            out = empty_batch(images.shape, np.float32)
        if images.ndim != 4:
            return np.subtract(images, self.mean, out=out, dtype=np.float32)
        parallel_for(len(images), lambda i: self.subtract_into(images[i], out[i]))
        return out
