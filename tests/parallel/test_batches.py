"""parallel_for / inline_batches / OpenCV's thread count while loaders run."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import h5py
import numpy as np

from pyimagesearch.io import HDF5DatasetGenerator
from pyimagesearch.parallel.batches import (
    inline_batches,
    opencv_single_threaded,
    parallel_chunks,
    parallel_for,
)


def threads_used(run) -> set[int]:
    seen: set[int] = set()
    lock = threading.Lock()

    def note(*_: int) -> None:
        with lock:
            seen.add(threading.get_ident())

    run(note)
    return seen


def test_inline_batches_run_in_the_calling_thread() -> None:
    here = {threading.get_ident()}
    with inline_batches():
        assert threads_used(lambda fn: parallel_for(64, fn, threads=4)) == here
        assert threads_used(lambda fn: parallel_chunks(64, fn, threads=4)) == here
    assert threads_used(lambda fn: parallel_for(64, fn, threads=4)) != here  # the pool again


def test_opencv_thread_count_is_held_at_one_and_restored_by_the_last_holder() -> None:
    before = cv2.getNumThreads()
    with opencv_single_threaded():
        assert cv2.getNumThreads() == 1
        with opencv_single_threaded():
            assert cv2.getNumThreads() == 1
        assert cv2.getNumThreads() == 1  # still held by the outer block
    assert cv2.getNumThreads() == before


def test_a_generator_with_loader_threads_holds_opencv_until_closed(tmp_path: Path) -> None:
    path = tmp_path / "tiny.hdf5"
    with h5py.File(path, "w") as db:
        db.create_dataset("images", data=np.zeros((4, 8, 8, 3), np.uint8))
        db.create_dataset("labels", data=np.arange(4) % 2)
    before = cv2.getNumThreads()
    gen = HDF5DatasetGenerator(path, 2, workers=3)
    assert cv2.getNumThreads() == 1
    gen.close()
    gen.close()  # twice: released once
    assert cv2.getNumThreads() == before
    with HDF5DatasetGenerator(path, 2, workers=1):
        assert cv2.getNumThreads() == before  # one thread: OpenCV keeps its own


def test_batches_come_out_aligned_for_tensorflow(tmp_path: Path) -> None:
    """Every batch the loader makes starts on a 64-byte boundary (TensorFlow then takes it
    without a copy), whatever the steps."""
    from pyimagesearch.parallel.batches import empty_batch
    from pyimagesearch.preprocessing import (
        BatchAugmenter,
        MeanPreprocessor,
        PatchPreprocessor,
        SimplePreprocessor,
    )
    from pyimagesearch.preprocessing.augmentation import fuse_steps

    assert empty_batch((3, 5, 7), np.float32).ctypes.data % 64 == 0
    path = tmp_path / "tiny.hdf5"
    with h5py.File(path, "w") as db:
        db.create_dataset("images", data=np.zeros((9, 16, 16, 3), np.uint8), chunks=(1, 16, 16, 3))
        db.create_dataset("labels", data=np.arange(9) % 2)
    aug = BatchAugmenter(rotation_range=10)
    mean = MeanPreprocessor(1, 2, 3)
    for steps in ([], [PatchPreprocessor(12, 12)], [SimplePreprocessor(8, 8), mean],
                  fuse_steps([PatchPreprocessor(12, 12), aug]),
                  fuse_steps([PatchPreprocessor(12, 12), aug, mean]), [aug]):  # fmt: skip
        with HDF5DatasetGenerator(path, 4, steps) as gen:
            for index in range(len(gen)):
                assert gen.load_batch(index)[0].ctypes.data % 64 == 0, steps
