"""Perceptual hashes (pHash) of whole batches with NumPy: the images as 32x32 grayscale,
the 8x8 lowest frequencies of their 2-D DCT, one bit per coefficient above the median.

The same algorithm as ``imagehash.phash`` (without its per-image PIL round trip): the DCT
is two matrix products for the whole batch, so hashing costs little more than reading the
pixels (``benchmarks/bench_audit.py``). Two images whose hashes differ in a few of the 64
bits look alike: the same photo re-encoded, resized, slightly cropped or recoloured.

Example:
    >>> images = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3), dtype=np.uint8)
    >>> hashes = phash(images[[0, 0, 1]])   # the first image twice
    >>> int(hamming(hashes[0], hashes[1])), int(hamming(hashes[0], hashes[2])) > 10
    (0, True)
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import cv2
import numpy as np

from pyimagesearch.parallel.batches import parallel_for

HASH_SIDE = 32  # images are reduced to 32 x 32 grayscale
LOW = 8  # the 8 x 8 lowest frequencies give the 64 bits


def _dct_basis(n: int = HASH_SIDE, rows: int = LOW) -> np.ndarray:
    """The first ``rows`` DCT-II basis vectors (SciPy's unnormalised convention)."""
    k = np.arange(rows)[:, None]
    i = np.arange(n)[None, :]
    return (2.0 * np.cos(np.pi * k * (2 * i + 1) / (2 * n))).astype(np.float32)


_BASIS = _dct_basis()
_BITS = (np.uint64(1) << np.arange(LOW * LOW, dtype=np.uint64)[::-1]).astype(np.uint64)


def small_gray(images: np.ndarray) -> np.ndarray:
    """``(N, 32, 32)`` float32 grayscale of RGB uint8 images (area averaging)."""
    out = np.empty((len(images), HASH_SIDE, HASH_SIDE), np.float32)

    def one(i: int) -> None:
        gray = cv2.cvtColor(images[i], cv2.COLOR_RGB2GRAY)
        out[i] = cv2.resize(gray, (HASH_SIDE, HASH_SIDE), interpolation=cv2.INTER_AREA)

    parallel_for(len(images), one)
    return out


def phash_of_small(small: np.ndarray) -> np.ndarray:
    """64-bit hashes (uint64) of ``(N, 32, 32)`` grayscale arrays: one batched DCT."""
    low = _BASIS @ small @ _BASIS.T  # (N, 8, 8): the lowest frequencies
    flat = low.reshape(len(small), -1)
    bits = flat > np.median(flat, axis=1, keepdims=True)
    return (bits.astype(np.uint64) * _BITS).sum(axis=1, dtype=np.uint64)


def phash(images: np.ndarray) -> np.ndarray:
    """64-bit perceptual hashes of a batch of RGB uint8 images."""
    return phash_of_small(small_gray(np.asarray(images)))


def hamming(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """Bits that differ between hashes (element-wise)."""
    return np.bitwise_count(np.bitwise_xor(np.uint64(a), np.uint64(b)))


def flatness(small: np.ndarray, tolerance: float = 6.0) -> np.ndarray:
    """Share of each 32x32 gray image's pixels within ``tolerance`` levels of its median:
    near 1 for a flat placeholder (even with a line of text on it), about 0.1 for photos."""
    flat = small.reshape(len(small), -1)
    return (np.abs(flat - np.median(flat, axis=1, keepdims=True)) <= tolerance).mean(axis=1)


def hash_hdf5(path: str | os.PathLike[str], batch: int = 512) -> Iterator[tuple]:
    """``(rows, hashes, flatness)`` of a builder file, block by block (flatness finds
    near-uniform placeholders)."""
    from pyimagesearch.io.hdf5_dataset import open_hdf5, read_rows

    with open_hdf5(path, "images") as db:
        data = db["images"]
        for start in range(0, len(data), batch):
            block = read_rows(data, slice(start, start + batch))
            small = small_gray(block)
            rows = np.arange(start, start + len(block))
            yield rows, phash_of_small(small), flatness(small)
