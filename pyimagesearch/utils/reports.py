"""Write JSON reports a person can read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.utils.atomic import atomic_write


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def json_text(data: Any) -> str:
    """``data`` as indented JSON (NumPy values and paths converted)."""
    return json.dumps(data, indent=2, default=_to_jsonable) + "\n"


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write ``data`` as indented JSON atomically (temporary file, then rename)."""
    with atomic_write(path) as tmp:
        tmp.write_text(json_text(data))
    return Path(path)


def cell_text(value: Any) -> str:
    """A value as a table cell (terminal, CSV, Markdown, HTML): None empty, floats to 4
    significant digits, lists and dicts as JSON."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str)
    return str(value)


def read_json(path: str | os.PathLike[str]) -> Any:
    return json.loads(Path(path).read_text())
