"""Does ``train.py`` keep a GPU busy? AlexNet trained by the training engine on real HDF5
batches against the same network on synthetic batches already in memory, float32 and mixed
precision, on whatever Keras backend and device this machine has.

Built for the lent GPU machine, whose image has JAX but no TensorFlow
(``benchmarks/device/h200_train.sh`` runs it there with ``KERAS_BACKEND=jax``); it runs on
a CPU too (slowly: use few ``--images``). Photos: ``--source`` (default the shared Kaggle
sample, copied under new names up to ``--images``), or ``--synthetic``: the demo's drawn
photos (for a machine that has no copy of the shared ones). Built at 256x256 by the
builder, 100 validation images. Each contender runs in its own process:

* ``train.py``: :func:`~pyimagesearch.training.train.train_network` as ``train_alexnet.py``
  calls it (227x227 random patches, ``MEAN_IN_MODEL``, the loader's threads, checkpoints,
  history), with and without the book's augmentation; the rate is of the training batches
  of the best epoch after the first (validation left out);
* ``in memory``: the same AlexNet (``bench_common.alexnet_model``) fit on one synthetic
  uint8 batch again and again: the network's own speed, the most feeding can give it.

Usage:
    python benchmarks/bench_train_device.py [--images 4000 | --synthetic 4000] [--batch 128]
        [--epochs 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import bench_common  # noqa: E402
from bench_common import SAMPLE  # noqa: E402
from bench_loader_scaling import INPUT, accelerator, in_memory, prepare  # noqa: E402

KINDS = ("train float32", "train mixed", "train float32 aug", "train mixed aug",
         "memory float32", "memory mixed")  # fmt: skip


def batch_timer(epochs: list[tuple[float, int]]) -> object:
    """A Keras callback appending, each epoch, the seconds from its start to its last
    training batch (validation left out) and the number of training batches."""
    import keras

    class BatchTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.start = self.last = time.perf_counter()
            self.batches = 0

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self.last, self.batches = time.perf_counter(), self.batches + 1

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            epochs.append((self.last - self.start, self.batches))

    return BatchTimer()


def measure(work: Path, kind: str, batch: int, epochs: int) -> dict:
    """Images/s of one contender (one of ``KINDS``) in this process."""
    import keras

    from pyimagesearch.config import load_config
    from pyimagesearch.preprocessing import BOOK_AUGMENTATION
    from pyimagesearch.training.train import train_network

    mixed = "mixed" in kind
    if kind.startswith("memory"):
        if mixed:
            keras.mixed_precision.set_global_policy("mixed_float16")
        model = bench_common.alexnet_model(INPUT, "uint8")
        rate = bench_common.fit_rate(model, 10, batch, epochs, x=in_memory(batch))
        return {"rate": rate, "device": accelerator(), "backend": keras.backend.backend()}
    out = work / kind.replace(" ", "-")
    cfg = load_config(work / "config.py").replace(
        NETWORK="AlexNet", INPUT_SIZE=INPUT, BATCH_SIZE=batch, EPOCHS=epochs,
        MIXED_PRECISION=mixed, AUGMENTATION=BOOK_AUGMENTATION if "aug" in kind else None,
        OUTPUT_PATH=str(out), MODEL_PATH=str(out / "alexnet.keras"),
    )  # fmt: skip
    epochs_seen: list[tuple[float, int]] = []
    train_network(cfg, verbose=0, callbacks=[batch_timer(epochs_seen)])
    seconds, batches = min(epochs_seen[1:])  # the last batch may be smaller: a bound
    return {"rate": batches * batch / seconds, "device": accelerator(),
            "backend": keras.backend.backend()}  # fmt: skip


def run_process(work: Path, kind: str, batch: int, epochs: int) -> dict:
    command = [sys.executable, __file__, "--work", str(work), "--batch", str(batch),
               "--epochs", str(epochs), "--measure", kind]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    if done.returncode != 0:
        sys.exit(f"{kind} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def synthetic_photos(folder: Path, images: int) -> Path:
    """The demo's drawn cat/dog photos, ``images`` in all (for a machine without the
    shared ones)."""
    from pyimagesearch.demo.synthetic_dataset import generate_synthetic_dataset

    if not folder.is_dir():
        generate_synthetic_dataset(folder, per_class=images // 2, seed=0, overlap=0.1)
    return folder


def report(results: dict, images: int, batch: int) -> None:
    rates = {kind: result["rate"] for kind, result in results.items()}
    first = next(iter(results.values()))
    print(f"AlexNet, {images:,} photos built at 256 -> 227, batch {batch}, device "
          f"{first['device']}, Keras backend {first['backend']}; training images/s\n")  # fmt: skip
    print("| precision | in memory | train.py | train.py / in memory | train.py, augmented | "
          "augmented / in memory |\n| --- | ---: | ---: | ---: | ---: | ---: |")  # fmt: skip
    for precision in ("float32", "mixed"):
        alone = rates[f"memory {precision}"]
        plain, aug = rates[f"train {precision}"], rates[f"train {precision} aug"]
        print(f"| {precision} | {alone:,.0f} | {plain:,.0f} | {plain / alone:.2f} | "
              f"{aug:,.0f} | {aug / alone:.2f} |")  # fmt: skip
    if first["device"] == "CPU":
        print("\n(on a CPU, MIXED_PRECISION is ignored with a note: 'mixed' trains float32)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SAMPLE)
    parser.add_argument("--images", type=int, default=4000)
    parser.add_argument("--synthetic", type=int, help="drawn photos instead of --source")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=3, help="the first one compiles")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.work, args.measure, args.batch, args.epochs)))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_train_device_"))
    work.mkdir(parents=True, exist_ok=True)
    images = args.synthetic or args.images
    source = synthetic_photos(work / "drawn", images) if args.synthetic else args.source
    if not source.is_dir():
        sys.exit(f"needs photos in {source} (--source, --synthetic, or PYIMAGESEARCH_SHARED)")
    prepare(work, source, images)
    results = {}
    for kind in KINDS:
        results[kind] = run_process(work, kind, args.batch, args.epochs)
        print(f"{kind}: {results[kind]['rate']:,.0f} images/s", file=sys.stderr)
    report(results, images, args.batch)
    if args.json:
        args.json.write_text(json.dumps({"images": images, "batch": args.batch,
                                         "results": results}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
