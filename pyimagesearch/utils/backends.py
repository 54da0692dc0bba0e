"""Which Keras backend runs the scripts: TensorFlow (the default), JAX or PyTorch.

Keras reads ``KERAS_BACKEND`` once, when it is first imported. The scripts choose the
backend from the ``BACKEND`` setting (None: ``KERAS_BACKEND``, else TensorFlow) and apply
it with :func:`use_backend` after loading their config and before any Keras import; a
backend whose package is not installed, or a ``STRATEGY`` it cannot run, is refused in one
line before any work. The builder and the audit never import a backend.

>>> chosen_backend("jax"), chosen_backend(None, environ={})
('jax', 'tensorflow')
>>> chosen_backend(None, environ={"KERAS_BACKEND": "torch"})
'torch'
>>> check_strategy("tensorflow", "multi_worker")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
pyimagesearch.errors.ConfigError: STRATEGY = 'multi_worker' cannot train with Keras 3 on ...
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping

from pyimagesearch.errors import ConfigError

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_BACKEND = "tensorflow"
# What to install for each backend (docs: README "Picking a Keras backend").
INSTALL = {
    "tensorflow": 'pip install -e ".[cpu]" (or ".[gpu]")',
    "jax": 'pip install -e ".[jax]" (NVIDIA GPUs: pip install "jax[cuda12]")',
    "torch": 'pip install -e ".[torch]" (GPUs: the CUDA wheel of pytorch.org)',
}
# The STRATEGY values each backend can train with (None, one device: every backend).
STRATEGIES = {"tensorflow": ("mirrored",), "jax": ("mirrored", "multi_worker"), "torch": ()}


def chosen_backend(setting: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``BACKEND`` when set, else ``KERAS_BACKEND``, else TensorFlow (lower case)."""
    environ = os.environ if environ is None else environ
    name = (setting or environ.get("KERAS_BACKEND") or DEFAULT_BACKEND).strip().lower()
    if name not in BACKENDS:
        raise ConfigError(
            f"unknown Keras backend {name!r} (KERAS_BACKEND or BACKEND): use one of "
            + ", ".join(BACKENDS)
        )
    return name


def backend_installed(name: str) -> bool:
    """Whether the package of backend ``name`` can be imported (without importing it)."""
    return importlib.util.find_spec(name) is not None


def running_backend() -> str | None:
    """The backend Keras runs on in this process (None: Keras not imported yet)."""
    keras = sys.modules.get("keras")
    return None if keras is None else keras.backend.backend()


def check_strategy(backend: str, strategy: str | None) -> None:
    """Refuse a ``STRATEGY`` that ``backend`` cannot train with, saying what can."""
    if strategy is None or strategy in STRATEGIES[backend]:
        return
    if strategy == "multi_worker" and backend == "tensorflow":
        raise ConfigError(
            "STRATEGY = 'multi_worker' cannot train with Keras 3 on TensorFlow: model.fit "
            "fails under tf.distribute.MultiWorkerMirroredStrategy with more than one worker "
            "(keras-team/keras#20585); use KERAS_BACKEND=jax (or BACKEND = 'jax'), where it "
            "runs on Keras' own keras.distribution (docs/TRAINING.md)"
        )
    able = [name for name, allowed in STRATEGIES.items() if strategy in allowed]
    raise ConfigError(
        f"STRATEGY = {strategy!r} is not available on the {backend} backend (Keras' "
        f"distribution runs on {' and '.join(able)}): set KERAS_BACKEND={able[-1]}, or "
        "STRATEGY = None for one device"
    )


def use_backend(setting: str | None = None, strategy: str | None = None) -> str:
    """Make Keras run on the chosen backend (see :func:`chosen_backend`): checked
    installed and able to do ``strategy``, then set in ``KERAS_BACKEND`` before Keras is
    imported. Returns its name.

    Raises:
        ConfigError: an unknown or missing backend, a strategy it cannot do, or Keras
            already running on another backend in this process.
    """
    name = chosen_backend(setting)
    running = running_backend()
    if running != name and not backend_installed(name):
        raise ConfigError(
            f"the Keras backend {name} is not installed (KERAS_BACKEND or BACKEND): "
            f"{INSTALL[name]}, or choose another of {', '.join(BACKENDS)}"
        )
    if running is not None and running != name:
        raise ConfigError(
            f"Keras already runs on {running} in this process, not {name}: start a new "
            f"process with KERAS_BACKEND={name}"
        )
    check_strategy(name, strategy)
    os.environ["KERAS_BACKEND"] = name
    return name


def has_gpu() -> bool:
    """Whether the running backend sees a GPU (Keras imported)."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    import torch

    return bool(torch.cuda.is_available())
