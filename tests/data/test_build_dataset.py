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
