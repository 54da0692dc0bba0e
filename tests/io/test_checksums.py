"""Checksums written with every file: damage found on opening (small data sets) and by
every reader of rows (read_rows, the loader straight from the file or through h5py, the
direct row reader on its own, the image sources of feature extraction, tf.data)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from pyimagesearch.data.sources import open_source
from pyimagesearch.errors import DatasetError
from pyimagesearch.io import HDF5DatasetWriter, open_hdf5
from pyimagesearch.io.direct_rows import DirectRowReader, row_offsets
from pyimagesearch.io.hdf5_dataset import read_rows

N, SHAPE = 30, (8, 8, 3)


def written(path: Path, dtype: str = "uint8", key: str = "images") -> Path:
    """A file as the builder writes it: rows, labels, paths, names, a split column."""
    rows = np.random.default_rng(0).integers(0, 256, (N, *SHAPE)).astype(dtype)
    with HDF5DatasetWriter((N, *SHAPE), path, data_key=key, buffer_size=7) as writer:
        writer.store_class_labels(["cat", "dog"])
        writer.add(rows, np.arange(N) % 2, paths=[f"/data/{i}.jpg" for i in range(N)])
        writer.store_column("split", np.arange(N, dtype=np.uint8) % 3, split_names=["a", "b", "c"])
        writer.set_attrs(channel_order="RGB")
    return path


def zero(path: Path, spans: list[tuple[int, int]]) -> None:
    with open(path, "r+b") as file:
        for offset, size in spans:
            file.seek(offset)
            file.write(bytes(size))


def damage_rows(path: Path, rows: list[int], key: str = "images") -> None:
    with h5py.File(path) as db:
        offsets, size = row_offsets(db[key]), db[key][0].nbytes
    zero(path, [(int(offsets[r]), size) for r in rows])


def test_a_clean_file_reads_as_written_through_every_reader(tmp_path: Path) -> None:
    from pyimagesearch.io import HDF5DatasetGenerator

    path = written(tmp_path / "clean.hdf5")
    with open_hdf5(path, "images") as db:
        expected = db["images"][:]
        np.testing.assert_array_equal(read_rows(db["images"], np.array([2, 5, 29])),
                                      expected[[2, 5, 29]])  # fmt: skip
        assert db["row_checksums"].attrs["of"] == "images"
    with HDF5DatasetGenerator(path, 8, classes=2, binarize=False) as gen:
        assert gen._direct is not None and gen._direct.checks is not None
        np.testing.assert_array_equal(gen.load_batch(3)[0], expected[24:])


@pytest.mark.parametrize("key", ["labels", "paths", "label_names", "split", "row_checksums"])
def test_a_damaged_small_data_set_is_refused_on_opening(tmp_path: Path, key: str) -> None:
    path = written(tmp_path / "data.hdf5")
    with h5py.File(path, "r+") as db:  # a changed value, its checksum as written
        values = db[key][()]
        db[key][1] = values[0]  # each holds another value at 0
    with pytest.raises(DatasetError) as error:
        open_hdf5(path, "images")
    assert str(error.value) == (
        f"{path} is damaged (its '{key}' data set differs from its checksum); rebuild it "
        "with build_dataset.py --overwrite"
    )


def _read_rows(path: Path) -> None:
    with open_hdf5(path, "images") as db:
        read_rows(db["images"], slice(0, N))


def _loader(path: Path) -> None:
    from pyimagesearch.io import HDF5DatasetGenerator

    with HDF5DatasetGenerator(path, N, classes=2) as gen:
        assert gen._direct is not None
        gen.load_batch(0)


def _loader_through_h5py(path: Path) -> None:
    from pyimagesearch.io import HDF5DatasetGenerator

    with HDF5DatasetGenerator(path, N, classes=2, workers=2) as gen:
        gen._direct = None
        gen.worker_batch(0)


def _direct_reader(path: Path) -> None:
    with h5py.File(path) as db:
        reader = DirectRowReader.open(db["images"], path)
    try:
        reader.read_into(np.arange(N), np.empty((N, *SHAPE), np.uint8))
    finally:
        reader.close()


def _image_source(path: Path) -> None:
    for _ in open_source(path).batches(8, batch_size=N):
        pass


@pytest.mark.parametrize(
    "read", [_read_rows, _loader, _loader_through_h5py, _direct_reader, _image_source]
)
def test_every_reader_of_rows_names_the_damaged_row(tmp_path: Path, read) -> None:
    path = written(tmp_path / "data.hdf5")
    damage_rows(path, [4, 17])
    with pytest.raises(DatasetError) as error:
        read(path)
    assert str(error.value) == (
        f"{path} row 4 is damaged (its checksum differs from the one written with it, as do "
        f"1 more of the {N} rows read); rebuild it with build_dataset.py --overwrite"
    )


def test_damaged_features_are_named_by_the_classifiers_reader(tmp_path: Path) -> None:
    from pyimagesearch.features.fusion import read_feature_file

    path = tmp_path / "features.hdf5"
    rows = np.random.default_rng(1).normal(size=(N, 16)).astype(np.float32)
    with HDF5DatasetWriter(rows.shape, path, data_key="features") as writer:
        writer.add(rows, np.arange(N) % 2, paths=[f"/data/{i}.jpg" for i in range(N)])
    damage_rows(path, [9], key="features")
    with pytest.raises(DatasetError, match=r"features.hdf5 row 9 is damaged .*; extract the "
                       r"features again with extract_features.py --overwrite$"):  # fmt: skip
        read_feature_file(path)


def test_a_damaged_batch_inside_tf_data_is_raised_as_it_is(tmp_path: Path) -> None:
    pytest.importorskip("tensorflow")
    from pyimagesearch.io import HDF5DatasetGenerator
    from pyimagesearch.io.feeding import as_tf_dataset, loader_errors

    path = written(tmp_path / "data.hdf5")
    damage_rows(path, [20])  # batch 2: the probe of batch 0 passes
    with (
        HDF5DatasetGenerator(path, 8, classes=2, workers=2) as gen,
        pytest.raises(DatasetError, match=r"data.hdf5 row 20 is damaged"),
        loader_errors(),
    ):
        for _ in as_tf_dataset(gen, repeat=False):
            pass


def test_a_file_without_checksums_is_read_with_one_note(tmp_path: Path, capsys) -> None:
    path = tmp_path / "old.hdf5"
    with h5py.File(path, "w") as db:
        db.create_dataset("images", data=np.zeros((3, *SHAPE), np.uint8))
        db.create_dataset("labels", data=[0, 1, 0])
    for _ in range(2):
        with open_hdf5(path, "images") as db:
            np.testing.assert_array_equal(read_rows(db["images"], 1), np.zeros(SHAPE))
    assert capsys.readouterr().out == (
        f"[INFO] {path} has no checksums (written before they were): damage inside it cannot "
        "be detected; rebuild it with build_dataset.py --overwrite to add them\n"
    )
