"""Procedurally drawn, photo-like two-class images for the offline demo and the tests.

"cat" images show round, warm-colored shapes; "dog" images show angular, cool-colored
ones; both sit on noisy gradient backgrounds, at varied sizes and aspect ratios, and are
named in Kaggle's style (``cat.0.jpg``).

Example:
    >>> paths = generate_synthetic_dataset("datasets/demo/train", per_class=100)  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

DEFAULT_CLASSES = ("cat", "dog")


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    top, bottom = rng.uniform(40, 215, size=(2, 3))
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    image = top * (1 - ramp) + bottom * ramp
    image = np.broadcast_to(image, (height, width, 3)).astype(np.float32)
    image = image + rng.normal(0, 12, size=(height, width, 3)).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def draw_image(class_index: int, rng: np.random.Generator) -> np.ndarray:
    """One BGR image of class ``class_index`` (0: round and warm, 1: angular and cool, ...)."""
    width = int(rng.integers(120, 400))
    height = int(np.clip(width / rng.uniform(0.6, 1.6), 90, 450))
    image = _background(rng, height, width)
    scale = min(width, height)
    warm = class_index % 2 == 0
    for _ in range(int(rng.integers(2, 5))):
        base = (
            rng.uniform([0, 60, 150], [90, 170, 255])
            if warm
            else rng.uniform([120, 60, 0], [255, 180, 100])
        )
        color = tuple(float(c) for c in base)
        cx, cy = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.uniform(0.15, 0.35) * scale)
        if warm:
            axes = (size, int(size * rng.uniform(0.6, 1.0)))
            cv2.ellipse(
                image, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, color, -1, cv2.LINE_AA
            )
        else:
            angle = float(rng.uniform(0, 180))
            box = cv2.boxPoints(((cx, cy), (size * 1.6, size * rng.uniform(0.5, 1.0)), angle))
            cv2.fillPoly(image, [box.astype(np.int32)], color, cv2.LINE_AA)
    return cv2.GaussianBlur(image, (3, 3), 0)


def generate_synthetic_dataset(
    output_dir: str | os.PathLike[str],
    per_class: int = 150,
    classes: Sequence[str] = DEFAULT_CLASSES,
    seed: int = 42,
) -> list[Path]:
    """Write ``per_class`` JPEGs per class to ``output_dir``; return their paths."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for class_index, name in enumerate(classes):
        for i in range(per_class):
            path = out / f"{name}.{i}.jpg"
            cv2.imwrite(str(path), draw_image(class_index, rng), [cv2.IMWRITE_JPEG_QUALITY, 90])
            paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic Kaggle-style dataset.")
    parser.add_argument("output_dir")
    parser.add_argument("--per-class", type=int, default=150)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    paths = generate_synthetic_dataset(args.output_dir, args.per_class, seed=args.seed)
    print(f"[INFO] wrote {len(paths)} images to {args.output_dir}")


if __name__ == "__main__":
    main()
