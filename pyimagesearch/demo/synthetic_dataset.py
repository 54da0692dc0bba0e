"""Procedurally drawn, photo-like two-class images for the offline demo and the tests.

"cat" images show mostly round, warm-colored shapes; "dog" images mostly angular,
cool-colored ones, with some of the other class's shapes and colors mixed in; both sit
on noisy gradient backgrounds, at varied sizes and aspect ratios, and are
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

from pyimagesearch.utils.randomness import check_random_state

DEFAULT_CLASSES = ("cat", "dog")


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    top, bottom = rng.uniform(40, 215, size=(2, 3))
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    image = top * (1 - ramp) + bottom * ramp
    image = np.broadcast_to(image, (height, width, 3)).astype(np.float32)
    image = image + rng.normal(0, 12, size=(height, width, 3)).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def _draw_shape(
    image: np.ndarray,
    round_shape: bool,
    warm: bool,
    size: int,
    rng: np.random.Generator,
    spread: float = 0.5,
) -> None:
    """One filled ellipse (round) or rectangle, its center ``spread`` of the image from the
    middle at most (photos center their subject; distractors sit anywhere)."""
    height, width = image.shape[:2]
    base = (
        rng.uniform([0, 60, 150], [90, 170, 255])
        if warm
        else rng.uniform([120, 60, 0], [255, 180, 100])
    )
    color = tuple(float(c) for c in base)
    cx = int(width * (0.5 + rng.uniform(-spread, spread)))
    cy = int(height * (0.5 + rng.uniform(-spread, spread)))
    if round_shape:
        axes = (size, int(size * rng.uniform(0.6, 1.0)))
        cv2.ellipse(
            image, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, color, -1, cv2.LINE_AA
        )
    else:
        angle = float(rng.uniform(0, 180))
        box = cv2.boxPoints(((cx, cy), (size * 1.6, size * rng.uniform(0.5, 1.0)), angle))
        cv2.fillPoly(image, [box.astype(np.int32)], color, cv2.LINE_AA)


def draw_image(class_index: int, rng: np.random.Generator, overlap: float = 0.1) -> np.ndarray:
    """One BGR image of class ``class_index`` (even: mostly round and warm shapes, odd:
    mostly angular and cool ones).

    Like photos, the classes overlap: a share ``overlap`` of the shapes take the other
    class's colors, and ``5 * overlap`` of the images also hold a smaller shape of the other
    class, so a classifier has to look at shapes, not only at the average color.
    ``overlap=0`` gives cleanly separable classes.
    """
    width = int(rng.integers(120, 400))
    height = int(np.clip(width / rng.uniform(0.6, 1.6), 90, 450))
    image = _background(rng, height, width)
    scale = min(width, height)
    own = class_index % 2 == 0
    for _ in range(int(rng.integers(2, 4))):
        warm = own if rng.random() >= overlap else not own
        _draw_shape(image, own, warm, int(rng.uniform(0.15, 0.3) * scale), rng, spread=0.25)
    if rng.random() < 5 * overlap:  # a distractor of the other class
        warm = (not own) if rng.random() >= overlap else own
        _draw_shape(image, not own, warm, int(rng.uniform(0.1, 0.2) * scale), rng)
    return cv2.GaussianBlur(image, (3, 3), 0)


def generate_synthetic_dataset(
    output_dir: str | os.PathLike[str],
    per_class: int = 150,
    classes: Sequence[str] = DEFAULT_CLASSES,
    seed: int = 42,
    overlap: float = 0.1,
) -> list[Path]:
    """Write ``per_class`` JPEGs per class to ``output_dir``; return their paths.

    ``overlap`` (0 to 0.2) makes the classes harder to tell apart (see ``draw_image``).
    """
    if not 0.0 <= overlap <= 0.2:
        raise ValueError(f"overlap must be between 0 and 0.2, got {overlap}")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = check_random_state(seed)
    paths = []
    for class_index, name in enumerate(classes):
        for i in range(per_class):
            path = out / f"{name}.{i}.jpg"
            cv2.imwrite(
                str(path), draw_image(class_index, rng, overlap), [cv2.IMWRITE_JPEG_QUALITY, 90]
            )
            paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic Kaggle-style dataset.")
    parser.add_argument("output_dir")
    parser.add_argument("--per-class", type=int, default=150)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--overlap", type=float, default=0.1, help="0 (easy) to 0.2 (hard)")
    args = parser.parse_args(argv)
    paths = generate_synthetic_dataset(
        args.output_dir, args.per_class, seed=args.seed, overlap=args.overlap
    )
    print(f"[INFO] wrote {len(paths)} images to {args.output_dir}")


if __name__ == "__main__":
    main()
