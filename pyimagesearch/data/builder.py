"""Build train/val/test HDF5 files from a folder of photos (the engine of build_dataset.py).

Decoding and resizing run in threads (OpenCV releases the GIL), each image landing
straight in its row of a preallocated block; the main thread only writes finished blocks
to HDF5 (one call per block, which also releases the GIL) while the next ones decode.

Example:
    >>> report = build_dataset(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> report["splits"]["train"]["written"]                                   # doctest: +SKIP
    20000
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.data.image_loading import ImageLoader, UnreadableImageError
from pyimagesearch.data.listing import ImageListing, list_images
from pyimagesearch.data.parallel import default_workers, threaded_blocks
from pyimagesearch.data.splits import stratified_split
from pyimagesearch.errors import DatasetError
from pyimagesearch.io.hdf5_dataset_writer import HDF5DatasetWriter
from pyimagesearch.utils.progress import progress_bar
from pyimagesearch.utils.reports import write_json

SPLIT_SETTINGS = {"train": "TRAIN_HDF5", "val": "VAL_HDF5", "test": "TEST_HDF5"}
REQUIRED_SETTINGS = (
    "IMAGES_PATH",
    "NUM_VAL_IMAGES",
    "NUM_TEST_IMAGES",
    *SPLIT_SETTINGS.values(),
    "DATASET_MEAN",
)
DEFAULT_IMAGE_SIZE = 256

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


def image_size_from(setting: Any) -> tuple[int, int]:
    """``IMAGE_SIZE`` (an int or ``(width, height)``) as ``(width, height)``."""
    if setting is None:
        return DEFAULT_IMAGE_SIZE, DEFAULT_IMAGE_SIZE
    if isinstance(setting, int) and setting > 0:
        return setting, setting
    if (
        isinstance(setting, tuple | list)
        and len(setting) == 2
        and all(isinstance(v, int) and v > 0 for v in setting)
    ):
        return int(setting[0]), int(setting[1])
    raise DatasetError(f"IMAGE_SIZE must be a positive int or (width, height), got {setting!r}")


def block_size_for(image_size: tuple[int, int], target_bytes: int = 32 * 2**20) -> int:
    """Images per decoding block: about ``target_bytes`` of pixels, 16 to 256 images."""
    row_bytes = image_size[0] * image_size[1] * 3
    return max(16, min(256, target_bytes // row_bytes))


def build_split(
    name: str,
    paths: list[str],
    labels: np.ndarray,
    label_names: list[str],
    output_path: str | Path,
    image_size: tuple[int, int],
    workers: int | None = None,
    buffer_size: int = 1000,
    overwrite: bool = False,
    attrs: dict[str, Any] | None = None,
    progress: bool = True,
) -> tuple[SplitReport, np.ndarray, HDF5DatasetWriter]:
    """Write one split's images to HDF5; return its report, its RGB channel sums and the
    closed writer, whose file keeps its ``.partial`` name until ``writer.publish()``."""
    width, height = image_size
    report = SplitReport(output=str(output_path), listed=len(paths))
    channel_sums = np.zeros(3, dtype=np.float64)
    start = time.perf_counter()
    writer = HDF5DatasetWriter(
        (len(paths), height, width, 3),
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
    )
    opencv_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # parallel over images; OpenCV's own threads would oversubscribe
    try:
        writer.store_class_labels(label_names)
        bar = progress_bar(f"[{name}] building", len(paths), enabled=progress)
        done = 0
        for block in threaded_blocks(
            ImageLoader(width, height).load_into,
            paths,
            (height, width, 3),
            block_size=block_size_for(image_size),
            workers=workers,
            catch=UnreadableImageError,
        ):
            report.skipped_files.extend(
                {"path": paths[index], "reason": str(error)} for index, error in block.errors
            )
            if len(block.indices):
                writer.add(block.rows, labels[block.indices], [paths[i] for i in block.indices])
                channel_sums += np.sum(block.results, axis=0)
            done += block.listed
            bar.update(done)
        bar.finish()
        report.written = writer.count
        writer.close(publish=False)  # build_dataset publishes the splits together
    except BaseException:
        writer.abort()
        raise
    finally:
        cv2.setNumThreads(opencv_threads)
    report.skipped = len(report.skipped_files)
    report.elapsed_seconds = round(time.perf_counter() - start, 3)
    report.images_per_second = round(report.written / max(report.elapsed_seconds, 1e-9), 1)
    if report.written + report.skipped != report.listed:  # never lose an image silently
        raise AssertionError(f"{name}: listed {report.listed} != written + skipped")
    return report, channel_sums, writer


def _check_outputs(cfg: Config, overwrite: bool) -> None:
    outputs = [Path(cfg.get(s)) for s in SPLIT_SETTINGS.values()] + [Path(cfg.DATASET_MEAN)]
    if len(set(outputs)) != len(outputs):
        raise DatasetError(
            "TRAIN_HDF5, VAL_HDF5, TEST_HDF5 and DATASET_MEAN must be different files"
        )
    existing = [str(p) for p in outputs[:3] if p.exists()]
    if existing and not overwrite:
        raise DatasetError(
            "output file(s) already exist: "
            + ", ".join(existing)
            + "; pass --overwrite (or set OVERWRITE = True) to rebuild them"
        )
    for path in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
    # Overwriting: the old files go first, so that an interrupted build cannot leave a new
    # training file beside the old run's validation or test file (or its mean).
    for path in outputs:
        path.unlink(missing_ok=True)


def plan_splits(cfg: Config, listing: ImageListing) -> dict[str, np.ndarray]:
    """Check the class count and split sizes against the data; return split indices."""
    expected = cfg.get("NUM_CLASSES")
    found = listing.class_names
    if expected is not None and expected != len(found):
        raise DatasetError(
            f"NUM_CLASSES = {expected} but {len(found)} classes were found under "
            f"{cfg.IMAGES_PATH}: {', '.join(found[:20])}"
        )
    return stratified_split(
        listing.encoded_labels(),
        cfg.NUM_VAL_IMAGES,
        cfg.NUM_TEST_IMAGES,
        seed=cfg.get("RANDOM_SEED", 42),
    )


def build_dataset(
    cfg: Config, overwrite: bool | None = None, progress: bool = True
) -> dict[str, Any]:
    """Build every split and the mean described by ``cfg``; return the build report.

    All checks (folder, classes, split sizes, existing outputs) run before any file is
    written. The split files are written under ``.partial`` names and renamed together
    when all three are done; an interrupted build leaves no file that looks complete.
    """
    started = time.perf_counter()
    overwrite = bool(cfg.get("OVERWRITE", False)) if overwrite is None else overwrite
    image_size = image_size_from(cfg.get("IMAGE_SIZE"))
    workers = int(cfg.get("BUILD_WORKERS", default_workers()))
    listing = list_images(cfg.IMAGES_PATH, cfg.get("LABEL_SOURCE"))
    splits = plan_splits(cfg, listing)
    _check_outputs(cfg, overwrite)

    label_names = listing.class_names
    encoded = listing.encoded_labels()
    attrs = {"label_source": listing.label_source, "images_path": str(cfg.IMAGES_PATH)}
    split_reports: dict[str, SplitReport] = {}
    mean: dict[str, float] = {}
    finished: list[HDF5DatasetWriter] = []
    try:
        for name, indices in splits.items():
            paths = [listing.paths[i] for i in indices]
            report, sums, writer = build_split(
                name,
                paths,
                encoded[indices],
                label_names,
                cfg.get(SPLIT_SETTINGS[name]),
                image_size,
                workers=workers,
                buffer_size=int(cfg.get("BUFFER_SIZE", 1000)),
                overwrite=overwrite,
                attrs=attrs,
                progress=progress,
            )
            finished.append(writer)
            split_reports[name] = report
            if name == "train":
                if report.written == 0:
                    raise DatasetError("no training image could be read; see the skipped files")
                pixels = report.written * image_size[0] * image_size[1]
                mean = {c: float(s / pixels) for c, s in zip("RGB", sums, strict=True)}
        # Only a finished build replaces files: the three splits and the mean appear together.
        for writer in finished:
            writer.publish()
    except BaseException:
        for writer in finished:
            writer.abort()
        raise
    write_json(cfg.DATASET_MEAN, mean)

    elapsed = time.perf_counter() - started
    written = sum(r.written for r in split_reports.values())
    report = {
        "images_path": str(cfg.IMAGES_PATH),
        "label_source": listing.label_source,
        "label_names": label_names,
        "image_size": {"width": image_size[0], "height": image_size[1]},
        "channel_order": "RGB",
        "workers": workers,
        "dataset_mean": mean,
        "totals": {
            "image_files_found": len(listing.paths) + len(listing.unlabeled),
            "unlabeled": len(listing.unlabeled),
            "listed": sum(r.listed for r in split_reports.values()),
            "written": written,
            "skipped": sum(r.skipped for r in split_reports.values()),
            "elapsed_seconds": round(elapsed, 3),
            "images_per_second": round(written / max(elapsed, 1e-9), 1),
        },
        "unlabeled_files": [{"path": p, "reason": r} for p, r in listing.unlabeled],
        "ignored_non_image_files": listing.ignored,
        "splits": {name: asdict(r) for name, r in split_reports.items()},
    }
    report_path = write_json(cfg.output_path("build_report.json"), report)
    report["report_path"] = str(report_path)
    return report
