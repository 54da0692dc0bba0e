"""BatchAugmenter: the book's ``ImageDataGenerator`` augmentation, per batch, without Keras 2,
and today's colour jitter and random erasing in the same pass.

Keras 3 has no ``ImageDataGenerator``. ``BatchAugmenter`` takes the same settings
(``rotation_range`` in degrees, ``zoom_range``, ``width_shift_range``,
``height_shift_range``, ``shear_range``, ``horizontal_flip``, ``fill_mode="nearest"``),
draws every image's parameters at once, composes one affine matrix per image with NumPy
(rotation, shift, shear, zoom and the flip folded into a single matrix, as Keras did),
and applies each with one ``cv2.warpAffine`` on a thread pool (OpenCV releases the GIL).

``shear_range`` is an angle in radians, as in the Keras 2.0/2.1 the book used
(0.15 rad is about 8.6 degrees); later Keras 2 releases read degrees.

Beyond the book (``AUGMENTATION = "strong"``): colour jitter as torchvision's
``ColorJitter`` (``brightness_range``, ``contrast_range``, ``saturation_range``: a factor
drawn in ``[1 - r, 1 + r]`` per image; brightness scales the pixels, contrast moves them
from the mean of the grey image, saturation from the grey image; the three in one weighted
sum, clipped once) and random erasing (Zhong et
al., 2020; ``erasing_share`` of the images get one box of ``erasing_area`` of the patch,
aspect ratio 0.3-3.3, filled with a random colour). Each image's values are drawn for the
whole batch at once (:class:`PixelDraws`) and applied to the warped image with OpenCV in
the same per-image pass as the warp, while it is in the CPU cache; with none of them set,
no random number more is drawn (the book's batches stay as they were).

Example:
    >>> aug = BatchAugmenter(rotation_range=20, zoom_range=0.15, horizontal_flip=True, seed=0)
    >>> aug.augment_batch(np.zeros((4, 64, 64, 3), np.uint8)).shape
    (4, 64, 64, 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from pyimagesearch.parallel.batches import empty_batch, parallel_for
from pyimagesearch.utils.randomness import check_random_state

# The book's ImageDataGenerator settings for AlexNet on Dogs vs. Cats (AUGMENTATION = "book").
BOOK_AUGMENTATION: dict[str, float | bool] = {
    "rotation_range": 20,
    "zoom_range": 0.15,
    "width_shift_range": 0.2,
    "height_shift_range": 0.2,
    "shear_range": 0.15,
    "horizontal_flip": True,
}

# The book's geometry with today's colour jitter and random erasing (AUGMENTATION = "strong").
STRONG_AUGMENTATION: dict[str, float | bool] = {
    **BOOK_AUGMENTATION,
    "brightness_range": 0.4,
    "contrast_range": 0.4,
    "saturation_range": 0.4,
    "erasing_share": 0.25,
}

AUGMENTATION_PRESETS: dict[str, dict[str, float | bool]] = {
    "book": BOOK_AUGMENTATION,
    "strong": STRONG_AUGMENTATION,
}

_BORDERS = {
    "nearest": cv2.BORDER_REPLICATE,
    "constant": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT,
    "wrap": cv2.BORDER_WRAP,
}


def warp_affine(
    image: np.ndarray,
    matrix: np.ndarray,
    size: tuple[int, int],
    flags: int,
    border: int,
    value: tuple[float, ...],
    dst: np.ndarray | None = None,
) -> np.ndarray:
    """``cv2.warpAffine``; 3-channel uint8 images go through OpenCV's faster 4-channel path
    (measured 0.24 ms instead of 0.36 ms per 227x227 image, same pixels)."""
    if image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8:
        rgba = cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)
        warped = cv2.warpAffine(
            rgba, matrix, size, flags=flags, borderMode=border, borderValue=value
        )
        if dst is None:
            return cv2.cvtColor(warped, cv2.COLOR_RGBA2RGB)
        return cv2.cvtColor(warped, cv2.COLOR_RGBA2RGB, dst=dst)
    if dst is None:
        return cv2.warpAffine(
            image, matrix, size, flags=flags, borderMode=border, borderValue=value
        )
    return cv2.warpAffine(
        image, matrix, size, dst=dst, flags=flags, borderMode=border, borderValue=value
    )


def _pair(value: float | tuple[float, float], name: str) -> tuple[float, float]:
    if isinstance(value, int | float):
        return 1.0 - float(value), 1.0 + float(value)
    if len(value) == 2:
        return float(value[0]), float(value[1])
    raise ValueError(f"{name} must be a number or (low, high), got {value!r}")


@dataclass(frozen=True)
class PixelDraws:
    """Each image's colour jitter factors and erasing box, drawn for a batch at once."""

    brightness: np.ndarray  # (n,) factors
    contrast: np.ndarray  # (n,)
    saturation: np.ndarray  # (n,)
    boxes: np.ndarray  # (n, 4): y0, y1, x0, x1; an empty box erases nothing
    colours: np.ndarray  # (n, 3): the fill of each box

    def apply(self, i: int, image: np.ndarray) -> None:
        """Image ``i``'s jitter and erasing, in place on its ``(h, w, c)`` array. Brightness
        b, contrast c (about the grey image's mean m) and saturation s (towards the grey
        image g) in one weighted sum, clipped once: ``s b c x + (1 - s) b c g + (1 - c) b m``."""
        gain = float(self.brightness[i] * self.contrast[i])
        saturation = float(self.saturation[i])
        colour = image.ndim == 3 and image.shape[2] == 3
        if gain != 1.0 or self.contrast[i] != 1.0 or (saturation != 1.0 and colour):
            grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if colour else image
            offset = (1.0 - self.contrast[i]) * self.brightness[i] * cv2.mean(grey)[0]
            if colour and saturation != 1.0:
                grey = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
                cv2.addWeighted(image, saturation * gain, grey, (1.0 - saturation) * gain,
                                float(offset), dst=image)  # fmt: skip
            else:
                cv2.addWeighted(image, gain, image, 0.0, float(offset), dst=image)
        y0, y1, x0, x1 = self.boxes[i]
        if y1 > y0 and x1 > x0:
            image[y0:y1, x0:x1] = self.colours[i][: image.shape[2]]


def erasing_boxes(
    n: int, h: int, w: int, share: float, area: tuple[float, float], rng: np.random.Generator
) -> np.ndarray:
    """``(n, 4)`` boxes ``y0, y1, x0, x1``: ``share`` of the images get one of ``area``
    (a fraction of ``h x w``) and aspect ratio 0.3-3.3, the others an empty one.

    >>> erasing_boxes(3, 10, 10, 0.0, (0.1, 0.2), np.random.default_rng(0)).tolist()
    [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    """
    erased = rng.random(n) < share
    target = rng.uniform(area[0], area[1], n) * h * w
    ratio = np.exp(rng.uniform(np.log(0.3), np.log(1 / 0.3), n))
    bh = np.clip(np.rint(np.sqrt(target * ratio)), 1, h).astype(int)
    bw = np.clip(np.rint(np.sqrt(target / ratio)), 1, w).astype(int)
    y0 = (rng.random(n) * (h - bh + 1)).astype(int)
    x0 = (rng.random(n) * (w - bw + 1)).astype(int)
    boxes = np.stack([y0, y0 + bh, x0, x0 + bw], axis=1)
    boxes[~erased] = 0
    return boxes


class BatchAugmenter:
    """Random rotation, zoom, shift, shear and horizontal flip of whole batches; colour
    jitter and random erasing when asked for."""

    def __init__(
        self,
        rotation_range: float = 0.0,
        zoom_range: float | tuple[float, float] = 0.0,
        width_shift_range: float = 0.0,
        height_shift_range: float = 0.0,
        shear_range: float = 0.0,
        horizontal_flip: bool = False,
        fill_mode: str = "nearest",
        cval: float = 0.0,
        seed: int | None = None,
        threads: int | None = None,
        brightness_range: float | tuple[float, float] = 0.0,
        contrast_range: float | tuple[float, float] = 0.0,
        saturation_range: float | tuple[float, float] = 0.0,
        erasing_share: float = 0.0,
        erasing_area: tuple[float, float] = (0.02, 1 / 3),
    ) -> None:
        if fill_mode not in _BORDERS:
            raise ValueError(f"fill_mode must be one of {sorted(_BORDERS)}, got {fill_mode!r}")
        self.rotation_range = float(rotation_range)
        self.zoom_range = _pair(zoom_range, "zoom_range")
        self.width_shift_range = float(width_shift_range)
        self.height_shift_range = float(height_shift_range)
        self.shear_range = float(shear_range)
        self.horizontal_flip = bool(horizontal_flip)
        self.fill_mode = fill_mode
        self.cval = float(cval)
        self.threads = threads
        self.rng = check_random_state(seed)
        self.brightness_range = _pair(brightness_range, "brightness_range")
        self.contrast_range = _pair(contrast_range, "contrast_range")
        self.saturation_range = _pair(saturation_range, "saturation_range")
        self.erasing_share = float(erasing_share)
        self.erasing_area = _pair(erasing_area, "erasing_area")
        if (
            not 0.0 <= self.erasing_share <= 1.0
            or not 0 < self.erasing_area[0] <= self.erasing_area[1] <= 1
        ):
            raise ValueError(
                f"erasing_share must be in [0, 1] and erasing_area (low, high) in (0, 1], got "
                f"{erasing_share!r} and {erasing_area!r}"
            )

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | str | None, seed: int | None = None):
        """Build from a config's ``AUGMENTATION``: a dict of settings, or a preset's name
        (``"book"``); ``None`` or ``{}`` gives None.

        >>> BatchAugmenter.from_settings("book").rotation_range
        20.0
        """
        if isinstance(settings, str):
            settings = AUGMENTATION_PRESETS[settings]
        if not settings:
            return None
        from pyimagesearch.errors import ConfigError

        try:
            return cls(**settings, seed=seed)
        except TypeError as exc:
            raise ConfigError(f"AUGMENTATION has an unknown setting: {exc}") from exc
        except ValueError as exc:
            raise ConfigError(f"AUGMENTATION: {exc}") from exc

    @property
    def pixel_changes(self) -> bool:
        """Whether colour jitter or erasing is on (else :meth:`pixel_draws` is None)."""
        ranges = (self.brightness_range, self.contrast_range, self.saturation_range)
        return self.erasing_share > 0 or any(r != (1.0, 1.0) for r in ranges)

    def pixel_draws(
        self, n: int, h: int, w: int, rng: np.random.Generator | None = None
    ) -> PixelDraws | None:
        """Each image's jitter and erasing (None when neither is on: nothing is drawn)."""
        if not self.pixel_changes:
            return None
        rng = self.rng if rng is None else rng
        factors = [rng.uniform(*r, n) for r in
                   (self.brightness_range, self.contrast_range, self.saturation_range)]  # fmt: skip
        boxes = erasing_boxes(n, h, w, self.erasing_share, self.erasing_area, rng)
        colours = rng.integers(0, 256, (n, 3)).astype(np.float32)
        return PixelDraws(*factors, boxes, colours)

    def matrices(self, n: int, h: int, w: int, rng: np.random.Generator | None = None):
        """``(n, 2, 3)`` inverse maps (output pixel -> input pixel) in OpenCV's x, y order."""
        rng = self.rng if rng is None else rng
        theta = np.deg2rad(rng.uniform(-self.rotation_range, self.rotation_range, n))
        tx = rng.uniform(-self.width_shift_range, self.width_shift_range, n)
        ty = rng.uniform(-self.height_shift_range, self.height_shift_range, n)
        if self.width_shift_range < 1:
            tx = tx * w
        if self.height_shift_range < 1:
            ty = ty * h
        shear = rng.uniform(-self.shear_range, self.shear_range, n)
        lo, hi = self.zoom_range
        zx = rng.uniform(lo, hi, n)
        zy = rng.uniform(lo, hi, n)
        flip = rng.random(n) < 0.5 if self.horizontal_flip else np.zeros(n, bool)

        # Keras' composition in (row, col) order: rotation @ shift @ shear @ zoom, about the
        # center; here written directly in (x, y) order for cv2.
        cos, sin = np.cos(theta), np.sin(theta)
        m = np.zeros((n, 3, 3))
        m[:, 2, 2] = 1.0
        # rotation (x, y): the (row, col) matrix [[c, -s], [s, c]] transposed by the swap
        rot = np.zeros((n, 3, 3))
        rot[:, 0, 0], rot[:, 0, 1], rot[:, 1, 0], rot[:, 1, 1] = cos, sin, -sin, cos
        rot[:, 2, 2] = 1.0
        shift = np.tile(np.eye(3), (n, 1, 1))
        shift[:, 0, 2], shift[:, 1, 2] = tx, ty
        shr = np.tile(np.eye(3), (n, 1, 1))
        # (row, col) shear [[1, -sin], [0, cos]] becomes, in (x, y): [[cos, 0], [-sin, 1]]
        shr[:, 0, 0], shr[:, 1, 0] = np.cos(shear), -np.sin(shear)
        zoom = np.tile(np.eye(3), (n, 1, 1))
        zoom[:, 0, 0], zoom[:, 1, 1] = zx, zy
        m = rot @ shift @ shr @ zoom
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        center = np.array([[1.0, 0, cx], [0, 1.0, cy], [0, 0, 1.0]])
        uncenter = np.array([[1.0, 0, -cx], [0, 1.0, -cy], [0, 0, 1.0]])
        m = center @ m @ uncenter
        if flip.any():  # output column x shows what the unflipped output had at w-1-x
            f = np.array([[-1.0, 0, w - 1], [0, 1.0, 0], [0, 0, 1.0]])
            m[flip] = m[flip] @ f
        return m[:, :2, :].astype(np.float32)

    def augment_batch(
        self, images: np.ndarray, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        """A new batch of the same shape and dtype; images keep their positions (labels stay
        aligned)."""
        images = np.asarray(images)
        n, h, w = images.shape[:3]
        mats = self.matrices(n, h, w, rng)
        draws = self.pixel_draws(n, h, w, rng)
        out = empty_batch(images.shape, images.dtype)
        border = _BORDERS[self.fill_mode]
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP

        value = (self.cval,) * 4

        def warp(i: int) -> None:
            result = warp_affine(images[i], mats[i], (w, h), flags, border, value, dst=out[i])
            if result.shape != out[i].shape:  # single-channel images lose their axis
                out[i] = result.reshape(out[i].shape)
            if draws is not None:
                draws.apply(i, out[i])

        parallel_for(n, warp, self.threads)
        return out

    # the preprocessor interfaces, so an augmenter can also sit in a preprocessor list
    def preprocess_batch(self, images: np.ndarray, rng: np.random.Generator | None = None):
        return self.augment_batch(images, rng)

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        return self.augment_batch(np.asarray(image)[None])[0]


class PatchAugmentMean:
    """Random patch, augmentation and (optionally) mean subtraction fused per image.

    Gives what ``PatchPreprocessor`` -> ``BatchAugmenter`` -> ``MeanPreprocessor`` give, in
    one pass: the patch offset is folded into each image's warp matrix (so the warp reads
    the real pixels around the patch rather than replicating its edge), and the warped patch
    is mean-subtracted into the float32 batch while it is still in the CPU cache.
    ``HDF5DatasetGenerator`` uses it on its own when it sees those steps in a row.

    Example:
        >>> from pyimagesearch.preprocessing import PatchPreprocessor
        >>> step = PatchAugmentMean(PatchPreprocessor(56, 56), BatchAugmenter(rotation_range=20))
        >>> step.preprocess_batch(np.zeros((4, 64, 64, 3), np.uint8)).shape
        (4, 56, 56, 3)
    """

    def __init__(self, patch, augmenter: BatchAugmenter, mean=None) -> None:
        self.patch = patch
        self.augmenter = augmenter
        self.mean = mean

    def preprocess_batch(
        self, images: np.ndarray, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        images = np.asarray(images)
        n, h, w = images.shape[:3]
        pw, ph = self.patch.width, self.patch.height
        ys, xs = self.patch.offsets(n, h, w, rng)
        mats = self.augmenter.matrices(n, ph, pw, rng)
        mats[:, 0, 2] += xs
        mats[:, 1, 2] += ys
        draws = self.augmenter.pixel_draws(n, ph, pw, rng)
        aug = self.augmenter
        border = _BORDERS[aug.fill_mode]
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        value = (aug.cval,) * 4
        shape = (n, ph, pw, *images.shape[3:])
        if self.mean is None:
            out = empty_batch(shape, images.dtype)

            def warp(i: int) -> None:
                result = warp_affine(images[i], mats[i], (pw, ph), flags, border, value)
                out[i] = result.reshape(out[i].shape)
                if draws is not None:
                    draws.apply(i, out[i])

        else:
            out = empty_batch(shape, np.float32)

            def warp(i: int) -> None:
                patch = warp_affine(images[i], mats[i], (pw, ph), flags, border, value)
                patch = patch.reshape(out[i].shape)
                if draws is not None:
                    draws.apply(i, patch)
                self.mean.subtract_into(patch, out[i])

        parallel_for(n, warp, aug.threads)
        return out

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        return self.preprocess_batch(np.asarray(image)[None])[0]


def fuse_steps(steps: list) -> list:
    """Replace each patch -> augmenter (-> mean) run of ``steps`` by a ``PatchAugmentMean``."""
    from pyimagesearch.preprocessing.mean_preprocessor import MeanPreprocessor
    from pyimagesearch.preprocessing.patch_preprocessor import PatchPreprocessor

    fused, i = [], 0
    while i < len(steps):
        step = steps[i]
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        if type(step) is PatchPreprocessor and type(nxt) is BatchAugmenter:
            after = steps[i + 2] if i + 2 < len(steps) else None
            if type(after) is MeanPreprocessor:
                fused.append(PatchAugmentMean(step, nxt, after))
                i += 3
            else:
                fused.append(PatchAugmentMean(step, nxt))
                i += 2
        else:
            fused.append(step)
            i += 1
    return fused
