"""The engine of ``cam.py``: which images, which model, where the grid goes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError
from pyimagesearch.utils.atomic import check_writable


def _split_images(cfg: Config, split: str, count: int) -> tuple[list[np.ndarray], list[str]]:
    from pyimagesearch.io.hdf5_dataset import open_hdf5, read_paths, read_rows

    with open_hdf5(cfg.split_path(split), "images") as db:
        rows = read_rows(db["images"], slice(0, count))
        names = [Path(p).name for p in read_paths(db)[:count]] or [""] * len(rows)
    return list(rows), names


def _file_images(paths: list[str]) -> tuple[list[np.ndarray], list[str]]:
    import cv2

    from pyimagesearch.data.image_loading import UnreadableImageError, read_image

    images, names = [], []
    for path in paths:
        try:
            images.append(cv2.cvtColor(read_image(path), cv2.COLOR_BGR2RGB))
        except UnreadableImageError as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
        names.append(Path(path).name)
    return images, names


def run_cam(
    cfg: Config, model_path: str | os.PathLike[str] | None, images: list[str] | None,
    split: str | None, output: str | os.PathLike[str] | None = None,
) -> tuple[Path, str]:  # fmt: skip
    """Write the grid of overlays (``CAM_IMAGES`` of ``split``, or the ``images`` files, at
    ``CAM_LAYER``); return its path and the method (CAM or Grad-CAM)."""
    from pyimagesearch.diagnostics.activation_maps import write_cam_grid
    from pyimagesearch.models.classifiers import load_classifier

    path = Path(output or cfg.output_path("cam.png"))
    if path.suffix.lower() != ".png":  # a folder
        path = path / "cam.png"
    check_writable({"--output": path})
    if images:
        pictures, names = _file_images(images)
    else:
        pictures, names = _split_images(cfg, split, cfg.get("CAM_IMAGES"))
    classifier = load_classifier(model_path or cfg.MODEL_PATH)
    return write_cam_grid(classifier, pictures, names, path, cfg.get("CAM_LAYER"))
