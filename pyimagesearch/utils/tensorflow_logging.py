"""Start TensorFlow quietly: no C++ start-up block, no INFO/WARNING logs, unless asked.

TensorFlow 2.21 writes its oneDNN and CPU-feature lines to the process's stderr while it
is imported, before ``TF_CPP_MIN_LOG_LEVEL`` is consulted, and once more for a second
library; training then ends with a ``FAILED_PRECONDITION ... GeneratorDataset`` warning.
:func:`quiet_tensorflow` imports TensorFlow with file descriptor 2 captured, passes on
every captured line that is not that known noise, and sets ``TF_CPP_MIN_LOG_LEVEL=2`` so
later INFO and WARNING logs stay quiet. A user who sets ``TF_CPP_MIN_LOG_LEVEL`` gets
TensorFlow exactly as it is.

Example:
    >>> quiet_tensorflow()        # doctest: +SKIP
    >>> import keras              # already imported, nothing printed
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile

_NOISE = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "To enable the following instructions:",
    "rebuild TensorFlow with the appropriate compiler flags",
    "Unable to register cu",  # cuDNN/cuFFT/cuBLAS factories on CPU-only machines
    "computation placer already registered",
    "Could not find cuda drivers",
    "Created TensorFlow Lite XNNPACK delegate",  # the LiteRT interpreter's first call
)


def _is_noise(line: str) -> bool:
    return not line.strip() or any(fragment in line for fragment in _NOISE)


@contextlib.contextmanager
def filtered_stderr():
    """Capture file descriptor 2; afterwards write what is not known noise to stderr
    (for the C++ libraries' INFO lines, which no Python logging setting reaches)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", "replace")
            kept = [line for line in text.splitlines() if not _is_noise(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)


def quiet_tensorflow() -> None:
    """Import TensorFlow and Keras without their start-up noise (see the module doc). On
    another backend (``KERAS_BACKEND``) TensorFlow is imported too where it is installed:
    ``keras.utils.set_random_seed`` imports it to seed it, noise and all."""
    if "tensorflow" in sys.modules:
        return
    other = os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow"  # JAX, torch
    if other and importlib.util.find_spec("tensorflow") is None:
        import keras  # noqa: F401

        return
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:  # the user chose what to see
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    try:
        with filtered_stderr():
            import keras  # noqa: F401  (imports TensorFlow on its backend)
            import tensorflow  # noqa: F401
    except OSError:  # no usable file descriptor 2 (rare): import as it is
        import keras  # noqa: F401
