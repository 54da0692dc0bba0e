"""The record beside every trained model: what it is, what it expects, what it saw.

``alexnet.keras`` gets ``alexnet.keras.json``: the kind of model, the class names in
order, the input size and the size of the images it was trained on, how to preprocess
(mean, backbone), the config snapshot, the data files (with size, mtime, build id and the
build's settings) and the sha256 of the model file, so that a swapped or damaged file is
noticed.

Example (not run by the tests: needs a trained model file):
    >>> write_record("output/alexnet.keras", {"kind": "alexnet", "label_names": ["cat", "dog"]})
    ... # doctest: +SKIP
    >>> read_record("output/alexnet.keras")["label_names"]     # doctest: +SKIP
    ['cat', 'dog']
"""

from __future__ import annotations

import datetime
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from pyimagesearch.errors import DatasetError
from pyimagesearch.io.split_files import build_record
from pyimagesearch.utils.reports import read_json, write_json

RECORD_FORMAT = 1


def record_path(model_path: str | os.PathLike[str]) -> Path:
    """``model.keras`` -> ``model.keras.json``."""
    path = Path(model_path)
    return path.with_name(path.name + ".json")


def file_sha256(path: str | os.PathLike[str], chunk: int = 2**20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def data_fingerprint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A data file as the record names it: path, size, mtime (and the build id and
    settings of builder HDF5 files), enough to tell whether a later file is the same."""
    path = Path(path)
    stat = path.stat()
    entry: dict[str, Any] = {
        "path": str(path),
        "bytes": stat.st_size,
        "mtime": datetime.datetime.fromtimestamp(stat.st_mtime, datetime.UTC).isoformat(),
    }
    built = build_record(path) if path.suffix in (".hdf5", ".h5") else None
    if built and built["build_id"] is not None:
        entry["build_id"] = built["build_id"]
    if built and built["settings"] is not None:
        entry["build_settings"] = built["settings"]
    return entry


def write_record(model_path: str | os.PathLike[str], record: dict[str, Any]) -> Path:
    """Write the record of a finished model file (adds its sha256, the time and, for a
    ``.keras`` model, the Keras backend that trained it: ``"backend"``)."""
    keras = sys.modules.get("keras") if Path(model_path).suffix == ".keras" else None
    full = {
        "format": RECORD_FORMAT,
        **record,
        **({"backend": keras.backend.backend()} if keras is not None else {}),  # trained on
        "model_file": Path(model_path).name,
        "sha256": file_sha256(model_path),
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    return write_json(record_path(model_path), full)


def note_run(model_path: str | os.PathLike[str], run_folder: str | os.PathLike[str]) -> None:
    """Name the run folder that keeps a model in the model's record (``"run"``), so that a
    later script using the model finds the run that trained it. A model without a record
    is left as it is."""
    record = read_record(model_path)
    if record is not None and record.get("run") != str(run_folder):
        write_json(record_path(model_path), {**record, "run": str(run_folder)})


def read_record(model_path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The record of a model, or None for a model saved without one."""
    path = record_path(model_path)
    if not path.is_file():
        return None
    try:
        record = read_json(path)
    except ValueError as exc:
        raise DatasetError(f"{path} is not a readable model record: {exc}") from None
    if not isinstance(record, dict):
        raise DatasetError(f"{path} is not a model record")
    return record
