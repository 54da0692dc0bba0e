"""Write one split's images to an HDF5 file (the builder's writing step).

Decoding and resizing run in threads (OpenCV releases the GIL), each image landing
straight in its row of a preallocated block; the main thread only writes finished blocks
to HDF5 (one call per block, which also releases the GIL) while the next ones decode.
With ``storage="jpeg"`` the threads also encode each resized image (and decode it again,
so that the channel sums, hence the mean, are of the pixels readers will get); the
main thread writes the bytes.
The file keeps its ``.partial`` name until the caller publishes it:
:func:`pyimagesearch.data.build_dataset.build_dataset` publishes the three splits and the
mean together.

Example (not run by the tests: needs photos to write):
    >>> report, sums, writer = build_split(                       # doctest: +SKIP
    ...     "train", paths, labels, ["cat", "dog"], "train.hdf5", (256, 256))
    >>> writer.publish()                                          # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pyimagesearch.config import default
from pyimagesearch.data.image_loading import ImageLoader, UnreadableImageError
from pyimagesearch.io.hdf5_dataset_writer import HDF5DatasetWriter
from pyimagesearch.io.storage import RAW, decode_jpeg_into, encode_jpeg
from pyimagesearch.parallel.batches import (
    hold_opencv_single_threaded,
    release_opencv_threads,
)
from pyimagesearch.parallel.blocks import threaded_blocks
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.progress import progress_bar

# Skipped files are reported with their reason; OpenCV's own warnings would only repeat it.
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


@dataclass
class SplitReport:
    """What happened to one split's images."""

    output: str
    listed: int
    written: int = 0
    skipped: int = 0
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    images_per_second: float = 0.0
    source_notes: list[dict[str, Any]] = field(default_factory=list)  # tiny, odd, gray
    storage: str = RAW  # how the rows are stored: "raw" or "jpeg"
    stored_bytes: int = 0  # bytes of the rows in the file (HDF5's bookkeeping included)
    bytes_per_image: float = 0.0


SMALL_SOURCE = 64  # a source side below this is reported (an icon, a thumbnail)
EXTREME_ASPECT = 3.0  # a source this much wider than high (or higher than wide)


def _note_sources(report: SplitReport, paths: list[str], facts: np.ndarray) -> None:
    """Record the sources the audit reports: tiny, extreme aspect ratios, grayscale."""
    heights, widths, gray = facts[:, 0], facts[:, 1], facts[:, 2] > 0
    aspect = np.maximum(heights, widths) / np.maximum(np.minimum(heights, widths), 1)
    for k in np.flatnonzero((np.minimum(heights, widths) < SMALL_SOURCE)
                            | (aspect > EXTREME_ASPECT) | gray):  # fmt: skip
        report.source_notes.append({
            "path": display_path(paths[k]), "height": int(heights[k]), "width": int(widths[k]),
            "grayscale": bool(gray[k]),
        })  # fmt: skip


def block_size_for(image_size: tuple[int, int], target_bytes: int = 32 * 2**20) -> int:
    """Images per decoding block: about ``target_bytes`` of pixels, 16 to 256 images."""
    row_bytes = image_size[0] * image_size[1] * 3
    return max(16, min(256, target_bytes // row_bytes))


def row_fill(loader: ImageLoader, storage: str = RAW, jpeg_quality: int | None = None):
    """The ``fill(path, out) -> (facts, row)`` of the decoding threads: ``out`` gets the
    image as readers will see it, ``facts`` its R, G, B sums and source facts
    (``ImageLoader.load_into``), ``row`` its JPEG bytes (None for raw storage)."""
    if storage == RAW:
        return lambda path, out: (loader.load_into(path, out), None)

    def fill(path: str, out: np.ndarray) -> tuple[tuple[float, ...], np.ndarray]:
        facts = loader.load_into(path, out)
        data = encode_jpeg(out, jpeg_quality or default("JPEG_QUALITY"))
        decode_jpeg_into(data, out)  # the mean is of the decoded pixels
        return (*cv2.sumElems(out)[:3], *facts[3:]), data

    return fill


def build_split(
    name: str,
    paths: list[str],
    labels: np.ndarray,
    label_names: list[str],
    output_path: str | Path,
    image_size: tuple[int, int],
    workers: int | None = None,
    buffer_size: int = default("BUFFER_SIZE"),
    overwrite: bool = False,
    attrs: dict[str, Any] | None = None,
    progress: bool = True,
    resize: str = "aspect",
    storage: str = RAW,
    jpeg_quality: int = default("JPEG_QUALITY"),
) -> tuple[SplitReport, np.ndarray, HDF5DatasetWriter]:
    """Write one split's images to HDF5 (``storage``: raw pixels or JPEG bytes at
    ``jpeg_quality``); return its report, its RGB channel sums and the closed writer,
    whose file keeps its ``.partial`` name until ``writer.publish()``."""
    report = SplitReport(output=display_path(output_path), listed=len(paths), storage=storage)
    fill = row_fill(ImageLoader(image_size[0], image_size[1], resize), storage, jpeg_quality)
    start = time.perf_counter()
    writer = _open_writer(name, len(paths), output_path, image_size, buffer_size, overwrite,
                          attrs, (storage, jpeg_quality))  # fmt: skip
    hold_opencv_single_threaded()  # parallel over images; OpenCV's threads would oversubscribe
    try:
        writer.store_class_labels(label_names)
        channel_sums = _write_blocks(
            writer, fill, report, name, paths, labels, image_size, workers, progress
        )
        report.written = writer.count
        writer.close(publish=False)  # build_dataset publishes the splits together
        report.stored_bytes = writer.stored_bytes
    except BaseException:
        writer.abort()
        raise
    finally:
        release_opencv_threads()
    close_report(report, name, time.perf_counter() - start)
    return report, channel_sums, writer


def _open_writer(
    name: str,
    rows: int,
    output_path: str | Path,
    image_size: tuple[int, int],
    buffer_size: int,
    overwrite: bool,
    attrs: dict[str, Any] | None,
    storage: tuple[str, int] = (RAW, 0),
) -> HDF5DatasetWriter:
    """The split's file, ``rows`` RGB uint8 images of ``image_size`` (width, height),
    stored as ``storage`` (``(storage, JPEG quality)``) says."""
    width, height = image_size
    return HDF5DatasetWriter(
        (rows, height, width, 3),
        output_path,
        data_key="images",
        buffer_size=buffer_size,
        overwrite=overwrite,
        dtype="uint8",
        attrs={
            "channel_order": "RGB",
            "image_size": (width, height),
            "split": name,
            **(attrs or {}),
        },
        storage=storage[0],
        jpeg_quality=storage[1] if storage[0] != RAW else None,
    )


def _write_blocks(
    writer: HDF5DatasetWriter,
    fill,
    report: SplitReport,
    name: str,
    paths: list[str],
    labels: np.ndarray,
    image_size: tuple[int, int],
    workers: int | None,
    progress: bool,
) -> np.ndarray:
    """Decode ``paths`` in threaded blocks (``fill``: :func:`row_fill`) and append each
    block's readable images to ``writer``; skipped files and source notes go to
    ``report``. The RGB channel sums."""
    width, height = image_size
    channel_sums = np.zeros(3, dtype=np.float64)
    bar = progress_bar(f"[{name}] building", len(paths), enabled=progress)
    done = 0
    for block in threaded_blocks(
        fill,
        paths,
        (height, width, 3),
        block_size=block_size_for(image_size),
        workers=workers,
        catch=UnreadableImageError,
    ):
        report.skipped_files.extend(
            {"path": display_path(paths[index]), "reason": str(error)}
            for index, error in block.errors
        )
        if len(block.indices):
            encoded = [row for _, row in block.results]
            rows = block.rows if writer.storage == RAW else encoded
            writer.add(rows, labels[block.indices], [paths[i] for i in block.indices])
            results = np.asarray([facts for facts, _ in block.results], dtype=np.float64)
            channel_sums += results[:, :3].sum(axis=0)
            _note_sources(report, [paths[i] for i in block.indices], results[:, 3:])
        done += block.listed
        bar.update(done)
    bar.finish()
    return channel_sums


def close_report(report: SplitReport, name: str, elapsed: float) -> None:
    """Counts and speed; every listed image is either written or skipped with its reason."""
    report.skipped = len(report.skipped_files)
    report.elapsed_seconds = round(elapsed, 3)
    report.images_per_second = round(report.written / max(report.elapsed_seconds, 1e-9), 1)
    report.bytes_per_image = round(report.stored_bytes / max(report.written, 1), 1)
    if report.written + report.skipped != report.listed:  # never lose an image silently
        raise AssertionError(f"{name}: listed {report.listed} != written + skipped")
