from __future__ import annotations

import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

from pyimagesearch.errors import DatasetError
from pyimagesearch.io import HDF5DatasetWriter, open_hdf5, read_label_names, read_paths


def rows(n: int, start: int = 0) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.uint8)[:, None, None, None] * np.ones(
        (1, 4, 4, 3), np.uint8
    )


def test_buffer_flushes_when_full_and_on_close(tmp_path):
    path = tmp_path / "data.hdf5"
    writer = HDF5DatasetWriter((10, 4, 4, 3), path, buffer_size=4)
    writer.add(rows(3), [0, 1, 0])
    assert writer.idx == 0  # still buffered
    writer.add(rows(3, 3), [1, 0, 1])
    assert writer.idx == 4  # one full buffer written
    writer.add(rows(4, 6), [0, 0, 1, 1])
    assert writer.idx == 8
    assert not path.exists() and writer.partial_path.exists()
    writer.close()
    with open_hdf5(path, "images") as db:
        assert db["images"].shape == (10, 4, 4, 3)
        assert db["images"].dtype == np.uint8
        np.testing.assert_array_equal(db["images"][:, 0, 0, 0], np.arange(10))
        np.testing.assert_array_equal(db["labels"][:], [0, 1, 0, 1, 0, 1, 0, 0, 1, 1])
        assert db.attrs["complete"]
    assert not writer.partial_path.exists()


def test_large_blocks_bypass_the_buffer_in_order(tmp_path):
    path = tmp_path / "data.hdf5"
    writer = HDF5DatasetWriter((20, 4, 4, 3), path, buffer_size=4)
    writer.add(rows(5), list(range(5)), paths=[f"{i}.jpg" for i in range(5)])
    assert writer.idx == 5  # a block of a buffer or more is written as it is
    writer.add(rows(2, 5), [5, 6], paths=["5.jpg", "6.jpg"])
    assert writer.idx == 5 and writer.count == 7  # small adds are buffered
    writer.add(rows(6, 7), list(range(7, 13)), paths=[f"{i}.jpg" for i in range(7, 13)])
    assert writer.idx == 13 and writer.count == 13  # buffer topped up, flushed twice
    writer.close()
    with open_hdf5(path, "images") as db:
        np.testing.assert_array_equal(db["labels"][:], np.arange(13))
        np.testing.assert_array_equal(db["images"][:, 0, 0, 0], np.arange(13))
        assert list(read_paths(db)) == [f"{i}.jpg" for i in range(13)]


def test_label_names_paths_and_attributes(tmp_path):
    path = tmp_path / "data.hdf5"
    with HDF5DatasetWriter((2, 4, 4, 3), path, attrs={"channel_order": "RGB"}) as writer:
        writer.store_class_labels(["cat", "dog"])
        writer.add(rows(2), [1, 0], paths=["a/dog.1.jpg", "a/cat.1.jpg"])
    with open_hdf5(path) as db:
        assert read_label_names(db) == ["cat", "dog"]
        assert list(read_paths(db)) == ["a/dog.1.jpg", "a/cat.1.jpg"]
        assert db.attrs["channel_order"] == "RGB"


def test_file_shrinks_to_rows_written(tmp_path):
    path = tmp_path / "data.hdf5"
    with HDF5DatasetWriter((10, 3), path, data_key="features", buffer_size=2) as writer:
        writer.add(np.ones((3, 3), np.float32), [0, 1, 2])
    with h5py.File(path, "r") as db:
        assert db["features"].shape == (3, 3)
        assert db["features"].dtype == np.float32
        assert db["labels"].shape == (3,)


def test_refuses_to_overwrite_unless_asked(tmp_path):
    path = tmp_path / "data.hdf5"
    HDF5DatasetWriter((1, 2), path).close()
    with pytest.raises(DatasetError, match="already exists"):
        HDF5DatasetWriter((1, 2), path)
    writer = HDF5DatasetWriter((1, 2), path, overwrite=True)
    writer.add(np.zeros((1, 2)), [0])
    writer.close()


def test_too_many_rows_and_wrong_shape_are_errors(tmp_path):
    writer = HDF5DatasetWriter((2, 4, 4, 3), tmp_path / "d.hdf5")
    with pytest.raises(DatasetError, match="more rows"):
        writer.add(rows(3), [0, 0, 0])
    with pytest.raises(ValueError, match="do not match"):
        writer.add(np.zeros((1, 5, 5, 3), np.uint8), [0])
    writer.abort()
    assert not writer.partial_path.exists()


def test_exception_inside_context_leaves_no_file(tmp_path):
    path = tmp_path / "d.hdf5"
    with pytest.raises(RuntimeError), HDF5DatasetWriter((4, 4, 4, 3), path) as writer:
        writer.add(rows(2), [0, 1])
        raise RuntimeError("boom")
    assert not path.exists()
    assert not writer.partial_path.exists()


def test_killed_writer_leaves_no_complete_looking_file(tmp_path):
    path = tmp_path / "killed.hdf5"
    script = textwrap.dedent(f"""
        import os, numpy as np
        from pyimagesearch.io import HDF5DatasetWriter
        w = HDF5DatasetWriter((100, 4, 4, 3), {str(path)!r}, buffer_size=10)
        w.add(np.zeros((50, 4, 4, 3), np.uint8), np.zeros(50))
        os._exit(9)  # killed before close()
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == 9
    assert not path.exists()
    with pytest.raises(DatasetError, match="unfinished .partial"):
        open_hdf5(path)


def test_book_keyword_names_are_accepted(tmp_path):
    writer = HDF5DatasetWriter((4, 2), tmp_path / "f.hdf5", dataKey="features", bufSize=2)
    assert (writer.data_key, writer.buffer_size) == ("features", 2)
    writer.storeClassLabels(["a", "b"])
    writer.add(np.zeros((4, 2), np.float32), [0, 1, 0, 1])
    writer.close()
    with open_hdf5(tmp_path / "f.hdf5", "features") as db:
        assert read_label_names(db) == ["a", "b"]


def test_close_without_publish_keeps_the_partial_name_until_published(tmp_path):
    first, second = tmp_path / "train.hdf5", tmp_path / "val.hdf5"
    writers = [HDF5DatasetWriter((2, 4, 4, 3), p) for p in (first, second)]
    for writer in writers:
        writer.add(rows(2), [0, 1])
        writer.close(publish=False)
    assert not first.exists() and writers[0].partial_path.exists()
    with pytest.raises(DatasetError, match="not found"):
        open_hdf5(first)
    writers[0].publish()
    writers[1].abort()  # e.g. the build failed after this split was written
    with open_hdf5(first, "images") as db:
        assert db["images"].shape == (2, 4, 4, 3) and db.attrs["complete"]
    assert not second.exists() and not writers[1].partial_path.exists()
    writers[0].abort()  # a published file is never deleted
    assert first.exists()
