from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyimagesearch.config import Config, command_line_paths, load_config
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


def test_weights_files_resolve_against_the_config_folder_words_stay(tmp_path, make_config):
    cfg = load_config(make_config(WEIGHTS="w/m.weights.h5"))
    assert cfg.WEIGHTS == str(tmp_path / "w" / "m.weights.h5")
    both = {"VGG16": "../vgg.h5", "ResNet50": "ImageNet", "MobileNetV2": "none", "X": "/a.h5"}
    cfg = load_config(make_config(WEIGHTS=both))
    assert cfg.WEIGHTS == {
        "VGG16": str(tmp_path.parent / "vgg.h5"),
        "ResNet50": "ImageNet",
        "MobileNetV2": "none",
        "X": "/a.h5",
    }
    assert load_config(make_config(WEIGHTS="imagenet")).WEIGHTS == "imagenet"
    assert load_config(make_config(WEIGHTS=None)).get("WEIGHTS") is None


def test_set_weights_resolves_against_the_current_folder(tmp_path, make_config, monkeypatch):
    config = make_config(WEIGHTS="w.weights.h5")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    cfg = load_config(config, overrides=["WEIGHTS=mine.weights.h5"])
    assert cfg.WEIGHTS == str(here / "mine.weights.h5")
    cfg = load_config(config, overrides=["WEIGHTS={'VGG16': 'v.h5', 'ResNet50': 'imagenet'}"])
    assert cfg.WEIGHTS == {"VGG16": str(here / "v.h5"), "ResNet50": "imagenet"}
    assert load_config(config, overrides=["WEIGHTS=none"]).WEIGHTS == "none"
    assert command_line_paths("WEIGHTS", "sub/x.h5") == str(here / "sub" / "x.h5")


def test_output_path_defaults_to_output_in_the_working_directory(
    make_config, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    cfg = load_config(make_config(EPOCHS=1))
    assert cfg.output_path("report.json") == Path.cwd() / "output" / "report.json"


def test_missing_setting_access_is_a_config_error_not_attribute_error(make_config):
    cfg = load_config(make_config(EPOCHS=1))
    with pytest.raises(ConfigError, match="MODEL_PATH is missing"):
        _ = cfg.MODEL_PATH
    assert cfg.get("MODEL_PATH") is None


def test_unset_settings_fall_back_to_the_table(make_config, tmp_path):
    from pyimagesearch.config import SETTINGS

    cfg = load_config(make_config(EPOCHS=1, OUTPUT_PATH="out"))
    assert cfg.get("BATCH_SIZE") == cfg.BATCH_SIZE == SETTINGS["BATCH_SIZE"].default == 128
    assert cfg.get("RANDOM_SEED") == 42 and cfg.get("OVERWRITE") is False
    # defaults inside OUTPUT_PATH follow it
    assert cfg.get("CHECKPOINT_PATH") == str(tmp_path / "out" / "checkpoints")


def test_every_setting_has_a_meaning_and_a_valid_default():
    from pyimagesearch.config import SETTINGS, validate

    for name, row in SETTINGS.items():
        assert row.help and row.check.expected, name
        if row.default is not None and "{OUTPUT_PATH}" not in str(row.default):
            assert validate(name, row.default) == row.default or name == "DEMO_CLASSES"


def test_docs_settings_table_is_current():
    from pyimagesearch.config import settings_markdown

    docs = Path(__file__).resolve().parents[1] / "docs" / "SETTINGS.md"
    assert docs.read_text() == settings_markdown(), "run: python -m pyimagesearch.config"


def test_missing_and_broken_config_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.py")
    broken = tmp_path / "broken.py"
    broken.write_text("EPOCHS = = 3\n")
    with pytest.raises(ConfigError, match="failed to load"):
        load_config(broken)


def test_replace_honours_none_and_flags_ignore_it():
    cfg = Config({"EPOCHS": 75, "BATCH_SIZE": 128})
    new = cfg.with_flags(EPOCHS=2, BATCH_SIZE=None)  # a flag not given changes nothing
    assert (new.EPOCHS, new.BATCH_SIZE, cfg.EPOCHS) == (2, 128, 75)
    augmented = Config({"AUGMENTATION": {"horizontal_flip": True}})
    assert augmented.replace(AUGMENTATION=None).get("AUGMENTATION") is None  # honoured
    with pytest.raises(ConfigError, match="EPOCHS = 0 in the command line: expected an int >= 1"):
        cfg.replace(EPOCHS=0)


@pytest.mark.parametrize(
    ("settings", "first_line"),
    [
        ({"IMAGE_SIZE": True}, "IMAGE_SIZE = True in {}: expected a positive int or (width,"),
        ({"BUILD_WORKERS": "two"}, "BUILD_WORKERS = 'two' in {}: expected an int >= 1"),
        ({"BUFFER_SIZE": 0}, "BUFFER_SIZE = 0 in {}: expected an int >= 1"),
        ({"RANDOM_SEED": "abc"}, "RANDOM_SEED = 'abc' in {}: expected an int in [0, 4294967295]"),
        ({"IMAGES_PATH": 5}, "IMAGES_PATH = 5 in {}: expected a path (string)"),
        ({"NUM_CLASSES": "2"}, "NUM_CLASSES = '2' in {}: expected an int >= 2"),
        ({"NUM_VAL_IMAGES": 1.0}, "NUM_VAL_IMAGES = 1.0 in {}: expected a count (int >= 0) or a"),
        ({"OVERWRITE": "yes"}, "OVERWRITE = 'yes' in {}: expected True or False"),
        ({"CLIP_RANGE": (0.1,)}, "CLIP_RANGE = (0.1,) in {}: expected a list of 2 numbers"),
        ({"LABEL_SOURCE": "files"}, "LABEL_SOURCE = 'files' in {}: expected one of 'filename'"),
    ],
)
def test_wrong_types_and_ranges_name_setting_value_and_type(make_config, settings, first_line):
    path = make_config(**settings)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).splitlines()[0].startswith(first_line.format(path))


def test_ambiguous_split_size_says_how_to_write_a_count(make_config):
    with pytest.raises(ConfigError, match="1.0 is ambiguous: write 1 for a count"):
        load_config(make_config(NUM_VAL_IMAGES=1.0))


def test_set_overrides_are_typed_by_the_table(make_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = make_config(EPOCHS=75, BACKBONE="ResNet50", IMAGES_PATH="images")
    cfg = load_config(
        path,
        overrides=["EPOCHS=3", "BACKBONE=MobileNetV2", "CLIP_RANGE=(0.01, 0.99)",
                   "FEATURE_IMAGE_SIZE=None", "TRAIN_HDF5=data/train.hdf5"],
    )  # fmt: skip
    assert cfg.EPOCHS == 3 and cfg.BACKBONE == "MobileNetV2"
    assert cfg.CLIP_RANGE == (0.01, 0.99)
    assert cfg.TRAIN_HDF5 == str(tmp_path / "data" / "train.hdf5")  # relative to the cwd
    with pytest.raises(ConfigError, match="--set EPOCH: no script knows this; did you mean EPOCHS"):
        load_config(path, overrides=["EPOCH=3"])
    with pytest.raises(ConfigError, match="EPOCHS = 'three' in --set: expected an int >= 1"):
        load_config(path, overrides=["EPOCHS=three"])
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        load_config(path, overrides=["EPOCHS"])


def test_shipped_configs_load_without_warnings(recwarn):
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "config").glob("*.py")):
        load_config(path)
    assert not [str(w.message) for w in recwarn if issubclass(w.category, UserWarning)]
