"""Rows stored as JPEG bytes (STORAGE = "jpeg") read like raw rows through every reader."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from pyimagesearch.errors import DatasetError
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_rows
from tests.helpers import build_splits

SIDE = 32
# JPEG at quality 90 against the raw pixels of the same build: mean absolute error in
# levels (0-255) on the synthetic 32x32 images (measured 2-3; 1.6 on 256x256 photos)
JPEG_ERROR = 6.0


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, synthetic_images: Path) -> dict:
    """The synthetic images built twice, raw and JPEG, the same splits."""
    root = tmp_path_factory.mktemp("storage")
    return {
        storage: build_splits(root / storage, synthetic_images, IMAGE_SIZE=SIDE, STORAGE=storage)
        for storage in ("raw", "jpeg")
    }


def _all_rows(path: str) -> tuple[np.ndarray, np.ndarray]:
    with open_hdf5(path, "images") as db:
        return read_rows(db["images"], slice(None)), db["labels"][:]


def _close(jpeg: np.ndarray, raw: np.ndarray) -> None:
    assert jpeg.shape == raw.shape and jpeg.dtype == np.uint8
    assert np.abs(jpeg.astype(np.int16) - raw).mean() < JPEG_ERROR


def test_the_file_says_how_its_rows_are_stored(builds: dict) -> None:
    with h5py.File(builds["jpeg"]["TRAIN_HDF5"]) as db:
        assert db["images"].attrs["storage"] == "jpeg"
        assert tuple(db["images"].attrs["image_shape"]) == (SIDE, SIDE, 3)
        assert db["images"].attrs["jpeg_quality"] == 90
    with h5py.File(builds["raw"]["TRAIN_HDF5"]) as db:  # as written before JPEG rows
        assert "storage" not in db["images"].attrs and db["images"].ndim == 4


def test_read_rows_decodes_jpeg_rows_close_to_raw(builds: dict) -> None:
    raw, raw_labels = _all_rows(builds["raw"]["TRAIN_HDF5"])
    jpeg, labels = _all_rows(builds["jpeg"]["TRAIN_HDF5"])
    np.testing.assert_array_equal(labels, raw_labels)
    _close(jpeg, raw)
    with open_hdf5(builds["jpeg"]["TRAIN_HDF5"], "images") as db:
        np.testing.assert_array_equal(read_rows(db["images"], 3), jpeg[3])
        np.testing.assert_array_equal(read_rows(db["images"], np.array([1, 7])), jpeg[[1, 7]])


@pytest.mark.parametrize("workers", [1, 2])
def test_the_loader_gives_the_same_batches_of_both_storages(builds: dict, workers: int) -> None:
    from pyimagesearch.io import HDF5DatasetGenerator

    paths = [builds[s]["TRAIN_HDF5"] for s in ("raw", "jpeg")]
    options = {"shuffle": True, "seed": 3, "workers": workers}
    with (HDF5DatasetGenerator(paths[0], 16, **options) as raw,
          HDF5DatasetGenerator(paths[1], 16, **options) as jpeg):  # fmt: skip
        for index in (0, len(raw) - 1):
            (a, y), (b, z) = raw.worker_batch(index), jpeg.worker_batch(index)
            np.testing.assert_array_equal(y, z)
            _close(b, a)
        first = next(jpeg.generator(passes=1))[0]
        assert first.shape == (16, SIDE, SIDE, 3)


def test_sources_audit_cam_and_split_info_read_jpeg_rows(builds: dict) -> None:
    from pyimagesearch.audit.hashing import hash_hdf5
    from pyimagesearch.data.sources import open_source
    from pyimagesearch.diagnostics.cam import split_images
    from pyimagesearch.io.split_files import split_info

    raw_path, jpeg_path = builds["raw"]["TEST_HDF5"], builds["jpeg"]["TEST_HDF5"]
    batches = [
        next(open_source(p).batches(16, batch_size=64)).images for p in (raw_path, jpeg_path)
    ]
    _close(batches[1], batches[0])
    assert sum(len(rows) for rows, _, _ in hash_hdf5(jpeg_path)) == 10
    images = split_images(jpeg_path, np.array([4, 1])).images
    assert [image.shape for image in images] == [(SIDE, SIDE, 3)] * 2
    assert split_info(jpeg_path).shape == (SIDE, SIDE)


def test_the_report_gives_bytes_per_image(builds: dict) -> None:
    reports = {
        s: json.loads((Path(builds[s]["OUTPUT_PATH"]) / "build_report.json").read_text())
        for s in ("raw", "jpeg")
    }
    raw, jpeg = (reports[s]["totals"] for s in ("raw", "jpeg"))
    assert raw["bytes_per_image"] == SIDE * SIDE * 3 and raw["storage"] == "raw"
    assert jpeg["storage"] == "jpeg" and jpeg["bytes_per_image"] < raw["bytes_per_image"] / 2
    assert jpeg["stored_bytes"] == sum(
        r["stored_bytes"] for r in reports["jpeg"]["splits"].values()
    )
    assert reports["jpeg"]["settings"]["STORAGE"] == "jpeg"


def test_the_space_estimate_of_jpeg_rows_covers_them(builds: dict, synthetic_images) -> None:
    from pyimagesearch.data.build_dataset import estimated_row_bytes

    paths = sorted(str(p) for p in synthetic_images.iterdir())
    estimate = estimated_row_bytes(paths, (SIDE, SIDE), "aspect", "jpeg", 90)
    report = json.loads((Path(builds["jpeg"]["OUTPUT_PATH"]) / "build_report.json").read_text())
    assert report["totals"]["bytes_per_image"] < estimate < SIDE * SIDE * 3


def _damage_jpeg_row(path: str, row: int) -> None:
    """Flip bytes of the stored JPEG of ``row`` in the file itself."""
    with h5py.File(path) as db:
        stored = db["images"][row].tobytes()
    data = bytearray(Path(path).read_bytes())
    at = data.find(stored)
    assert at > 0 and data.find(stored, at + 1) < 0
    middle = at + len(stored) // 2
    data[middle : middle + 4] = bytes(4)
    Path(path).write_bytes(bytes(data))


def test_a_damaged_jpeg_row_is_one_line_naming_file_and_row(builds: dict, tmp_path: Path) -> None:
    from pyimagesearch.io import HDF5DatasetGenerator

    path = str(tmp_path / "train.hdf5")
    Path(path).write_bytes(Path(builds["jpeg"]["TRAIN_HDF5"]).read_bytes())
    _damage_jpeg_row(path, 5)
    expected = (
        f"{path} row 5 is damaged (its checksum differs from the one written with it); "
        "rebuild it with build_dataset.py --overwrite"
    )
    with open_hdf5(path, "images") as db, pytest.raises(DatasetError) as error:
        read_rows(db["images"], slice(0, 10))
    assert str(error.value) == expected
    with HDF5DatasetGenerator(path, 8) as gen, pytest.raises(DatasetError) as error:
        gen.load_batch(0)
    assert str(error.value) == expected


def test_an_unknown_storage_is_refused_in_one_line(builds: dict, tmp_path: Path) -> None:
    path = tmp_path / "train.hdf5"
    path.write_bytes(Path(builds["jpeg"]["TRAIN_HDF5"]).read_bytes())
    with h5py.File(path, "r+") as db:
        db["images"].attrs["storage"] = "webp"
    with pytest.raises(DatasetError) as error:
        open_hdf5(path, "images")
    assert str(error.value) == (
        f"{path}: its 'images' rows are stored as 'webp', which this version cannot read "
        "(it reads raw, jpeg); update pyimagesearch or rebuild the file"
    )


def test_jpeg_rows_in_block_order_are_read_whole_blocks_at_a_time(builds: dict) -> None:
    from pyimagesearch.io import HDF5DatasetGenerator

    path = builds["jpeg"]["TRAIN_HDF5"]
    options = {"shuffle": "block", "seed": 2, "shuffle_block": 8, "shuffle_window": 2}
    with HDF5DatasetGenerator(path, 16, binarize=False, **options) as gen:
        rows = gen.batch_indices(1)
        images, _ = gen.load_batch(1)
        assert gen._blocks is not None and len(gen._blocks.blocks) <= 4  # two windows
        assert set(gen._blocks.blocks) >= set((rows // 8).tolist())
    with open_hdf5(path, "images") as db:
        np.testing.assert_array_equal(images, read_rows(db["images"], rows))
