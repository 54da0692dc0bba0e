"""Grids of images a person can look at: each image titled, written as one PNG.

Drawn with OpenCV into one array (a grid of 16 images takes milliseconds, where a
matplotlib figure of as many axes takes half a second): cells of ``cell`` pixels on the
longer side, a two-line title band under each.

Example (not run by the tests: writes a picture into output/):
    >>> image_grid(images, ["cat", "dog"], "output/batch.png")   # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pyimagesearch.utils.atomic import atomic_write

BAND = 34  # pixels of title under each image
FONT_SCALE = 0.38


def grid_shape(count: int, columns: int | None = None) -> tuple[int, int]:
    """``(rows, columns)`` of a grid of ``count`` images (at most 8 columns)."""
    columns = columns or max(1, min(8, math.ceil(math.sqrt(count))))
    return max(1, math.ceil(count / columns)), columns


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str],
    path: str | os.PathLike[str],
    columns: int | None = None,
    title: str | None = None,
    cell: int = 192,
) -> Path:
    """RGB uint8 images in a grid on white, each resized to fit a ``cell`` x ``cell``
    square and titled under it (two lines at most); ``title`` on a band above."""
    import cv2

    rows, columns = grid_shape(len(images), columns)
    top = BAND if title else 0
    canvas = np.full((top + rows * (cell + BAND), columns * cell, 3), 255, np.uint8)
    for k, (image, text) in enumerate(zip(images, titles, strict=True)):
        row, column = divmod(k, columns)
        image = np.asarray(image)
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        scale = cell / max(image.shape[:2])
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        fitted = cv2.resize(image.astype(np.uint8), size, interpolation=cv2.INTER_AREA
                            if scale < 1 else cv2.INTER_NEAREST)  # fmt: skip
        y0, x0 = top + row * (cell + BAND), column * cell
        dy, dx = (cell - size[1]) // 2, (cell - size[0]) // 2
        canvas[y0 + dy : y0 + dy + size[1], x0 + dx : x0 + dx + size[0]] = fitted
        for number, line in enumerate(textwrap.wrap(text, 34)[:2]):
            where = (x0 + 4, y0 + cell + 13 + 14 * number)
            cv2.putText(canvas, line, where, cv2.FONT_HERSHEY_SIMPLEX, FONT_SCALE, (0, 0, 0), 1,
                        cv2.LINE_AA)  # fmt: skip
    if title:
        cv2.putText(canvas, title[:120], (6, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1,
                    cv2.LINE_AA)  # fmt: skip
    ok, data = cv2.imencode(".png", cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    with atomic_write(path) as tmp:
        tmp.write_bytes(data.tobytes())
    return Path(path)
