"""The builder's engine as a library: plan_build checks everything before a file is
written, and a plan runs without the config."""

from __future__ import annotations

import pytest

from pyimagesearch.config import load_config
from pyimagesearch.data.build_dataset import BuildPlan, build_dataset, plan_build
from pyimagesearch.errors import DatasetError
from pyimagesearch.io import open_hdf5
from tests.data.test_builder import config_for


def test_plan_build_refuses_a_bad_setting_before_anything_is_written(
    make_config, synthetic_images, tmp_path
):
    config = config_for(make_config, synthetic_images, tmp_path, NUM_CLASSES=3)
    with pytest.raises(DatasetError, match="NUM_CLASSES = 3 but 2 classes"):
        plan_build(load_config(config))
    assert list(tmp_path.iterdir()) == [config]  # no HDF5 file, no mean, no report


def test_a_plan_runs_without_the_config(make_config, synthetic_images, tmp_path):
    config = config_for(make_config, synthetic_images, tmp_path)
    plan = plan_build(load_config(config))
    assert isinstance(plan, BuildPlan) and plan.label_names == ["cat", "dog"]
    assert {name: len(split.paths) for name, split in plan.splits.items()} == {
        "train": 90, "val": 10, "test": 20
    }  # fmt: skip
    assert not list((tmp_path / "hdf5").iterdir())  # checked writable, nothing written yet
    with pytest.raises(TypeError, match="plan_build"):
        build_dataset(plan, overwrite=True)
    report = build_dataset(plan, progress=False)
    assert list(report["splits"]) == ["train", "val", "test"]
    assert report["totals"]["written"] == 120
    with open_hdf5(tmp_path / "hdf5" / "val.hdf5", "images") as db:
        assert len(db["labels"]) == 10 and db.attrs["build_id"] == report["build_id"]


def test_classes_sort_naturally_in_a_new_build_and_stored_names_are_kept(make_config, tmp_path):
    import cv2
    import h5py
    import numpy as np

    from pyimagesearch.data.sources import open_source
    from pyimagesearch.io import read_label_names

    images = tmp_path / "images"
    for k in range(1, 11):  # folders c1 ... c10: c10 sorted as text would come after c1
        (images / f"c{k}").mkdir(parents=True)
        for i in range(3):
            cv2.imwrite(str(images / f"c{k}" / f"{i}.png"), np.full((8, 8, 3), 20 * k, np.uint8))
    config = config_for(make_config, images, tmp_path, NUM_VAL_IMAGES=10, NUM_TEST_IMAGES=10,
                        IMAGE_SIZE=8)  # fmt: skip
    build_dataset(plan_build(load_config(config)), progress=False)
    natural = [f"c{k}" for k in range(1, 11)]
    with open_hdf5(tmp_path / "hdf5" / "train.hdf5", "images") as db:
        assert read_label_names(db) == natural
        means = db["images"][:].mean(axis=(1, 2, 3))
        assert np.allclose(means, 20 * (db["labels"][:] + 1))  # label i is class c{i + 1}
    old = tmp_path / "old.hdf5"  # a file built before: its stored order is its encoding
    with h5py.File(old, "w") as db:
        db.create_dataset("images", data=np.zeros((2, 8, 8, 3), np.uint8))
        db.create_dataset("labels", data=[0, 1])
        db.create_dataset("label_names", data=["c1", "c10", "c2"])
        db.attrs["complete"] = True
    assert open_source(old).label_names == ["c1", "c10", "c2"]
