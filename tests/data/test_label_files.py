"""Labels from mapping files (Kaggle's labels.csv, Tiny ImageNet's val_annotations.txt),
splits given as folders, the resize setting, and stratification with 200 classes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

import build_dataset
from pyimagesearch.data.label_files import read_label_file
from pyimagesearch.data.splits import stratified_split
from pyimagesearch.errors import DatasetError
from pyimagesearch.io import open_hdf5, read_label_names, read_paths
from pyimagesearch.utils.reports import read_json
from tests.helpers import split_settings, write_config


def _image(path: Path, value: int, size=(30, 20)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((size[1], size[0], 3), value, np.uint8))


def test_read_label_file_by_name_and_by_position(tmp_path: Path) -> None:
    csv_file = tmp_path / "labels.csv"
    csv_file.write_text("id,breed\nabc,boxer\ndef,pug\n")
    assert read_label_file(csv_file, ("id", "breed")) == {"abc": "boxer", "def": "pug"}
    tsv = tmp_path / "val_annotations.txt"
    tsv.write_text("val_0.JPEG\tn01\t0\t32\t44\t62\nval_1.JPEG\tn02\t1\t2\t3\t4\n")
    assert read_label_file(tsv, (0, 1)) == {"val_0.JPEG": "n01", "val_1.JPEG": "n02"}
    with pytest.raises(DatasetError, match="has no column 'label'; its columns are id, breed"):
        read_label_file(csv_file, ("id", "label"))
    (tmp_path / "twice.csv").write_text("id,breed\nabc,boxer\nabc,pug\n")
    with pytest.raises(DatasetError, match="gives abc two labels: 'boxer' and 'pug'"):
        read_label_file(tmp_path / "twice.csv", ("id", "breed"))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_a_spreadsheets_unicode_export_is_read(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "labels.csv"
    path.write_bytes("id,breed\nabc,bouvier_des_flandres\nd\u00e9f,pug\n".encode(encoding))
    assert read_label_file(path, ("id", "breed")) == {"abc": "bouvier_des_flandres",
                                                      "d\u00e9f": "pug"}  # fmt: skip


def test_a_label_file_of_another_encoding_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_bytes("id,breed\nd\u00e9f,pug\n".encode("latin-1"))
    with pytest.raises(DatasetError, match="is not UTF-8 or UTF-16 text .*save it as UTF-8"):
        read_label_file(path, ("id", "breed"))


def test_kaggle_labels_csv_with_missing_and_extra_entries(tmp_path: Path, capsys) -> None:
    images = tmp_path / "train"
    for i in range(12):
        _image(images / f"id{i:02d}.jpg", 10 * i)
    rows = [f"id{i:02d},{'boxer' if i % 2 else 'pug'}" for i in range(10)]  # id10, id11 extra
    rows += ["gone1,boxer", "gone2,pug"]  # named, but no file
    (tmp_path / "labels.csv").write_text("id,breed\n" + "\n".join(rows) + "\n")
    settings = split_settings(tmp_path, images, IMAGE_SIZE=16, NUM_VAL_IMAGES=2,
                              NUM_TEST_IMAGES=2, LABELS_FILE=str(tmp_path / "labels.csv"),
                              LABELS_COLUMNS=("id", "breed"))  # fmt: skip
    config = write_config(tmp_path / "c.py", **settings)
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2 image file(s) had no label and were left out" in out
    assert "2 name(s) in the label file(s) matched no image" in out
    report = read_json(tmp_path / "out" / "build_report.json")
    assert report["label_source"] == "mapping" and report["label_names"] == ["boxer", "pug"]
    assert report["labels_without_a_file"] == ["gone1", "gone2"]
    unlabeled = sorted(Path(u["path"]).name for u in report["unlabeled_files"])
    assert unlabeled == ["id10.jpg", "id11.jpg"]
    assert report["totals"]["written"] == 10


def test_tiny_imagenet_layout_with_its_validation_folder(tmp_path: Path) -> None:
    """train/<wnid>/images/*.JPEG (the class is the first folder, not ``images``) and
    val/images/*.JPEG labelled by val_annotations.txt, used as the test split."""
    root = tmp_path / "tiny"
    wnids = ["n01", "n02", "n03"]
    for c, wnid in enumerate(wnids):
        for i in range(6):
            _image(root / "train" / wnid / "images" / f"{wnid}_{i}.JPEG", 40 * c + i, (64, 64))
    lines = []
    for i in range(6):
        _image(root / "val" / "images" / f"val_{i}.JPEG", 40 * (i % 3), (64, 64))
        lines.append(f"val_{i}.JPEG\t{wnids[i % 3]}\t0\t0\t63\t63")
    (root / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    settings = split_settings(tmp_path, root / "train", IMAGE_SIZE=64, NUM_VAL_IMAGES=3,
                              NUM_TEST_IMAGES=None, TEST_FOLDER=str(root / "val" / "images"),
                              TEST_LABELS_FILE=str(root / "val" / "val_annotations.txt"),
                              RESIZE="plain")  # fmt: skip
    config = write_config(tmp_path / "c.py", **settings)
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    with open_hdf5(settings["TEST_HDF5"], "images") as db:
        assert read_label_names(db) == wnids
        assert sorted(Path(p).name for p in read_paths(db)) == [f"val_{i}.JPEG" for i in range(6)]
        assert db["labels"][:].tolist() == [0, 1, 2, 0, 1, 2]
    with open_hdf5(settings["TRAIN_HDF5"], "images") as db:
        assert len(db["labels"]) == 15 and np.bincount(db["labels"][:]).tolist() == [5, 5, 5]
    report = read_json(tmp_path / "out" / "build_report.json")
    assert report["split_sources"]["test"].endswith("images")
    both = write_config(tmp_path / "both.py", **{**settings, "NUM_TEST_IMAGES": 3})
    assert build_dataset.main(["--config", str(both), "--quiet", "--overwrite"]) == 2


def test_plain_resize_keeps_the_whole_image(tmp_path: Path) -> None:
    images = tmp_path / "images"
    for name in ("cat", "dog"):
        for i in range(4):
            image = np.zeros((20, 60, 3), np.uint8)
            image[:, :10] = 255  # a white band on the left: cropped away by "aspect"
            images.mkdir(exist_ok=True)
            cv2.imwrite(str(images / f"{name}.{i}.png"), image)
    for mode, white in (("aspect", False), ("plain", True)):
        folder = tmp_path / mode
        settings = split_settings(folder, images, IMAGE_SIZE=20, NUM_VAL_IMAGES=0,
                                  NUM_TEST_IMAGES=2, RESIZE=mode)  # fmt: skip
        config = write_config(tmp_path / f"{mode}.py", **settings)
        assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
        with open_hdf5(settings["TRAIN_HDF5"], "images") as db:
            assert (db["images"][0, 10, 0, 0] > 200) == white


def test_stratification_holds_with_200_classes_of_500_images() -> None:
    labels = np.repeat(np.arange(200), 500)
    splits = stratified_split(labels, 10_000, 10_000, seed=42)
    for name, size in (("val", 50), ("test", 50), ("train", 400)):
        assert np.bincount(labels[splits[name]], minlength=200).tolist() == [size] * 200
    assert len(np.unique(np.concatenate(list(splits.values())))) == 100_000
