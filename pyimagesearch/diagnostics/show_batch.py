"""A batch as the network receives it: after the patch and the augmentation, the mean added
back for display, each image titled with its label. Look before training for hours.

Without a model: the network ``train.py`` trains (``INPUT_SIZE`` patches, ``AUGMENTATION``
with ``augment``, ``DATASET_MEAN``). With a trained model: what that model sees, as its
record describes it: its input size (a fine-tuned MobileNetV2: 224, whatever
``INPUT_SIZE`` says); random patches of the training split for a network or a fine-tuned
backbone (both train on them), whole images resized for a classifier on features (its
features are of whole, unaugmented images). The pixels are shown before the model's own
scaling (the mean, or the backbone's ``preprocess_input``), which changes no picture.

Example (not run by the tests: needs the builder's split files):
    >>> show_batch(load_config("config/dogs_vs_cats_config.py"), augment=True)  # doctest: +SKIP
    (PosixPath('output/batch_train_augmented.png'), 32)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.utils.atomic import check_writable
from pyimagesearch.utils.gallery import image_grid
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

PATCH_KINDS = ("network", "alexnet", "fine_tuned")  # trained on random patches (the rest:
# classifiers on features of whole images)


@dataclass
class BatchView:
    """How the shown network makes its inputs from the builder's images."""

    width: int
    height: int
    patches: bool  # random patches of the training split (else whole images, resized)
    augments: bool  # trained with AUGMENTATION
    mean: Any  # the MeanPreprocessor subtracted (and added back for display), or None
    whose: str  # "network inputs", "inputs of fine_tuned.keras (fine_tuned)"


def batch_view(cfg: Config, model: str | os.PathLike[str] | None, info) -> BatchView:
    """The view of ``train.py``'s network (no ``model``), or of the model's record."""
    from pyimagesearch.preprocessing import MeanPreprocessor

    if model is None:
        size = cfg.get("INPUT_SIZE")
        info.require_input(size, f"INPUT_SIZE {size}")
        mean = MeanPreprocessor.from_json(cfg.DATASET_MEAN, info.channel_order)
        return BatchView(size, size, True, True, mean, "network inputs")
    from pyimagesearch.models.classifiers import ModelError
    from pyimagesearch.models.record import read_record

    record = read_record(model) if Path(model).is_file() else None
    if record is None:
        raise ModelError(f"no model with a record at {model} ({Path(model).name}.json)")
    width, height = (int(v) for v in record["input_size"])
    info.require_input(max(width, height), f"the model's input {width}x{height}")
    kind = str(record.get("kind"))
    trains = kind in PATCH_KINDS
    return BatchView(width, height, trains, trains, None,
                     f"inputs of {Path(model).name} ({kind})")  # fmt: skip


def network_batch(
    cfg: Config, split: str, augment: bool, count: int, seed: int = 0,
    model: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, list[str], BatchView]:  # fmt: skip
    """``(images uint8, label names, the view)`` of one batch prepared as training
    prepares it, for ``train.py``'s network or for ``model`` (the module doc); a split of
    no images is refused (DatasetError)."""
    from pyimagesearch.evaluation.splits import split_with_images
    from pyimagesearch.preprocessing import BatchAugmenter, PatchPreprocessor, SimplePreprocessor

    info = split_with_images(split, cfg.split_path(split))
    view = batch_view(cfg, model, info)
    aug = BatchAugmenter.from_settings(cfg.get("AUGMENTATION")) if augment else None
    if augment and aug is None:
        raise ConfigError("--augment, but AUGMENTATION is not set in the config")
    if augment and not view.augments:
        raise ConfigError(f"--augment: {view.whose} are features of unaugmented images")
    patch = split == "train" and view.patches
    first = (PatchPreprocessor if patch else SimplePreprocessor)(view.width, view.height)
    steps = [first, *([aug] if aug else []), *([view.mean] if view.mean else [])]
    quiet_tensorflow()  # the generator imports Keras
    from pyimagesearch.io import HDF5DatasetGenerator

    with HDF5DatasetGenerator(info.path, min(count, info.rows), steps, shuffle=True, seed=seed,
                              classes=len(info.label_names), binarize=False) as gen:  # fmt: skip
        images, labels = gen.load_batch(0)
    if view.mean is not None:
        images = images + view.mean.mean  # the mean added back
    return np.clip(images, 0, 255).astype(np.uint8), [info.label_names[y] for y in labels], view


def show_batch(
    cfg: Config, augment: bool = False, output: str | Path | None = None,
    model: str | os.PathLike[str] | None = None,
) -> tuple[Path, int]:  # fmt: skip
    """Write the grid of :func:`network_batch` (``SHOW_BATCH_IMAGES`` of
    ``SHOW_BATCH_SPLIT``; ``model``: as that model sees them); return its path and the
    number of images shown."""
    split, count = cfg.get("SHOW_BATCH_SPLIT"), cfg.get("SHOW_BATCH_IMAGES")
    name = f"batch_{split}{'_augmented' if augment else ''}.png"
    path = Path(output or cfg.output_path(name))
    check_writable({"--output": path})
    images, labels, view = network_batch(cfg, split, augment, count, cfg.get("RANDOM_SEED"),
                                         model)  # fmt: skip
    what = "augmented " if augment else ""
    title = f"{split}: {what}{images.shape[2]}x{images.shape[1]} {view.whose}"
    return image_grid(images, labels, path, title=title), len(images)
