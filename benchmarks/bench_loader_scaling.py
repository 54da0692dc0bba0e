"""Does the loader keep the model fed? Loader threads against the model's own speed, and
``model.fit`` fed by the loader, on whatever this machine trains on (a GPU where there is
one).

Real Kaggle photos (``--source``, default the shared sample), copied under new names up
to ``--images`` and built at 256x256 by the builder; training batches of ``--batch``
227x227 uint8 patches (``MEAN_IN_MODEL``, the default), with and without the book's
augmentation, made by ``make_generators`` as training makes them. Measured in one run:

* iterating: the loader alone, ``--threads`` threads, a pass over the batches with
  nothing else running (best of ``--rounds``);
* model alone: ``fit`` on one batch already in memory, for a trivial model (pooling + one
  dense layer: what feeding alone can deliver) and the book's AlexNet (float32, and
  mixed float16 where there is a GPU);
* fit: ``fit`` fed by the loader as training feeds it (``pyimagesearch.io.feeding``:
  ``tf.data`` with TensorFlow, an in-order thread prefetcher on other backends), with
  the default loader threads (``WORKERS = None``: min(8, cores)) and with one per core;
  on other backends the trivial model is also fed the generator as a ``PyDataset``
  (Keras' own adapter), for comparison.

Where the model runs on an accelerator, the loader and the model work side by side and
the most ``fit`` can receive is ``min(iterating, model alone)``; on a CPU they share the
cores and the bound is ``1 / (1 / iterating + 1 / model alone)``. Each ``fit`` figure is
the best epoch after the first, best of ``--model-rounds`` processes.

Usage:
    python benchmarks/bench_loader_scaling.py [--images 4000] [--batch 128]
        [--threads 1,2,4,8,16] [--rounds 3] [--model-rounds 2] [--source DIR]
        [--models trivial,alexnet] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import bench_common  # noqa: E402
from bench_common import SAMPLE  # noqa: E402

INPUT, EPOCHS = 227, 3


# -- data -------------------------------------------------------------------------------------
def prepare(work: Path, source: Path, images: int) -> Path:
    """``images`` copies of the photos of ``source`` built at 256 px (100 validation, 100
    test images); returns the config file that names them."""
    from bench_build import make_image_folder

    import build_dataset

    config = work / "config.py"
    if config.exists():
        return config
    make_image_folder(source, images, work / "images")
    settings = bench_common.sample_settings(work, work / "out", work / "images", held_out=100)
    building = bench_common.write_settings(work / "settings.py", {**settings, "INPUT_SIZE": INPUT})
    if build_dataset.main(["--config", str(building), "--quiet"]):
        sys.exit("the build failed")
    return building.rename(config)


def loader(config: Path, batch: int, threads: int, aug: bool):
    """The training generator as ``train.py`` makes it, with ``threads`` loader threads."""
    from pyimagesearch.config import load_config
    from pyimagesearch.io.split_files import split_info
    from pyimagesearch.preprocessing import BOOK_AUGMENTATION
    from pyimagesearch.training.train import loader_plan, make_generators

    cfg = load_config(config).replace(
        AUGMENTATION=BOOK_AUGMENTATION if aug else None, BATCH_SIZE=batch, WORKERS=threads
    )
    info = split_info(cfg.TRAIN_HDF5)
    gen, _ = make_generators(loader_plan(cfg, info), info)
    return gen


def iterate_rate(gen, rounds: int) -> float:
    """Images/s of one pass over ``gen``'s batches by its own threads (best of ``rounds``)."""
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        with ThreadPoolExecutor(gen.workers) as pool:
            n = sum(len(x) for x, _ in pool.map(gen.worker_batch, range(len(gen))))
        best = max(best, n / (time.perf_counter() - start))
    return best


# -- one model process ----------------------------------------------------------------------
def accelerator() -> str:
    """What Keras trains on here: the GPU's name, or 'CPU'."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU") \
            if gpus else "CPU"  # fmt: skip
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        return device.device_kind if device.platform == "gpu" else "CPU"
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    return "CPU"


def in_memory(batch: int):
    """One uint8 batch and its labels, handed to ``fit`` again and again."""
    import keras
    import numpy as np

    images = np.random.default_rng(0).integers(0, 256, (batch, INPUT, INPUT, 3), dtype=np.uint8)
    labels = np.eye(2, dtype=np.float32)[np.arange(batch) % 2]
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.data.Dataset.from_tensors((images, labels)).repeat()

    def forever():
        while True:
            yield images, labels

    return forever()


def measure_model(config: Path, kind: str, batch: int, threads: list[int]) -> dict:
    """Rates of one model (``trivial``, ``alexnet`` or ``alexnet-mixed``): alone, and fed
    by the loader with and without augmentation at each of ``threads``."""
    import keras

    from pyimagesearch.io.feeding import fit_inputs
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    if kind.endswith("mixed"):
        keras.mixed_precision.set_global_policy("mixed_float16")
    make = bench_common.trivial_model if kind == "trivial" else bench_common.alexnet_model
    model = make(INPUT, "uint8")
    steps = len(loader(config, batch, 1, False))
    rates = {"alone": bench_common.fit_rate(model, steps, batch, EPOCHS, x=in_memory(batch))}
    for aug in (False, True):
        for count in threads:
            gen = loader(config, batch, count, aug)
            rate = bench_common.fit_rate(model, steps, batch, EPOCHS, x=fit_inputs(gen)["x"])
            rates[f"fit {int(aug)} {count}"] = rate
            if kind == "trivial" and keras.backend.backend() != "tensorflow":
                # the same batches through Keras' own PyDataset adapter, for comparison
                rate = bench_common.fit_rate(model, steps, batch, EPOCHS, x=gen)
                rates[f"adapter {int(aug)} {count}"] = rate
            gen.close()
    return {"rates": rates, "device": accelerator(), "backend": keras.backend.backend()}


def run_model_process(work: Path, kind: str, batch: int, threads: list[int]) -> dict:
    command = [sys.executable, __file__, "--work", str(work), "--batch", str(batch),
               "--threads", ",".join(map(str, threads)), "--measure", kind]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    if out.returncode != 0:
        sys.exit(f"{kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- the run ----------------------------------------------------------------------------------
def main() -> None:
    from pyimagesearch.parallel.workers import available_cores, loader_workers

    cores = available_cores()
    doubling = [n for n in (1, 2, 4, 8, 16, 32, 64) if n < cores]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SAMPLE)
    parser.add_argument("--images", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", default=",".join(map(str, [*doubling, cores])))
    parser.add_argument("--rounds", type=int, default=3, help="iterating: best of this many")
    parser.add_argument("--model-rounds", type=int, default=2, help="fit: best of processes")
    parser.add_argument("--models", default="trivial,alexnet",
                        help="trivial, alexnet, alexnet-mixed (added with a GPU)")  # fmt: skip
    parser.add_argument("--work", type=Path)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    threads = sorted({int(n) for n in args.threads.split(",")})
    if args.measure:
        fed = sorted({loader_workers(None), cores})
        print(json.dumps(measure_model(args.work / "config.py", args.measure, args.batch, fed)))
        return
    if not args.source.is_dir():
        sys.exit(f"needs photos in {args.source} (--source, or set PYIMAGESEARCH_SHARED)")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_loader_scaling_"))
    work.mkdir(parents=True, exist_ok=True)
    config = prepare(work, args.source, args.images)

    iterating: dict[str, float] = {}
    for aug in (False, True):
        for count in threads:
            gen = loader(config, args.batch, count, aug)
            iterating[f"{int(aug)} {count}"] = iterate_rate(gen, args.rounds)
            gen.close()
            print(f"iterating, augmentation {aug}, {count} threads: "
                  f"{iterating[f'{int(aug)} {count}']:,.0f} images/s", file=sys.stderr)  # fmt: skip

    kinds = args.models.split(",")
    models: dict[str, dict] = {}
    for _ in range(args.model_rounds):
        for kind in kinds:
            result = run_model_process(work, kind, args.batch, threads)
            if kind == "alexnet" and result["device"] != "CPU" and "alexnet-mixed" not in kinds:
                kinds.append("alexnet-mixed")
            best = models.setdefault(kind, result)
            for key, rate in result["rates"].items():
                best["rates"][key] = max(best["rates"][key], rate)
            print(f"{kind}: {result['rates']}", file=sys.stderr)
    train_images = loader(config, args.batch, 1, False).num_images
    results = {"cores": cores, "batch": args.batch, "train_images": train_images,
               "iterating": iterating, "models": models}  # fmt: skip
    report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def report(results: dict, args) -> None:
    iterating, models, cores = results["iterating"], results["models"], results["cores"]
    device = next(iter(models.values()))["device"] if models else "?"
    backend = next(iter(models.values()))["backend"] if models else "?"
    print(f"{results['train_images']:,} training images (copies of the photos of {args.source})"
          f" at 256 -> 227, batch {results['batch']}, uint8, {cores} cores, device {device}, "
          f"Keras backend {backend}; images/s\n")  # fmt: skip
    print("| loader threads | iterating, no augmentation | iterating, augmented |")
    print("| ---: | ---: | ---: |")
    for count in sorted({int(k.split()[1]) for k in iterating}):
        print(f"| {count} | {iterating[f'0 {count}']:,.0f} | {iterating[f'1 {count}']:,.0f} |")
    print()
    print("| model | alone | augmentation | loader threads | iterating | fit | fit / bound |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    on_device = device != "CPU"
    for kind, result in models.items():
        rates = result["rates"]
        for key in sorted(k for k in rates if k.startswith("fit")):
            _, aug, count = key.split()
            loader_rate = iterating.get(f"{aug} {count}")
            if loader_rate is None:
                continue
            alone = rates["alone"]
            bound = min(loader_rate, alone) if on_device else 1 / (1 / loader_rate + 1 / alone)
            augmented = "yes" if aug == "1" else "no"
            print(f"| {kind} | {alone:,.0f} | {augmented} | {count} | {loader_rate:,.0f} | "
                  f"{rates[key]:,.0f} | {rates[key] / bound:.2f} |")  # fmt: skip
    for key, rate in models.get("trivial", {}).get("rates", {}).items():
        if key.startswith("adapter"):
            _, aug, count = key.split()
            ours = models["trivial"]["rates"][f"fit {aug} {count}"]
            print(f"trivial model, augmentation {'yes' if aug == '1' else 'no'}, {count} threads:"
                  f" our prefetcher {ours:,.0f}, Keras' PyDataset adapter {rate:,.0f} images/s "
                  f"({ours / rate:.2f}x)")  # fmt: skip
    if on_device:
        print(f"\nbound: min(iterating, alone): the model runs on {device}")
    else:
        print("\nbound: 1 / (1 / iterating + 1 / alone): loader and model share the CPU")


if __name__ == "__main__":
    main()
