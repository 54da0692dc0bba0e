"""Training across devices and processes with tf.distribute, on this machine only: two
logical CPU devices (MirroredStrategy) and two worker processes on 127.0.0.1
(MultiWorkerMirroredStrategy). Each result must match one device, one process, within a
stated tolerance: LeNet (no batch normalization, no dropout), whole images (no random
patch), no augmentation, so the only differences are the order of float additions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyimagesearch.utils.reports import read_json
from tests.helpers import build_splits, write_config

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-3  # relative, on every epoch's training loss
RUNNER = """
import os
import sys
sys.path.insert(0, os.getcwd())  # the repository: train.py and the package
import tensorflow as tf
devices = int(sys.argv[1])
if devices > 1:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)])
import train
sys.exit(train.main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def setup(synthetic_images: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("strategies")
    settings = build_splits(folder, synthetic_images, IMAGE_SIZE=28)
    runner = folder / "runner.py"
    runner.write_text(RUNNER)
    return {"settings": settings, "runner": runner, "folder": folder}


def run(setup: dict, name: str, devices: int = 1, env: dict | None = None, **overrides):
    out = setup["folder"] / name
    settings = {**setup["settings"], "OUTPUT_PATH": str(out)}
    config = write_config(
        setup["folder"] / f"{name}.py",
        **settings,
        NETWORK="LeNet",
        INPUT_SIZE=28,
        EPOCHS=2,
        BATCH_SIZE=20,
        OPTIMIZER="sgd",
        LEARNING_RATE=1e-5,
        WORKERS=1,
        MODEL_PATH=str(out / "lenet.keras"),
        **overrides,
    )
    command = [sys.executable, str(setup["runner"]), str(devices), "--config", str(config),
               "--quiet"]  # fmt: skip
    environment = {**os.environ, **(env or {})}
    process = subprocess.Popen(
        command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    return process, out


def finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return output


def losses(out: Path) -> np.ndarray:
    return np.array(read_json(out / "lenet_training.json")["loss"])


@pytest.mark.long  # make test-long (CI); see README
def test_mirrored_on_two_logical_devices_matches_one_device(setup: dict) -> None:
    single, single_out = run(setup, "one_device")
    finish(single)
    mirrored, mirrored_out = run(setup, "two_devices", devices=2, STRATEGY="mirrored")
    output = finish(mirrored)
    assert "2 replicas" in output
    np.testing.assert_allclose(losses(mirrored_out), losses(single_out), rtol=TOLERANCE)


def test_multi_worker_is_refused_with_the_reason(setup: dict) -> None:
    """Keras 3's fit fails under MultiWorkerMirroredStrategy with two workers (reproduced
    here with two processes on 127.0.0.1: keras-team/keras#20585); the run stops at once
    and says so instead of hanging or failing after start-up."""
    process, out = run(setup, "workers", STRATEGY="multi_worker")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 2
    assert (
        output.strip()
        .splitlines()[-1]
        .startswith("error: STRATEGY = 'multi_worker' cannot train with Keras 3")
    )
    assert not out.exists() or not list(out.rglob("*.keras"))
