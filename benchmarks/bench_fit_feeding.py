"""How fast do batches reach ``model.fit``? Our generator through tf.data, the same through
Keras' PyDataset adapter, and a cached ``image_dataset_from_directory`` pipeline.

1,800 real Kaggle photos of $PYIMAGESEARCH_SHARED built at 256x256 (the builder's train
split), 227x227 inputs, batch 64; each figure is images/s, best of ``--rounds`` interleaved
rounds, every contender in its own process:

* ``ours``: ``HDF5DatasetGenerator`` as the training engine builds it (random 227 patch,
  the book's augmentation when on, mean subtracted in the loader as float32, or, with
  ``MEAN_IN_MODEL``, uint8 batches and the mean subtracted by the model), fed to ``fit``
  through ``pyimagesearch.io.feeding`` (what train.py does);
* ``ours via PyDataset``: the same generator handed to ``fit`` directly (Keras' adapter);
* ``tf.data``: ``image_dataset_from_directory`` (256x256, center crop to the aspect, as the
  builder) -> uint8 -> ``.cache()`` -> ``RandomCrop(227)`` (+ Keras augmentation layers with
  the book's settings) -> ``prefetch(AUTOTUNE)``.

"iterating" is a pass over the batches with nothing else running; "fit" is the best epoch
after the first of ``model.fit`` of a trivial model (global average pooling + one dense
layer), or of AlexNet (``--alexnet-steps`` batches per epoch). On shared cores a model's
work competes with the loader's, so the physical limit of feeding is
``1 / (1 / iterating + 1 / model)``, with ``model`` the trivial model's speed on a batch
already in memory (printed too).

``--backends``: feeding into ``fit`` on every installed Keras backend in one run, each in
its own process (``KERAS_BACKEND``): ``pyimagesearch.io.feeding.fit_inputs`` as train.py
calls it (``tf.data`` on TensorFlow, the in-order thread prefetcher on JAX and PyTorch),
uint8 batches, with and without augmentation, against the loader iterating alone and the
trivial model alone on one ready batch (TensorFlow: ``tf.data``; others: a generator), so
that each backend's fit is measured against its own shared-core limit.

Usage:
    python benchmarks/bench_fit_feeding.py [--rounds 3] [--alexnet-steps 6] [--work DIR]
    python benchmarks/bench_fit_feeding.py --backends [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import bench_common  # noqa: E402
from bench_common import SAMPLE  # noqa: E402

SIZE, INPUT, BATCH, EPOCHS = 256, 227, 64, 3


# -- the contenders (each runs in its own process) ------------------------------------------
def trivial_model(dtype: str):
    return bench_common.trivial_model(INPUT, dtype)


def alexnet_model(dtype: str):
    return bench_common.alexnet_model(INPUT, dtype)


def fit_rate(model, steps: int, **inputs) -> float:
    return bench_common.fit_rate(model, steps, BATCH, EPOCHS, **inputs)


def our_generator(work: Path, aug: bool, mean_in_model: bool):
    from pyimagesearch.config import Config
    from pyimagesearch.io.split_files import split_info
    from pyimagesearch.preprocessing import BOOK_AUGMENTATION
    from pyimagesearch.training.train import loader_plan, make_generators

    cfg = Config({
        "TRAIN_HDF5": str(work / "hdf5" / "train.hdf5"),
        "DATASET_MEAN": str(work / "out" / "mean.json"),
        "INPUT_SIZE": INPUT,
        "AUGMENTATION": BOOK_AUGMENTATION if aug else None,
        "MEAN_IN_MODEL": mean_in_model,
        "BATCH_SIZE": BATCH,
    })  # fmt: skip
    info = split_info(cfg.TRAIN_HDF5)
    gen, _ = make_generators(loader_plan(cfg, info), info)
    return gen


def tfdata_pipeline(work: Path, aug: bool):
    import keras
    import tensorflow as tf

    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_augment import keras_stack

    dataset = keras.utils.image_dataset_from_directory(
        work / "by_class", image_size=(SIZE, SIZE), batch_size=BATCH, crop_to_aspect_ratio=True,
        label_mode="categorical", shuffle=True, seed=0, verbose=False,
    )  # fmt: skip
    dataset = dataset.map(lambda x, y: (tf.cast(x, tf.uint8), y)).cache()
    layers = [keras.layers.RandomCrop(INPUT, INPUT, seed=0)]
    if aug:
        layers.append(keras_stack(seed=0))
    stack = keras.Sequential(layers)
    dataset = dataset.map(lambda x, y: (stack(x, training=True), y),
                          num_parallel_calls=tf.data.AUTOTUNE)  # fmt: skip
    return dataset.prefetch(tf.data.AUTOTUNE)


def measure(work: Path, contender: str, aug: bool, mean_in_model: bool, alexnet_steps: int):
    from concurrent.futures import ThreadPoolExecutor

    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()
    import numpy as np

    dtype = "uint8" if mean_in_model else "float32"
    if contender == "feed":  # what train.py feeds fit with, on whichever backend runs
        from pyimagesearch.io.feeding import fit_inputs

        gen = our_generator(work, aug, mean_in_model)
        return fit_rate(trivial_model(dtype), len(gen), x=fit_inputs(gen)["x"])
    if contender == "model-generator":  # the model alone off TensorFlow: one ready batch
        import keras

        batch = np.random.default_rng(0).integers(0, 256, (BATCH, INPUT, INPUT, 3))
        batch, labels = batch.astype(dtype), np.eye(2, dtype=np.float32)[np.arange(BATCH) % 2]
        assert keras.backend.backend() != "tensorflow"  # there: "model" (tf.data)

        def ready():
            while True:
                yield batch, labels

        return fit_rate(trivial_model(dtype), 28, x=ready())
    import tensorflow as tf

    if contender == "model":  # the trivial model alone, on a batch already in memory
        batch = np.random.default_rng(0).integers(0, 256, (BATCH, INPUT, INPUT, 3))
        labels = np.eye(2, dtype=np.float32)[np.arange(BATCH) % 2]
        data = tf.data.Dataset.from_tensors((batch.astype(dtype), labels)).repeat()
        return fit_rate(trivial_model(dtype), 28, x=data)
    if contender.startswith("handoff"):  # batches that cost nothing to make: the hand-off
        batch = np.random.default_rng(0).integers(0, 256, (BATCH, INPUT, INPUT, 3)).astype(dtype)
        if contender == "handoff-tfdata-aligned":  # as the loader's batches are allocated
            from pyimagesearch.parallel.batches import empty_batch

            aligned = empty_batch(batch.shape, batch.dtype)
            aligned[:] = batch
            batch = aligned
        elif batch.ctypes.data % 64 == 0:  # NumPy's own allocation, made unaligned
            shifted = np.empty(batch.nbytes + 16, np.uint8)[16:].view(batch.dtype)
            shifted = shifted.reshape(batch.shape)
            shifted[:] = batch
            batch = shifted
        labels = np.eye(2, dtype=np.float32)[np.arange(BATCH) % 2]
        if contender == "handoff-pydataset":
            import keras

            class Ready(keras.utils.PyDataset):
                def __init__(self):
                    super().__init__(workers=2)

                def __len__(self):
                    return 28

                def __getitem__(self, index):
                    return batch, labels

            return fit_rate(trivial_model(dtype), 28, x=Ready())
        data = tf.data.Dataset.range(2**62).map(
            lambda k: tf.numpy_function(lambda k: (batch, labels), [k], (tf.as_dtype(dtype),
                                        tf.float32)), num_parallel_calls=2, deterministic=True
        ).map(lambda x, y: (tf.ensure_shape(x, (None, INPUT, INPUT, 3)),
                            tf.ensure_shape(y, (None, 2)))).prefetch(10)  # fmt: skip
        return fit_rate(trivial_model(dtype), 28, x=data)
    if contender.startswith("tfdata"):
        data = tfdata_pipeline(work, aug)
        steps = sum(1 for _ in data)
        if contender == "tfdata-iterate":
            start = time.perf_counter()
            n = sum(len(x) for x, _ in data)
            return n / (time.perf_counter() - start)
        model = alexnet_model("float32") if contender.endswith("alexnet") else None
        steps = alexnet_steps if model else steps
        return fit_rate(model or trivial_model("float32"), steps, x=data.repeat())
    gen = our_generator(work, aug, mean_in_model)
    if contender == "ours-iterate":  # the loader's own rate: its threads, nothing else
        best = 0.0
        for _ in range(2):
            start = time.perf_counter()
            with ThreadPoolExecutor(gen.workers) as pool:
                n = sum(len(x) for x, _ in pool.map(gen.worker_batch, range(len(gen))))
            best = max(best, n / (time.perf_counter() - start))
        return best
    if contender == "ours-pydataset":
        return fit_rate(trivial_model(dtype), len(gen), x=gen)
    from pyimagesearch.io.feeding import as_tf_dataset

    if contender == "ours-alexnet":
        return fit_rate(alexnet_model(dtype), alexnet_steps, x=as_tf_dataset(gen))
    return fit_rate(trivial_model(dtype), len(gen), x=as_tf_dataset(gen))


# -- the run -----------------------------------------------------------------------------------
def prepare(work: Path) -> None:
    """The builder's splits of the sample (1,800 training images) and a class-per-folder
    view of the same training images for image_dataset_from_directory."""
    import h5py

    import build_dataset

    config = work / "config.py"
    settings = bench_common.sample_settings(work, work / "out", held_out=100)
    bench_common.write_settings(config, settings)
    if not Path(settings["TRAIN_HDF5"]).exists() and build_dataset.main(
        ["--config", str(config), "--quiet"]
    ):
        sys.exit("the build failed")
    by_class = work / "by_class"
    if not by_class.exists():
        with h5py.File(settings["TRAIN_HDF5"]) as db:
            paths = [p.decode() if isinstance(p, bytes) else p for p in db["paths"][:]]
        for path in paths:
            name = Path(path).name
            target = by_class / name.split(".")[0] / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(path)


def run_contender(work: Path, alexnet_steps: int, *args: str, backend: str | None = None) -> float:
    command = [sys.executable, __file__, "--work", str(work), "--alexnet-steps",
               str(alexnet_steps), "--measure", *args]  # fmt: skip
    env = {**os.environ, **({"KERAS_BACKEND": backend} if backend else {})}
    out = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO, env=env)
    if out.returncode != 0:
        sys.exit(f"{args} failed:\n{out.stderr[-2000:]}")
    return float(json.loads(out.stdout.strip().splitlines()[-1])["images_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--alexnet-steps", type=int, default=6)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--backends", action="store_true",
                        help="feeding into fit on every installed Keras backend")  # fmt: skip
    parser.add_argument("--measure", nargs=3, metavar=("CONTENDER", "AUG", "MEAN_IN_MODEL"),
                        help=argparse.SUPPRESS)  # fmt: skip
    args = parser.parse_args()
    if args.measure:
        contender, aug, mean_in_model = args.measure
        rate = measure(args.work, contender, aug == "1", mean_in_model == "1", args.alexnet_steps)
        print(json.dumps({"images_per_second": rate}))
        return
    if not SAMPLE.is_dir():
        sys.exit(f"needs {SAMPLE} (set PYIMAGESEARCH_SHARED)")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_fit_feeding_"))
    work.mkdir(parents=True, exist_ok=True)
    prepare(work)
    if args.backends:
        backends_run(work, args)
        return
    cases = [(c, a, m) for a in ("0", "1")
             for c, m in (("ours-iterate", "0"), ("ours", "0"), ("ours-pydataset", "0"),
                          ("ours-iterate", "1"), ("ours", "1"), ("ours-pydataset", "1"),
                          ("tfdata-iterate", "0"), ("tfdata", "0"))]  # fmt: skip
    cases += [("model", "0", "0"), ("model", "0", "1"), ("handoff-pydataset", "0", "1"),
              ("handoff-tfdata", "0", "1"), ("handoff-tfdata-aligned", "0", "1")]  # fmt: skip
    cases += [("ours-alexnet", "0", "1"), ("ours-alexnet", "0", "0"), ("tfdata-alexnet", "0", "0")]
    best: dict[tuple[str, str, str], float] = {}
    for round_ in range(args.rounds):
        for case in cases:
            rate = run_contender(work, args.alexnet_steps, *case)
            best[case] = max(best.get(case, 0.0), rate)
        print(f"round {round_ + 1} of {args.rounds} done", file=sys.stderr)
    report(best, args)
    results = {" ".join(case): rate for case, rate in best.items()}
    (work / "bench_fit_feeding.json").write_text(json.dumps(results, indent=1))


def backends_run(work: Path, args) -> None:
    """``--backends``: fit_inputs and the loader alone, on each installed backend."""
    import importlib.util

    backends = [b for b in ("tensorflow", "jax", "torch") if importlib.util.find_spec(b)]
    cases = [(c, a, "1") for a in ("1", "0") for c in ("ours-iterate", "feed")]
    best: dict[tuple[str, ...], float] = {}
    for round_ in range(args.rounds):
        for backend in backends:
            alone = "model" if backend == "tensorflow" else "model-generator"
            for case in [*cases, (alone, "0", "1")]:
                rate = run_contender(work, args.alexnet_steps, *case, backend=backend)
                best[(backend, *case)] = max(best.get((backend, *case), 0.0), rate)
        print(f"round {round_ + 1} of {args.rounds} done", file=sys.stderr)
    print(
        f"1,800 Kaggle photos at 256x256 -> 227x227 uint8, batch {BATCH}, images/s into "
        f"fit of a trivial model, best of {args.rounds} rounds, {os.cpu_count()} cores\n"
    )
    print("| backend | feeding | augmented: fit | (loader alone) | no augmentation: fit "
          "| (loader alone) | (model alone) | fit / shared-core limit, no aug. |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")  # fmt: skip
    for backend in backends:
        how = "tf.data" if backend == "tensorflow" else "in-order prefetcher"
        cells = [f"{best[(backend, c, a, '1')]:,.0f}" for a in ("1", "0")
                 for c in ("feed", "ours-iterate")]  # fmt: skip
        model = best[(backend, "model" if backend == "tensorflow" else "model-generator", "0",
                      "1")]  # fmt: skip
        limit = 1 / (1 / best[(backend, "ours-iterate", "0", "1")] + 1 / model)
        cells += [f"{model:,.0f}", f"{best[(backend, 'feed', '0', '1')] / limit:.2f}"]
        print(f"| {backend} | {how} | " + " | ".join(cells) + " |")
    results = {" ".join(case): rate for case, rate in best.items()}
    (work / "bench_fit_feeding_backends.json").write_text(json.dumps(results, indent=1))
    print("\nmissing backends:", ", ".join(sorted({"tensorflow", "jax", "torch"} -
                                                 set(backends))) or "none")  # fmt: skip


def report(best: dict, args) -> None:
    print(f"1,800 Kaggle photos at 256x256 -> 227x227, batch {BATCH}, images/s, best of "
          f"{args.rounds} interleaved rounds, {os.cpu_count()} cores\n")  # fmt: skip
    print("| pipeline | augmented, iterating | augmented, fit | no augmentation, iterating "
          "| no augmentation, fit |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: |")
    rows = [("ours, float32 batches (mean in the loader), via tf.data", "ours", "0"),
            ("ours, uint8 batches (MEAN_IN_MODEL), via tf.data", "ours", "1"),
            ("ours, float32, via Keras' PyDataset adapter", "ours-pydataset", "0"),
            ("ours, uint8, via Keras' PyDataset adapter", "ours-pydataset", "1"),
            ("image_dataset_from_directory, cached uint8", "tfdata", "0")]  # fmt: skip
    for name, key, mim in rows:
        iterate = "tfdata-iterate" if key == "tfdata" else "ours-iterate"
        cells = []
        for aug in ("1", "0"):
            cells += [f"{best[(iterate, aug, mim)]:,.0f}", f"{best[(key, aug, mim)]:,.0f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for aug in ("1", "0"):
        label = "augmented" if aug == "1" else "no augmentation"
        tfdata = best[("tfdata", aug, "0")]
        for mim, kind in (("0", "float32"), ("1", "uint8")):
            ours, iterate = best[("ours", aug, mim)], best[("ours-iterate", aug, mim)]
            model = best[("model", "0", mim)]
            limit = 1 / (1 / iterate + 1 / model)
            print(f"{label}, {kind}: fit {ours / iterate:.2f} of iterating, {ours / limit:.2f} "
                  f"of the shared-core limit {limit:,.0f} (model alone {model:,.0f}), "
                  f"{ours / tfdata:.2f}x cached tf.data, "
                  f"{ours / best[('ours-pydataset', aug, mim)]:.2f}x via PyDataset")  # fmt: skip
    print(f"\nthe hand-off alone (uint8 batches that cost nothing to make, trivial model): "
          f"Keras' PyDataset adapter {best[('handoff-pydataset', '0', '1')]:,.0f}, our tf.data "
          f"map {best[('handoff-tfdata', '0', '1')]:,.0f} (NumPy's 16-byte alignment), "
          f"{best[('handoff-tfdata-aligned', '0', '1')]:,.0f} (64-byte aligned, as our "
          f"batches) images/s")  # fmt: skip
    print()
    a8, a32, at = (best[("ours-alexnet", "0", "1")], best[("ours-alexnet", "0", "0")],
                   best[("tfdata-alexnet", "0", "0")])  # fmt: skip
    print(f"AlexNet fit, no augmentation: ours uint8 {a8:,.0f}, float32 {a32:,.0f}, cached "
          f"tf.data {at:,.0f} images/s ({a8 / at:.2f}x, {a32 / at:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
