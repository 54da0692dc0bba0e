"""The engine of ``export.py``: any trained model out of the framework, as one artifact
with its preprocessing inside, checked against the model before it is kept.

Plan (:func:`plan_export`: every setting checked and resolved, the format refused when
this backend, this Keras or the installed packages cannot write it, an existing export
kept unless ``OVERWRITE``, the parity images found), run (:func:`run_export`: the one
network of :mod:`pyimagesearch.export.artifact`, written by Keras into a ``.partial``
folder, loaded by its own runtime and compared with ``load_classifier(...).predict_proba``
on real images), record (``export.json`` and ``labels.txt`` beside the artifact; the
folder takes its name only when the parity check passed).

An export folder (``EXPORT_PATH``)::

    model.onnx | model.tflite | saved_model/    the artifact
    labels.txt                                   the class names, one a line, in order
    export.json                                  input, output, what is inside, the source
                                                 model (sha256, record), settings, parity

Example (not run by the tests: needs a trained model and its test split):
    >>> plan = plan_export(load_config("config/dogs_vs_cats_config.py").replace(
    ...     EXPORT_FORMAT="onnx"), "output/dogs_vs_cats_logreg.skops")   # doctest: +SKIP
    >>> run_export(plan)["parity"]["max_abs_difference"]                   # doctest: +SKIP
    3.5762786865234375e-07
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError, DatasetError, OutputError
from pyimagesearch.export.formats import (
    INPUT_NAME,
    OUTPUT_NAME,
    ExportError,
    ExportFormat,
    artifact_bytes,
    check_format,
    environment_versions,
    write_artifact,
)
from pyimagesearch.export.parity import compare, load_runtime, parity_images
from pyimagesearch.models.classifiers import Classifier, load_classifier, model_record
from pyimagesearch.models.record import file_sha256
from pyimagesearch.utils.atomic import (
    atomic_folder,
    check_writable_folder,
    human_bytes,
    refuse_existing,
)
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.reports import write_json

RECORD_FILE = "export.json"
LABELS_FILE = "labels.txt"
EXPORT_RECORD_FORMAT = 1


@dataclass(frozen=True)
class ExportPlan:
    """Everything an export needs, checked once (:func:`plan_export`)."""

    model: Path
    format: ExportFormat
    output: Path  # the export folder
    tolerance: float
    images: Path  # the parity images: a builder HDF5 file or a folder
    images_from: str  # which setting named them
    count: int
    overwrite: bool

    @property
    def settings(self) -> dict[str, Any]:
        """The export's settings as used (for its record)."""
        return {
            "EXPORT_FORMAT": self.format.name,
            "EXPORT_PATH": str(self.output),
            "EXPORT_TOLERANCE": self.tolerance,
            "EXPORT_IMAGES": str(self.images),
            "EXPORT_PARITY_IMAGES": self.count,
            "OVERWRITE": self.overwrite,
        }


def plan_export(cfg: Config, model_path: str | os.PathLike[str] | None) -> ExportPlan:
    """Check and resolve every setting of an export of ``model_path``, before any work.

    Raises:
        ExportError: a format this backend, this Keras or the installed packages cannot
            write (:func:`~pyimagesearch.export.formats.check_format`).
        ModelError: no model, or one without a record.
        OutputError: an export is already there (and ``OVERWRITE`` is off), or its folder
            cannot be written.
        ConfigError, DatasetError: no images for the parity check.
    """
    if model_path is None:
        raise ConfigError("export.py needs a model: pass --model PATH or --run [NAME]")
    fmt = check_format(cfg.get("EXPORT_FORMAT"))
    model = Path(model_path)
    record = model_record(model)
    default_output = Path(cfg.get("OUTPUT_PATH"), "export", f"{model.stem}-{fmt.name}")
    output = Path(cfg.get("EXPORT_PATH") or default_output)
    overwrite = cfg.get("OVERWRITE")
    refuse_existing({"EXPORT_PATH": output}, overwrite)
    if output.exists() and not output.is_dir():
        raise OutputError(f"EXPORT_PATH = {output} is a file; it must name a folder")
    check_writable_folder("EXPORT_PATH", output.parent)
    tolerance = cfg.get("EXPORT_TOLERANCE")
    images, images_from = parity_location(cfg, record)
    return ExportPlan(
        model=model,
        format=fmt,
        output=output,
        tolerance=fmt.tolerance if tolerance is None else tolerance,
        images=images,
        images_from=images_from,
        count=cfg.get("EXPORT_PARITY_IMAGES"),
        overwrite=overwrite,
    )


def parity_location(cfg: Config, record: dict[str, Any]) -> tuple[Path, str]:
    """The images of the parity check, and the setting that names them: ``EXPORT_IMAGES``,
    else the config's ``TEST_HDF5``, else the ``TEST_HDF5`` of the model's record (the
    test split of the build it was trained on)."""
    recorded = (record.get("config") or {}).get("TEST_HDF5")
    for value, name in (
        (cfg.get("EXPORT_IMAGES"), "EXPORT_IMAGES"),
        (cfg.get("TEST_HDF5"), "TEST_HDF5"),
        (recorded, "TEST_HDF5 of the model's record"),
    ):
        if value is None:
            continue
        if not Path(value).exists():
            raise DatasetError(
                f"{name} = {value} not found: the parity check runs on its images (pass "
                "--images with a folder of photos or a builder HDF5 file)"
            )
        return Path(value), name
    raise ConfigError(
        "the parity check needs real images and the model's record names no TEST_HDF5: "
        "pass --images (a folder of photos or a builder HDF5 file: EXPORT_IMAGES), or "
        "--config with TEST_HDF5"
    )


def run_export(plan: ExportPlan) -> dict[str, Any]:
    """Build, write and check the export of ``plan``; return its record (with where its
    files went). The export folder appears only when the parity check passed.

    Raises:
        ExportError: Keras could not write the format, or the artifact disagrees with the
            model beyond ``plan.tolerance`` (nothing is written; an earlier export stays).
    """
    classifier = load_classifier(plan.model)
    checked = parity_images(plan.images, classifier, plan.count)
    for note in checked.notes:
        print(f"[INFO] {note}")
    from pyimagesearch.export.artifact import build_artifact  # imports Keras

    artifact = build_artifact(classifier)
    reference = classifier.predict_proba(checked.images)
    with atomic_folder(plan.output) as folder:
        path = write_artifact(artifact, plan.format, folder)
        runtime = load_runtime(plan.format, path)
        parity = compare(runtime.predict_proba(checked.images), reference, plan.tolerance)
        parity.update(runtime=runtime.name, source=checked.source, images_from=plan.images_from)
        if not parity["passed"]:
            raise ExportError(parity_failure(plan, parity))
        record = export_record(plan, classifier, artifact, parity, artifact_bytes(path))
        (folder / LABELS_FILE).write_text("".join(f"{n}\n" for n in classifier.label_names))
        write_json(folder / RECORD_FILE, record)
    return {
        **record,
        "path": str(plan.output),
        "artifact_path": str(plan.output / path.name),
        "labels_path": str(plan.output / LABELS_FILE),
        "report_path": str(plan.output / RECORD_FILE),
    }


def parity_failure(plan: ExportPlan, parity: dict[str, Any]) -> str:
    """The one line of a failed parity check."""
    kept = "; the earlier export is kept" if plan.output.exists() else ""
    if "max_abs_difference" not in parity:
        found, expected = parity["shape"]
        return (
            f"the {plan.format.name} export gives probabilities of shape {found}, the "
            f"model {expected}: nothing written{kept}"
        )
    return (
        f"the {plan.format.name} export disagrees with the model: largest probability "
        f"difference {parity['max_abs_difference']:.3g} > EXPORT_TOLERANCE "
        f"{plan.tolerance:g} on {parity['images']} images ({parity['runtime']}; the same "
        f"class for {parity['agreeing']}/{parity['images']}): nothing written{kept}"
    )


def export_record(
    plan: ExportPlan,
    classifier: Classifier,
    artifact: Any,
    parity: dict[str, Any],
    size: int,
) -> dict[str, Any]:
    """``export.json``: what the artifact takes and gives, what is inside it, the model it
    came from (sha256 and its whole record: settings, data build), the settings, parity."""
    names = classifier.label_names
    return {
        "format": EXPORT_RECORD_FORMAT,
        "export_format": plan.format.name,
        "artifact": plan.format.artifact,
        "artifact_bytes": size,
        "input": {
            "name": INPUT_NAME,
            "dtype": "uint8",
            "channels": "RGB",
            "shape": [None, artifact.height, artifact.width, 3],
            "other_sizes": "refused by the runtime: bring images to "
            f"{artifact.width}x{artifact.height} first (docs/MODELS.md)",
        },
        "output": {
            "name": OUTPUT_NAME,
            "dtype": "float32",
            "shape": [None, len(names)],
            "label_names": names,
        },
        "inside": artifact.steps,
        "source_model": {
            "path": str(plan.model),
            "sha256": file_sha256(plan.model),
            "kind": classifier.kind,
            "record": classifier.record,
        },
        "settings": plan.settings,
        "parity": parity,
        "versions": environment_versions(plan.format),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def export_lines(report: dict[str, Any]) -> list[str]:
    """What export.py prints about a finished export."""
    shape, names = report["input"]["shape"], report["output"]["label_names"]
    parity = report["parity"]
    source = display_path(parity["source"]["path"])
    kind = report["source_model"]["kind"]
    return [
        f"[INFO] {kind} model {display_path(report['source_model']['path'])} -> "
        f"{report['export_format']}: {display_path(report['artifact_path'])} "
        f"({human_bytes(report['artifact_bytes'])})",
        f"[INFO] input {INPUT_NAME}: uint8 RGB [batch, {shape[1]}, {shape[2]}, 3] (other sizes "
        f"refused); output {OUTPUT_NAME}: float32 [batch, {len(names)}] ({', '.join(names)})",
        "[INFO] inside: " + "; ".join(report["inside"]),
        f"[INFO] parity on {parity['images']} images of {source} ({parity['runtime']}): "
        f"largest probability difference {parity['max_abs_difference']:.2e} (tolerance "
        f"{parity['tolerance']:g}), the same class for {parity['agreeing']}/{parity['images']}",
        f"[INFO] labels: {display_path(report['labels_path'])}  record: "
        f"{display_path(report['report_path'])}",
    ]
