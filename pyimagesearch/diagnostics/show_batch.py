"""A batch as the network receives it: after the patch and the augmentation, the mean added
back for display, each image titled with its label. Look before training for hours.

Example (not run by the tests: needs the builder's split files):
    >>> show_batch(load_config("config/dogs_vs_cats_config.py"), augment=True)  # doctest: +SKIP
    (PosixPath('output/batch_train_augmented.png'), 32)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.utils.atomic import check_writable
from pyimagesearch.utils.gallery import image_grid


def network_batch(cfg: Config, split: str, augment: bool, count: int, seed: int = 0):
    """``(images uint8, label names)`` of one batch prepared as training prepares it."""
    from pyimagesearch.io import HDF5DatasetGenerator
    from pyimagesearch.io.split_files import split_info
    from pyimagesearch.preprocessing import (
        BatchAugmenter,
        MeanPreprocessor,
        PatchPreprocessor,
        SimplePreprocessor,
    )

    info = split_info(cfg.split_path(split))
    size = cfg.get("INPUT_SIZE")
    info.require_input(size, f"INPUT_SIZE {size}")
    mean = MeanPreprocessor.from_json(cfg.DATASET_MEAN, info.channel_order)
    aug = BatchAugmenter.from_settings(cfg.get("AUGMENTATION")) if augment else None
    if augment and aug is None:
        raise ConfigError("--augment, but AUGMENTATION is not set in the config")
    first = PatchPreprocessor(size, size) if split == "train" else SimplePreprocessor(size, size)
    steps = [first, *([aug] if aug else []), mean]
    classes = len(info.label_names)
    batch = min(count, info.rows)
    with HDF5DatasetGenerator(info.path, batch, steps, classes=classes, shuffle=True,
                              seed=seed, binarize=False) as gen:  # fmt: skip
        images, labels = gen.load_batch(0)
    shown = np.clip(images + mean.mean, 0, 255).astype(np.uint8)  # the mean added back
    return shown, [info.label_names[y] for y in labels]


def show_batch(
    cfg: Config, augment: bool = False, output: str | Path | None = None
) -> tuple[Path, int]:
    """Write the grid of :func:`network_batch` (``SHOW_BATCH_IMAGES`` of
    ``SHOW_BATCH_SPLIT``); return its path and the number of images shown."""
    split, count = cfg.get("SHOW_BATCH_SPLIT"), cfg.get("SHOW_BATCH_IMAGES")
    name = f"batch_{split}{'_augmented' if augment else ''}.png"
    path = Path(output or cfg.output_path(name))
    check_writable({"--output": path})
    images, labels = network_batch(cfg, split, augment, count, cfg.get("RANDOM_SEED"))
    what = "augmented " if augment else ""
    title = f"{split}: {what}{images.shape[2]}x{images.shape[1]} network inputs"
    return image_grid(images, labels, path, title=title), len(images)
