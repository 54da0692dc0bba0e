"""What the benchmarks share: the best of several timings, the peak memory of a script,
per-epoch wall times of ``model.fit``, the models that time feeding (a trivial one and
AlexNet), and the build settings of the shared Kaggle sample.

Imported by the benchmark scripts (run as ``python benchmarks/NAME.py``, so this folder
is on ``sys.path``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PYIMAGESEARCH_SHARED", REPO.parent / "shared"))
SAMPLE = SHARED / "data" / "dogs-vs-cats-sample" / "train"
WEIGHTS = SHARED / "weights" / "mobilenet_v2_backbone.weights.h5"


def peak_rss_mb(args: list[str], log: Path) -> float:
    """Run ``python ARGS...`` in the repository (output appended to ``log``); the peak
    resident memory of that process in MB (10^6 bytes), read with ``os.wait4``."""
    with open(log, "a") as out:
        process = subprocess.Popen([sys.executable, *args], cwd=REPO, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        sys.exit(f"{args[0]} failed; see {log}")
    return usage.ru_maxrss * 1024 / 1e6  # ru_maxrss: KiB on Linux


def best_seconds(fn: Callable[[], Any], rounds: int = 3) -> float:
    """The shortest wall time of ``rounds`` calls of ``fn``."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def epoch_timer(times: list[float]) -> Any:
    """A Keras callback appending each epoch's wall time to ``times``."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            times.append(time.perf_counter() - self.start)

    return EpochTimer()


def trivial_model(size: int, dtype: str = "uint8", classes: int = 2) -> Any:
    """Global average pooling + one dense layer on ``size`` x ``size`` RGB inputs of
    ``dtype``: a step that costs almost nothing, so that ``fit`` times the feeding."""
    import keras

    inputs = keras.Input((size, size, 3), dtype=dtype)
    x = keras.layers.GlobalAveragePooling2D()(keras.ops.cast(inputs, "float32"))
    model = keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(x))
    model.compile("adam", "categorical_crossentropy")
    return model


def alexnet_model(size: int, dtype: str = "uint8", classes: int = 2) -> Any:
    """The book's AlexNet (the project's ``build_network``) on inputs of ``dtype``, cast to
    float32 in the model, as training with ``MEAN_IN_MODEL`` does."""
    import keras

    from pyimagesearch.nn.conv import build_network

    net = build_network("AlexNet", size, size, 3, classes)
    inputs = keras.Input((size, size, 3), dtype=dtype)
    model = keras.Model(inputs, net(keras.ops.cast(inputs, "float32")))
    model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy")
    return model


def fit_rate(model: Any, steps: int, batch: int, epochs: int = 3, **inputs: Any) -> float:
    """Images/s of ``model.fit`` over ``steps`` batches of ``batch`` an epoch: the best epoch
    after the first (which compiles)."""
    times: list[float] = []
    model.fit(**inputs, epochs=epochs, steps_per_epoch=steps, callbacks=[epoch_timer(times)],
              shuffle=False, verbose=0)  # fmt: skip
    return steps * batch / min(times[1:])


def run_script(work: Path, *args: str) -> float:
    """Run one script (``args``: its file and arguments) as a user would, its output
    appended to ``work/commands.log``; return its wall time."""
    started = time.perf_counter()
    with open(work / "commands.log", "a") as log:
        log.write(f"\n$ python {' '.join(args)}\n")
        log.flush()
        subprocess.run([sys.executable, *args], cwd=REPO, stdout=log, stderr=log, check=True)
    return time.perf_counter() - started


def random_split(folder: Path, n: int, size: int) -> tuple[Path, Path]:
    """``folder/train.hdf5`` of ``n`` random ``size`` x ``size`` uint8 images of 10
    classes (seed 0) and a mean file of 127 a channel: data for timing, not learning."""
    import numpy as np

    from pyimagesearch.io import HDF5DatasetWriter
    from pyimagesearch.utils.reports import write_json

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
    path = folder / "train.hdf5"
    with HDF5DatasetWriter((n, size, size, 3), path, buffer_size=512) as writer:
        writer.store_class_labels([f"c{i}" for i in range(10)])
        writer.add(images, rng.integers(0, 10, n))
    mean = write_json(folder / "mean.json", {"R": 127.0, "G": 127.0, "B": 127.0})
    return path, mean


def sample_settings(
    work: Path, output: Path, images: Path = SAMPLE, held_out: int = 200
) -> dict[str, Any]:
    """Build settings of the photos in ``images`` (default: the 2,000 shared ones):
    ``held_out`` validation and as many test images at 256 px, the split files under
    ``work/hdf5``, the mean and every report in ``output``."""
    return {
        "IMAGES_PATH": str(images),
        "NUM_VAL_IMAGES": held_out,
        "NUM_TEST_IMAGES": held_out,
        "IMAGE_SIZE": 256,
        "TRAIN_HDF5": str(work / "hdf5" / "train.hdf5"),
        "VAL_HDF5": str(work / "hdf5" / "val.hdf5"),
        "TEST_HDF5": str(work / "hdf5" / "test.hdf5"),
        "DATASET_MEAN": str(output / "mean.json"),
        "OUTPUT_PATH": str(output),
    }


def write_settings(path: Path, settings: dict[str, Any]) -> Path:
    """A config module of ``settings`` (one ``NAME = repr`` line each)."""
    path.write_text("".join(f"{k} = {v!r}\n" for k, v in settings.items()))
    return path
