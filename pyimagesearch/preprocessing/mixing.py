"""BatchMixer: mixup and CutMix of whole training batches, images and one-hot labels alike.

Both mix a batch with itself in another order (one permutation per batch), drawing one
weight ``lam ~ Beta(alpha, alpha)`` per batch, as timm's ``Mixup`` does in its "batch" mode:

* **mixup** (Zhang et al., 2018): ``images = lam x batch + (1 - lam) x batch[perm]`` and
  the labels likewise: one array operation over the batch;
* **CutMix** (Yun et al., 2019): one box of area ``(1 - lam)`` of the image, centred at a
  uniformly drawn point and cut where it leaves the image, is pasted from ``batch[perm]``
  into every image (one slice assignment); the labels are mixed by the box's exact share
  of the image (``lam`` recomputed from the box as cut, so the labels match the pixels).

Each batch is mixed by mixup (``mixup_share`` of the batches), by CutMix (``cutmix_share``)
or not at all, drawn from the batch's own random numbers: a batch is the same whatever
thread makes it. A uint8 batch stays uint8: mixup rounds to the nearest grey level (at
most 0.5 of 255 from the exact mix, one ``cv2.addWeighted`` over the batch); CutMix copies
pixels and is exact in any type.

Example:
    >>> mixer = BatchMixer(mixup_alpha=0.4)
    >>> images, labels = np.zeros((4, 8, 8, 3), np.uint8), np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]
    >>> mixed, soft = mixer.mix_batch(images, labels, np.random.default_rng(0))
    >>> mixed.shape, mixed.dtype, np.allclose(soft.sum(axis=1), 1.0)
    ((4, 8, 8, 3), dtype('uint8'), True)
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Mix:
    """How one batch was mixed: ``kind`` ('mixup', 'cutmix' or None), the partner order,
    ``lam`` (the share of each image's own label) and CutMix's box ``(y0, y1, x0, x1)``."""

    kind: str | None
    order: np.ndarray | None = None
    lam: float = 1.0
    box: tuple[int, int, int, int] | None = None


class BatchMixer:
    """Mixup and / or CutMix on a share of the batches (see the module's text).

    Args:
        mixup_alpha, cutmix_alpha: the Beta distribution's parameter of each (None: off).
        mixup_share, cutmix_share: the share of the batches each mixes; None: every batch,
            or half each when both are on. Together at most 1.
    """

    def __init__(
        self,
        mixup_alpha: float | None = None,
        cutmix_alpha: float | None = None,
        mixup_share: float | None = None,
        cutmix_share: float | None = None,
    ) -> None:
        both = mixup_alpha is not None and cutmix_alpha is not None
        even = 0.5 if both else 1.0
        self.mixup_alpha, self.cutmix_alpha = mixup_alpha, cutmix_alpha
        self.mixup_share = 0.0 if mixup_alpha is None else (mixup_share or even)
        self.cutmix_share = 0.0 if cutmix_alpha is None else (cutmix_share or even)
        if self.mixup_share + self.cutmix_share > 1.0 + 1e-9:
            raise ValueError(
                f"MIXUP_SHARE + CUTMIX_SHARE = {self.mixup_share + self.cutmix_share:g} "
                "is more than all the batches; make them add up to 1 at most"
            )

    def draw(self, n: int, h: int, w: int, rng: np.random.Generator) -> Mix:
        """How a batch of ``n`` images of ``h`` x ``w`` is mixed (its random numbers)."""
        u = rng.random()
        if u < self.mixup_share:
            lam = float(rng.beta(self.mixup_alpha, self.mixup_alpha))
            return Mix("mixup", rng.permutation(n), lam)
        if u < self.mixup_share + self.cutmix_share:
            lam = float(rng.beta(self.cutmix_alpha, self.cutmix_alpha))
            box = cutmix_box(h, w, lam, rng)
            y0, y1, x0, x1 = box
            return Mix("cutmix", rng.permutation(n), 1.0 - (y1 - y0) * (x1 - x0) / (h * w), box)
        return Mix(None)

    def mix_batch(
        self, images: np.ndarray, labels: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """The batch mixed (images ``(n, h, w, c)``, one-hot or soft ``labels`` ``(n, k)``)."""
        mix = self.draw(len(images), images.shape[1], images.shape[2], rng)
        return apply_mix(mix, images, labels)


def cutmix_box(h: int, w: int, lam: float, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """``(y0, y1, x0, x1)``: a box of about ``(1 - lam)`` of the image, sides in the
    image's proportions, centred at a uniform point and cut at the image's edges.

    >>> cutmix_box(10, 10, 0.75, np.random.default_rng(1))
    (2, 7, 3, 8)
    """
    side = np.sqrt(1.0 - lam)
    bh, bw = int(round(h * side)), int(round(w * side))
    cy, cx = int(rng.integers(h)), int(rng.integers(w))
    y0, y1 = np.clip([cy - bh // 2, cy - bh // 2 + bh], 0, h)
    x0, x1 = np.clip([cx - bw // 2, cx - bw // 2 + bw], 0, w)
    return int(y0), int(y1), int(x0), int(x1)


def apply_mix(mix: Mix, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``images`` and ``labels`` mixed as ``mix`` says (new arrays; unmixed: as given)."""
    if mix.kind is None:
        return images, labels
    labels = np.asarray(labels, np.float32)
    return mix_pairs(mix, images, labels, images[mix.order], labels[mix.order])


def mix_pairs(
    mix: Mix,
    images: np.ndarray,
    labels: np.ndarray,
    partners: np.ndarray,
    partner_labels: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each of ``images`` (and ``labels``) mixed with its partner, the same row of
    ``partners`` (``partner_labels``), as ``mix`` says: row by row, so any rows of a batch
    mix to exactly the rows the whole batch mixes to (a ``multi_worker`` process's share).

    >>> mix = Mix("cutmix", lam=0.5, box=(0, 1, 0, 2))
    >>> ones, zeros = np.ones((1, 2, 2, 1), np.uint8), np.zeros((1, 2, 2, 1), np.uint8)
    >>> images, labels = mix_pairs(mix, ones, np.eye(2)[[0]], zeros, np.eye(2)[[1]])
    >>> images[0, :, :, 0].tolist(), labels.tolist()
    ([[0, 0], [1, 1]], [[0.5, 0.5]])
    """
    labels, partner_labels = np.asarray(labels, np.float32), np.asarray(partner_labels, np.float32)
    mixed_labels = (mix.lam * labels + (1.0 - mix.lam) * partner_labels).astype(np.float32)
    if mix.kind == "cutmix":
        y0, y1, x0, x1 = mix.box
        out = images.copy()
        out[:, y0:y1, x0:x1] = partners[:, y0:y1, x0:x1]
        return out, mixed_labels
    if images.dtype in (np.uint8, np.float32):  # one OpenCV pass, ~10x a NumPy float pass
        flat = np.ascontiguousarray(images).reshape(len(images) * images.shape[1], -1)
        partner = np.ascontiguousarray(partners).reshape(flat.shape)
        blend = cv2.addWeighted(flat, mix.lam, partner, 1.0 - mix.lam, 0.0)
        return blend.reshape(images.shape), mixed_labels
    blend = mix.lam * images.astype(np.float64) + (1.0 - mix.lam) * partners
    return blend.astype(images.dtype), mixed_labels
