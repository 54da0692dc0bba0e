"""STRATEGY = "multi_worker" on JAX (keras.distribution, gloo collectives on the CPU): two
processes on 127.0.0.1 started by ``python -m pyimagesearch.launch``, a tiny network, two
epochs, random patches and augmentation, against one process on the same global batches.

Tolerance: the two processes sum a batch's gradient in another order than one process
does, so weights may differ by float32 rounding: measured 1.5e-8 here; asserted 1e-5
(absolute, every weight) and 1e-5 (relative, every epoch's losses). These run in the JAX
pass of .ci/run (KERAS_BACKEND=jax): each process starts JAX and joins the cluster (about
15 s on the 2-core reference machine), too long for the TensorFlow pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pyimagesearch.utils.reports import read_json
from tests.helpers import build_splits, write_config

pytestmark = [
    pytest.mark.slow,
    pytest.mark.backends,
    pytest.mark.skipif(
        os.environ.get("KERAS_BACKEND") != "jax",
        reason="multi_worker runs in the JAX pass of .ci/run (KERAS_BACKEND=jax, jax installed)",
    ),  # fmt: skip
]
REPO = Path(__file__).resolve().parents[2]
WEIGHTS_TOLERANCE = 1e-5
LOSS_TOLERANCE = 1e-5
TIMEOUT = 240  # seconds for a whole run: a hang fails the test instead of the suite


@pytest.fixture(scope="module")
def splits(synthetic_images: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("multi_worker")
    return {"folder": folder, **build_splits(folder, synthetic_images, IMAGE_SIZE=28)}


def config(splits: dict, name: str, **overrides: object) -> tuple[Path, Path]:
    folder, out = splits["folder"], splits["folder"] / name
    settings = {k: v for k, v in splits.items() if k != "folder"}
    path = write_config(folder / f"{name}.py", **{**settings, "OUTPUT_PATH": str(out),
                        "NETWORK": "ShallowNet", "INPUT_SIZE": 24, "EPOCHS": 2,
                        "BATCH_SIZE": 20, "OPTIMIZER": "sgd", "LEARNING_RATE": 5e-4,
                        "WORKERS": 1, "MODEL_PATH": str(out / "net.keras"),
                        "AUGMENTATION": {"horizontal_flip": True, "rotation_range": 10},
                        **overrides})  # fmt: skip
    return path, out


def run(command: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run([sys.executable, *command], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)  # fmt: skip


def files_in(out: Path) -> list[str]:
    """Every file written, the run folder's date-time name left out."""
    found = []
    for path in out.rglob("*"):
        parts = path.relative_to(out).parts
        if parts[:1] == ("runs",) and len(parts) > 2 and parts[1][:1].isdigit():
            parts = ("runs", "RUN", *parts[2:])
        if path.is_file():
            found.append("/".join(parts))
    return sorted(found)


def weights(path: Path) -> list[np.ndarray]:
    import keras

    return keras.models.load_model(path).get_weights()


@pytest.fixture(scope="module")
def one(splits: dict) -> Path:
    """A one-process, one-device run of the tiny network: what the others must match."""
    one_config, out = config(splits, "one")
    single = run(["train.py", "--config", str(one_config), "--quiet"])
    assert single.returncode == 0, single.stdout + single.stderr
    return out


def test_two_processes_train_the_weights_of_one(splits: dict, one: Path) -> None:
    two_config, two = config(splits, "two")
    both = run(["-m", "pyimagesearch.launch", "--processes", "2", "train.py", "--config",
                str(two_config), "--quiet"])  # fmt: skip
    assert both.returncode == 0, both.stdout + both.stderr
    lines = both.stdout.splitlines()
    for process in (0, 1):  # each prints the cluster, then the same weights' fingerprint
        assert any(f"[{process}] [INFO] multi_worker: process {process} of 2, coordinator "
                   "127.0.0.1:" in line for line in lines)  # fmt: skip
    prints = sorted(line.split("weights ")[1] for line in lines if ": weights " in line)
    assert len(prints) == 2 and prints[0] == prints[1]
    assert any(line == "[1] [INFO] run folder: kept by process 0" for line in lines)
    # the files of one process, written once (process 0)
    assert files_in(two) == files_in(one)
    assert len(list((two / "runs").glob("2*"))) == 1
    history_one = read_json(one / "shallownet_training.json")
    history_two = read_json(two / "shallownet_training.json")
    for curve in ("loss", "val_loss"):
        np.testing.assert_allclose(history_two[curve], history_one[curve], rtol=LOSS_TOLERANCE)
    for a, b in zip(weights(two / "net.keras"), weights(one / "net.keras"), strict=True):
        np.testing.assert_allclose(a, b, atol=WEIGHTS_TOLERANCE)


def test_mirrored_on_jax_trains_over_two_local_devices_as_one(splits: dict, one: Path) -> None:
    """One machine, several devices (two logical CPU devices here): DataParallel."""
    path, out = config(splits, "mirrored", STRATEGY="mirrored")
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    result = run(["train.py", "--config", str(path), "--quiet"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "batch 20, epochs 1..2, 2 replicas)" in result.stdout
    for curve in ("loss", "val_loss"):
        np.testing.assert_allclose(read_json(out / "shallownet_training.json")[curve],
                                   read_json(one / "shallownet_training.json")[curve],
                                   rtol=LOSS_TOLERANCE)  # fmt: skip


def test_a_batch_that_does_not_divide_among_the_processes_is_refused(splits: dict) -> None:
    path, out = config(splits, "odd", BATCH_SIZE=21)
    result = run(["-m", "pyimagesearch.launch", "--processes", "2", "train.py", "--config",
                  str(path), "--quiet"])  # fmt: skip
    assert result.returncode == 2
    assert "[0] error: BATCH_SIZE 21 is the global batch of the 2 processes" in result.stdout
    assert not out.exists()


def test_a_killed_process_ends_the_other_and_resume_ends_at_the_uninterrupted_weights(
    splits: dict,
) -> None:
    """Process 1 killed at the start of epoch 2: the launcher names it and ends process 0
    at once (bounded: ``--grace 10``); ``--resume`` on both continues from the last
    complete checkpoint to the weights of an uninterrupted one-process run."""
    import signal
    import time

    one_config, one = config(splits, "uninterrupted", EPOCHS=6)
    killed_config, killed = config(splits, "killed", EPOCHS=6)
    single = run(["train.py", "--config", str(one_config), "--quiet"])
    assert single.returncode == 0, single.stdout + single.stderr
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONUNBUFFERED": "1"}
    launch = [sys.executable, "-m", "pyimagesearch.launch", "--processes", "2", "--grace", "10",
              "train.py", "--config", str(killed_config), "--quiet"]  # fmt: skip
    process = subprocess.Popen(launch, cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)  # fmt: skip
    lines, pid, killed_at = [], None, None
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("[launch] process 1: pid "):
            pid = int(line.rsplit(" ", 1)[1])
        if line.startswith("[1] Epoch 2/6") and killed_at is None:
            os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
    process.wait(timeout=TIMEOUT)
    assert killed_at is not None, "\n".join(lines)
    assert time.monotonic() - killed_at < 30  # the other ended in a bounded time
    assert process.returncode != 0
    assert "[launch] process 1 ended with signal SIGKILL: ending the others" in lines
    resumed = run([*launch[1:], "--resume"])
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "[0] [INFO] resuming from" in resumed.stdout
    for a, b in zip(weights(killed / "net.keras"), weights(one / "net.keras"), strict=True):
        np.testing.assert_allclose(a, b, atol=WEIGHTS_TOLERANCE)


def start_by_hand(path: Path, folder: Path, *extra: str) -> list[subprocess.Popen]:
    """The two processes of ``path``'s training started by hand, as on two machines (no
    launcher): Keras' variables set, each one's stdout and stderr into ``folder``."""
    from pyimagesearch.launch import child_environment, free_port

    address, processes = f"127.0.0.1:{free_port()}", []
    for process in (0, 1):
        env = child_environment({**os.environ, "KERAS_BACKEND": "jax"}, address, 2, process)
        processes.append(subprocess.Popen(
            [sys.executable, "train.py", "--config", str(path), "--quiet", "--strategy",
             "multi_worker", *extra], cwd=REPO, env=env, text=True,
            stdout=subprocess.PIPE if process else open(folder / "out0.txt", "w"),  # noqa: SIM115
            stderr=open(folder / f"err{process}.txt", "w"),  # noqa: SIM115
        ))  # fmt: skip
    return processes


def test_a_process_killed_outside_the_launcher_ends_the_other_in_one_line(
    splits: dict, tmp_path: Path
) -> None:
    """Two processes started by hand, process 1 killed (SIGKILL) at the start of epoch 2:
    process 0 ends within DISTRIBUTION_TIMEOUT (5 s, the heartbeat timeout) and a margin
    for this machine (measured 3.9-4.2 s here), exit 2, its last stderr line one of ours
    naming process 1, none of JAX's fatal lines; ``--resume`` on both then finishes."""
    import signal
    import time

    path, out = config(splits, "by_hand", EPOCHS=4, DISTRIBUTION_TIMEOUT=5)
    zero, one = start_by_hand(path, tmp_path)
    killed_at = None
    for line in one.stdout:
        if line.startswith("Epoch 2/4"):
            one.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            break
    assert killed_at is not None, (tmp_path / "err1.txt").read_text()
    zero.wait(timeout=5 + 25)  # TimeoutExpired: a hang fails the test
    took = time.monotonic() - killed_at
    one.wait(timeout=10)
    errors = (tmp_path / "err0.txt").read_text()
    assert zero.returncode == 2, errors
    assert errors.splitlines()[-1] == ("error: process 1 of 2 was lost (no heartbeat for 5 s); "
                                       "rerun every process with --resume")  # fmt: skip
    assert "Terminating process" not in errors and "Check failure" not in errors
    assert took < 5 + 25
    resumed = start_by_hand(path, tmp_path, "--resume")
    for process in resumed:
        process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0, (tmp_path / "err0.txt").read_text()
    assert "[INFO] resuming from" in (tmp_path / "out0.txt").read_text()
    assert (out / "net.keras").is_file()


def test_an_unreachable_coordinator_fails_within_the_timeout(splits: dict) -> None:
    """Process 1 of 2 with nobody at the coordinator's address ends after
    DISTRIBUTION_TIMEOUT (5 s) plus the start-up, never hangs; JAX's runtime aborts the
    training (DEADLINE_EXCEEDED), the script's supervising process says so in one line."""
    import time

    from pyimagesearch.launch import free_port

    path, out = config(splits, "alone", DISTRIBUTION_TIMEOUT=5)
    env = {
        "KERAS_DISTRIBUTION_JOB_ADDRESSES": f"127.0.0.1:{free_port()}",
        "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
        "KERAS_DISTRIBUTION_PROCESS_ID": "1",
    }
    started = time.monotonic()
    result = run(["train.py", "--config", str(path), "--quiet", "--strategy", "multi_worker"],
                 env)  # fmt: skip
    assert time.monotonic() - started < 60
    assert result.returncode != 0
    assert "[INFO] multi_worker: process 1 of 2, coordinator 127.0.0.1:" in result.stdout
    assert "DEADLINE_EXCEEDED" in result.stderr
    assert result.stderr.splitlines() == [
        "error: multi_worker: process 1 could not join the 2 processes at "
        f"{env['KERAS_DISTRIBUTION_JOB_ADDRESSES']} within 5 s (DEADLINE_EXCEEDED: Deadline "
        "Exceeded); check that every process was started with the same coordinator and "
        "number of processes (KERAS_DISTRIBUTION_* or DISTRIBUTION_*), or raise "
        "DISTRIBUTION_TIMEOUT"
    ]
    assert result.returncode == 2
    assert not list(out.rglob("*.keras"))


def test_the_learning_rate_finder_refuses_multi_worker(splits: dict) -> None:
    path, out = config(splits, "finder")
    result = run(["-m", "pyimagesearch.launch", "--processes", "2", "train.py", "--config",
                  str(path), "--find-lr"])  # fmt: skip
    assert result.returncode == 2
    assert "[0] error: --find-lr runs in one process" in result.stdout
    assert not list(out.rglob("lr_finder*"))
