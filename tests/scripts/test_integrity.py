"""Faults of the data itself (issue "faults", cases 1, 3b, 6 and 7): damage inside an HDF5
file is found where numbers come from it, a build publishes all of its files or none,
refuses empty classes and splits, and one build at a time writes the same outputs. Each
test asserts the exit code, the first line of the message, and that no earlier file
changed."""

from __future__ import annotations

import errno
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import build_dataset
import evaluate
import train
from pyimagesearch.io.direct_rows import row_offsets
from tests.helpers import build_splits, file_hashes, write_config

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY = {"NETWORK": "ShallowNet", "INPUT_SIZE": 24, "EPOCHS": 1, "BATCH_SIZE": 20,
        "OPTIMIZER": "sgd"}  # fmt: skip
DAMAGED_ROWS = [1, 3, 4, 5, 6, 8, 9]  # seven rows of a ten-image split


def first_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[0] if err.strip() else ""


def zero_bytes(path: Path, spans: list[tuple[int, int]]) -> None:
    """Overwrite ``(offset, size)`` spans of ``path`` with zeros (the file's checksums, if
    any, are left as they were: damage, as a bad disk or a bad copy makes it)."""
    with open(path, "r+b") as file:
        for offset, size in spans:
            file.seek(offset)
            file.write(bytes(size))


def damage_rows(path: Path, rows: list[int]) -> None:
    with h5py.File(path, "r") as db:
        offsets = row_offsets(db["images"])
        size = int(np.prod(db["images"].shape[1:]))
    zero_bytes(path, [(int(offsets[r]), size) for r in rows])


def damage_labels(path: Path) -> None:
    with h5py.File(path, "r") as db:
        chunk = db["labels"].id.get_chunk_info(0)
    zero_bytes(path, [(chunk.byte_offset, chunk.size)])


@pytest.fixture(scope="module")
def splits(synthetic_images: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The 120 synthetic images built once at 24 px (100 / 10 / 10): never changed."""
    return build_splits(tmp_path_factory.mktemp("integrity"), synthetic_images, IMAGE_SIZE=24)


@pytest.fixture(scope="module")
def trained(splits: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The splits' settings with a model for evaluate.py: an untrained 24 px network and
    its record (its numbers do not matter: it must not get any from damaged rows)."""
    keras = pytest.importorskip("keras")
    from pyimagesearch.models import write_record

    inputs = keras.Input((24, 24, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(keras.layers.Rescaling(1 / 255)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(pooled))
    path = tmp_path_factory.mktemp("integrity_model") / "net.keras"
    model.save(path)
    write_record(path, {"kind": "network", "network": "tiny", "label_names": ["cat", "dog"],
                        "image_size": [24, 24], "input_size": [24, 24],
                        "preprocessing": {"mean_in_model": True}})  # fmt: skip
    return {**splits, "MODEL_PATH": str(path)}


def copy_of(file: str, folder: Path) -> Path:
    copy = folder / Path(file).name
    shutil.copy(file, copy)
    return copy


# -- 1. damage inside an HDF5 file -----------------------------------------------------------
def test_zeroed_labels_stop_evaluation_naming_the_file(trained, tmp_path, capsys):
    test = copy_of(trained["TEST_HDF5"], tmp_path)
    damage_labels(test)
    config = write_config(tmp_path / "c.py", **{**trained, "TEST_HDF5": str(test),
                                                "OUTPUT_PATH": str(tmp_path / "out")})  # fmt: skip
    before = file_hashes(tmp_path)
    assert evaluate.main(["--config", str(config), "--quiet"]) == 2
    assert first_error_line(capsys) == (
        f"error: {test} is damaged (its 'labels' data set differs from its checksum); "
        "rebuild it with build_dataset.py --overwrite"
    )
    assert file_hashes(tmp_path) == before  # no evaluation.json


def test_zeroed_image_rows_stop_evaluation_naming_the_row(trained, tmp_path, capsys):
    test = copy_of(trained["TEST_HDF5"], tmp_path)
    damage_rows(test, DAMAGED_ROWS)
    config = write_config(tmp_path / "c.py", **{**trained, "TEST_HDF5": str(test),
                                                "OUTPUT_PATH": str(tmp_path / "out")})  # fmt: skip
    before = file_hashes(tmp_path)
    assert evaluate.main(["--config", str(config), "--quiet"]) == 2
    assert first_error_line(capsys) == (
        f"error: {test} row 1 is damaged (its checksum differs from the one written with it, "
        "as do 6 more of the 10 rows read); rebuild it with build_dataset.py --overwrite"
    )
    assert file_hashes(tmp_path) == before


def test_zeroed_image_rows_stop_training_naming_the_file_and_row(splits, tmp_path, capsys):
    from pyimagesearch.io import HDF5DatasetGenerator

    folder = tmp_path / "hdf5"
    folder.mkdir()
    damaged = copy_of(splits["TRAIN_HDF5"], folder)
    with HDF5DatasetGenerator(damaged, 20, shuffle=True, seed=42) as gen:  # train.py's order
        batches = [gen.batch_indices(i) for i in range(len(gen))]
    rows = np.sort(np.concatenate(batches[1:]))[::11][:7]  # none in the first batch
    damage_rows(damaged, rows.tolist())
    first = next(int(b[np.isin(b, rows)].min()) for b in batches if np.isin(b, rows).any())
    out = tmp_path / "out"
    settings = {**splits, **TINY, "TRAIN_HDF5": str(damaged), "RANDOM_SEED": 42,
                "OUTPUT_PATH": str(out), "MODEL_PATH": str(out / "net.keras")}  # fmt: skip
    config = write_config(tmp_path / "c.py", **settings)
    before = file_hashes(tmp_path)
    assert train.main(["--config", str(config), "--quiet"]) == 2
    line = first_error_line(capsys)  # raised inside tf.data, given back as it is
    assert line.startswith(f"error: {damaged} row {first} is damaged (its checksum differs"), line
    assert not (out / "net.keras").exists()
    assert {k: v for k, v in file_hashes(tmp_path).items() if k in before} == before


# -- 6. the report is published with the splits and the mean, or nothing is ------------------
def test_a_report_that_fails_to_write_leaves_the_earlier_build(
    synthetic_images, tmp_path, capsys, monkeypatch
):
    settings = build_splits(tmp_path, synthetic_images, IMAGE_SIZE=24)
    before = file_hashes(tmp_path)
    report = Path(settings["OUTPUT_PATH"]) / "build_report.json"
    write_text = Path.write_text

    def full_disk(self, *args, **kwargs):
        if self.name == "build_report.json.partial":
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    config = tmp_path / "build_config.py"
    assert build_dataset.main(["--config", str(config), "--quiet", "--overwrite"]) == 2
    assert first_error_line(capsys) == (
        f"error: No space left on device: {report} (free some disk space or point the output "
        "elsewhere)"
    )
    assert file_hashes(tmp_path) == before  # splits, mean and report as they were


# -- 7. empty classes and splits are refused -------------------------------------------------
def unreadable_copy(images: Path, folder: Path, pattern: str) -> Path:
    """``images`` copied to ``folder``, the files matching ``pattern`` made unreadable."""
    shutil.copytree(images, folder)
    for path in folder.glob(pattern):
        path.write_bytes(b"not a picture")
    return folder


def test_a_class_without_a_readable_image_is_refused(synthetic_images, tmp_path, capsys):
    build_splits(tmp_path, synthetic_images, IMAGE_SIZE=24)
    before = file_hashes(tmp_path)
    images = unreadable_copy(synthetic_images, tmp_path / "images", "dog.*.jpg")
    args = ["--config", str(tmp_path / "build_config.py"), "--quiet", "--overwrite",
            "--set", f"IMAGES_PATH={str(images)!r}"]  # fmt: skip
    assert build_dataset.main(args) == 2
    line = first_error_line(capsys)
    assert line.startswith(
        "error: class 'dog' has no readable training image: all 50 were skipped (e.g. "
    ) and line.endswith("; nothing was published"), line
    assert {k: v for k, v in file_hashes(tmp_path).items() if k in before} == before
    assert not list(tmp_path.rglob("*.partial"))


def test_a_test_folder_without_a_readable_image_is_refused(synthetic_images, tmp_path, capsys):
    build_splits(tmp_path, synthetic_images, IMAGE_SIZE=24)
    before = file_hashes(tmp_path)
    test_folder = tmp_path / "test_folder"
    test_folder.mkdir()
    for name in ("cat.0.jpg", "cat.1.jpg", "dog.0.jpg"):
        (test_folder / name).write_bytes(b"not a picture")
    args = ["--config", str(tmp_path / "build_config.py"), "--quiet", "--overwrite", "--set",
            "NUM_TEST_IMAGES=None", "--set", f"TEST_FOLDER={str(test_folder)!r}"]  # fmt: skip
    assert build_dataset.main(args) == 2
    line = first_error_line(capsys)
    assert line.startswith(f"error: the test split (TEST_FOLDER {test_folder}) has no readable "
                           "image: all 3 were skipped (e.g. "), line  # fmt: skip
    assert line.endswith("; nothing was published")
    assert {k: v for k, v in file_hashes(tmp_path).items() if k in before} == before


# -- 3b. one build at a time into the same outputs -------------------------------------------
HOLD = """import fcntl, os, sys
from pathlib import Path
target = Path(sys.argv[1])
fd = os.open(target.with_name(f".{target.name}.lock"), os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)  # as a build holds it: .NAME.lock beside the output
os.write(fd, f"{os.getpid()}\\nholder.py\\n".encode())
print("held", flush=True)
sys.stdin.read()
"""


def test_a_second_build_into_the_same_outputs_stops_at_once(synthetic_images, tmp_path, capsys):
    settings = build_splits(tmp_path, synthetic_images, IMAGE_SIZE=24)
    before = file_hashes(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, settings["TRAIN_HDF5"]],
                              cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        args = ["--config", str(tmp_path / "build_config.py"), "--quiet", "--overwrite"]
        assert build_dataset.main(args) == 2
        assert first_error_line(capsys) == (
            f"error: another build is writing {settings['TRAIN_HDF5']} (process {holder.pid}: "
            "holder.py); "
            "wait for it or point the outputs elsewhere"
        )
        after = file_hashes(tmp_path)
        assert after.pop("hdf5/.train.hdf5.lock") and after == before  # the holder's lock
    finally:
        holder.kill()  # kill -9: the system releases its lock
        holder.wait()
    assert build_dataset.main(args) == 0
    assert not list(tmp_path.rglob("*.lock")) and not list(tmp_path.rglob("*.partial"))
