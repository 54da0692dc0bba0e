"""The formats ``export.py`` writes, what each one needs, and the refusals made before
any work: a backend or a Keras version that cannot write the format, a package missing.

| ``EXPORT_FORMAT`` | artifact | written by | run (parity check) by |
| --- | --- | --- | --- |
| ``saved_model`` | ``saved_model/`` | Keras (``tf_saved_model``) | TensorFlow |
| ``onnx`` | ``model.onnx`` | Keras with ``tf2onnx`` | ``onnxruntime`` |
| ``litert`` | ``model.tflite`` | Keras with TensorFlow's LiteRT converter | ``ai-edge-litert`` |

(LiteRT: the interpreter of ``ai-edge-litert`` where it installs, else TensorFlow's own
copy of it, ``tf.lite.Interpreter``.)

Example:
    >>> FORMATS["onnx"].artifact, FORMATS["onnx"].runtime, FORMATS["litert"].tolerance
    ('model.onnx', 'onnxruntime', 0.0001)
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyimagesearch.errors import PyImageSearchError

if TYPE_CHECKING:
    from pyimagesearch.export.artifact import Artifact

# The names of the artifact's input and output in every format.
INPUT_NAME = "images"
OUTPUT_NAME = "probabilities"

# The pip command that installs every format's packages (pyproject.toml's extra).
EXTRA_COMMAND = "pip install -e '.[export]'"
# The backend whose graphs tf2onnx and the LiteRT converter read, and the only one the
# parity runtimes were checked with.
BACKENDS = ("tensorflow",)


class ExportError(PyImageSearchError, RuntimeError):
    """A model cannot be exported as asked, or its export does not agree with it."""


@dataclass(frozen=True)
class ExportFormat:
    """One format ``export.py`` writes."""

    name: str  # EXPORT_FORMAT
    keras_format: str  # model.export(format=...)
    artifact: str  # the file (or folder) it writes in the export folder
    runtime: str  # what runs it in the parity check
    packages: tuple[tuple[str, str], ...]  # (module, pip package) needed to write and run it
    tolerance: float  # EXPORT_TOLERANCE when it is None (float32 all through)

    @property
    def writer(self) -> str:
        """The function of ``keras.src.export`` behind ``model.export(format=...)``."""
        return {"tf_saved_model": "export_saved_model"}.get(
            self.keras_format, f"export_{self.keras_format}"
        )


_TENSORFLOW = ("tensorflow", "tensorflow-cpu")
FORMATS = {
    "saved_model": ExportFormat(
        "saved_model", "tf_saved_model", "saved_model", "TensorFlow", (_TENSORFLOW,), 1e-4
    ),
    "onnx": ExportFormat(
        "onnx",
        "onnx",
        "model.onnx",
        "onnxruntime",
        (_TENSORFLOW, ("tf2onnx", "tf2onnx"), ("onnx", "onnx"), ("onnxruntime", "onnxruntime")),
        1e-4,
    ),
    "litert": ExportFormat("litert", "litert", "model.tflite", "LiteRT", (_TENSORFLOW,), 1e-4),
}


def keras_backend() -> str:
    """The backend Keras runs on (``KERAS_BACKEND``)."""
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import keras

    return keras.backend.backend()


def keras_formats() -> list[str]:
    """The ``EXPORT_FORMAT`` values this Keras version can write."""
    import keras

    module = importlib.import_module("keras.src.export")
    found = [f.name for f in FORMATS.values() if hasattr(module, f.writer)]
    return found or [f"none ({keras.__version__})"]


def missing_packages(fmt: ExportFormat) -> list[str]:
    """The pip packages ``fmt`` needs that are not installed."""
    return [pip for module, pip in fmt.packages if importlib.util.find_spec(module) is None]


def check_format(name: str) -> ExportFormat:
    """The format ``name``, refused in one line when this backend, this Keras version or
    the installed packages cannot write and run it (before anything is loaded).

    Raises:
        ExportError: what is missing, and what would work.
    """
    fmt = FORMATS[name]
    missing = missing_packages(fmt)
    if missing:
        raise ExportError(
            f"EXPORT_FORMAT = {name!r} needs {', '.join(missing)}, which is not installed: "
            f"pip install {' '.join(missing)} (every format's packages: {EXTRA_COMMAND})"
        )
    backend = keras_backend()
    if backend not in BACKENDS:
        raise ExportError(
            f"EXPORT_FORMAT = {name!r} is written from Keras' TensorFlow backend, and this "
            f"Keras runs on {backend}: run export.py with KERAS_BACKEND=tensorflow"
        )
    can = keras_formats()
    if name not in can:
        import keras

        raise ExportError(
            f"Keras {keras.__version__} cannot write {name} (model.export has no format "
            f"{fmt.keras_format!r}); it writes {', '.join(can)}: choose one of them with "
            "--format, or upgrade Keras (pip install -U keras)"
        )
    return fmt


def write_artifact(artifact: Artifact, fmt: ExportFormat, folder: Path) -> Path:
    """Write ``artifact`` in ``fmt`` into ``folder``: one serving signature taking
    ``images`` (uint8, ``[batch, height, width, 3]``, any batch) and giving
    ``probabilities``; return the artifact's path.

    Raises:
        ExportError: Keras (or its converter) could not write it.
    """
    import tensorflow as tf

    path = folder / fmt.artifact
    spec = tf.TensorSpec([None, *artifact.input_shape], tf.uint8, name=INPUT_NAME)
    logging.getLogger("tf2onnx").setLevel(logging.ERROR)  # its optimizers' tracebacks
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tf2onnx's and the converter's deprecations
            artifact.model.export(
                str(path), format=fmt.keras_format, input_signature=[spec], verbose=False
            )
    except Exception as exc:  # a converter refusing an operation, ...
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"Keras could not write {fmt.name}: {first[:300]}") from None
    return path


def artifact_bytes(path: Path) -> int:
    """The size of an artifact: a file, or every file of a folder (a SavedModel)."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def environment_versions(fmt: ExportFormat) -> dict[str, str]:
    """The versions of Keras and of ``fmt``'s packages, for the export's record."""
    from importlib.metadata import PackageNotFoundError, version

    import keras

    found = {"keras": keras.__version__, "backend": keras.backend.backend()}
    packages = [pip for _, pip in fmt.packages]
    for pip in packages + (["ai-edge-litert"] if fmt.name == "litert" else []):
        names = (pip, "tensorflow") if pip == "tensorflow-cpu" else (pip,)
        for name in names:
            try:
                found[name] = version(name)
                break
            except PackageNotFoundError:
                continue
    return found
