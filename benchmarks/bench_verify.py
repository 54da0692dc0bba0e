"""What checking every row against its checksum costs: the training loader and the
evaluation's reads, with and without the checks.

Real Kaggle photos (``--source``, default the shared sample), copied under new names up
to ``--images`` and built at 256x256 by the builder (as ``bench_loader_scaling.py``).
The same training file is read twice: as built (every row compared with its CRC-32 in
``row_checksums``) and as a copy without ``row_checksums`` (what a file written before
the checksums is: nothing checked). Measured, best of ``--rounds``, the variants
alternating within each round:

* the loader as ``train.py`` makes it (``make_generators``: 227x227 uint8 patches of
  ``--batch``, the mean in the model), ``--threads`` loader threads each making whole
  batches, with and without the book's augmentation: the first pass of a new generator
  (every row compared) and a later pass (each row is compared the first time it is
  read: nothing left to compare);
* the evaluation's reads: ``read_rows`` of chunks of 256 rows, as ``evaluate.py`` and
  ``diagnose.py`` read the test split;
* ``zlib.crc32`` alone on one 256x256 RGB row (196,608 bytes).

Usage:
    python benchmarks/bench_verify.py [--images 2000] [--batch 128] [--threads N]
        [--rounds 3] [--source DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from bench_common import SAMPLE  # noqa: E402
from bench_loader_scaling import prepare  # noqa: E402


def unchecked_copy(path: Path) -> Path:
    """``path`` copied without its row checksums: read as a file written before them."""
    copy = path.with_name("unchecked_" + path.name)
    shutil.copy(path, copy)
    with h5py.File(copy, "r+") as db:
        del db["row_checksums"]
    return copy


def loader(config: Path, train: Path, batch: int, threads: int, aug: bool):
    """The training generator of ``train`` as ``train.py`` makes it."""
    from pyimagesearch.config import load_config
    from pyimagesearch.io.split_files import split_info
    from pyimagesearch.preprocessing import BOOK_AUGMENTATION
    from pyimagesearch.training.train import loader_plan, make_generators

    cfg = load_config(config).replace(
        AUGMENTATION=BOOK_AUGMENTATION if aug else None, BATCH_SIZE=batch, WORKERS=threads
    )
    info = split_info(train)
    gen, _ = make_generators(loader_plan(cfg, info), info)
    return gen


def loader_pass(gen) -> int:
    """Images of one pass over ``gen``'s batches, made by its own threads."""
    with ThreadPoolExecutor(gen.workers) as pool:
        return sum(len(x) for x, _ in pool.map(gen.worker_batch, range(len(gen))))


def evaluation_reads(path: Path, chunk: int = 256) -> int:
    """Rows read in chunks through ``read_rows``, as the evaluation reads a split."""
    from pyimagesearch.io.hdf5_dataset import open_hdf5, read_rows

    with open_hdf5(path, "images") as db:
        n = len(db["images"])
        for lo in range(0, n, chunk):
            read_rows(db["images"], slice(lo, lo + chunk))
    return n


def crc_rate(rounds: int) -> float:
    """Rows of 196,608 bytes ``zlib.crc32`` checks a second, one thread."""
    rows = np.random.default_rng(0).integers(0, 256, (256, 256 * 256 * 3), dtype=np.uint8)
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for row in rows:
            zlib.crc32(row)
        best = max(best, len(rows) / (time.perf_counter() - start))
    return best


def first_pass(config: Path, path: Path, args, aug: bool) -> int:
    """One pass of a new generator: every row compared with its checksum."""
    gen = loader(config, path, args.batch, args.threads, aug)
    try:
        return loader_pass(gen)
    finally:
        gen.close()


def measure(config: Path, files: dict[str, Path], args) -> dict[tuple[str, str], float]:
    """Best images/s of every ``(variant, file)`` over ``args.rounds`` rounds: the loader's
    first pass (a new generator each time) and a later pass (each row is checked once),
    the evaluation's reads."""
    variants, open_gens = {}, []
    for name, path in files.items():
        for aug in (False, True):
            what = f"loader, {'augmentation' if aug else 'no augmentation'}"
            first = lambda p=path, a=aug: first_pass(config, p, args, a)  # noqa: E731
            variants[(f"{what}, first pass", name)] = first
            gen = loader(config, path, args.batch, args.threads, aug)
            loader_pass(gen)  # every row read (and checked) once
            open_gens.append(gen)
            variants[(f"{what}, later pass", name)] = lambda g=gen: loader_pass(g)
        variants[("evaluation reads", name)] = lambda p=path: evaluation_reads(p)
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for key, run in variants.items():
            start = time.perf_counter()
            count = run()
            best[key] = max(best.get(key, 0.0), count / (time.perf_counter() - start))
    for gen in open_gens:
        gen.close()
    return best


def main() -> None:
    from pyimagesearch.parallel.workers import available_cores

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SAMPLE)
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=available_cores())
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        config = prepare(work, args.source, args.images)
        train = work / "hdf5" / "train.hdf5"
        files = {"checked": train, "not checked": unchecked_copy(train)}
        best = measure(config, files, args)
    print(f"\nimages/s (best of {args.rounds}; {args.threads} loader threads, batch "
          f"{args.batch}, 256 px -> 227 px uint8)")  # fmt: skip
    print(f"  {'':40s} {'checked':>9s} {'not checked':>12s} {'cost':>7s}")
    for what in dict.fromkeys(what for what, _ in best):
        checked, unchecked = best[(what, "checked")], best[(what, "not checked")]
        cost = (1 - checked / unchecked) * 100
        print(f"  {what:40s} {checked:9.0f} {unchecked:12.0f} {cost:6.1f}%")
    print(f"  zlib.crc32 of one 256x256 RGB row, 1 thread: {crc_rate(args.rounds):.0f} rows/s")


if __name__ == "__main__":
    main()
