"""End-to-end tests of build_dataset.py on synthetic, awkward and real images."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import build_dataset
from pyimagesearch.config import load_config
from pyimagesearch.data import split_writer
from pyimagesearch.data.build_dataset import build_dataset as run_build
from pyimagesearch.errors import DatasetError, PyImageSearchError
from pyimagesearch.io import open_hdf5, read_label_names, read_paths
from tests.data.test_image_loading import write_bad_files

REPO_ROOT = Path(__file__).resolve().parents[2]


def config_for(make_config, images: Path, tmp_path: Path, **extra) -> Path:
    settings = dict(
        IMAGES_PATH=str(images),
        NUM_VAL_IMAGES=10,
        NUM_TEST_IMAGES=20,
        IMAGE_SIZE=32,
        TRAIN_HDF5="hdf5/train.hdf5",
        VAL_HDF5="hdf5/val.hdf5",
        TEST_HDF5="hdf5/test.hdf5",
        DATASET_MEAN="out/mean.json",
        OUTPUT_PATH="out",
        BUILD_WORKERS=2,
    )
    settings.update(extra)
    return make_config(**settings)


def test_build_of_the_synthetic_set(make_config, synthetic_images, tmp_path, capsys):
    config = config_for(make_config, synthetic_images, tmp_path)
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    assert "train: listed     90  written     90" in capsys.readouterr().out
    sizes = {}
    for split in ("train", "val", "test"):
        with open_hdf5(tmp_path / "hdf5" / f"{split}.hdf5", "images") as db:
            images, labels = db["images"], db["labels"][:]
            assert images.dtype == np.uint8 and images.shape[1:] == (32, 32, 3)
            assert read_label_names(db) == ["cat", "dog"]
            assert db.attrs["channel_order"] == "RGB"
            assert tuple(db.attrs["image_size"]) == (32, 32)
            paths = read_paths(db)
            assert len(paths) == len(labels)
            # every row traces back to its file, and the file's name carries the label
            names = ["cat", "dog"]
            assert all(
                Path(p).name.startswith(names[y]) for p, y in zip(paths, labels, strict=True)
            )
            sizes[split] = len(labels)
            assert np.bincount(labels).tolist() == [len(labels) // 2] * 2
    assert sizes == {"train": 90, "val": 10, "test": 20}
    report = json.loads((tmp_path / "out" / "build_report.json").read_text())
    for split in report["splits"].values():
        assert split["listed"] == split["written"] + split["skipped"]
    mean = json.loads((tmp_path / "out" / "mean.json").read_text())
    assert set(mean) == {"R", "G", "B", "build_id"}
    with open_hdf5(tmp_path / "hdf5" / "test.hdf5") as db:
        assert db.attrs["build_id"] == mean["build_id"] == report["build_id"]


def test_stored_pixels_are_rgb(make_config, tmp_path):
    import cv2

    images = tmp_path / "images"
    images.mkdir()
    for name in ("cat", "dog"):
        for i in range(6):
            blue = np.zeros((40, 50, 3), np.uint8)
            blue[..., 0] = 255  # BGR blue
            cv2.imwrite(str(images / f"{name}.{i}.png"), blue)
    config = config_for(make_config, images, tmp_path, NUM_VAL_IMAGES=2, NUM_TEST_IMAGES=2)
    run_build(load_config(config), progress=False)
    with open_hdf5(tmp_path / "hdf5" / "train.hdf5") as db:
        assert tuple(db["images"][0, 10, 10]) == (0, 0, 255)
    mean = json.loads((tmp_path / "out" / "mean.json").read_text())
    assert {c: mean[c] for c in "RGB"} == {"R": 0.0, "G": 0.0, "B": 255.0}


def test_bad_files_are_skipped_and_reported(make_config, synthetic_images, tmp_path):
    images = tmp_path / "images"
    shutil.copytree(synthetic_images, images)
    real = (images / "cat.0.jpg").read_bytes()
    expected = write_bad_files(tmp_path / "bad", real)
    for name in expected:  # give them Kaggle names so they carry labels
        shutil.move(tmp_path / "bad" / name, images / f"dog.bad_{name}")
    config = config_for(make_config, images, tmp_path)
    report = run_build(load_config(config), progress=False)
    skipped = [s for split in report["splits"].values() for s in split["skipped_files"]]
    reasons = {Path(s["path"]).name.removeprefix("dog.bad_"): s["reason"] for s in skipped}
    assert set(reasons) == set(expected)
    for name, fragment in expected.items():
        assert fragment in reasons[name]
    totals = report["totals"]
    assert totals["listed"] == 124 == totals["written"] + totals["skipped"]
    assert totals["skipped"] == 4


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"IMAGES_PATH": "/no/such/folder"}, "not found"),
        ({"NUM_VAL_IMAGES": 100, "NUM_TEST_IMAGES": 100}, "leave"),
        ({"NUM_CLASSES": 3}, "NUM_CLASSES = 3 but 2 classes"),
        ({"IMAGE_SIZE": (32,)}, "IMAGE_SIZE"),
    ],
)
def test_config_errors_stop_before_any_file_is_written(
    make_config, synthetic_images, tmp_path, change, match
):
    config = config_for(make_config, synthetic_images, tmp_path, **change)
    with pytest.raises(PyImageSearchError, match=match):
        run_build(load_config(config), progress=False)
    assert not (tmp_path / "hdf5").exists() or not any((tmp_path / "hdf5").iterdir())


def test_empty_folder_and_single_class(make_config, synthetic_images, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="no images"):
        run_build(load_config(config_for(make_config, empty, tmp_path)), progress=False)
    cats = tmp_path / "cats"
    cats.mkdir()
    for path in synthetic_images.glob("cat.*.jpg"):
        shutil.copy(path, cats)
    with pytest.raises(DatasetError, match="only one class"):
        run_build(load_config(config_for(make_config, cats, tmp_path)), progress=False)


def test_existing_outputs_are_not_overwritten_without_asking(
    make_config, synthetic_images, tmp_path, capsys
):
    config = config_for(make_config, synthetic_images, tmp_path)
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert build_dataset.main(["--config", str(config), "--quiet", "--overwrite"]) == 0


def test_missing_settings_are_one_clear_error(make_config, tmp_path, capsys):
    config = make_config(IMAGES_PATH="x", NUM_VAL_IMAGES=1)
    assert build_dataset.main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    for name in ("NUM_TEST_IMAGES", "TRAIN_HDF5", "VAL_HDF5", "TEST_HDF5", "DATASET_MEAN"):
        assert name in err


def test_interrupted_build_leaves_no_complete_looking_file(
    make_config, synthetic_images, tmp_path, monkeypatch
):
    config = config_for(make_config, synthetic_images, tmp_path)
    original = split_writer.ImageLoader.load_into
    calls = {"n": 0}

    def interrupt_after_40(self, path, out):
        calls["n"] += 1
        if calls["n"] > 40:
            raise KeyboardInterrupt
        return original(self, path, out)

    monkeypatch.setattr(split_writer.ImageLoader, "load_into", interrupt_after_40)
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 130
    leftovers = list((tmp_path / "hdf5").glob("*"))
    assert not [p for p in leftovers if p.suffix == ".hdf5"]
    for path in leftovers:  # anything left must not look complete
        with h5py.File(path, "r") as db:
            assert not db.attrs["complete"]
    assert not (tmp_path / "out" / "mean.json").exists()


def test_interrupted_rebuild_keeps_the_old_outputs_intact(
    make_config, synthetic_images, tmp_path, monkeypatch
):
    config = config_for(make_config, synthetic_images, tmp_path)
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    outputs = [*sorted((tmp_path / "hdf5").glob("*.hdf5")), tmp_path / "out" / "mean.json"]
    before = {p: p.read_bytes() for p in outputs}
    original = split_writer.ImageLoader.load_into
    calls = {"n": 0}

    def interrupt_in_val_split(self, path, out):  # 90 training images, then val
        calls["n"] += 1
        if calls["n"] > 95:
            raise KeyboardInterrupt
        return original(self, path, out)

    monkeypatch.setattr(split_writer.ImageLoader, "load_into", interrupt_in_val_split)
    code = build_dataset.main(["--config", str(config), "--quiet", "--overwrite"])
    assert code == 130 and calls["n"] > 95
    # the previous build is still there, byte for byte, and nothing half-built is left
    assert {p: p.read_bytes() for p in outputs} == before
    assert sorted((tmp_path / "hdf5").iterdir()) == outputs[:3]
    assert not list((tmp_path / "out").glob("*.partial"))


def test_builder_does_not_import_tensorflow():
    code = "import sys, build_dataset; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_build_of_200_real_kaggle_images(make_config, kaggle_sample_dir, tmp_path):
    images = tmp_path / "kaggle"
    images.mkdir()
    for name in ("cat", "dog"):
        for i in range(1, 101):
            (images / f"{name}.{i}.jpg").symlink_to(kaggle_sample_dir / f"{name}.{i}.jpg")
    config = config_for(
        make_config, images, tmp_path, IMAGE_SIZE=256, NUM_VAL_IMAGES=20, NUM_TEST_IMAGES=20
    )
    report = run_build(load_config(config), progress=False)
    assert report["totals"]["written"] == 200 and report["totals"]["skipped"] == 0
    with open_hdf5(tmp_path / "hdf5" / "train.hdf5", "images") as db:
        images_ = db["images"][:]
        labels = db["labels"][:]
    assert images_.shape == (160, 256, 256, 3) and images_.dtype == np.uint8
    assert np.bincount(labels).tolist() == [80, 80]
    mean = json.loads((tmp_path / "out" / "mean.json").read_text())
    direct = images_.reshape(-1, 3).mean(axis=0, dtype=np.float64)
    for value, channel in zip(direct, "RGB", strict=True):
        assert 0 < mean[channel] < 255
        assert mean[channel] == pytest.approx(value, abs=1e-6)
    # Kaggle photos: red brighter than blue on average (about R 125, G 116, B 106)
    assert mean["R"] > mean["B"]
    file_size = (tmp_path / "hdf5" / "train.hdf5").stat().st_size
    assert file_size < 160 * 256 * 256 * 3 * 1.02 + 1_000_000  # uint8, no float storage
