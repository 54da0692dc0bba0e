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


def read_json(path: str | os.PathLike[str]) -> Any:
    return json.loads(Path(path).read_text())
