"""extract_features.py's plan: which images, which backbones, which files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyimagesearch.config import load_config
from pyimagesearch.errors import DatasetError, OutputError
from pyimagesearch.features.extract_features import check_outputs, plan_extraction
from tests.helpers import build_splits


def test_backbone_flag_does_not_overwrite_the_configs_file(make_config, tmp_path: Path) -> None:
    cfg = load_config(
        make_config(IMAGES_PATH="images", BACKBONE="ResNet50",
                    FEATURES_HDF5="out/features_resnet50.hdf5", OUTPUT_PATH="out")
    )  # fmt: skip
    assert plan_extraction(cfg).jobs[0].output.endswith("features_resnet50.hdf5")
    job = plan_extraction(cfg, "Xception").jobs[0]
    assert (job.backbone, Path(job.output).name, job.weights) == (
        "Xception",
        "features_xception.hdf5",
        "imagenet",
    )


def test_weights_file_in_config_is_relative_to_the_config(make_config, tmp_path: Path) -> None:
    config = make_config(IMAGES_PATH="images", BACKBONE="MobileNetV2", WEIGHTS="w/m.weights.h5")
    assert plan_extraction(load_config(config)).jobs[0].weights == str(
        tmp_path / "w" / "m.weights.h5"
    )
    cfg = load_config(config, overrides={"WEIGHTS": "here.weights.h5"})
    assert plan_extraction(cfg).jobs[0].weights == "here.weights.h5"


def test_the_builder_splits_are_the_default_source(synthetic_images, tmp_path, make_config):
    settings = build_splits(tmp_path, synthetic_images, NUM_VAL_IMAGES=0)
    cfg = load_config(make_config(**settings))
    plan = plan_extraction(cfg)
    assert plan.dataset == [settings["TRAIN_HDF5"], settings["TEST_HDF5"]]  # empty val left out
    assert plan.description == "the builder's splits (train.hdf5, test.hdf5)"
    images = load_config(make_config(**settings, FEATURES_SOURCE="images"))
    assert plan_extraction(images).dataset == str(synthetic_images)
    assert plan_extraction(cfg, dataset_flag="/x/y").dataset == "/x/y"
    missing = load_config(make_config(FEATURES_SOURCE="splits", TRAIN_HDF5="t.hdf5",
                                      TEST_HDF5="u.hdf5"))  # fmt: skip
    with pytest.raises(DatasetError, match="FEATURES_SOURCE = 'splits' but"):
        plan_extraction(missing)


def test_existing_features_are_not_replaced_without_overwrite(make_config, tmp_path):
    cfg = load_config(make_config(IMAGES_PATH="images", FEATURES_HDF5="f.hdf5"))
    (tmp_path / "f.hdf5").write_bytes(b"x")
    plan = plan_extraction(cfg)
    with pytest.raises(OutputError, match="already exist"):
        check_outputs(plan, overwrite=False)
    check_outputs(plan, overwrite=True)
