"""The engine of ``extract_features.py``: which images, which backbones, which files, every
check made before TensorFlow starts (the plan), then the extraction.

Example (not run by the tests: runs a backbone over the Kaggle photos):
    >>> cfg = load_config("config/dogs_vs_cats_config.py")                      # doctest: +SKIP
    >>> plan = plan_extraction(cfg)                                             # doctest: +SKIP
    >>> plan.dataset, [(job.backbone, job.output) for job in plan.jobs]          # doctest: +SKIP
    >>> reports = extract_features(cfg)         # plan, then extract             # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import SPLIT_SETTINGS, Config, default
from pyimagesearch.data.sources import open_source
from pyimagesearch.errors import ConfigError, DatasetError, OutputError
from pyimagesearch.features.backbones import (
    build_backbone,
    check_image_size,
    checked_weights,
    get_backbone_spec,
)
from pyimagesearch.features.extraction import (
    FeatureExtractor,
    open_sources,
    write_activations,
    write_features,
)
from pyimagesearch.features.network_cut import backbone_split_layer
from pyimagesearch.io.hdf5_dataset import open_hdf5
from pyimagesearch.utils.atomic import check_free_space, check_writable, human_bytes
from pyimagesearch.utils.reports import write_json
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow


@dataclass
class Job:
    backbone: str
    output: str
    weights: Any


@dataclass
class ActivationsEstimate:
    """What an activations file will hold, known before any image is decoded."""

    split_layer: str
    shape: tuple[int, ...]
    dtype: str
    rows: int
    bytes: int

    def describe(self) -> str:
        shape = "x".join(str(d) for d in self.shape)
        return (
            f"activations of {self.split_layer} ({shape}, {self.dtype}) for {self.rows:,} "
            f"images: {human_bytes(self.bytes)}"
        )


@dataclass
class ExtractionPlan:
    """Everything an extraction needs, resolved from the settings once."""

    dataset: str | list[str]  # a folder, an HDF5 file, or the builder's split files
    description: str
    jobs: list[Job]
    activations: bool = False  # spatial activations of a split layer, not pooled features
    split_at: str | None = None  # a layer or a block prefix (the layer once estimated)
    dtype: str = "float32"
    image_size: int | None = None  # FEATURE_IMAGE_SIZE (None: each backbone's own)
    batch_size: int = default("FEATURE_BATCH_SIZE")
    buffer_size: int = default("BUFFER_SIZE")
    label_source: str | None = None
    workers: int | None = None
    estimate: ActivationsEstimate | None = None

    def summary(self) -> str:
        """The line ``extract_features.py`` prints before it starts."""
        if self.estimate is not None:
            return f"{self.estimate.describe()}, from {self.description}"
        return f"features of {self.description}"


def extract_features(cfg: Config, activations: bool = False, progress: bool = True) -> list[dict]:
    """Plan (every check first: see :func:`plan_extraction`), say what is extracted, then
    extract every backbone's file; return the files' reports.

    Raises:
        ConfigError, DatasetError, OutputError, WeightsError: before any image is decoded
        (a wrong FEATURE_IMAGE_SIZE: when its backbone is built).
    """
    plan = plan_extraction(cfg, activations)
    print(f"[INFO] {plan.summary()}")
    return run_extraction(plan, progress)


def plan_extraction(cfg: Config, activations: bool = False) -> ExtractionPlan:
    """The jobs (:func:`plan_jobs`), checked: outputs that may be written (``OVERWRITE``),
    weights that fit their backbones, and for activations the split layer and the disk.

    Raises:
        ConfigError, DatasetError, OutputError, WeightsError: see the steps.
    """
    plan = plan_jobs(cfg, activations)
    check_outputs(plan, cfg.get("OVERWRITE"))
    if activations:
        plan.estimate = estimate_activations(plan)
        plan.split_at = plan.estimate.split_layer
    return plan


def plan_jobs(cfg: Config, activations: bool = False) -> ExtractionPlan:
    """``(backbone, output file, weights)`` for every backbone to extract, and the images.

    Several backbones (``BACKBONES``) give one file each: the ``FEATURES_HDF5`` list in the
    same order, or ``features_<name>.hdf5``. ``WEIGHTS`` may be a dict ``{backbone:
    weights}``. With ``activations``, one backbone (``BACKBONE``) gives one
    ``ACTIVATIONS_HDF5`` file of the ``SPLIT_AT`` layer's output.

    Raises:
        ConfigError: unknown backbones, files that do not match them, missing weights.
        DatasetError: FEATURES_SOURCE = 'splits' without the builder's split files.
    """
    if activations:
        names = [get_backbone_spec(cfg.get("BACKBONE")).name]
        outputs = [cfg.get("ACTIVATIONS_HDF5")]
    else:
        names = [get_backbone_spec(n).name for n in cfg.get("BACKBONES") or [cfg.get("BACKBONE")]]
        outputs = _features_outputs(cfg, names)
    jobs = [Job(n, o, _chosen_weights(cfg, n)) for n, o in zip(names, outputs, strict=True)]
    dataset, description = choose_dataset(cfg)
    cut: dict[str, Any] = {}
    if activations:  # the layer named by SPLIT_AT, or just before the backbone's last block
        split_at = cfg.get("SPLIT_AT") or get_backbone_spec(names[0]).last_block
        cut = {"activations": True, "split_at": split_at, "dtype": cfg.get("ACTIVATIONS_DTYPE")}
    return ExtractionPlan(
        dataset,
        description,
        jobs,
        **cut,
        image_size=cfg.get("FEATURE_IMAGE_SIZE"),
        batch_size=cfg.get("FEATURE_BATCH_SIZE"),
        buffer_size=cfg.get("BUFFER_SIZE"),
        label_source=cfg.get("LABEL_SOURCE"),
        workers=cfg.get("BUILD_WORKERS"),
    )


def _features_outputs(cfg: Config, names: list[str]) -> list[str]:
    outputs = cfg.path_list("FEATURES_HDF5")
    if outputs is None:
        return [default_features_file(cfg, n) for n in names]
    if len(outputs) != len(names):
        raise ConfigError(
            f"{len(names)} backbone(s) ({', '.join(names)}) but {len(outputs)} features "
            "file(s): name one file per backbone (--output A.hdf5 B.hdf5 or a FEATURES_HDF5 "
            "list), or leave them unset for features_<backbone>.hdf5 in OUTPUT_PATH"
        )
    return outputs


def _builder_splits(cfg: Config) -> list[str] | None:
    """The builder's split files (an empty validation split left out), or None."""
    paths = [cfg.get(name) for name in SPLIT_SETTINGS.values()]
    if paths[0] is None or paths[2] is None or not all(Path(p).exists() for p in paths if p):
        return None
    kept = []
    for path in paths:
        if path is None:
            continue
        with open_hdf5(path, "images") as db:
            if len(db["labels"]):
                kept.append(str(path))
    return kept


def choose_dataset(cfg: Config) -> tuple[str | list[str], str]:
    """What to extract features of (``FEATURES_SOURCE``), and a line saying so."""
    source = cfg.get("FEATURES_SOURCE")
    splits = _builder_splits(cfg) if source != "images" else None
    if source == "splits" and splits is None:
        raise DatasetError(
            "FEATURES_SOURCE = 'splits' but TRAIN_HDF5 / TEST_HDF5 are unset or missing; "
            "build them first with build_dataset.py"
        )
    if splits is not None:
        return splits, "the builder's splits (" + ", ".join(Path(p).name for p in splits) + ")"
    if cfg.get("IMAGES_PATH") is None:
        raise ConfigError("no dataset: pass --dataset PATH or set IMAGES_PATH in --config")
    return cfg.IMAGES_PATH, f"images of {cfg.IMAGES_PATH}"


def default_features_file(cfg: Config, backbone: str) -> str:
    """Where a backbone's features go when FEATURES_HDF5 is not set."""
    return str(Path(cfg.get("OUTPUT_PATH")) / f"features_{backbone.lower()}.hdf5")


def features_files(cfg: Config) -> list[str]:
    """The features a classifier trains on: ``FEATURES_HDF5``, or the files
    ``extract_features.py`` writes by default (``features_<backbone>.hdf5`` in OUTPUT_PATH,
    one per ``BACKBONES``/``BACKBONE``)."""
    given = cfg.path_list("FEATURES_HDF5")
    if given:
        return given
    names = cfg.get("BACKBONES") or [cfg.get("BACKBONE")]
    return [default_features_file(cfg, get_backbone_spec(n).name) for n in names]


def _chosen_weights(cfg: Config, backbone: str) -> Any:
    weights = cfg.get("WEIGHTS")
    if isinstance(weights, dict):
        lookup = {get_backbone_spec(k).name: v for k, v in weights.items()}
        if backbone not in lookup:
            raise ConfigError(f"WEIGHTS names no weights for {backbone}")
        return lookup[backbone]
    return weights


def check_outputs(plan: ExtractionPlan, overwrite: bool) -> None:
    """Refuse to replace a features file without ``--overwrite``; check every output can
    be written, and every weights file fits its backbone, before TensorFlow starts."""
    existing = [job.output for job in plan.jobs if Path(job.output).exists()]
    what = "activations file" if plan.activations else "features file(s)"
    if existing and not overwrite:
        raise OutputError(
            f"{what} already exist: {', '.join(existing)}; pass --overwrite to "
            "replace them (the old file stays until the new one is complete)"
        )
    setting_name = "ACTIVATIONS_HDF5" if plan.activations else "FEATURES_HDF5"
    check_writable({f"{setting_name} ({job.backbone})": job.output for job in plan.jobs})
    for job in plan.jobs:
        checked_weights(job.backbone, job.weights)


def _count_rows(plan: ExtractionPlan) -> int:
    locations = plan.dataset if isinstance(plan.dataset, list) else [plan.dataset]
    return sum(len(open_source(loc, label_source=plan.label_source)) for loc in locations)


def estimate_activations(plan: ExtractionPlan) -> ActivationsEstimate:
    """The split layer, the activations' shape and the bytes they will take, from a
    weightless copy of the backbone; refuses (one line) a wrong layer or a disk too
    small, before any image is decoded.

    Raises:
        ConfigError: the split layer is not one of the backbone's split points.
        OutputError: not enough free disk for the file.
    """
    quiet_tensorflow()
    job = plan.jobs[0]
    spec = get_backbone_spec(job.backbone)
    size = check_image_size(spec, plan.image_size)
    probe = build_backbone(spec.name, None, size)  # the graph only: no weights needed
    layer = backbone_split_layer(probe, spec.name, plan.split_at)
    shape = tuple(int(d) for d in probe.get_layer(layer).output.shape[1:])
    rows = _count_rows(plan)
    size_bytes = rows * int(np.prod(shape)) * np.dtype(plan.dtype).itemsize
    check_free_space({"ACTIVATIONS_HDF5": (job.output, size_bytes)})
    return ActivationsEstimate(layer, shape, plan.dtype, rows, size_bytes)


def run_extraction(plan: ExtractionPlan, progress: bool = True) -> list[dict]:
    """Extract every job's file from the plan alone; write each file's report beside it;
    return them."""
    if plan.activations and plan.split_at is None:
        raise ConfigError("no split layer: set SPLIT_AT (see estimate_activations)")
    reports = []
    for job in plan.jobs:
        report = _extract_job(plan, job, progress)
        output = Path(job.output)
        path = write_json(output.with_name(f"{output.stem}_report.json"), report)
        reports.append({**report, "report_path": str(path)})
    return reports


def _extract_job(plan: ExtractionPlan, job: Job, progress: bool) -> dict[str, Any]:
    sources = open_sources(plan.dataset, plan.label_source, plan.workers)
    split_at = plan.split_at if plan.activations else None
    extractor = FeatureExtractor(job.backbone, job.weights, plan.image_size, split_at)
    batching = {"batch_size": plan.batch_size, "buffer_size": plan.buffer_size}
    if plan.activations:
        return write_activations(extractor, sources, job.output, dtype=plan.dtype,
                                 progress=progress, **batching)  # fmt: skip
    return write_features(extractor, sources, job.output, progress=progress, **batching)
