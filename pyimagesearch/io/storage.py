"""How a file's image rows are stored: raw pixels (``"raw"``) or JPEG bytes (``"jpeg"``).

A raw row is the image itself, ``(height, width, 3)`` uint8 (196,608 bytes at 256x256). A
JPEG row is the already-resized image encoded once by the builder (``STORAGE = "jpeg"``,
``JPEG_QUALITY``), stored as variable-length uint8 bytes (h5py's ``vlen_dtype``): the data
set is one-dimensional, one entry a row, and its attributes say how to read it back:
``storage`` (``"jpeg"``), ``image_shape`` (the decoded row) and ``jpeg_quality``. A data set
without ``storage`` is raw (every file written before JPEG rows were). Readers decode rows
with :func:`decode_rows` (OpenCV releases the GIL: the rows of a batch decode side by side,
each straight into its row of the batch), so that every reader returns the same
``(n, height, width, 3)`` pixels whichever way the file stores them. The row checksums of a
JPEG file are those of the stored bytes (:mod:`pyimagesearch.io.checksums`).

Example:
    >>> image = np.full((16, 16, 3), 128, np.uint8)
    >>> row = encode_jpeg(image, 90)
    >>> row.dtype, row.ndim, row.nbytes < image.nbytes
    (dtype('uint8'), 1, True)
    >>> rows = np.empty(1, object); rows[0] = row
    >>> back = decode_rows(rows, (16, 16, 3))
    >>> back.shape, int(np.abs(back.astype(int) - 128).max()) <= 2
    ((1, 16, 16, 3), True)
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import cv2
import h5py
import numpy as np

from pyimagesearch.errors import DatasetError
from pyimagesearch.parallel.batches import empty_batch, parallel_for

RAW, JPEG = "raw", "jpeg"
STORAGES = (RAW, JPEG)
STORAGE_ATTR = "storage"  # the rows data set's attribute: how its rows are stored
IMAGE_SHAPE_ATTR = "image_shape"  # a JPEG data set's decoded row shape (height, width, 3)
QUALITY_ATTR = "jpeg_quality"
ENCODED_DTYPE = h5py.vlen_dtype(np.dtype("uint8"))
# OpenCV 4.10 and later decode to RGB themselves (a fifth faster than BGR and a conversion)
_DECODE_FLAG = getattr(cv2, "IMREAD_COLOR_RGB", cv2.IMREAD_COLOR)
# Bytes HDF5 spends on each variable-length row besides its data: the row's heap id in the
# data set (16) and its entry in a global heap collection (16, and up to 7 of padding).
VLEN_OVERHEAD = 40


def storage_of(dataset: h5py.Dataset) -> str:
    """How ``dataset``'s rows are stored (``"raw"`` without the attribute); one line for a
    storage this version does not read."""
    value = dataset.attrs.get(STORAGE_ATTR)
    if value is None:
        return RAW
    value = value.decode() if isinstance(value, bytes) else str(value)
    if value not in STORAGES:
        raise DatasetError(
            f"{dataset.file.filename}: its '{dataset.name.strip('/')}' rows are stored as "
            f"{value!r}, which this version cannot read (it reads {', '.join(STORAGES)}); "
            "update pyimagesearch or rebuild the file"
        )
    return value


def is_encoded(dataset: h5py.Dataset) -> bool:
    """Whether ``dataset``'s rows are encoded images (JPEG) rather than raw arrays."""
    return storage_of(dataset) != RAW


def row_shape(dataset: h5py.Dataset) -> tuple[int, ...]:
    """The shape of one row as readers return it (decoded, for JPEG rows)."""
    if is_encoded(dataset):
        return tuple(int(v) for v in dataset.attrs[IMAGE_SHAPE_ATTR])
    return tuple(int(v) for v in dataset.shape[1:])


def encode_jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    """The JPEG bytes (1-D uint8) of an RGB uint8 image (encoded as OpenCV's BGR, so that
    the luma weights fall on the right channels)."""
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    )
    if not ok:
        raise ValueError(f"OpenCV could not encode an image of shape {rgb.shape} as JPEG")
    return data.reshape(-1)


def decode_jpeg_into(data: np.ndarray, out: np.ndarray) -> bool:
    """Decode JPEG bytes into ``out`` (RGB, its shape); False when they are no image of
    that shape."""
    image = cv2.imdecode(np.asarray(data, np.uint8), _DECODE_FLAG)
    if image is None or image.shape != out.shape:
        return False
    if _DECODE_FLAG == cv2.IMREAD_COLOR:  # an OpenCV before 4.10: decoded as BGR
        cv2.cvtColor(image, cv2.COLOR_BGR2RGB, dst=out)
    else:
        out[...] = image
    return True


def encoded_rows(rows: Sequence[np.ndarray]) -> np.ndarray:
    """Encoded rows as a 1-D object array (what h5py writes and reads for vlen data)."""
    out = np.empty(len(rows), object)
    for i, row in enumerate(rows):
        out[i] = np.asarray(row, np.uint8).reshape(-1)
    return out


def decode_rows(
    encoded: np.ndarray,
    shape: tuple[int, ...],
    path: str | os.PathLike[str] = "the file",
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Decode JPEG rows into one aligned ``(n, *shape)`` uint8 batch, the rows side by
    side on the shared pool (in the calling thread inside ``inline_batches``). A row that
    does not decode: one line naming ``path`` and its file row (``rows[i]``, else ``i``)."""
    out = empty_batch((len(encoded), *shape), np.uint8)
    bad: list[int] = []

    def one(i: int) -> None:
        if not decode_jpeg_into(encoded[i], out[i]):
            bad.append(i)

    parallel_for(len(encoded), one)
    if bad:
        first = min(bad)
        row = int(rows[first]) if rows is not None else first
        raise DatasetError(
            f"{path} row {row} is damaged (its JPEG bytes do not decode to a "
            f"{'x'.join(map(str, shape))} image); rebuild it with build_dataset.py --overwrite"
        )
    return out
