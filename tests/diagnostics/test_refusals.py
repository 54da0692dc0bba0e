"""What evaluate.py, diagnose.py, cam.py and show_batch.py refuse, in one line (exit 2) and
before any work, leaving every earlier file as it was: a split of no images, a layer the
model has no maps at, a test set of other classes; and what an evaluation records of the
test file it used (compare_runs.py names it)."""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

import cam
import compare_runs
import diagnose
import evaluate
import show_batch
from pyimagesearch.config import Config
from pyimagesearch.experiments.runs import recorded_run
from pyimagesearch.models import write_record
from tests.helpers import file_hashes, write_config


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained network of 32x32 inputs (one convolution, GAP, dense), with a record."""
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv_a")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    path = tmp_path_factory.mktemp("tiny") / "tiny.keras"
    model.save(path)
    write_record(path, {"kind": "network", "network": "tiny", "label_names": ["cat", "dog"],
                        "image_size": [32, 32], "input_size": [32, 32],
                        "preprocessing": {"mean_in_model": True}})  # fmt: skip
    return path


def write_split(path: Path, rows: int, names=("cat", "dog"), build: str = "0123456789abcdef"):
    import h5py

    rng = np.random.default_rng(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as db:
        db.create_dataset("images", data=rng.integers(0, 255, (rows, 32, 32, 3), np.uint8))
        db.create_dataset("labels", data=np.arange(rows, dtype=np.int64) % len(names))
        db.create_dataset("label_names", data=list(names))
        paths = [f"/photos/{names[i % len(names)]}.{i}.jpg" for i in range(rows)]
        db.create_dataset("paths", data=paths, dtype=h5py.string_dtype())
        db.attrs["complete"] = True
        db.attrs["build_id"] = build
    return path


def first_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[0] if err.strip() else ""


EMPTY_SPLIT = {
    "evaluate": (evaluate, ["--quiet"]),
    "diagnose": (diagnose, ["--quiet"]),
    "cam": (cam, ["--split", "test", "--quiet"]),
    "show_batch": (show_batch, ["--split", "test"]),
}


@pytest.mark.parametrize("script", list(EMPTY_SPLIT))
def test_a_split_of_no_images_is_one_line_naming_the_file(
    script, tiny_model: Path, tmp_path: Path, capsys
) -> None:
    test = write_split(tmp_path / "test.hdf5", 0)
    (tmp_path / "mean.json").write_text('{"R": 120.0, "G": 110.0, "B": 100.0}')
    config = write_config(tmp_path / "c.py", TEST_HDF5=str(test), TRAIN_HDF5=str(test),
                          DATASET_MEAN=str(tmp_path / "mean.json"), INPUT_SIZE=32,
                          MODEL_PATH=str(tiny_model),
                          OUTPUT_PATH=str(tmp_path / "out"))  # fmt: skip
    before = file_hashes(tmp_path)
    module, flags = EMPTY_SPLIT[script]
    assert module.main(["--config", str(config), *flags]) == 2
    assert first_error(capsys) == (
        f"error: TEST_HDF5 ({test}) holds no images; rebuild it with NUM_TEST_IMAGES > 0 "
        "(build_dataset.py --overwrite), or choose another split"
    )
    assert file_hashes(tmp_path) == before  # no run folder, no picture, no report


def test_a_layer_the_model_has_no_maps_at_is_one_line_listing_its_convolutions(
    tiny_model: Path, tmp_path: Path, capsys
) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((32, 32, 3), np.uint8))
    base = ["--model", str(tiny_model), "--image", str(tmp_path / "a.png"),
            "--set", f"OUTPUT_PATH={tmp_path / 'out'}"]  # fmt: skip
    before = file_hashes(tmp_path)
    for layer in ("nope", "dense"):  # not a layer; a layer without maps
        assert cam.main([*base, "--layer", layer]) == 2
        assert first_error(capsys) == (
            f"error: CAM_LAYER {layer!r} is not a layer of {_model_name(tiny_model)} with maps "
            "to show; its convolutions (conv_a) or any layer of 4-D output after one can be "
            "mapped (--layer NAME; none: the last)"
        )
    assert cam.main([*base, "-n", "0"]) == 2
    assert first_error(capsys) == "error: CAM_IMAGES = 0 in the command line: expected an int >= 1"
    assert file_hashes(tmp_path) == before


def _model_name(path: Path) -> str:
    import keras

    return keras.models.load_model(path).name


def test_cam_refuses_a_split_of_other_classes_whichever_images_it_shows(
    tiny_model: Path, tmp_path: Path, capsys
) -> None:
    test = write_split(tmp_path / "test.hdf5", 6, names=("bird", "cat", "dog"))
    config = write_config(tmp_path / "c.py", TEST_HDF5=str(test),
                          OUTPUT_PATH=str(tmp_path / "out"))  # fmt: skip
    before = file_hashes(tmp_path)
    args = ["--config", str(config), "--model", str(tiny_model), "--split", "test"]
    for select in ("first", "random", "errors"):
        assert cam.main([*args, "--select", select]) == 2
        assert first_error(capsys) == (
            "error: the model's classes ['cat', 'dog'] differ from the test split's ['bird', "
            "'cat', 'dog'] (same names in the same order are needed)"
        )
    assert file_hashes(tmp_path) == before


def test_compare_names_the_test_file_of_a_models_newest_evaluation(
    tiny_model: Path, tmp_path: Path, capsys
) -> None:
    cfg = Config({"OUTPUT_PATH": str(tmp_path / "out")})
    with recorded_run(cfg, "train", "tiny") as run:  # a run that trained the model
        run.collect({"model": str(tiny_model)}, {"network": "tiny"})
    first = write_split(tmp_path / "first" / "test.hdf5", 4, build="aaaaaaaa11112222")
    second = write_split(tmp_path / "second" / "test.hdf5", 4, build="bbbbbbbb33334444")
    base = ["--set", f"OUTPUT_PATH={tmp_path / 'out'}", "--quiet", "--run", "tiny"]
    config = write_config(tmp_path / "c.py", OUTPUT_PATH=str(tmp_path / "out"))
    for test in (first, second):  # the newest evaluation's numbers, and its file, are shown
        assert evaluate.main(["--config", str(config), *base, "--set", f"TEST_HDF5={test}"]) == 0
    capsys.readouterr()
    assert compare_runs.main(["--config", str(config), "tiny", "--output",
                              str(tmp_path / "cmp")]) == 0  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    (at,) = [i for i, line in enumerate(lines) if "evaluated on" in line]  # a header
    assert lines[at + 1].endswith("test.hdf5 (build bbbbbbbb)")
    with open(tmp_path / "cmp" / "comparison.csv", newline="") as handle:
        (written,) = csv.DictReader(handle)
    assert written["evaluated_on"] == f"{second} (build bbbbbbbb)"


def test_show_batch_of_more_images_than_the_split_says_how_many_it_shows(tmp_path: Path, capsys):
    test = write_split(tmp_path / "test.hdf5", 6)
    (tmp_path / "mean.json").write_text('{"R": 120.0, "G": 110.0, "B": 100.0}')
    config = write_config(tmp_path / "c.py", TEST_HDF5=str(test), TRAIN_HDF5=str(test),
                          DATASET_MEAN=str(tmp_path / "mean.json"), INPUT_SIZE=32,
                          OUTPUT_PATH=str(tmp_path / "out"))  # fmt: skip
    assert show_batch.main(["--config", str(config), "--split", "test", "-n", "100000"]) == 0
    out = capsys.readouterr().out.splitlines()  # (after a note: a file without checksums)
    assert out[-1].startswith("[INFO] 6 test images as the network receives")
