"""SHARDS = N: each split written as N files by N processes, read as one through its index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from pyimagesearch.config import SPLIT_SETTINGS
from pyimagesearch.errors import DatasetError
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_paths, read_rows
from tests.helpers import build_splits, file_hashes, split_settings, write_config

SIDE = 24


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory, synthetic_images: Path) -> dict:
    """The synthetic images built as one file a split and as two shards a split."""
    root = tmp_path_factory.mktemp("shards")
    return {n: build_splits(root / f"shards{n}", synthetic_images, IMAGE_SIZE=SIDE, SHARDS=n)
            for n in (1, 2)}  # fmt: skip


def _split(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    with open_hdf5(path, "images") as db:
        rows = read_rows(db["images"], slice(None))
        return rows, db["labels"][:], read_paths(db), dict(db.attrs)


def test_a_shard_set_reads_as_one_file_the_same_rows_in_the_same_order(sets: dict) -> None:
    folder = Path(sets[2]["TRAIN_HDF5"]).parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{s}-0000{k}-of-00002.hdf5" for s in ("train", "val", "test") for k in (0, 1)]
        + ["train.hdf5", "val.hdf5", "test.hdf5"]
    )
    for setting in SPLIT_SETTINGS.values():
        one, two = _split(sets[1][setting]), _split(sets[2][setting])
        for a, b in zip(one[:3], two[:3], strict=True):
            np.testing.assert_array_equal(a, b)
        assert two[3]["shards"].tolist() == [
            Path(sets[2][setting]).stem + f"-0000{k}-of-00002.hdf5" for k in (0, 1)
        ]
    means = [json.loads(Path(s["DATASET_MEAN"]).read_text()) for s in (sets[1], sets[2])]
    assert [means[0][c] for c in "RGB"] == pytest.approx([means[1][c] for c in "RGB"])


def test_the_loader_reads_a_shard_set_straight_from_its_shards(sets: dict) -> None:
    from pyimagesearch.io import HDF5DatasetGenerator

    options = {"shuffle": True, "seed": 4, "binarize": False}
    with (HDF5DatasetGenerator(sets[1]["TRAIN_HDF5"], 32, **options) as one,
          HDF5DatasetGenerator(sets[2]["TRAIN_HDF5"], 32, **options) as two):  # fmt: skip
        assert len(two._direct.paths) == 2  # each row read from its shard with preadv
        for index in range(len(one)):
            for a, b in zip(one.load_batch(index), two.load_batch(index), strict=True):
                np.testing.assert_array_equal(a, b)


def test_a_shard_set_without_a_shard_is_refused_in_one_line(sets: dict, tmp_path: Path) -> None:
    folder = shutil.copytree(Path(sets[2]["TRAIN_HDF5"]).parent, tmp_path / "hdf5")
    (folder / "train-00001-of-00002.hdf5").unlink()
    with pytest.raises(DatasetError) as error:
        open_hdf5(folder / "train.hdf5", "images")
    assert str(error.value) == (
        f"{folder / 'train.hdf5'} is a shard set without its shard train-00001-of-00002.hdf5; "
        "a set is published whole: rebuild it with build_dataset.py --overwrite"
    )


def test_a_damaged_row_of_a_shard_is_named_with_its_shard(sets: dict, tmp_path: Path) -> None:
    import h5py

    from pyimagesearch.io import HDF5DatasetGenerator

    folder = shutil.copytree(Path(sets[2]["TRAIN_HDF5"]).parent, tmp_path / "hdf5")
    with h5py.File(folder / "train-00001-of-00002.hdf5", "r+") as shard:
        shard["images"][3] = 255 - shard["images"][3]  # its checksum stays as written
    with open_hdf5(folder / "train-00000-of-00002.hdf5") as first:
        row = len(first["labels"]) + 3  # the index's row
    named = (f"{folder / 'train.hdf5'} row {row} (row 3 of train-00001-of-00002.hdf5) is "
             "damaged (its checksum differs")  # fmt: skip
    with open_hdf5(folder / "train.hdf5", "images") as db, pytest.raises(DatasetError) as error:
        read_rows(db["images"], slice(None))
    assert str(error.value).startswith(named)
    loader = HDF5DatasetGenerator(folder / "train.hdf5", 500, binarize=False)
    with loader, pytest.raises(DatasetError) as error:  # rows read straight from the shards
        loader.load_batch(0)
    assert str(error.value).startswith(named)


def _steps(folder: Path, images: Path, **extra: object):
    """The config of a set built in steps into ``folder``, and its settings."""
    from pyimagesearch.config import load_config

    settings = split_settings(folder, images, IMAGE_SIZE=SIDE, **extra)
    return load_config(write_config(folder / "config.py", **settings)), settings


def test_shards_built_one_at_a_time_then_published_make_the_same_set(
    sets: dict, tmp_path: Path, synthetic_images: Path
) -> None:
    import build_dataset
    from pyimagesearch.data.shard_build import build_shard

    cfg, settings = _steps(tmp_path, synthetic_images)
    for shard in (0, 1):  # as two machines would, one step each
        build_shard(cfg, shard, 2, progress=False)
    assert not Path(settings["TRAIN_HDF5"]).exists()  # nothing published yet
    config = str(tmp_path / "config.py")
    assert build_dataset.main(["--config", config, "--quiet", "--publish", "--of", "2"]) == 0
    for setting in SPLIT_SETTINGS.values():
        one, two = _split(sets[1][setting]), _split(settings[setting])
        for a, b in zip(one[:3], two[:3], strict=True):
            np.testing.assert_array_equal(a, b)
    assert sorted(p.name for p in Path(settings["OUTPUT_PATH"]).iterdir()) == ["build_report.json"]
    assert not list(tmp_path.rglob("*.partial"))


def test_a_failed_sharded_build_publishes_nothing_and_keeps_the_old_set(
    sets: dict, tmp_path: Path, synthetic_images: Path
) -> None:
    from pyimagesearch.data.shard_build import build_shard, publish_shards

    shutil.copytree(Path(sets[1]["TRAIN_HDF5"]).parents[1], tmp_path / "set")  # one file a split
    before = {k: v for k, v in file_hashes(tmp_path / "set").items() if "config" not in k}
    broken = shutil.copytree(synthetic_images, tmp_path / "broken")
    for dog in broken.glob("dog.*"):
        dog.write_bytes(b"")  # no dog can be read: publishing stops after the shards
    cfg, _ = _steps(tmp_path / "set", broken, OVERWRITE=True)
    for shard in (0, 1):
        build_shard(cfg, shard, 2, progress=False)
    with pytest.raises(DatasetError, match="class 'dog' has no readable training image"):
        publish_shards(cfg, 2, progress=False)
    after = {k: v for k, v in file_hashes(tmp_path / "set").items()
             if "config" not in k and "build_shard-" not in k}  # fmt: skip
    assert after == before  # no shard, no index, no .partial left; the old set as it was


def test_publishing_refuses_a_shard_not_built(tmp_path: Path, synthetic_images: Path) -> None:
    from pyimagesearch.config import load_config
    from pyimagesearch.data.shard_build import publish_shards

    settings = split_settings(tmp_path, synthetic_images, IMAGE_SIZE=SIDE)
    cfg = load_config(write_config(tmp_path / "config.py", **settings))
    record = Path(settings["OUTPUT_PATH"]) / "build_shard-00001-of-00002.json"
    with pytest.raises(DatasetError) as error:
        publish_shards(cfg, 2, progress=False)
    assert str(error.value).startswith("shard 0 of 2 is not built")
    assert str(error.value).endswith("build it with build_dataset.py --shard 0 --of 2")
    assert not record.exists() and not Path(settings["TRAIN_HDF5"]).exists()


def test_an_index_of_jpeg_shards_reads_their_rows_in_order(tmp_path: Path) -> None:
    from pyimagesearch.io import HDF5DatasetWriter
    from pyimagesearch.io.shards import write_index
    from pyimagesearch.io.storage import encode_jpeg

    images = np.random.default_rng(0).integers(0, 256, (6, 8, 8, 3), dtype=np.uint8)
    names = ["t-00000-of-00002.hdf5", "t-00001-of-00002.hdf5"]
    for k, name in enumerate(names):
        mine = images[3 * k : 3 * k + 3]
        with HDF5DatasetWriter((3, 8, 8, 3), tmp_path / name, storage="jpeg") as writer:
            writer.store_class_labels(["a", "b"])
            writer.add([encode_jpeg(image, 90) for image in mine], [k] * 3, paths=["p"] * 3)
    write_index(tmp_path / "t.hdf5", [tmp_path / n for n in names], names)
    with open_hdf5(tmp_path / "t.hdf5", "images") as db:  # checksums of the whole checked
        rows = read_rows(db["images"], slice(None))
        np.testing.assert_array_equal(db["labels"][:], [0, 0, 0, 1, 1, 1])
    for k, name in enumerate(names):
        with open_hdf5(tmp_path / name, "images") as db:
            np.testing.assert_array_equal(
                rows[3 * k : 3 * k + 3], read_rows(db["images"], slice(None))
            )


@pytest.mark.parametrize("flags", [["--shard", "0"], ["--publish"], ["--of", "2"],
                                   ["--shard", "0", "--publish", "--of", "2"]])  # fmt: skip
def test_shard_flags_go_together(flags: list[str], tmp_path: Path, capsys) -> None:
    import build_dataset

    with pytest.raises(SystemExit) as stop:
        build_dataset.main(["--config", str(tmp_path / "none.py"), *flags])
    assert stop.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith("give --shard K --of N (one shard), or --publish --of N (the last step)")
    )
