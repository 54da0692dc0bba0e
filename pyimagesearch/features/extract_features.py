"""What ``extract_features.py`` does: which images, which backbones, which files.

Example:
    >>> plan = plan_extraction(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> plan.dataset, [(job.backbone, job.output) for job in plan.jobs]          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError, DatasetError, OutputError
from pyimagesearch.features.backbones import checked_weights, get_backbone_spec
from pyimagesearch.utils.atomic import check_writable

SPLIT_SETTINGS = ("TRAIN_HDF5", "VAL_HDF5", "TEST_HDF5")


@dataclass
class Job:
    backbone: str
    output: str
    weights: Any


@dataclass
class ExtractionPlan:
    dataset: str | list[str]  # a folder, an HDF5 file, or the builder's split files
    description: str
    jobs: list[Job]
    activations: bool = False  # spatial activations of a split layer, not pooled features
    split_at: str | None = None  # a layer or a block prefix (the layer once estimated)
    dtype: str = "float32"


@dataclass
class ActivationsEstimate:
    """What an activations file will hold, known before any image is decoded."""

    split_layer: str
    shape: tuple[int, ...]
    dtype: str
    rows: int
    bytes: int

    def describe(self) -> str:
        from pyimagesearch.utils.atomic import human_bytes

        shape = "x".join(str(d) for d in self.shape)
        return (
            f"activations of {self.split_layer} ({shape}, {self.dtype}) for {self.rows:,} "
            f"images: {human_bytes(self.bytes)}"
        )


def _builder_splits(cfg: Config) -> list[str] | None:
    """The builder's split files (an empty validation split left out), or None."""
    from pyimagesearch.io.hdf5_dataset import open_hdf5

    paths = [cfg.get(name) for name in SPLIT_SETTINGS]
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


def choose_dataset(cfg: Config, dataset_flag: str | None) -> tuple[str | list[str], str]:
    """What to extract features of, and a line saying so."""
    if dataset_flag:
        return dataset_flag, f"images of {dataset_flag}"
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


def plan_extraction(
    cfg: Config,
    backbone_flag: str | None = None,
    dataset_flag: str | None = None,
    output_flag: bool = False,
    activations: bool = False,
) -> ExtractionPlan:
    """``(backbone, output file, weights)`` for every backbone to extract.

    Several backbones (``--backbone ResNet50,Xception`` or ``BACKBONES``) give one file
    each: the ``FEATURES_HDF5`` list in the same order, or ``features_<name>.hdf5``.
    ``WEIGHTS`` may be a dict ``{backbone: weights}``. With ``activations``, one backbone
    (``BACKBONE``) gives one ``ACTIVATIONS_HDF5`` file of the ``SPLIT_AT`` layer's output.
    """
    if backbone_flag:
        names = [n.strip() for n in backbone_flag.split(",") if n.strip()]
    elif activations:
        names = [cfg.get("BACKBONE")]
    else:
        names = list(cfg.get("BACKBONES") or [cfg.get("BACKBONE")])
    names = [get_backbone_spec(n).name for n in names]
    if activations:
        return _activations_plan(cfg, names, dataset_flag)
    outputs = cfg.path_list("FEATURES_HDF5")
    configured = [get_backbone_spec(n).name for n in cfg.get("BACKBONES") or [cfg.get("BACKBONE")]]
    if backbone_flag and not output_flag and names != configured:
        outputs = None  # the config's files hold other backbones' features: never overwrite
    if outputs is None:
        outputs = [default_features_file(cfg, n) for n in names]
    elif len(outputs) != len(names):
        raise ConfigError(
            f"{len(names)} backbone(s) ({', '.join(names)}) but {len(outputs)} features "
            "file(s): name one file per backbone (--output A.hdf5 B.hdf5 or a FEATURES_HDF5 "
            "list), or leave them unset for features_<backbone>.hdf5 in OUTPUT_PATH"
        )
    chosen = [_chosen_weights(cfg, n) for n in names]
    dataset, description = choose_dataset(cfg, dataset_flag)
    jobs = [Job(n, o, w) for n, o, w in zip(names, outputs, chosen, strict=True)]
    return ExtractionPlan(dataset, description, jobs)


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


def _activations_plan(cfg: Config, names: list[str], dataset_flag: str | None) -> ExtractionPlan:
    if len(names) != 1:
        raise ConfigError(
            f"activations are stored for one backbone at a time, got {', '.join(names)}; "
            "pass --backbone NAME"
        )
    dataset, description = choose_dataset(cfg, dataset_flag)
    output = str(cfg.get("ACTIVATIONS_HDF5"))
    job = Job(names[0], output, _chosen_weights(cfg, names[0]))
    return ExtractionPlan(
        dataset,
        description,
        [job],
        activations=True,
        split_at=cfg.get("SPLIT_AT") or get_backbone_spec(names[0]).last_block,
        dtype=cfg.get("ACTIVATIONS_DTYPE"),
    )


def _count_rows(cfg: Config, dataset: str | list[str]) -> int:
    from pyimagesearch.data.sources import open_source

    locations = dataset if isinstance(dataset, list) else [dataset]
    return sum(len(open_source(loc, label_source=cfg.get("LABEL_SOURCE"))) for loc in locations)


def estimate_activations(cfg: Config, plan: ExtractionPlan) -> ActivationsEstimate:
    """The split layer, the activations' shape and the bytes they will take, from a
    weightless copy of the backbone; refuses (one line) a wrong layer or a disk too
    small, before any image is decoded.

    Raises:
        ConfigError: the split layer is not one of the backbone's split points.
        OutputError: not enough free disk for the file.
    """
    import numpy as np

    from pyimagesearch.features.backbones import build_backbone, check_image_size
    from pyimagesearch.features.network_cut import backbone_split_layer
    from pyimagesearch.utils.atomic import check_free_space
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    job = plan.jobs[0]
    spec = get_backbone_spec(job.backbone)
    size = check_image_size(spec, cfg.get("FEATURE_IMAGE_SIZE"))
    probe = build_backbone(spec.name, None, size)  # the graph only: no weights needed
    layer = backbone_split_layer(probe, spec.name, plan.split_at)
    shape = tuple(int(d) for d in probe.get_layer(layer).output.shape[1:])
    rows = _count_rows(cfg, plan.dataset)
    size_bytes = rows * int(np.prod(shape)) * np.dtype(plan.dtype).itemsize
    check_free_space({"ACTIVATIONS_HDF5": (job.output, size_bytes)})
    plan.split_at = layer
    return ActivationsEstimate(layer, shape, plan.dtype, rows, size_bytes)


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


def run_extraction(cfg: Config, plan: ExtractionPlan, progress: bool = True) -> list[dict]:
    """Extract every job's features; write each file's report beside it; return them."""
    from pyimagesearch.features.extraction import extract_features  # starts TensorFlow
    from pyimagesearch.utils.reports import write_json

    if plan.activations and plan.split_at is None:
        raise ConfigError("no split layer: set SPLIT_AT (see estimate_activations)")
    reports = []
    for job in plan.jobs:
        report = extract_features(
            plan.dataset,
            job.output,
            job.backbone,
            job.weights,
            cfg.get("FEATURE_IMAGE_SIZE"),
            cfg.get("FEATURE_BATCH_SIZE"),
            cfg.get("BUFFER_SIZE"),
            cfg.get("LABEL_SOURCE"),
            cfg.get("BUILD_WORKERS"),
            progress=progress,
            split_at=plan.split_at if plan.activations else None,
            dtype=plan.dtype,
        )
        output = Path(job.output)
        path = write_json(output.with_name(f"{output.stem}_report.json"), report)
        reports.append({**report, "report_path": str(path)})
    return reports
