"""AspectAwarePreprocessor: resize the shorter side, then center-crop to the target size."""

from __future__ import annotations

import cv2
import numpy as np


class AspectAwarePreprocessor:
    """Resize an image to ``width`` x ``height`` without distorting its aspect ratio.

    The largest centered region with the target aspect ratio is cut out and resized in one
    step, which equals the book's "resize the shorter side, then crop the center" with a
    single interpolation (sharper, and half the work).

    Example:
        >>> aap = AspectAwarePreprocessor(256, 256)
        >>> aap.preprocess(np.zeros((375, 500, 3), np.uint8)).shape
        (256, 256, 3)
    """

    def __init__(self, width: int, height: int, inter: int = cv2.INTER_AREA) -> None:
        if width < 1 or height < 1:
            raise ValueError(f"width and height must be positive, got {width}x{height}")
        self.width = int(width)
        self.height = int(height)
        self.inter = inter

    def crop_box(self, image_height: int, image_width: int) -> tuple[int, int, int, int]:
        """``(y0, y1, x0, x1)`` of the centered region with the target aspect ratio."""
        target = self.width / self.height
        if image_width / image_height > target:  # too wide: trim the sides
            new_w = max(1, round(image_height * target))
            x0 = (image_width - new_w) // 2
            return 0, image_height, x0, x0 + new_w
        new_h = max(1, round(image_width / target))
        y0 = (image_height - new_h) // 2
        return y0, y0 + new_h, 0, image_width

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        y0, y1, x0, x1 = self.crop_box(image.shape[0], image.shape[1])
        region = image[y0:y1, x0:x1]
        if region.shape[0] == self.height and region.shape[1] == self.width:
            return np.ascontiguousarray(region)
        inter = self.inter
        if inter == cv2.INTER_AREA and (
            region.shape[0] < self.height or region.shape[1] < self.width
        ):
            inter = cv2.INTER_LINEAR  # INTER_AREA is for shrinking; enlarge smoothly instead
        return cv2.resize(region, (self.width, self.height), interpolation=inter)
