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
from pyimagesearch.features.backbones import get_backbone_spec
from pyimagesearch.features.weights import config_weights
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
    return str(cfg.IMAGES_PATH), f"images of {cfg.IMAGES_PATH}"


def plan_extraction(
    cfg: Config,
    backbone_flag: str | None = None,
    dataset_flag: str | None = None,
    output_flag: bool = False,
    weights_flag: bool = False,
) -> ExtractionPlan:
    """``(backbone, output file, weights)`` for every backbone to extract.

    Several backbones (``--backbone ResNet50,Xception`` or ``BACKBONES``) give one file
    each: the ``FEATURES_HDF5`` list in the same order, or ``features_<name>.hdf5``.
    ``WEIGHTS`` may be a dict ``{backbone: weights}``.
    """
    if backbone_flag:
        names = [n.strip() for n in backbone_flag.split(",") if n.strip()]
    else:
        names = list(cfg.get("BACKBONES") or [cfg.get("BACKBONE")])
    names = [get_backbone_spec(n).name for n in names]
    outputs = cfg.path_list("FEATURES_HDF5")
    configured = [get_backbone_spec(n).name for n in cfg.get("BACKBONES") or [cfg.get("BACKBONE")]]
    if backbone_flag and not output_flag and names != configured:
        outputs = None  # the config's files hold other backbones' features: never overwrite
    if outputs is None:
        outputs = [str(cfg.output_path(f"features_{n.lower()}.hdf5")) for n in names]
    elif len(outputs) != len(names):
        raise ConfigError(
            f"{len(names)} backbone(s) ({', '.join(names)}) but {len(outputs)} features "
            "file(s): name one file per backbone (--output A.hdf5 B.hdf5 or a FEATURES_HDF5 "
            "list), or leave them unset for features_<backbone>.hdf5 in OUTPUT_PATH"
        )
    weights = cfg.get("WEIGHTS")
    if not weights_flag:  # a file named in the config is relative to the config's folder
        weights = config_weights(weights, cfg.source)
    if isinstance(weights, dict):
        lookup = {get_backbone_spec(k).name: v for k, v in weights.items()}
        missing = [n for n in names if n not in lookup]
        if missing:
            raise ConfigError(f"WEIGHTS names no weights for {', '.join(missing)}")
        chosen = [lookup[n] for n in names]
    else:
        chosen = [weights] * len(names)
    dataset, description = choose_dataset(cfg, dataset_flag)
    jobs = [Job(n, o, w) for n, o, w in zip(names, outputs, chosen, strict=True)]
    return ExtractionPlan(dataset, description, jobs)


def check_outputs(plan: ExtractionPlan, overwrite: bool) -> None:
    """Refuse to replace a features file without ``--overwrite``; check every output can
    be written, and every weights file fits its backbone, before TensorFlow starts."""
    from pyimagesearch.features.weights import IMAGENET, check_weights_fit, resolve_weights

    existing = [job.output for job in plan.jobs if Path(job.output).exists()]
    if existing and not overwrite:
        raise OutputError(
            f"features file(s) already exist: {', '.join(existing)}; pass --overwrite to "
            "replace them (the old file stays until the new one is complete)"
        )
    check_writable({f"FEATURES_HDF5 ({job.backbone})": job.output for job in plan.jobs})
    for job in plan.jobs:
        weights = resolve_weights(job.weights)
        if weights not in (None, IMAGENET):
            check_weights_fit(job.backbone, weights)


def run_extraction(cfg: Config, plan: ExtractionPlan, progress: bool = True) -> list[dict]:
    """Extract every job's features; write each file's report beside it; return them."""
    from pyimagesearch.features.extraction import extract_features  # starts TensorFlow
    from pyimagesearch.utils.reports import write_json

    reports = []
    for job in plan.jobs:
        report = extract_features(
            plan.dataset,
            job.output,
            job.backbone,
            job.weights,
            cfg.get("FEATURE_IMAGE_SIZE"),
            int(cfg.get("FEATURE_BATCH_SIZE")),
            int(cfg.get("BUFFER_SIZE")),
            cfg.get("LABEL_SOURCE"),
            cfg.get("BUILD_WORKERS"),
            progress=progress,
        )
        output = Path(job.output)
        path = write_json(output.with_name(f"{output.stem}_report.json"), report)
        reports.append({**report, "report_path": str(path)})
    return reports
