"""A small JSON record inside a ``.keras`` archive, read and written without Keras.

A ``.keras`` file is a zip archive (``config.json``, ``metadata.json``,
``model.weights.h5``); Keras' loader reads only the members it knows, so a checkpoint can
carry what Keras does not save (the random state of its layers, the data it was trained
on) in one more member, written before the file gets its final name.

Example:
    >>> import pathlib, tempfile, zipfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "epoch_001.keras"
    >>> with zipfile.ZipFile(path, "w") as archive:
    ...     archive.writestr("config.json", "{}")
    ...     archive.writestr("model.weights.h5", "")
    >>> add_record(path, "extra.json", {"epoch": 1})
    >>> read_record(path, "extra.json"), archive_problem(path)
    ({'epoch': 1}, None)
    >>> _ = path.write_bytes(path.read_bytes()[:40])  # cut off
    >>> archive_problem(path)
    'cut off, or not a .keras archive'
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

REQUIRED_MEMBERS = ("config.json", "model.weights.h5")
# The member of a training checkpoint that holds its epoch, random state and data.
CHECKPOINT_RECORD = "pyimagesearch_checkpoint.json"


def add_record(path: str | os.PathLike[str], name: str, record: dict[str, Any]) -> None:
    """Add ``record`` to the archive ``path`` as the member ``name`` (JSON)."""
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, json.dumps(record))


def read_record(path: str | os.PathLike[str], name: str) -> dict[str, Any] | None:
    """The JSON member ``name`` of the archive ``path``; None when it has none (an archive
    written without one, or not an archive: see :func:`archive_problem`)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if name not in archive.namelist():
                return None
            record = json.loads(archive.read(name))
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return None
    return record if isinstance(record, dict) else None


def archive_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is not a complete ``.keras`` archive (None: it is one). Reads the
    archive's directory only, not the weights: a file cut off loses its directory first."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except FileNotFoundError:
        return "not found"
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return "cut off, or not a .keras archive"
    missing = [m for m in REQUIRED_MEMBERS if m not in names]
    return f"it lacks {', '.join(missing)}" if missing else None
