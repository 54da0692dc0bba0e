"""The engine of ``cam.py``: which images, which model, where the grid goes.

Images of a split are chosen by ``CAM_SELECT``: ``"errors"`` (default) predicts the whole
split in one batched pass and shows the ``CAM_IMAGES`` highest losses (``-log p(true)``,
the model's mistakes, worst first, as ``diagnose.py`` ranks them), ``"first"`` the split's
first rows, ``"random"`` a sample seeded by ``RANDOM_SEED``. Each overlay is titled
``true -> predicted probability file``; image files get their true label from a Kaggle
file name (``cat.1.jpg``) that names one of the model's classes.

Example (not run by the tests: needs a trained model and the builder's split files):
    >>> shown = run_cam(load_config("config/dogs_vs_cats_config.py"), None, None, "test")
    ... # doctest: +SKIP
    >>> shown.titles[0]                                                # doctest: +SKIP
    'cat -> dog 93% cat.155.jpg'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.evaluation.splits import split_with_images
from pyimagesearch.utils.atomic import check_writable
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow


@dataclass
class CamImages:
    """The images of the grid: pixels, file names, true labels (None: unknown) and, for a
    split, the rows they are in it."""

    images: list[np.ndarray]
    names: list[str]
    truths: list[str | None]
    rows: list[int] | None = None


@dataclass
class CamResult:
    """What :func:`run_cam` wrote: the grid, the method, the split's rows shown (None for
    image files) and each overlay's title."""

    path: Path
    method: str
    rows: list[int] | None
    titles: list[str]


def choose_rows(cfg: Config, classifier, db_path: str, progress: bool = False) -> np.ndarray:
    """The rows of a split to show, in the order shown, by ``CAM_SELECT`` (module doc)."""
    from pyimagesearch.io.hdf5_dataset import open_hdf5

    select, count = cfg.get("CAM_SELECT"), cfg.get("CAM_IMAGES")
    if select == "errors":
        from pyimagesearch.diagnostics.diagnose import predict_split

        diagnosis = predict_split(classifier, db_path, batch_size=cfg.get("EVAL_BATCH_SIZE"),
                                  progress=progress)  # fmt: skip
        return diagnosis.order_by_loss()[:count]
    with open_hdf5(db_path, "images") as db:
        total = len(db["images"])
    if select == "random":
        rng = np.random.default_rng(cfg.get("RANDOM_SEED"))
        return np.sort(rng.choice(total, size=min(count, total), replace=False))
    return np.arange(min(count, total))


def split_images(db_path: str, rows: np.ndarray) -> CamImages:
    """The images of ``rows`` (in that order), their file names and true labels."""
    from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_paths, read_rows

    ordered = np.sort(rows)
    with open_hdf5(db_path, "images") as db:
        block = read_rows(db["images"], ordered) if len(rows) else []
        labels = np.asarray(db["labels"][:], dtype=np.int64)
        names, paths = read_label_names(db), read_paths(db)
    images = [block[i] for i in np.searchsorted(ordered, rows)]
    files = [Path(paths[r]).name if len(paths) else f"row {r}" for r in rows]
    truths = [names[labels[r]] if names else None for r in rows]
    return CamImages(images, files, truths, [int(r) for r in rows])


def file_images(paths: list[str], classes: list[str]) -> CamImages:
    """Image files as RGB, true labels from Kaggle file names that name one of ``classes``."""
    import cv2

    from pyimagesearch.data.image_loading import UnreadableImageError, read_image
    from pyimagesearch.data.listing import label_from_filename

    images = []
    for path in paths:
        try:
            images.append(cv2.cvtColor(read_image(path), cv2.COLOR_BGR2RGB))
        except UnreadableImageError as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
    truths = [label if (label := label_from_filename(p)) in classes else None for p in paths]
    return CamImages(images, [Path(p).name for p in paths], truths)


def split_classes(db_path: str) -> list[str]:
    """The class names a split file stores (none: a file without them)."""
    from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names

    with open_hdf5(db_path, "images") as db:
        return read_label_names(db)


def run_cam(
    cfg: Config, model_path: str | os.PathLike[str] | None, images: list[str] | None,
    split: str | None, output: str | os.PathLike[str] | None = None, progress: bool = True,
) -> CamResult:  # fmt: skip
    """Write the grid of overlays (``CAM_IMAGES`` of ``split`` chosen by ``CAM_SELECT``, or
    the ``images`` files, at ``CAM_LAYER``); ``progress``: a bar over the split's pass.

    Refused in one line before the split's pass: a split of no images, of other classes
    than the model's, a ``CAM_LAYER`` the model has no maps at."""
    from pyimagesearch.diagnostics.activation_maps import (
        check_layer,
        mapped_network,
        write_cam_grid,
    )
    from pyimagesearch.models.classifiers import load_classifier, require_same_classes

    path = Path(output or cfg.output_path("cam.png"))
    if path.suffix.lower() != ".png":  # a folder
        path = path / "cam.png"
    check_writable({"--output": path})
    info = None if images else split_with_images(split, cfg.split_path(split))
    db_path = None if info is None else info.path
    quiet_tensorflow()  # before any model, network or map function imports TensorFlow
    classifier = load_classifier(model_path or cfg.MODEL_PATH)
    if db_path is not None:
        require_same_classes(classifier, split_classes(db_path), f"the {split} split")
    check_layer(mapped_network(classifier), cfg.get("CAM_LAYER"))  # before the pass
    if images:
        shown = file_images(images, classifier.label_names)
    else:
        shown = split_images(db_path, choose_rows(cfg, classifier, db_path, progress))
    written, method, titles = write_cam_grid(classifier, shown.images, shown.names, path,
                                             cfg.get("CAM_LAYER"), shown.truths)  # fmt: skip
    return CamResult(written, method, shown.rows, titles)
