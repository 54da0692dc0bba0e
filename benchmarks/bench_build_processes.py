"""Decoding processes with shared-memory blocks against the builder's decoding threads.

A question of the builder's last gap to the decode limit (docs/PERFORMANCE.md): do the
threads' Python work and the GIL cost what processes would not? Three contenders, in one
run, on the same images, page cache warm, rounds alternating:

* limit: the plain OpenCV loop of ``bench_build.py``, one process per core, no writes;
* threads: the builder's core as it is (``threaded_blocks`` decoding with the builder's
  ``ImageLoader.load_into`` straight into blocks, each block written with one HDF5 call);
* processes: the same ``load_into`` in forked processes, into blocks of anonymous shared
  memory (no copy of pixels between processes), 16 images a task, the same HDF5 writes;
* no write: the processes without the HDF5 writes (what the writes cost).

Usage:
    python benchmarks/bench_build_processes.py [--images 4000] [--rounds 3]

A prototype for a measurement, not the builder: it skips no file and makes no report.
"""

from __future__ import annotations

import argparse
import mmap
import multiprocessing
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import cv2
import h5py
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import bench_build  # noqa: E402
from bench_common import SAMPLE  # noqa: E402

from pyimagesearch.data.image_loading import ImageLoader  # noqa: E402
from pyimagesearch.parallel.blocks import threaded_blocks  # noqa: E402
from pyimagesearch.parallel.workers import default_workers  # noqa: E402

SIZE = 256
BLOCK = 160  # about 32 MB of 256x256x3 rows, as the builder's blocks
TASK = 16  # images per process task
AHEAD = 2
_BLOCKS: np.ndarray | None = None  # the shared buffers, inherited by the forked workers
_LOADER = ImageLoader(SIZE, SIZE)


def _decode_task(task: tuple[int, int, list[str]]) -> int:
    buffer, row, paths = task
    for offset, path in enumerate(paths):
        _LOADER.load_into(path, _BLOCKS[buffer, row + offset])
    return len(paths)


def _init_worker() -> None:
    cv2.setNumThreads(1)


def with_processes(paths: list[str], output: Path, workers: int, write: bool = True) -> float:
    global _BLOCKS
    shape = (AHEAD + 1, BLOCK, SIZE, SIZE, 3)
    memory = mmap.mmap(-1, int(np.prod(shape)))  # MAP_SHARED | MAP_ANONYMOUS: seen by children
    _BLOCKS = np.frombuffer(memory, np.uint8).reshape(shape)
    start = time.perf_counter()
    with (
        multiprocessing.get_context("fork").Pool(workers, _init_worker) as pool,
        h5py.File(output, "w") as db,
    ):
        images = db.create_dataset("images", (len(paths), SIZE, SIZE, 3), np.uint8,
                                   chunks=(1, SIZE, SIZE, 3))  # fmt: skip
        pending: deque = deque()
        for number, first in enumerate(range(0, len(paths), BLOCK)):
            buffer = number % (AHEAD + 1)
            count = min(BLOCK, len(paths) - first)
            tasks = [(buffer, row, paths[first + row : first + min(row + TASK, count)])
                     for row in range(0, count, TASK)]  # fmt: skip
            pending.append(
                (first, count, buffer, [pool.apply_async(_decode_task, (t,)) for t in tasks])
            )
            if len(pending) > AHEAD:
                _write(images if write else None, *pending.popleft())
        while pending:
            _write(images if write else None, *pending.popleft())
    elapsed = time.perf_counter() - start
    _BLOCKS = None
    memory.close()
    return len(paths) / elapsed


def _write(images, first: int, count: int, buffer: int, results: list) -> None:
    for result in results:
        result.get()
    if images is not None:
        images[first : first + count] = _BLOCKS[buffer, :count]


def with_threads(paths: list[str], output: Path, workers: int) -> float:
    loader = ImageLoader(SIZE, SIZE)
    opencv_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    start = time.perf_counter()
    with h5py.File(output, "w") as db:
        images = db.create_dataset("images", (len(paths), SIZE, SIZE, 3), np.uint8,
                                   chunks=(1, SIZE, SIZE, 3))  # fmt: skip
        for block in threaded_blocks(loader.load_into, paths, (SIZE, SIZE, 3),
                                     block_size=BLOCK, workers=workers):  # fmt: skip
            images[int(block.indices[0]) : int(block.indices[-1]) + 1] = block.rows
    elapsed = time.perf_counter() - start
    cv2.setNumThreads(opencv_threads)
    return len(paths) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--source", type=Path, default=SAMPLE)
    args = parser.parse_args()
    workers = default_workers()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        images = bench_build.make_image_folder(args.source, args.images, folder / "images")
        bench_build.warm_cache(images)
        paths = [str(p) for p in images]
        best = {"limit": 0.0, "threads": 0.0, "processes": 0.0, "no write": 0.0}
        for round_number in range(args.rounds):
            rates = {
                "limit": bench_build.decode_limit(images, workers),
                "threads": with_threads(paths, folder / "threads.hdf5", workers),
                "processes": with_processes(paths, folder / "processes.hdf5", workers),
                "no write": with_processes(paths, folder / "none.hdf5", workers, write=False),
            }
            print(
                f"round {round_number + 1}: " + ", ".join(f"{k} {v:,.0f}" for k, v in rates.items())
            )
            best = {k: max(best[k], rates[k]) for k in best}
            (folder / "threads.hdf5").unlink()
            (folder / "processes.hdf5").unlink()
            (folder / "none.hdf5").unlink()
    print(f"{args.images} images, {workers} workers, images/s (best of {args.rounds} rounds):")
    for name, rate in best.items():
        print(f"  {name:10s} {rate:8,.0f}   {rate / best['limit']:.3f} of the limit")


if __name__ == "__main__":
    main()
