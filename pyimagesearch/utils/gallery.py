"""Grids of images a person can look at: each image titled, written as one PNG.

Example:
    >>> image_grid(images, ["cat", "dog"], "output/batch.png")   # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pyimagesearch.utils.atomic import atomic_write


def image_grid(
    images: Sequence[np.ndarray] | np.ndarray,
    titles: Sequence[str],
    path: str | os.PathLike[str],
    columns: int | None = None,
    title: str | None = None,
    cell_inches: float = 2.4,
) -> Path:
    """RGB uint8 images in a grid, each under its title (long titles wrap)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = len(images)
    columns = columns or max(1, min(8, math.ceil(math.sqrt(count))))
    rows = max(1, math.ceil(count / columns))
    size = (cell_inches * columns, (cell_inches + 0.4) * rows)
    fig, axes = plt.subplots(rows, columns, figsize=size, squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < count:
            ax.imshow(np.asarray(images[k]))
            ax.set_title(_wrap(titles[k]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return Path(path)


def _wrap(text: str, width: int = 28) -> str:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])
