"""DirectRowReader: the rows h5py reads, straight from the file; None where it cannot."""

from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pytest

from pyimagesearch.errors import DatasetError
from pyimagesearch.io import HDF5DatasetGenerator
from pyimagesearch.io.direct_rows import DirectRowReader
from pyimagesearch.preprocessing import BatchAugmenter, PatchPreprocessor

SHAPE = (37, 10, 12, 3)


def random_rows(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, SHAPE, dtype=np.uint8)


def write(path: Path, data: np.ndarray, **options) -> Path:
    with h5py.File(path, "w", **options.pop("file", {})) as db:
        db.create_dataset("images", data=data, **options)
    return path


@pytest.mark.parametrize(
    "options",
    [{"chunks": (1, 10, 12, 3)}, {"chunks": (4, 10, 12, 3)}, {}, {"dtype": np.float32}],
    ids=["one-row-chunks", "four-row-chunks", "contiguous", "float32"],
)
def test_reads_what_h5py_reads(tmp_path: Path, options: dict) -> None:
    data = random_rows()
    if options.get("dtype"):
        data = data.astype(options.pop("dtype")) / 7
    path = write(tmp_path / "rows.hdf5", data, **options)
    with h5py.File(path) as db:
        reader = DirectRowReader.open(db["images"], path)
        assert reader is not None
        for rows in (np.array([0, 1, 2, 3, 4]), np.array([36, 3, 17, 17, 5]), np.arange(37)):
            out = np.empty((len(rows), *SHAPE[1:]), data.dtype)
            reader.read_into(rows, out)
            np.testing.assert_array_equal(out, data[rows])
        reader.close()


@pytest.mark.parametrize(
    "options",
    [
        {"chunks": (1, 10, 12, 3), "compression": "gzip"},
        {"chunks": (1, 5, 12, 3)},  # a row spread over two chunks
        {"file": {"userblock_size": 512}},
    ],
    ids=["compressed", "split-rows", "user-block"],
)
def test_none_where_rows_do_not_lie_whole_in_the_file(tmp_path: Path, options: dict) -> None:
    path = write(tmp_path / "rows.hdf5", random_rows(), **options)
    with h5py.File(path) as db:
        assert DirectRowReader.open(db["images"], path) is None


def test_none_for_rows_never_written(tmp_path: Path) -> None:
    path = tmp_path / "empty.hdf5"
    with h5py.File(path, "w") as db:
        db.create_dataset("images", SHAPE, np.uint8, chunks=(1, *SHAPE[1:]))
        db["images"][:5] = 1
    with h5py.File(path) as db:
        assert DirectRowReader.open(db["images"], path) is None


def coded_file(path: Path, n: int = 40) -> Path:
    with h5py.File(path, "w") as db:
        images = np.broadcast_to(np.arange(n, dtype=np.uint8)[:, None, None, None], (n, 16, 16, 3))
        db.create_dataset("images", data=np.ascontiguousarray(images), chunks=(1, 16, 16, 3))
        db.create_dataset("labels", data=np.arange(n) % 2)
        db.attrs["complete"] = True
    return path


def test_generator_batches_are_the_same_with_and_without_direct_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = coded_file(tmp_path / "coded.hdf5")
    steps = [PatchPreprocessor(12, 12), BatchAugmenter(rotation_range=20, horizontal_flip=True)]

    def batches(workers: int) -> list:
        with HDF5DatasetGenerator(path, 16, steps, shuffle=True, seed=5, workers=workers) as gen:
            return [gen.worker_batch(i, epoch) for epoch in (0, 1) for i in range(len(gen))]

    direct = batches(workers=1)
    threads = batches(workers=3)  # each loader thread makes its whole batch: same numbers
    monkeypatch.setattr(DirectRowReader, "open", classmethod(lambda cls, *args: None))
    through_h5py = batches(workers=1)
    for a, b, c in zip(direct, threads, through_h5py, strict=True):
        np.testing.assert_array_equal(a[0], c[0])
        np.testing.assert_array_equal(b[0], c[0])
        np.testing.assert_array_equal(a[1], c[1])


def test_a_file_cut_off_after_opening_is_a_clear_error(tmp_path: Path) -> None:
    path = coded_file(tmp_path / "coded.hdf5")
    with HDF5DatasetGenerator(path, 40) as gen:
        assert gen._direct is not None
        os.truncate(path, os.path.getsize(path) // 2)
        with pytest.raises(DatasetError, match=r"is damaged \(cut off: read \d+ of \d+ bytes\)"):
            gen.load_batch(0)
