"""Why the loader's threads scale: the training loader with parts of it switched back,
and loader processes instead of threads, at 1 .. cores workers.

Variants (each in its own process; images/s of one pass over the training batches, best
of ``--rounds``; batches of ``--batch`` 227x227 uint8 patches, with and without the book's
augmentation):

* ``h5py``: rows read through h5py (one global lock), each batch's warps spread over the
  shared pool, OpenCV's own threads on: the loader before ``DirectRowReader``;
* ``preadv-pool``: rows read with ``os.preadv``, warps still spread over the pool;
* ``ours``: ``os.preadv``, each loader thread makes its whole batch, OpenCV on one thread
  (what ``HDF5DatasetGenerator.worker_batch`` does with several workers);
* ``processes``: one generator per spawned process (one worker thread each), batches
  written into shared memory and copied out by the main process.

The data: ``bench_loader_scaling.py``'s (``--work`` of an earlier run, or built here).

Usage:
    python benchmarks/bench_loader_variants.py [--counts 1,2,4,8,16] [--batch 128]
        [--rounds 2] [--images 4000] [--source DIR] [--work DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import numpy as np  # noqa: E402

VARIANTS = ("h5py", "preadv-pool", "ours", "processes")


def switch_back(variant: str) -> None:
    """Undo the parts of the loader that ``variant`` goes without."""
    import pyimagesearch.io.hdf5_dataset_generator as generator_module
    from pyimagesearch.io.direct_rows import DirectRowReader

    if variant == "h5py":
        DirectRowReader.open = classmethod(lambda cls, *args: None)
    if variant in ("h5py", "preadv-pool"):
        generator_module.inline_batches = contextlib.nullcontext
        generator_module.hold_opencv_single_threaded = lambda: None
        generator_module.release_opencv_threads = lambda: None


def thread_rate(config: Path, batch: int, aug: bool, count: int, rounds: int) -> float:
    from bench_loader_scaling import iterate_rate, loader

    gen = loader(config, batch, count, aug)
    try:
        return iterate_rate(gen, rounds)
    finally:
        gen.close()


_WORKER_GEN = None


def _start_worker(config: Path, batch: int, aug: bool) -> None:
    global _WORKER_GEN
    from bench_loader_scaling import loader

    _WORKER_GEN = loader(config, batch, 1, aug)


def _make_batch(index: int, slot: str) -> tuple:
    from multiprocessing import shared_memory

    images, labels = _WORKER_GEN.load_batch(index, 0)
    memory = shared_memory.SharedMemory(name=slot)
    np.ndarray(images.shape, images.dtype, buffer=memory.buf)[:] = images
    memory.close()
    return images.shape, images.dtype.str, labels


def process_rate(config: Path, batch: int, aug: bool, count: int, rounds: int) -> float:
    import multiprocessing
    from multiprocessing import shared_memory

    from bench_loader_scaling import INPUT, loader

    steps = len(loader(config, batch, 1, aug))
    slots = [shared_memory.SharedMemory(create=True, size=batch * INPUT * INPUT * 3)
             for _ in range(2 * count + 2)]  # fmt: skip
    best = 0.0
    context = multiprocessing.get_context("spawn")  # no fork under threads
    try:
        with context.Pool(count, _start_worker, (config, batch, aug)) as pool:
            pool.starmap(_make_batch, [(0, slot.name) for slot in slots[:count]])  # warm up
            for _ in range(rounds):
                start, done, made, pending = time.perf_counter(), 0, 0, deque()
                while made < steps or pending:
                    while made < steps and len(pending) < len(slots):
                        slot = slots[made % len(slots)]
                        pending.append((slot, pool.apply_async(_make_batch, (made, slot.name))))
                        made += 1
                    slot, result = pending.popleft()
                    shape, dtype, _ = result.get()
                    done += len(np.ndarray(shape, dtype, buffer=slot.buf).copy())
                best = max(best, done / (time.perf_counter() - start))
    finally:
        for slot in slots:
            slot.close()
            slot.unlink()
    return best


def main() -> None:
    from bench_common import SAMPLE

    from pyimagesearch.parallel.workers import available_cores

    cores = available_cores()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default=",".join(
        str(n) for n in sorted({*(n for n in (1, 2, 4, 8, 16) if n < cores), cores})))  # fmt: skip
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--images", type=int, default=4000)
    parser.add_argument("--source", type=Path, default=SAMPLE)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    counts = [int(n) for n in args.counts.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_loader_variants_"))
    if args.variant:
        switch_back(args.variant)
        measure = process_rate if args.variant == "processes" else thread_rate
        config = work / "config.py"
        rates = {f"{int(aug)} {n}": measure(config, args.batch, aug, n, args.rounds)
                 for aug in (False, True) for n in counts}  # fmt: skip
        print(json.dumps(rates))
        return
    from bench_loader_scaling import prepare

    work.mkdir(parents=True, exist_ok=True)
    prepare(work, args.source, args.images)
    results = {}
    for variant in VARIANTS:
        command = [sys.executable, __file__, "--variant", variant, "--work", str(work),
                   "--counts", args.counts, "--batch", str(args.batch), "--rounds",
                   str(args.rounds)]  # fmt: skip
        out = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
        if out.returncode:
            sys.exit(f"{variant} failed:\n{out.stderr[-3000:]}")
        results[variant] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"batch {args.batch}, {cores} cores, images/s (one pass, best of {args.rounds})\n")
    header = " | ".join(f"{'aug' if a else 'no aug'}, {n}" for a in (0, 1) for n in counts)
    print(f"| variant | {header} |\n| --- |" + " ---: |" * (2 * len(counts)))
    for variant, rates in results.items():
        cells = " | ".join(f"{rates[f'{a} {n}']:,.0f}" for a in (0, 1) for n in counts)
        print(f"| {variant} | {cells} |")
    (work / "bench_loader_variants.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
