"""Procedurally drawn, photo-like two-class images for the offline demo and the tests.

"cat" images show mostly round, warm-colored shapes; "dog" images mostly angular,
cool-colored ones, with some of the other class's shapes and colors mixed in; both sit
on noisy gradient backgrounds, at varied sizes and aspect ratios, and are
named in Kaggle's style (``cat.0.jpg``).

Example (not run by the tests: writes 200 images into datasets/):
    >>> paths = generate_synthetic_dataset("datasets/demo/train", per_class=100)  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from pyimagesearch.config import default
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


def _class_color(class_index: int, classes: int, rng: np.random.Generator) -> tuple[float, ...]:
    """A BGR color around the class's own hue (classes spread over the color wheel)."""
    hue = (180.0 * class_index / classes + rng.uniform(-4, 4)) % 180
    pixel = np.uint8([[[hue, rng.uniform(170, 255), rng.uniform(150, 255)]]])
    return tuple(float(c) for c in cv2.cvtColor(pixel, cv2.COLOR_HSV2BGR)[0, 0])


def draw_many_class_image(class_index: int, classes: int, rng: np.random.Generator) -> np.ndarray:
    """One BGR image of one of ``classes`` classes: shapes of the class's hue, round for
    even classes and angular for odd ones."""
    width = int(rng.integers(80, 200))
    height = int(np.clip(width / rng.uniform(0.7, 1.4), 70, 220))
    image = _background(rng, height, width)
    scale = min(width, height)
    for _ in range(int(rng.integers(1, 3))):
        size = int(rng.uniform(0.2, 0.35) * scale)
        cx = int(width * (0.5 + rng.uniform(-0.2, 0.2)))
        cy = int(height * (0.5 + rng.uniform(-0.2, 0.2)))
        color = _class_color(class_index, classes, rng)
        if class_index % 2 == 0:
            cv2.circle(image, (cx, cy), size, color, -1, cv2.LINE_AA)
        else:
            cv2.rectangle(image, (cx - size, cy - size), (cx + size, cy + size), color, -1)
    return cv2.GaussianBlur(image, (3, 3), 0)


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
    seed: int = default("RANDOM_SEED"),
    overlap: float = 0.1,
    folders: bool = False,
) -> list[Path]:
    """Write ``per_class`` JPEGs per class to ``output_dir``; return their paths.

    Two classes: Kaggle's ``cat.0.jpg`` names and ``overlap`` (0 to 0.2) makes them harder
    to tell apart (see ``draw_image``). More classes: each has its own hue and shape
    (``draw_many_class_image``). ``folders=True`` writes one folder per class
    (``daisy/0.jpg``, Flowers-17's layout) instead of prefixed names.
    """
    if not 0.0 <= overlap <= 0.2:
        raise ValueError(f"overlap must be between 0 and 0.2, got {overlap}")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = check_random_state(seed)
    paths = []
    for class_index, name in enumerate(classes):
        if folders:
            (out / name).mkdir(exist_ok=True)
        for i in range(per_class):
            path = out / name / f"{i}.jpg" if folders else out / f"{name}.{i}.jpg"
            if len(classes) > 2:
                image = draw_many_class_image(class_index, len(classes), rng)
            else:
                image = draw_image(class_index, rng, overlap)
            cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 90])
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
