"""One process against two (``STRATEGY = "multi_worker"``, JAX, gloo on the CPU) on this
machine, the same global batch: images/s, the scaling efficiency, and what the
collectives cost per step.

Synthetic photos (``--images`` per class, 48x48, the demo's generator), MiniVGGNet on
random 40x40 patches with flips, global batch ``--batch``. Each configuration trains
through ``train.py`` (two processes: ``python -m pyimagesearch.launch``) for 1 and for
``1 + --epochs`` epochs; the difference of the two wall times is the time of the extra
epochs alone (start-up, JAX's compilation and the cluster's joining cancel out):

* ``one process``: all cores (XLA's default threads);
* ``two processes``: one thread each (``--xla_cpu_multi_thread_eigen=false`` and
  ``intra_op_parallelism_threads=1``), half the batch each, a gloo all-reduce per step;
* ``one process, one thread, half the batch``: the steps of one of the two processes
  (twice as many of them) without the collectives. A step of two processes less one of
  these: what the collectives (and waiting for the slower process) cost per step.

Usage:
    KERAS_BACKEND=jax python benchmarks/bench_multi_worker.py [--epochs 2] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def prepare(work: Path, per_class: int, batch: int) -> dict:
    from pyimagesearch.config import load_config
    from pyimagesearch.data.build_dataset import build_dataset
    from pyimagesearch.demo.synthetic_dataset import generate_synthetic_dataset
    from tests.helpers import split_settings, write_config

    images = work / "images"
    if not images.exists():
        generate_synthetic_dataset(images, per_class=per_class, seed=3)
    settings = split_settings(work, images, IMAGE_SIZE=48, NUM_VAL_IMAGES=0,
                              NUM_TEST_IMAGES=10, OVERWRITE=True)  # fmt: skip
    if not Path(settings["TRAIN_HDF5"]).exists():
        build_dataset(load_config(write_config(work / "build.py", **settings)), progress=False)
    return {**settings, "NETWORK": "MiniVGGNet", "INPUT_SIZE": 40, "BATCH_SIZE": batch,
            "OPTIMIZER": "sgd", "LEARNING_RATE": 0.01, "WORKERS": 1, "OVERWRITE": True,
            "AUGMENTATION": {"horizontal_flip": True}}  # fmt: skip


def train_seconds(work: Path, settings: dict, name: str, epochs: int, processes: int,
                  threads_env: dict, batch: int) -> float:  # fmt: skip
    from tests.helpers import write_config

    out = work / f"{name}-{epochs}"
    config = write_config(work / f"{name}-{epochs}.py", **{**settings, "EPOCHS": epochs,
                          "BATCH_SIZE": batch, "OUTPUT_PATH": str(out),
                          "MODEL_PATH": str(out / "net.keras")})  # fmt: skip
    script = ["train.py", "--config", str(config), "--quiet"]
    command = script if processes == 1 else ["-m", "pyimagesearch.launch", "--processes",
                                             str(processes), *script]  # fmt: skip
    env = {**os.environ, "KERAS_BACKEND": "jax", **threads_env}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *command], cwd=REPO, env=env, capture_output=True,
                          text=True)  # fmt: skip
    if done.returncode:
        sys.exit(f"{name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="epochs timed (after one)")
    parser.add_argument("--images", type=int, default=320, help="synthetic images per class")
    parser.add_argument("--batch", type=int, default=64, help="the global batch")
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_multi_worker_"))
    work.mkdir(parents=True, exist_ok=True)
    settings = prepare(work, args.images, args.batch)
    rows = 2 * args.images - 10
    steps = -(-rows // args.batch)
    one_thread = {"XLA_FLAGS": ONE_THREAD}
    configurations = [("one process", 1, {}, args.batch),
                      ("two processes, one thread each", 2, one_thread, args.batch),
                      ("one process, one thread, half the batch", 1, one_thread,
                       args.batch // 2)]  # fmt: skip
    seconds = {}
    for name, processes, env, batch in configurations:
        key = name.split(",")[0].replace(" ", "-") + f"-{processes}-{batch}"
        short = train_seconds(work, settings, key, 1, processes, env, batch)
        long = train_seconds(work, settings, key, 1 + args.epochs, processes, env, batch)
        seconds[name] = (long - short) / args.epochs  # one epoch, start-up left out
    one, two = seconds["one process"], seconds["two processes, one thread each"]
    half = seconds["one process, one thread, half the batch"]
    print(
        f"{rows} images, {steps} steps of {args.batch} an epoch, MiniVGGNet 40x40, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n"
    )
    print("| configuration | s / epoch | images/s |\n| --- | ---: | ---: |")
    for name, epoch in seconds.items():
        print(f"| {name} | {epoch:.2f} | {rows / epoch:,.0f} |")
    step_two, step_half = two / steps, half / (2 * steps)  # half the batch: twice the steps
    print(f"\nscaling: two processes {one / two:.2f}x one process (efficiency "
          f"{one / two / 2:.0%}); a step of two processes {step_two * 1000:.0f} ms, of one "
          f"thread on half the batch {step_half * 1000:.0f} ms: the collectives and waiting "
          f"{(step_two - step_half) * 1000:.0f} ms a step")  # fmt: skip


if __name__ == "__main__":
    main()
