"""A ``.keras`` model trained under JAX or PyTorch, used under TensorFlow (a fresh process):
the same probabilities within 1e-5, and its record names the backend that trained it. Each
runs in its backend's pass of ``make test-backends`` (the test process trains under it)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import build_splits, write_config

pytestmark = pytest.mark.backends
REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-5
PREDICT = """
import sys
import numpy as np
from pyimagesearch.models import load_classifier
import keras
images = np.load(sys.argv[2])
np.save(sys.argv[3], load_classifier(sys.argv[1]).predict_proba(images))
print(keras.backend.backend())
"""


def trained_under(backend: str):
    """Run only in the pass of ``backend`` (KERAS_BACKEND), with it installed."""
    return pytest.mark.skipif(
        os.environ.get("KERAS_BACKEND") != backend or importlib.util.find_spec(backend) is None,
        reason=f"trains under {backend}: runs in the KERAS_BACKEND={backend} pass of make "
        "test-backends (with it installed)",
    )


@trained_under("jax")
def test_a_model_trained_under_jax_gives_the_same_probabilities_under_tensorflow(
    synthetic_images: Path, tmp_path: Path
) -> None:
    same_probabilities_under_tensorflow("jax", synthetic_images, tmp_path)


@trained_under("torch")
def test_a_model_trained_under_torch_gives_the_same_probabilities_under_tensorflow(
    synthetic_images: Path, tmp_path: Path
) -> None:
    same_probabilities_under_tensorflow("torch", synthetic_images, tmp_path)


def same_probabilities_under_tensorflow(backend: str, images_folder: Path, tmp_path: Path):
    """Train a tiny ShallowNet under ``backend`` (this process), predict the test split
    here and under TensorFlow in a fresh process: equal within TOLERANCE."""
    import h5py
    import keras

    import train
    from pyimagesearch.models import load_classifier, read_record

    assert keras.backend.backend() == backend
    settings = build_splits(tmp_path / "data", images_folder, IMAGE_SIZE=24)
    out = tmp_path / "out"
    config = write_config(tmp_path / "c.py", **{**settings, "OUTPUT_PATH": str(out)},
                          NETWORK="ShallowNet", INPUT_SIZE=24, EPOCHS=1, BATCH_SIZE=20,
                          MODEL_PATH=str(out / "net.keras"))  # fmt: skip
    assert train.main(["--config", str(config), "--quiet"]) == 0
    assert read_record(out / "net.keras")["backend"] == backend
    with h5py.File(settings["TEST_HDF5"]) as db:
        images = db["images"][:]
    np.save(tmp_path / "images.npy", images)
    under_backend = load_classifier(out / "net.keras").predict_proba(images)
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    result = subprocess.run([sys.executable, "-c", PREDICT, str(out / "net.keras"),
                             str(tmp_path / "images.npy"), str(tmp_path / "tf.npy")], cwd=REPO,
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "tensorflow"
    np.testing.assert_allclose(np.load(tmp_path / "tf.npy"), under_backend, atol=TOLERANCE)
