from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pyimagesearch.data.listing import label_from_filename, list_images
from pyimagesearch.data.splits import resolve_split_size, stratified_split
from pyimagesearch.errors import DatasetError


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_labels_from_kaggle_file_names(tmp_path):
    for name in ["cat.0.jpg", "cat.1.JPG", "dog.0.jpeg", "dog.7.png", "dog.9.BMP", "notes.txt"]:
        touch(tmp_path / name)
    listing = list_images(tmp_path)
    assert listing.label_source == "filename"
    assert listing.labels == ["cat", "cat", "dog", "dog", "dog"]
    assert listing.class_names == ["cat", "dog"]
    np.testing.assert_array_equal(listing.encoded_labels(), [0, 0, 1, 1, 1])
    assert [Path(p).name for p in listing.ignored] == ["notes.txt"]


def test_labels_from_class_folders(tmp_path):
    for name in ["tulip/1.jpg", "daisy/2.jpg", "daisy/3.jpg", "sunflower/x.png"]:
        touch(tmp_path / name)
    listing = list_images(tmp_path)
    assert listing.label_source == "folder"
    assert sorted(listing.labels) == ["daisy", "daisy", "sunflower", "tulip"]
    assert listing.class_names == ["daisy", "sunflower", "tulip"]


def test_label_source_can_be_forced(tmp_path):
    touch(tmp_path / "pets" / "cat.1.jpg")
    touch(tmp_path / "pets" / "dog.1.jpg")
    assert list_images(tmp_path, "filename").labels == ["cat", "dog"]
    assert list_images(tmp_path, "folder").labels == ["pets", "pets"]


def test_files_without_a_label_are_reported_not_dropped(tmp_path):
    touch(tmp_path / "cat.1.jpg")
    touch(tmp_path / "1.jpg")
    listing = list_images(tmp_path)
    assert listing.paths == [str(tmp_path / "cat.1.jpg")]
    assert listing.unlabeled[0][0] == str(tmp_path / "1.jpg")
    assert label_from_filename("dog.12499.jpg") == "dog"


def test_listing_errors(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        list_images(tmp_path / "missing")
    with pytest.raises(DatasetError, match="no images"):
        list_images(tmp_path)
    touch(tmp_path / "cat.1.jpg")
    touch(tmp_path / "dogs" / "1.jpg")
    with pytest.raises(DatasetError, match="mixes"):
        list_images(tmp_path)
    with pytest.raises(DatasetError, match="LABEL_SOURCE"):
        list_images(tmp_path, "colour")


def test_split_sizes_as_counts_and_fractions():
    labels = np.repeat([0, 1], 500)
    splits = stratified_split(labels, 100, 0.2, seed=1)
    assert [len(splits[s]) for s in ("train", "val", "test")] == [700, 100, 200]
    for name, indices in splits.items():
        share = labels[indices].mean()
        assert share == pytest.approx(0.5, abs=0.01), name
    everything = np.concatenate(list(splits.values()))
    assert len(np.unique(everything)) == 1000  # disjoint and complete
    assert resolve_split_size(0.1, 25000, "X") == 2500
    assert resolve_split_size(2500, 25000, "X") == 2500


def test_splits_are_deterministic_per_seed():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    first = stratified_split(labels, 10, 10, seed=3)
    again = stratified_split(labels, 10, 10, seed=3)
    other = stratified_split(labels, 10, 10, seed=4)
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
    assert not np.array_equal(first["test"], other["test"])


@pytest.mark.parametrize(
    ("labels", "val", "test", "match"),
    [
        (np.zeros(10, int), 2, 2, "only one class"),
        (np.repeat([0, 1], 5), 5, 5, "leave 0"),
        (np.repeat([0, 1], 50), 1, 10, "smaller than the number of classes"),
        (np.repeat([0, 1], 50), 1.5, 10, "between 0 and 1"),
        (np.repeat([0, 1], 50), "ten", 10, "a count or a fraction"),
        (np.array([0] * 40 + [1]), 5, 5, "too few"),
    ],
)
def test_split_errors(labels, val, test, match):
    with pytest.raises(DatasetError, match=match):
        stratified_split(labels, val, test)
