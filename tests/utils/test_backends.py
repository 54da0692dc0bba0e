"""Choosing the Keras backend: BACKEND / KERAS_BACKEND, refused in one line before any work
when its package is missing or it cannot do STRATEGY; the builder and the audit never
import a backend. Each script runs in a fresh process (a refusal comes before Keras is
imported, so these are quick)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import split_settings, write_config, write_noise_images

REPO = Path(__file__).resolve().parents[2]
BACKEND_MODULES = ("keras", "tensorflow", "jax", "torch")
# PyTorch-only tests: in the torch pass of make test-backends (which installs torch), not
# in make test, whose time they would add to wherever torch happens to be installed.
TORCH_PASS = pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "torch" or importlib.util.find_spec("torch") is None,
    reason="PyTorch only: runs in the KERAS_BACKEND=torch pass of make test-backends",
)


def torch_pass(test):
    return pytest.mark.backends(TORCH_PASS(test))


def run_script(args: list[str], env: dict | None = None, code: str | None = None):
    """Run a script of the repository (or ``code``) in a fresh process, without
    KERAS_BACKEND unless ``env`` gives it."""
    environment = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    command = [sys.executable, *(["-c", code] if code else []), *args]
    return subprocess.run(command, cwd=REPO, env={**environment, **(env or {})},
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def first_error_line(result) -> str:
    return result.stderr.strip().splitlines()[0] if result.stderr.strip() else ""


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed")
@pytest.mark.parametrize("how", ["setting", "variable"])
def test_a_missing_backend_is_refused_in_one_line_before_work(tmp_path: Path, how: str) -> None:
    out = tmp_path / "out"
    config = write_config(tmp_path / "c.py", OUTPUT_PATH=str(out), TRAIN_HDF5="t.hdf5",
                          DATASET_MEAN="m.json", MODEL_PATH=str(out / "m.keras"),
                          **({"BACKEND": "torch"} if how == "setting" else {}))  # fmt: skip
    env = {"KERAS_BACKEND": "torch"} if how == "variable" else {}
    result = run_script(["train.py", "--config", str(config)], env)
    assert result.returncode == 2, result.stderr
    assert first_error_line(result).startswith("error: the Keras backend torch is not installed")
    assert '".[torch]"' in first_error_line(result)
    assert not out.exists()


def test_multi_worker_on_tensorflow_says_to_use_jax(tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = write_config(tmp_path / "c.py", OUTPUT_PATH=str(out), TRAIN_HDF5="t.hdf5",
                          DATASET_MEAN="m.json", MODEL_PATH=str(out / "m.keras"))  # fmt: skip
    result = run_script(["train.py", "--config", str(config), "--strategy", "multi_worker"])
    assert result.returncode == 2
    line = first_error_line(result)
    assert line.startswith("error: STRATEGY = 'multi_worker' cannot train with Keras 3 on "
                           "TensorFlow")  # fmt: skip
    assert "KERAS_BACKEND=jax" in line and "keras-team/keras#20585" in line
    assert not out.exists()


@torch_pass
@pytest.mark.parametrize("strategy", ["mirrored", "multi_worker"])
def test_a_strategy_on_torch_is_refused_in_one_line(tmp_path: Path, strategy: str) -> None:
    """Keras' distribution runs on TensorFlow and JAX only: PyTorch trains on one device."""
    out = tmp_path / "out"
    config = write_config(tmp_path / "c.py", OUTPUT_PATH=str(out), TRAIN_HDF5="t.hdf5",
                          DATASET_MEAN="m.json", MODEL_PATH=str(out / "m.keras"))  # fmt: skip
    result = run_script(["train.py", "--config", str(config), "--strategy", strategy],
                        env={"KERAS_BACKEND": "torch"})  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert first_error_line(result).startswith(
        f"error: STRATEGY = {strategy!r} is not available on the torch backend"
    )
    assert "KERAS_BACKEND=jax" in first_error_line(result)
    assert not out.exists()


def test_the_builder_and_the_audit_import_no_backend(tmp_path: Path) -> None:
    """Even with a backend that is not installed named: they never import one."""
    images = write_noise_images(tmp_path / "images", per_class=6, side=24)
    settings = split_settings(tmp_path, images, NUM_VAL_IMAGES=2, NUM_TEST_IMAGES=2,
                              IMAGE_SIZE=24, BUILD_WORKERS=1, BACKEND="torch")  # fmt: skip
    config = write_config(tmp_path / "c.py", **settings)
    code = (
        "import sys, build_dataset, audit_dataset\n"
        "assert build_dataset.main(sys.argv[1:3]) == 0\n"
        "assert audit_dataset.main([*sys.argv[1:3], '--quiet']) == 0\n"
        f"print(sorted(set(sys.modules) & {set(BACKEND_MODULES)!r}))\n"
    )
    result = run_script(["--config", str(config)], code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@torch_pass
def test_the_gradient_helper_on_torch() -> None:
    code = ("import numpy as np, keras\n"
            "from pyimagesearch.utils.gradients import gradient_function\n"
            "a, b = keras.Input((2,)), keras.Input((2,))  # a model on the target and NumPy\n"
            "add = keras.Model([a, b], keras.layers.Add()([a, b]))\n"
            "both = gradient_function(lambda t, x: (keras.ops.sum(add([x, t]) * t), t))\n"
            "print(both(np.array([[1.0, 2.0]], np.float32), np.array([[3.0, 4.0]], np.float32))"
            "[1].tolist())\n"
            "grad = gradient_function(lambda t: (keras.ops.sum(t * t), t))\n"
            "print(grad(np.array([1.0, 2.0], np.float32))[1].tolist())\n")  # fmt: skip
    result = run_script([], env={"KERAS_BACKEND": "torch"}, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-2] == "[[5.0, 8.0]]"  # x + 2 t
    assert result.stdout.strip().splitlines()[-1] == "[2.0, 4.0]"


@torch_pass
def test_a_saved_network_predicts_without_a_structure_warning(tmp_path: Path) -> None:
    """A network saved as train.py saves it (``inference_model``: its inputs as a list) and
    reloaded: on PyTorch Keras warned at every call that the inputs did not match their
    structure (``Expected: ['input_layer']``)."""
    import warnings

    import keras
    import numpy as np

    from pyimagesearch.callbacks.best_model import save_inference_model
    from pyimagesearch.models.classifiers import _load_keras

    inputs = keras.Input((4,))
    save_inference_model(keras.Model(inputs, keras.layers.Dense(2)(inputs)), tmp_path / "m.keras")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _load_keras(tmp_path / "m.keras").predict_on_batch(np.zeros((2, 4), np.float32))
    assert not [w for w in caught if "structure of `inputs`" in str(w.message)]
