"""Build train/val/test HDF5 files and the RGB mean from a folder of photos (the engine of
``build_dataset.py``).

Three steps. :func:`plan_build` checks and resolves everything once, before any image is
decoded: the settings, the image listing and its labels, the exclusions, the splits given
as folders, the split sizes against the classes, and outputs that are all different, not
there already unless overwriting, writable and with room for the new files. The splits
and the mean are then written from the :class:`BuildPlan` alone, under ``.partial`` names
(:mod:`~pyimagesearch.data.split_writer` writes each split), with a lock on each output
so that a second build into the same files stops at once. :func:`build_report` records
what happened to every image, and the report is published with the splits and the mean:
the five files appear together, or none of them.

Example (not run by the tests: needs the Kaggle photos):
    >>> report = build_dataset(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> report["splits"]["train"]["written"]                                   # doctest: +SKIP
    20000
    >>> plan = plan_build(load_config("config/dogs_vs_cats_config.py"), overwrite=True)
    ... # doctest: +SKIP
    >>> {name: len(split.paths) for name, split in plan.splits.items()}       # doctest: +SKIP
    {'train': 20000, 'val': 2500, 'test': 2500}
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections import Counter
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import (
    DATA_SETTINGS,
    SPLIT_SETTINGS,
    Config,
    missing_settings_error,
    plain,
    setting,
    validate,
)
from pyimagesearch.data.image_loading import ImageLoader, UnreadableImageError
from pyimagesearch.data.label_files import read_label_file
from pyimagesearch.data.listing import FolderWalk, ImageListing, list_images, natural_sorted
from pyimagesearch.data.shard_writer import (
    build_sharded_splits,
    collect_results,
    finish_split,
    result_path,
)
from pyimagesearch.data.split_writer import SplitReport, build_split
from pyimagesearch.data.splits import stratified_split
from pyimagesearch.errors import ConfigError, DatasetError, OutputError
from pyimagesearch.io.shards import shard_paths, stale_shards
from pyimagesearch.io.split_files import BUILD_SETTINGS
from pyimagesearch.io.storage import RAW, VLEN_OVERHEAD, encode_jpeg
from pyimagesearch.parallel.workers import resolve_workers
from pyimagesearch.utils.atomic import StagedFiles, check_free_space, check_writable, human_bytes
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.locks import output_locks
from pyimagesearch.utils.reports import json_text

REQUIRED_SETTINGS = (
    "IMAGES_PATH",
    *SPLIT_SETTINGS.values(),
    "DATASET_MEAN",
)
DEFAULT_IMAGE_SIZE = setting("IMAGE_SIZE").default
FOLDER_SETTINGS = {"val": "VAL_FOLDER", "test": "TEST_FOLDER"}  # splits given as folders


@dataclass
class SplitPlan:
    """The images of one split, their integer labels, and where they came from."""

    paths: list[str]
    labels: np.ndarray
    source: str  # "carved from IMAGES_PATH" or the folder given for the split


@dataclass
class BuildPlan:
    """A checked build: every setting resolved, the images listed and split, the outputs
    checked. The build runs from it alone, never from the config again."""

    images_path: str  # IMAGES_PATH as given
    listing: ImageListing  # the images of IMAGES_PATH, exclusions dropped
    given: dict[str, ImageListing]  # validation or test splits given as folders
    excluded: list[str]  # the images EXCLUDE_LIST left out
    splits: dict[str, SplitPlan]  # "train", "val", "test", in that order
    outputs: dict[str, Path]  # TRAIN_HDF5, VAL_HDF5, TEST_HDF5, DATASET_MEAN
    report_path: Path  # OUTPUT_PATH/build_report.json
    image_size: tuple[int, int]  # (width, height)
    workers: int
    buffer_size: int
    resize: str
    overwrite: bool
    storage: str  # "raw" or "jpeg" (STORAGE)
    jpeg_quality: int  # JPEG_QUALITY
    shards: int  # files a split is written as (SHARDS), one writer process each
    settings: dict[str, Any]  # DATA_SETTINGS as used (--set applied), recorded in the files
    collect: bool = False  # publish shards built one at a time (--shard K) instead

    @property
    def label_names(self) -> list[str]:
        return self.listing.class_names

    @property
    def listings(self) -> tuple[ImageListing, ...]:
        """IMAGES_PATH's listing, then those of the splits given as folders."""
        return (self.listing, *self.given.values())

    @property
    def walk(self) -> FolderWalk | None:
        """What the walk of IMAGES_PATH passed over (duplicates, loops, broken links)."""
        return self.listing.walk

    @property
    def labels_without_a_file(self) -> list[str]:
        return [name for one in self.listings for name in one.missing]

    @property
    def published(self) -> list[Path]:
        """The files a build replaces together: the splits, the mean and the report."""
        return [*self.outputs.values(), self.report_path]


# -- plan ----------------------------------------------------------------------------------
def plan_build(cfg: Config, overwrite: bool | None = None) -> BuildPlan:
    """Check everything a build needs before any image is decoded; the plan to run.

    ``overwrite`` (None: ``OVERWRITE``) allows replacing an earlier build's files, which
    stay until the new set is complete. Every other choice is a setting of ``cfg``.

    Raises:
        ConfigError: missing or contradictory settings, no ``EXCLUDE_LIST`` file.
        DatasetError: no images, a mixed layout, unusable labels, classes or split sizes
            that do not fit the data, outputs that are not four different files.
        OutputError: outputs already there without ``overwrite``, an unwritable folder,
            too little free space.
    """
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
    storage = (cfg.get("STORAGE"), cfg.get("JPEG_QUALITY"))
    row_bytes = estimated_row_bytes(splits["train"].paths, image_size, cfg.get("RESIZE"), *storage)
    _check_space(outputs, splits, row_bytes)
    return BuildPlan(
        images_path=cfg.IMAGES_PATH,
        listing=listing,
        given=given,
        excluded=excluded,
        splits=splits,
        outputs=outputs,
        report_path=cfg.output_path("build_report.json"),
        image_size=image_size,
        workers=workers,
        buffer_size=cfg.get("BUFFER_SIZE"),
        resize=cfg.get("RESIZE"),
        overwrite=overwrite,
        storage=storage[0],
        jpeg_quality=storage[1],
        shards=cfg.get("SHARDS"),
        settings={name: plain(cfg.get(name)) for name in DATA_SETTINGS},
    )


def require_build_settings(cfg: Config) -> None:
    """One error naming every missing setting: the outputs, and for validation and test
    either a size to carve (NUM_VAL_IMAGES / NUM_TEST_IMAGES) or a folder."""
    missing = [name for name in REQUIRED_SETTINGS if cfg.get(name) is None]
    for count, folder in (("NUM_VAL_IMAGES", "VAL_FOLDER"), ("NUM_TEST_IMAGES", "TEST_FOLDER")):
        if cfg.get(count) is None and cfg.get(folder) is None:
            missing.append(count)
    if missing:
        raise missing_settings_error(missing, str(cfg.source or "the command line"))


def image_size_from(setting: Any) -> tuple[int, int]:
    """``IMAGE_SIZE`` (an int or ``(width, height)``, checked by the settings table) as
    ``(width, height)``."""
    size = validate("IMAGE_SIZE", setting if setting is not None else DEFAULT_IMAGE_SIZE)
    return (size, size) if isinstance(size, int) else size


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
    found = listing.class_names
    _case_clashes(listing)
    _check_classes(cfg, listing, given)
    carved = stratified_split(
        listing.encoded_labels(),
        0 if "val" in given else cfg.NUM_VAL_IMAGES,
        0 if "test" in given else cfg.NUM_TEST_IMAGES,
        seed=cfg.get("RANDOM_SEED"),
        label_names=found,
    )
    lookup = {name: i for i, name in enumerate(found)}
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


def _check_classes(cfg: Config, listing: ImageListing, given: dict[str, ImageListing]) -> None:
    """``NUM_CLASSES`` (when set) matches the classes found, and the splits given as folders
    hold no class the training images lack."""
    expected = cfg.get("NUM_CLASSES")
    found = listing.class_names
    if expected is not None and expected != len(found):
        counts = Counter(listing.labels)
        shown = ", ".join(f"{n!r} ({counts[n]})" for n in found[:20])
        raise DatasetError(
            f"NUM_CLASSES = {expected} but {len(found)} classes were found under "
            f"{cfg.IMAGES_PATH}: {shown}{' ...' if len(found) > 20 else ''}"
        )
    for name, other in given.items():
        unknown = natural_sorted(set(other.class_names) - set(found))
        if unknown:
            raise DatasetError(
                f"the {name} split has classes the training images do not: "
                f"{', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}"
            )


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


# JPEG rows: the size is estimated from this many training images, with this margin.
JPEG_SAMPLE = 16
JPEG_MARGIN = 1.5


def estimated_row_bytes(
    paths: list[str], image_size: tuple[int, int], resize: str, storage: str, quality: int
) -> float:
    """The bytes a row will take: raw, the image's pixels; JPEG, the mean size of up to
    16 training images (evenly spaced) encoded as the build will, times 1.5, with HDF5's
    bytes a row (raw size when none of them reads)."""
    raw = image_size[0] * image_size[1] * 3
    if storage == RAW:
        return raw
    loader = ImageLoader(image_size[0], image_size[1], resize)
    sizes = []
    for k in np.linspace(0, len(paths) - 1, min(JPEG_SAMPLE, len(paths))).astype(int):
        try:
            sizes.append(len(encode_jpeg(loader(paths[k]), quality)))
        except UnreadableImageError:
            continue
    if not sizes:
        return raw
    return float(np.mean(sizes)) * JPEG_MARGIN + VLEN_OVERHEAD


def _check_space(outputs: dict[str, Path], splits: dict[str, SplitPlan], row_bytes: float) -> None:
    """Room for every split file: its rows (``row_bytes`` each: :func:`estimated_row_bytes`),
    1% and a MiB for HDF5's own bytes."""
    check_free_space(
        {
            SPLIT_SETTINGS[name]: (
                outputs[SPLIT_SETTINGS[name]],
                len(split.paths) * row_bytes * 1.01 + 2**20,
            )
            for name, split in splits.items()
        }
    )


# -- run -------------------------------------------------------------------------------------
def build_dataset(
    source: Config | BuildPlan, overwrite: bool | None = None, progress: bool = True
) -> dict[str, Any]:
    """Build every split and the mean: from a config (``overwrite``: see
    :func:`plan_build`) or from a plan made earlier; return the build report.

    All checks run before any image is decoded, and a lock on each output stops a second
    build into the same files. The split files, the mean and the report are written under
    ``.partial`` names and renamed together when all five are done: an interrupted or
    failed build leaves the previous outputs as they were, and nothing that looks
    complete. The files share a ``build_id``.

    Raises:
        ConfigError, DatasetError, OutputError: see :func:`plan_build`; DatasetError too
            when no image of a split, or no training image of a class, can be read;
            OutputError when another build is writing the same outputs.
    """
    started = time.perf_counter()
    if isinstance(source, BuildPlan):
        if overwrite is not None:
            raise TypeError("a plan is already made; give overwrite to plan_build")
        plan = source
    else:
        plan = plan_build(source, overwrite)
    build_id = distributed_build_id(plan) if plan.collect else uuid.uuid4().hex
    staged = StagedFiles()
    with output_locks(plan.published, "build"):
        try:
            split_reports, mean = write_splits(plan, build_id, staged, progress)
            elapsed = time.perf_counter() - started
            if plan.collect:  # the shards' own time (the slowest of each split's) besides
                elapsed += sum(r.elapsed_seconds for r in split_reports.values())
            report = build_report(plan, build_id, split_reports, mean, elapsed)
            staged.write_text(plan.report_path, json_text(report))
            staged.publish()  # only a finished build replaces files: all five together
            remove_stale_shards(plan)
            for shard in range(plan.shards if plan.collect else 0):
                result_path(plan.report_path, shard, plan.shards).unlink(missing_ok=True)
        except BaseException:
            staged.abort()
            raise
    report["report_path"] = str(plan.report_path)
    return report


def write_splits(
    plan: BuildPlan, build_id: str, staged: StagedFiles, progress: bool = True
) -> tuple[dict[str, SplitReport], dict[str, Any]]:
    """Write the splits and the mean under their ``.partial`` names, each added to
    ``staged`` (the caller publishes or aborts them); refuse a split or a training class
    without a readable image. The splits' reports and the mean as written (``R``, ``G``,
    ``B``, ``build_id``). Each split file records the build's id and settings
    (``BUILD_SETTINGS``, JSON text)."""
    attrs = file_attrs(plan, build_id)
    split_reports: dict[str, SplitReport] = {}
    mean: dict[str, Any] = {}
    with closing(written_splits(plan, attrs, progress)) as splits:
        for name, report, sums, writer in splits:
            split = plan.splits[name]
            staged.add(writer)
            split_reports[name] = report
            if name == "train":
                mean = _training_mean(report, sums, plan.image_size)
                counts = writer.label_counts(len(plan.label_names))
                _require_classes(split, report, counts, plan)
            _require_images(name, split, report, plan)
    mean["build_id"] = build_id
    staged.write_text(plan.outputs["DATASET_MEAN"], json_text(mean))
    return split_reports, mean


def file_attrs(plan: BuildPlan, build_id: str) -> dict[str, Any]:
    """The attributes every split file of the build records."""
    return {
        "label_source": plan.listing.label_source,
        "images_path": display_path(plan.images_path),
        "build_id": build_id,
        BUILD_SETTINGS: json.dumps(plan.settings),
    }


def split_options(plan: BuildPlan, progress: bool = True) -> dict[str, Any]:
    """``build_split``'s arguments that every split of the build shares."""
    return {"label_names": plan.label_names, "image_size": plan.image_size,
            "workers": plan.workers, "buffer_size": plan.buffer_size,
            "overwrite": plan.overwrite, "progress": progress, "resize": plan.resize,
            "storage": plan.storage, "jpeg_quality": plan.jpeg_quality}  # fmt: skip


def distributed_build_id(plan: BuildPlan) -> str:
    """The build id of a set built one shard at a time: the same on every machine that
    plans the same build (settings, images, splits, shard count)."""
    splits = {name: split.paths for name, split in plan.splits.items()}
    text = json.dumps({"settings": plan.settings, "shards": plan.shards, "splits": splits})
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def written_splits(plan: BuildPlan, attrs: dict[str, Any], progress: bool = True):
    """Yield ``(name, report, RGB channel sums, what publishes it)`` of each split, written
    under ``.partial`` names: one file a split, each written when asked for; or
    ``plan.shards`` shards of every split, written side by side, and their indexes."""
    options = split_options(plan, progress)
    sources = {name: {**attrs, "source": split.source} for name, split in plan.splits.items()}
    if plan.shards > 1:
        unstaged = sharded_splits(plan, sources, options)
        try:
            for name in plan.splits:
                yield (name, *unstaged.pop(name))
        finally:  # the consumer stopped (a refused split): the others' files go too
            for _, _, staged in unstaged.values():
                staged.abort()
        return
    for name, split in plan.splits.items():
        output = plan.outputs[SPLIT_SETTINGS[name]]
        yield (name, *build_split(name, split.paths, split.labels, output_path=output,
                                  attrs=sources[name], **options))  # fmt: skip


def sharded_splits(plan: BuildPlan, sources: dict[str, dict], options: dict[str, Any]):
    """Every split's shards (written now, or by ``--shard K`` steps: ``plan.collect``) and
    its index, under ``.partial`` names: ``{name: (report, sums, staged set)}``."""
    if not plan.collect:
        splits = {name: (split.paths, split.labels, plan.outputs[SPLIT_SETTINGS[name]],
                         sources[name]) for name, split in plan.splits.items()}  # fmt: skip
        return build_sharded_splits(splits, plan.shards, **options)
    build_id = next(iter(sources.values()))["build_id"]
    results = collect_results(plan.report_path, list(plan.splits), plan.shards, build_id)
    finished = {}
    for name, mine in results.items():
        elapsed = max(r.report.elapsed_seconds for r in mine)  # the shards ran side by side
        output = plan.outputs[SPLIT_SETTINGS[name]]
        finished[name] = finish_split(name, output, mine, elapsed)
    return finished


def remove_stale_shards(plan: BuildPlan) -> None:
    """After publishing: the shard files an earlier build left at the splits' names that
    the new set does not use (another shard count, or none)."""
    for name in SPLIT_SETTINGS.values():
        path = plan.outputs[name]
        keep = shard_paths(path, plan.shards) if plan.shards > 1 else []
        for stale in stale_shards(path, keep):
            stale.unlink(missing_ok=True)


def _first_skipped(report: SplitReport, paths: list[str]) -> str:
    """``path: reason`` of the first of ``paths`` the split skipped."""
    skipped = {entry["path"]: entry["reason"] for entry in report.skipped_files}
    shown = next((display_path(p) for p in paths if display_path(p) in skipped), None)
    return f"{shown}: {skipped[shown]}" if shown else "see the skipped files"


def _require_images(name: str, split: SplitPlan, report: SplitReport, plan: BuildPlan) -> None:
    """Refuse a split that was given images but could read none of them."""
    if report.written or not report.listed:
        return
    where = f"{FOLDER_SETTINGS[name]} {split.source}" if name in plan.given else split.source
    raise DatasetError(
        f"the {name} split ({where}) has no readable image: all {report.listed} were "
        f"skipped (e.g. {_first_skipped(report, split.paths[:1])}); nothing was published"
    )


def _require_classes(
    split: SplitPlan, report: SplitReport, counts: np.ndarray, plan: BuildPlan
) -> None:
    """Refuse a class none of whose training images could be read (it would be a class
    the model never sees, with no row in any split to learn it from)."""
    empty = np.flatnonzero(counts == 0)
    if not len(empty):
        return
    mine = np.flatnonzero(split.labels == empty[0])
    raise DatasetError(
        f"class {plan.label_names[empty[0]]!r} has no readable training image: all "
        f"{len(mine)} were skipped (e.g. {_first_skipped(report, [split.paths[mine[0]]])}); "
        "replace or exclude them (EXCLUDE_LIST); nothing was published"
    )


def _training_mean(
    report: SplitReport, sums: np.ndarray, image_size: tuple[int, int]
) -> dict[str, Any]:
    """``{"R": .., "G": .., "B": ..}`` over every pixel of the training images written."""
    if report.written == 0:
        raise DatasetError("no training image could be read; see the skipped files")
    pixels = report.written * image_size[0] * image_size[1]
    return {c: float(s / pixels) for c, s in zip("RGB", sums, strict=True)}


# -- record ----------------------------------------------------------------------------------
def build_report(
    plan: BuildPlan,
    build_id: str,
    split_reports: dict[str, SplitReport],
    mean: dict[str, Any],
    elapsed: float,
) -> dict[str, Any]:
    """The build report (``build_report.json``): the build's settings, the classes, the
    mean, the totals, every file passed over with its reason, and each split's report and
    source."""
    return {
        "images_path": display_path(plan.images_path),
        "build_id": build_id,
        "settings": plan.settings,
        "label_source": plan.listing.label_source,
        "label_names": plan.label_names,
        "image_size": {"width": plan.image_size[0], "height": plan.image_size[1]},
        "channel_order": "RGB",
        "workers": plan.workers,
        "shards": plan.shards,
        "dataset_mean": {c: mean[c] for c in "RGB"},
        "totals": _totals(plan, split_reports, elapsed),
        **_passed_over(plan, split_reports),
        "splits": {name: asdict(r) for name, r in split_reports.items()},
        "split_sources": {name: split.source for name, split in plan.splits.items()},
    }


def _totals(
    plan: BuildPlan, split_reports: dict[str, SplitReport], elapsed: float
) -> dict[str, Any]:
    """How many files were found, passed over (by reason), listed, written and skipped."""
    walk = plan.walk
    written = sum(r.written for r in split_reports.values())
    stored = sum(r.stored_bytes for r in split_reports.values())
    return {
        "image_files_found": sum(len(one.paths) + len(one.unlabeled) for one in plan.listings),
        "unlabeled": sum(len(one.unlabeled) for one in plan.listings),
        "non_image_files": len(plan.listing.ignored),
        "labels_without_a_file": len(plan.labels_without_a_file),
        "excluded": len(plan.excluded),
        "duplicates_dropped": len(walk.duplicates) if walk else 0,
        "link_loops_skipped": len(walk.loops) if walk else 0,
        "broken_links": len(walk.broken_links) if walk else 0,
        "listed": sum(r.listed for r in split_reports.values()),
        "written": written,
        "skipped": sum(r.skipped for r in split_reports.values()),
        "elapsed_seconds": round(elapsed, 3),
        "images_per_second": round(written / max(elapsed, 1e-9), 1),
        "storage": plan.storage,
        "stored_bytes": stored,
        "bytes_per_image": round(stored / max(written, 1), 1),
    }


def _passed_over(plan: BuildPlan, split_reports: dict[str, SplitReport]) -> dict[str, Any]:
    """The files passed over, each list under its report key (and the sources the audit
    reports: tiny, extreme aspect ratios, grayscale)."""
    walk = plan.walk
    return {
        "unlabeled_files": [
            {"path": display_path(p), "reason": r}
            for one in plan.listings
            for p, r in one.unlabeled
        ],
        "labels_without_a_file": plan.labels_without_a_file,
        "excluded_files": [display_path(p) for p in plan.excluded],
        "source_notes": [note for r in split_reports.values() for note in r.source_notes],
        "ignored_non_image_files": [display_path(p) for p in plan.listing.ignored],
        "duplicate_files": [
            {"path": display_path(p), "same_file_as": display_path(first)}
            for p, first in (walk.duplicates if walk else [])
        ],
        "link_loops": [display_path(p) for p in (walk.loops if walk else [])],
        "broken_links": [display_path(p) for p in (walk.broken_links if walk else [])],
    }


# What the build passed over, as summary_lines names it: (totals key, text, report list).
PASSED_OVER = (
    ("unlabeled", "image file(s) had no label and were left out", "unlabeled_files"),
    ("labels_without_a_file", "name(s) in the label file(s) matched no image",
     "labels_without_a_file"),
    ("excluded", "image(s) left out by EXCLUDE_LIST", "excluded_files"),
    ("non_image_files", "file(s) without an image extension were ignored",
     "ignored_non_image_files"),
    ("duplicates_dropped", "link(s) to an image already listed were dropped", "duplicate_files"),
    ("link_loops_skipped", "link(s) back to a folder already walked were skipped", "link_loops"),
    ("broken_links", "broken link(s) were skipped", "broken_links"),
)  # fmt: skip


def summary_lines(report: dict[str, Any]) -> list[str]:
    """What build_dataset.py (and the demo) print about a finished build's report."""
    names = ", ".join(report["label_names"])
    lines = [f"[INFO] classes: {names} ({report['label_source']} labels)"]
    for name, split in report["splits"].items():
        lines.append(
            f"[INFO] {name:5s}: listed {split['listed']:6d}  written {split['written']:6d}  "
            f"skipped {split['skipped']:4d}  {split['images_per_second']:7.1f} images/s"
            f"  -> {split['output']}"
        )
        for skipped in split["skipped_files"][:10]:
            lines.append(f"         skipped {skipped['path']}: {skipped['reason']}")
        if split["skipped"] > 10:
            lines.append(f"         ... and {split['skipped'] - 10} more (see the report)")
    totals = report["totals"]
    lines += [f"[INFO] {totals[key]} {text} (listed under {listing!r} in the report)"
              for key, text, listing in PASSED_OVER if totals[key]]  # fmt: skip
    mean = report["dataset_mean"]
    lines.append(f"[INFO] training mean: R {mean['R']:.2f}  G {mean['G']:.2f}  B {mean['B']:.2f}")
    if report.get("shards", 1) > 1:
        lines.append(
            f"[INFO] each split is {report['shards']} shard files and an index (read as one)"
        )
    if totals.get("storage", RAW) != RAW:
        quality = report["settings"].get("JPEG_QUALITY")
        lines.append(
            f"[INFO] stored as {totals['storage']} (quality {quality}): "
            f"{totals['bytes_per_image']:,.0f} bytes per image, "
            f"{human_bytes(totals['stored_bytes'])} in all"
        )
    lines.append(
        f"[INFO] {totals['written']} images in {totals['elapsed_seconds']:.1f} s "
        f"({totals['images_per_second']:.1f} images/s); report: {report['report_path']}"
    )
    return lines
