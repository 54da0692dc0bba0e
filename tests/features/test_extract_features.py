"""extract_features.py's plan: which images, which backbones, which files; its flags as
settings."""

from __future__ import annotations

from pathlib import Path

import pytest

import extract_features as script
from pyimagesearch.config import Config, load_config
from pyimagesearch.errors import ConfigError, DatasetError, OutputError
from pyimagesearch.features.extract_features import check_outputs, plan_extraction, plan_jobs
from tests.helpers import build_splits


def with_flags(cfg: Config, *argv: str) -> Config:
    """``cfg`` with extract_features.py's flags applied, as the script applies them."""
    args = script.build_parser().parse_args(list(argv))
    return cfg.replace(**script.flag_settings(args, cfg))


def test_backbone_flag_does_not_overwrite_the_configs_file(make_config, tmp_path: Path) -> None:
    cfg = load_config(
        make_config(IMAGES_PATH="images", BACKBONE="ResNet50",
                    FEATURES_HDF5="out/features_resnet50.hdf5", OUTPUT_PATH="out")
    )  # fmt: skip
    assert plan_jobs(cfg).jobs[0].output.endswith("features_resnet50.hdf5")
    job = plan_jobs(with_flags(cfg, "--backbone", "Xception")).jobs[0]
    assert (job.backbone, Path(job.output).name, job.weights) == (
        "Xception",
        "features_xception.hdf5",
        "imagenet",
    )
    same = plan_jobs(with_flags(cfg, "--backbone", "resnet50")).jobs[0]
    assert same.output == str(tmp_path / "out" / "features_resnet50.hdf5")
    both = with_flags(cfg, "--backbone", "MobileNetV2,ResNet50")
    assert both.BACKBONES == ("MobileNetV2", "ResNet50") and both.get("FEATURES_HDF5") is None


def test_weights_file_in_config_is_relative_to_the_config(make_config, tmp_path: Path) -> None:
    config = make_config(IMAGES_PATH="images", BACKBONE="MobileNetV2", WEIGHTS="w/m.weights.h5")
    assert plan_jobs(load_config(config)).jobs[0].weights == str(tmp_path / "w" / "m.weights.h5")
    cfg = load_config(config, overrides={"WEIGHTS": "here.weights.h5"})
    assert plan_jobs(cfg).jobs[0].weights == "here.weights.h5"


def test_weights_flag_is_relative_to_the_current_folder(make_config, tmp_path, monkeypatch):
    config = make_config(IMAGES_PATH="images", BACKBONE="MobileNetV2", WEIGHTS="w/m.weights.h5")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    cfg = with_flags(load_config(config), "--weights", "mine.weights.h5")
    assert plan_jobs(cfg).jobs[0].weights == str(here / "mine.weights.h5")
    assert with_flags(load_config(config), "--weights", "none").WEIGHTS == "none"
    weights = {"MobileNetV2": "m.h5", "ResNet50": "imagenet"}
    cfg = load_config(make_config(IMAGES_PATH="images", BACKBONES=["MobileNetV2", "ResNet50"],
                                  WEIGHTS=weights))  # fmt: skip
    assert [job.weights for job in plan_jobs(cfg).jobs] == [str(tmp_path / "m.h5"), "imagenet"]


@pytest.mark.backends  # run again on JAX by .ci/run
def test_the_builder_splits_are_the_default_source(synthetic_images, tmp_path, make_config):
    settings = build_splits(tmp_path, synthetic_images, NUM_VAL_IMAGES=0)
    cfg = load_config(make_config(**settings))
    plan = plan_jobs(cfg)
    assert plan.dataset == [settings["TRAIN_HDF5"], settings["TEST_HDF5"]]  # empty val left out
    assert plan.description == "the builder's splits (train.hdf5, test.hdf5)"
    images = load_config(make_config(**settings, FEATURES_SOURCE="images"))
    assert plan_jobs(images).dataset == str(synthetic_images)
    flagged = plan_jobs(with_flags(cfg, "--dataset", "/x/y"))
    assert flagged.dataset == "/x/y"
    assert flagged.summary() == "features of images of /x/y"
    missing = load_config(make_config(FEATURES_SOURCE="splits", TRAIN_HDF5="t.hdf5",
                                      TEST_HDF5="u.hdf5"))  # fmt: skip
    with pytest.raises(DatasetError, match="FEATURES_SOURCE = 'splits' but"):
        plan_jobs(missing)


def test_existing_features_are_not_replaced_without_overwrite(make_config, tmp_path):
    cfg = load_config(make_config(IMAGES_PATH="images", FEATURES_HDF5="f.hdf5"))
    (tmp_path / "f.hdf5").write_bytes(b"x")
    plan = plan_jobs(cfg)
    with pytest.raises(OutputError, match="already exist"):
        check_outputs(plan, overwrite=False)
    check_outputs(plan, overwrite=True)
    with pytest.raises(OutputError, match="already exist"):
        plan_extraction(cfg)
    assert plan_extraction(with_flags(cfg, "--overwrite")).jobs[0].output == str(
        tmp_path / "f.hdf5"
    )


@pytest.mark.backends  # run again on JAX by .ci/run
def test_activations_flags(make_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(make_config(IMAGES_PATH="images", BACKBONE="ResNet50"))
    flagged = with_flags(cfg, "--activations", "--backbone", "mobilenetv2", "-o", "a.hdf5")
    assert (flagged.BACKBONE, flagged.ACTIVATIONS_HDF5) == ("MobileNetV2", str(tmp_path / "a.hdf5"))
    job = plan_jobs(flagged, activations=True).jobs[0]
    assert (job.backbone, job.output) == ("MobileNetV2", str(tmp_path / "a.hdf5"))
    with pytest.raises(ConfigError, match="one backbone at a time, got MobileNetV2, ResNet50"):
        with_flags(cfg, "--split-at", "x", "--backbone", "mobilenetv2,resnet50")
