from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyimagesearch.config import Config, load_config
from pyimagesearch.errors import ConfigError


def test_missing_required_settings_are_named_together(make_config):
    path = make_config(IMAGES_PATH="images")
    with pytest.raises(ConfigError) as info:
        load_config(path, required=["IMAGES_PATH", "TRAIN_HDF5", "VAL_HDF5", "DATASET_MEAN"])
    message = str(info.value)
    assert "3 required setting" in message
    for name in ("TRAIN_HDF5", "VAL_HDF5", "DATASET_MEAN"):
        assert name in message
    assert "IMAGES_PATH:" not in message


def test_unknown_setting_warns_with_closest_known_name(make_config):
    path = make_config(NUM_VAL_IMAGE=10)
    with pytest.warns(UserWarning, match="did you mean NUM_VAL_IMAGES"):
        load_config(path)


def test_settings_of_other_scripts_are_accepted_silently(make_config, recwarn):
    load_config(make_config(MODEL_PATH="m.keras", BACKBONE="ResNet50", EPOCHS=3))
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_relative_paths_resolve_against_the_config_folder(tmp_path, make_config):
    cfg = load_config(make_config(IMAGES_PATH="data/train", DATASET_MEAN="/abs/mean.json"))
    assert cfg.IMAGES_PATH == os.path.normpath(tmp_path / "data" / "train")
    assert cfg.DATASET_MEAN == "/abs/mean.json"


def test_lists_of_paths_resolve_and_read_as_lists(tmp_path, make_config):
    cfg = load_config(
        make_config(FEATURES_HDF5=["a.hdf5", "/abs/b.hdf5"], TEST_FEATURES_HDF5="t.hdf5")
    )
    assert cfg.path_list("FEATURES_HDF5") == [str(tmp_path / "a.hdf5"), "/abs/b.hdf5"]
    assert cfg.path_list("TEST_FEATURES_HDF5") == [str(tmp_path / "t.hdf5")]
    assert cfg.path_list("VAL_HDF5") is None


def test_output_path_defaults_to_output_in_the_working_directory(
    make_config, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(make_config(EPOCHS=1))
    assert cfg.output_path("report.json") == Path.cwd() / "output" / "report.json"


def test_missing_setting_access_is_a_config_error_not_attribute_error(make_config):
    cfg = load_config(make_config(EPOCHS=1))
    with pytest.raises(ConfigError, match="BATCH_SIZE is missing"):
        _ = cfg.BATCH_SIZE
    assert cfg.get("BATCH_SIZE", 32) == 32


def test_missing_and_broken_config_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.py")
    broken = tmp_path / "broken.py"
    broken.write_text("EPOCHS = = 3\n")
    with pytest.raises(ConfigError, match="failed to load"):
        load_config(broken)


def test_replace_overrides_and_ignores_none():
    cfg = Config({"EPOCHS": 75, "BATCH_SIZE": 128})
    new = cfg.replace(EPOCHS=2, BATCH_SIZE=None)
    assert (new.EPOCHS, new.BATCH_SIZE, cfg.EPOCHS) == (2, 128, 75)


def test_shipped_configs_load_without_warnings(recwarn):
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "config").glob("*.py")):
        load_config(path)
    assert not [str(w.message) for w in recwarn if issubclass(w.category, UserWarning)]
