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

import os
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from pyimagesearch.config import Config, default, missing_settings_error, setting, validate
from pyimagesearch.data.image_loading import ImageLoader, UnreadableImageError
from pyimagesearch.data.label_files import read_label_file
from pyimagesearch.data.listing import ImageListing, list_images
from pyimagesearch.data.splits import stratified_split
from pyimagesearch.errors import ConfigError, DatasetError, OutputError
from pyimagesearch.io.hdf5_dataset_writer import HDF5DatasetWriter
from pyimagesearch.parallel.batches import (
    hold_opencv_single_threaded,
    release_opencv_threads,
)
from pyimagesearch.parallel.blocks import threaded_blocks
from pyimagesearch.parallel.workers import resolve_workers
from pyimagesearch.utils.atomic import check_free_space, check_writable, partial_path
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.progress import progress_bar
from pyimagesearch.utils.reports import json_text, write_json

SPLIT_SETTINGS = {"train": "TRAIN_HDF5", "val": "VAL_HDF5", "test": "TEST_HDF5"}
REQUIRED_SETTINGS = (
    "IMAGES_PATH",
    *SPLIT_SETTINGS.values(),
    "DATASET_MEAN",
)
DEFAULT_IMAGE_SIZE = setting("IMAGE_SIZE").default

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


def image_size_from(setting: Any) -> tuple[int, int]:
    """``IMAGE_SIZE`` (an int or ``(width, height)``, checked by the settings table) as
    ``(width, height)``."""
    size = validate("IMAGE_SIZE", setting if setting is not None else DEFAULT_IMAGE_SIZE)
    return (size, size) if isinstance(size, int) else size


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
    buffer_size: int = default("BUFFER_SIZE"),
    overwrite: bool = False,
    attrs: dict[str, Any] | None = None,
    progress: bool = True,
    resize: str = "aspect",
) -> tuple[SplitReport, np.ndarray, HDF5DatasetWriter]:
    """Write one split's images to HDF5; return its report, its RGB channel sums and the
    closed writer, whose file keeps its ``.partial`` name until ``writer.publish()``."""
    width, height = image_size
    report = SplitReport(output=display_path(output_path), listed=len(paths))
    channel_sums = np.zeros(3, dtype=np.float64)
    loader = ImageLoader(width, height, resize)
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
    hold_opencv_single_threaded()  # parallel over images; OpenCV's threads would oversubscribe
    try:
        writer.store_class_labels(label_names)
        bar = progress_bar(f"[{name}] building", len(paths), enabled=progress)
        done = 0
        for block in threaded_blocks(
            loader.load_into,
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
                writer.add(block.rows, labels[block.indices], [paths[i] for i in block.indices])
                results = np.asarray(block.results, dtype=np.float64)
                channel_sums += results[:, :3].sum(axis=0)
                _note_sources(report, [paths[i] for i in block.indices], results[:, 3:])
            done += block.listed
            bar.update(done)
        bar.finish()
        report.written = writer.count
        writer.close(publish=False)  # build_dataset publishes the splits together
    except BaseException:
        writer.abort()
        raise
    finally:
        release_opencv_threads()
    report.skipped = len(report.skipped_files)
    report.elapsed_seconds = round(time.perf_counter() - start, 3)
    report.images_per_second = round(report.written / max(report.elapsed_seconds, 1e-9), 1)
    if report.written + report.skipped != report.listed:  # never lose an image silently
        raise AssertionError(f"{name}: listed {report.listed} != written + skipped")
    return report, channel_sums, writer


def _check_outputs(cfg: Config, overwrite: bool) -> dict[str, Path]:
    """The four outputs, checked before the first image is decoded: all different, none
    already there unless overwriting, and every folder writable. Nothing is deleted: old
    outputs stay until the new set is complete."""
    names = [*SPLIT_SETTINGS.values(), "DATASET_MEAN"]
    outputs = {name: Path(cfg.get(name)) for name in names}
    if len(set(outputs.values())) != len(outputs):
        raise DatasetError(
            "TRAIN_HDF5, VAL_HDF5, TEST_HDF5 and DATASET_MEAN must be different files"
        )
    existing = [str(p) for p in outputs.values() if p.exists()]
    if existing and not overwrite:
        raise OutputError(
            "output file(s) already exist: "
            + ", ".join(existing)
            + "; pass --overwrite (or set OVERWRITE = True) to rebuild them (the old files "
            "stay until the new ones are complete)"
        )
    check_writable({**outputs, "OUTPUT_PATH": cfg.output_path("build_report.json")})
    return outputs


def _case_clashes(listing: ImageListing) -> None:
    """Refuse class names that differ only in case (a stray ``Cat.42.jpg`` beside
    ``cat.*.jpg`` would otherwise become a class of its own)."""
    by_lower: dict[str, list[str]] = {}
    for name in listing.class_names:
        by_lower.setdefault(name.lower(), []).append(name)
    for names in by_lower.values():
        if len(names) > 1:
            counts = Counter(listing.labels)
            shown = ", ".join(
                f"{n!r} ({counts[n]} image(s), e.g. {', '.join(listing.examples(n, 2))})"
                for n in sorted(names, key=lambda n: counts[n])
            )
            raise DatasetError(
                f"classes differ only in case: {shown}; rename the files so that each class "
                "has one spelling"
            )


@dataclass
class SplitPlan:
    """The images of one split, their integer labels, and where they came from."""

    paths: list[str]
    labels: np.ndarray
    source: str  # "carved from IMAGES_PATH" or the folder given for the split


def read_listing(cfg: Config, folder: str, labels_file: str | None) -> ImageListing:
    """The images of ``folder`` with their labels (from ``labels_file`` when given)."""
    mapping = None
    if labels_file is not None:
        columns, delimiter = cfg.get("LABELS_COLUMNS"), cfg.get("LABELS_DELIMITER")
        mapping = read_label_file(labels_file, columns, delimiter, cfg.get("LABELS_HEADER"))
    return list_images(folder, None if mapping else cfg.get("LABEL_SOURCE"), mapping=mapping)


def read_exclusions(path: str | os.PathLike[str]) -> set[str]:
    """The paths of an exclusion list (``# reason`` comments dropped), made absolute against
    the list's folder and normalised."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"EXCLUDE_LIST not found: {path}")
    found = set()
    for line in path.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            found.add(os.path.normpath(path.parent / entry))
    return found


def exclude(listing: ImageListing, exclude_list: str | None) -> list[str]:
    """Drop the listed images from ``listing`` (in place); return those dropped."""
    if exclude_list is None:
        return []
    excluded = read_exclusions(exclude_list)
    keep = [os.path.normpath(p) not in excluded for p in listing.paths]
    dropped = [p for p, k in zip(listing.paths, keep, strict=True) if not k]
    listing.paths = [p for p, k in zip(listing.paths, keep, strict=True) if k]
    listing.labels = [y for y, k in zip(listing.labels, keep, strict=True) if k]
    return dropped


def require_build_settings(cfg: Config) -> None:
    """One error naming every missing setting: the outputs, and for validation and test
    either a size to carve (NUM_VAL_IMAGES / NUM_TEST_IMAGES) or a folder."""
    missing = [name for name in REQUIRED_SETTINGS if cfg.get(name) is None]
    for count, folder in (("NUM_VAL_IMAGES", "VAL_FOLDER"), ("NUM_TEST_IMAGES", "TEST_FOLDER")):
        if cfg.get(count) is None and cfg.get(folder) is None:
            missing.append(count)
    if missing:
        raise missing_settings_error(missing, str(cfg.source or "the command line"))


def given_splits(cfg: Config) -> dict[str, ImageListing]:
    """Validation or test splits given as folders (Tiny ImageNet's ``val/``), not carved."""
    given = {}
    for name, folder, labels in (("val", "VAL_FOLDER", "VAL_LABELS_FILE"),
                                 ("test", "TEST_FOLDER", "TEST_LABELS_FILE")):  # fmt: skip
        count = "NUM_VAL_IMAGES" if name == "val" else "NUM_TEST_IMAGES"
        if cfg.get(folder) is None:
            continue
        if cfg.get(count):
            raise ConfigError(f"{folder} and {count} both set: give the {name} split one way")
        given[name] = read_listing(cfg, cfg.get(folder), cfg.get(labels))
    return given


def plan_splits(
    cfg: Config, listing: ImageListing, given: dict[str, ImageListing] | None = None
) -> dict[str, SplitPlan]:
    """Check the classes and split sizes against the data; return each split's images."""
    given = given or {}
    expected = cfg.get("NUM_CLASSES")
    found = listing.class_names
    _case_clashes(listing)
    if expected is not None and expected != len(found):
        counts = Counter(listing.labels)
        shown = ", ".join(f"{n!r} ({counts[n]})" for n in found[:20])
        raise DatasetError(
            f"NUM_CLASSES = {expected} but {len(found)} classes were found under "
            f"{cfg.IMAGES_PATH}: {shown}{' ...' if len(found) > 20 else ''}"
        )
    lookup = {name: i for i, name in enumerate(found)}
    for name, other in given.items():
        unknown = sorted(set(other.class_names) - set(found))
        if unknown:
            raise DatasetError(
                f"the {name} split has classes the training images do not: "
                f"{', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}"
            )
    carved = stratified_split(
        listing.encoded_labels(),
        0 if "val" in given else cfg.NUM_VAL_IMAGES,
        0 if "test" in given else cfg.NUM_TEST_IMAGES,
        seed=cfg.get("RANDOM_SEED"),
        label_names=found,
    )
    encoded = listing.encoded_labels()
    plans = {}
    for name, indices in carved.items():
        if name in given:
            other = given[name]
            labels = np.array([lookup[y] for y in other.labels], dtype=np.int64)
            plans[name] = SplitPlan(list(other.paths), labels, display_path(other.walk_root))
        else:
            paths = [listing.paths[i] for i in indices]
            plans[name] = SplitPlan(paths, encoded[indices], "carved from IMAGES_PATH")
    return plans


def build_dataset(
    cfg: Config, overwrite: bool | None = None, progress: bool = True
) -> dict[str, Any]:
    """Build every split and the mean described by ``cfg``; return the build report.

    All checks (settings, folder, classes, split sizes, existing and writable outputs) run
    before any image is decoded. The split files and the mean are written under
    ``.partial`` names and renamed together when all four are done: an interrupted or
    failed build leaves the previous outputs as they were, and nothing that looks
    complete. The four files share a ``build_id``.
    """
    started = time.perf_counter()
    require_build_settings(cfg)
    overwrite = cfg.get("OVERWRITE") if overwrite is None else overwrite
    image_size = image_size_from(cfg.get("IMAGE_SIZE"))
    workers = resolve_workers(cfg.get("BUILD_WORKERS"))
    listing = read_listing(cfg, cfg.IMAGES_PATH, cfg.get("LABELS_FILE"))
    excluded = exclude(listing, cfg.get("EXCLUDE_LIST"))
    given = given_splits(cfg)
    for other in given.values():
        excluded += exclude(other, cfg.get("EXCLUDE_LIST"))
    splits = plan_splits(cfg, listing, given)
    outputs = _check_outputs(cfg, overwrite)
    row_bytes = image_size[0] * image_size[1] * 3
    check_free_space(
        {
            SPLIT_SETTINGS[name]: (
                outputs[SPLIT_SETTINGS[name]],
                len(split.paths) * row_bytes * 1.01 + 2**20,
            )
            for name, split in splits.items()
        }
    )

    label_names = listing.class_names
    build_id = uuid.uuid4().hex
    attrs = {
        "label_source": listing.label_source,
        "images_path": display_path(cfg.IMAGES_PATH),
        "build_id": build_id,
    }
    split_reports: dict[str, SplitReport] = {}
    mean: dict[str, Any] = {}
    finished: list[HDF5DatasetWriter] = []
    mean_tmp = partial_path(outputs["DATASET_MEAN"])
    try:
        for name, split in splits.items():
            paths = split.paths
            report, sums, writer = build_split(
                name,
                paths,
                split.labels,
                label_names,
                outputs[SPLIT_SETTINGS[name]],
                image_size,
                workers=workers,
                buffer_size=cfg.get("BUFFER_SIZE"),
                overwrite=overwrite,
                attrs={**attrs, "source": split.source},
                progress=progress,
                resize=cfg.get("RESIZE"),
            )
            finished.append(writer)
            split_reports[name] = report
            if name == "train":
                if report.written == 0:
                    raise DatasetError("no training image could be read; see the skipped files")
                pixels = report.written * image_size[0] * image_size[1]
                mean = {c: float(s / pixels) for c, s in zip("RGB", sums, strict=True)}
        mean["build_id"] = build_id
        mean_tmp.write_text(json_text(mean))
        # Only a finished build replaces files: the three splits and the mean together.
        for writer in finished:
            writer.publish()
        os.replace(mean_tmp, outputs["DATASET_MEAN"])
    except BaseException:
        for writer in finished:
            writer.abort()
        mean_tmp.unlink(missing_ok=True)
        raise

    elapsed = time.perf_counter() - started
    written = sum(r.written for r in split_reports.values())
    walk = listing.walk
    missing = [name for one in (listing, *given.values()) for name in one.missing]
    report = {
        "images_path": display_path(cfg.IMAGES_PATH),
        "build_id": build_id,
        "label_source": listing.label_source,
        "label_names": label_names,
        "image_size": {"width": image_size[0], "height": image_size[1]},
        "channel_order": "RGB",
        "workers": workers,
        "dataset_mean": {c: mean[c] for c in "RGB"},
        "totals": {
            "image_files_found": sum(
                len(one.paths) + len(one.unlabeled) for one in (listing, *given.values())
            ),
            "unlabeled": sum(len(one.unlabeled) for one in (listing, *given.values())),
            "non_image_files": len(listing.ignored),
            "labels_without_a_file": len(missing),
            "excluded": len(excluded),
            "duplicates_dropped": len(walk.duplicates) if walk else 0,
            "link_loops_skipped": len(walk.loops) if walk else 0,
            "broken_links": len(walk.broken_links) if walk else 0,
            "listed": sum(r.listed for r in split_reports.values()),
            "written": written,
            "skipped": sum(r.skipped for r in split_reports.values()),
            "elapsed_seconds": round(elapsed, 3),
            "images_per_second": round(written / max(elapsed, 1e-9), 1),
        },
        "unlabeled_files": [
            {"path": display_path(p), "reason": r}
            for one in (listing, *given.values())
            for p, r in one.unlabeled
        ],
        "labels_without_a_file": missing,
        "excluded_files": [display_path(p) for p in excluded],
        "source_notes": [note for r in split_reports.values() for note in r.source_notes],
        "ignored_non_image_files": [display_path(p) for p in listing.ignored],
        "duplicate_files": [
            {"path": display_path(p), "same_file_as": display_path(first)}
            for p, first in (walk.duplicates if walk else [])
        ],
        "link_loops": [display_path(p) for p in (walk.loops if walk else [])],
        "broken_links": [display_path(p) for p in (walk.broken_links if walk else [])],
        "splits": {name: asdict(r) for name, r in split_reports.items()},
        "split_sources": {name: split.source for name, split in splits.items()},
    }
    report_path = write_json(cfg.output_path("build_report.json"), report)
    report["report_path"] = str(report_path)
    return report
