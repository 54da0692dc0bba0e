"""Fault injection: every script protects earlier work and checks everything before it
spends time. Each test asserts the exit code, the first line of the message, and that no
earlier file was lost or changed (issue "Nothing lost, nothing leaked")."""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import build_dataset
import evaluate
import extract_features
import fine_tune
import train_alexnet
from pyimagesearch.callbacks import EpochCheckpoint
from pyimagesearch.config import load_config
from pyimagesearch.data.build_dataset import build_dataset as run_build
from pyimagesearch.io import open_hdf5, read_paths
from pyimagesearch.io.split_files import split_info
from pyimagesearch.utils.reports import read_json
from tests.helpers import file_hashes, split_settings, write_config

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_TRAINING = {"INPUT_SIZE": 64, "DENSE_UNITS": 16, "EPOCHS": 1, "BATCH_SIZE": 25}


# -- helpers ---------------------------------------------------------------------------------
def digests(paths) -> dict[Path, str]:
    """sha256 of every file under ``paths`` (files or folders)."""
    found = {}
    for path in map(Path, paths):
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                found[file] = hashlib.sha256(file.read_bytes()).hexdigest()
    return found


def first_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[0] if err.strip() else ""


def dataset_settings(folder: Path, images: Path, **extra: object) -> dict:
    return split_settings(folder, images, **extra)


@contextlib.contextmanager
def read_only(folder: Path):
    """Make ``folder`` read-only for this process, root included (a read-only bind mount
    when running as root; skips when neither works)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("running as root and cannot bind-mount: no way to make a read-only folder")
    try:
        remount = ["mount", "-o", "remount,bind,ro", str(folder)]
        if subprocess.run(remount, capture_output=True).returncode != 0:
            pytest.skip("running as root and cannot remount read-only")
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


@pytest.fixture(scope="module")
def built(synthetic_images: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The 120 synthetic images built once into 72px files (100 / 10 / 10)."""
    folder = tmp_path_factory.mktemp("built")
    settings = dataset_settings(folder, synthetic_images)
    config = write_config(folder / "build.py", **settings)
    run_build(load_config(config), progress=False)
    return settings


@pytest.fixture
def run_config(built: dict, tmp_path: Path):
    """``run_config(**overrides)``: a training config on the built files, outputs in tmp."""

    def make(**overrides: object) -> Path:
        out = tmp_path / "out"
        settings = {
            **built,
            **TINY_TRAINING,
            "OUTPUT_PATH": str(out),
            "MODEL_PATH": str(out / "alexnet.keras"),
            "CHECKPOINT_PATH": str(out / "checkpoints"),
            **overrides,
        }
        return write_config(tmp_path / "train.py", **settings)

    return make


# -- 1. a fresh training run never destroys an earlier run ------------------------------------
@pytest.mark.slow
def test_fresh_run_stops_before_replacing_an_earlier_run(run_config, tmp_path, capsys):
    config = run_config()
    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 0
    out = tmp_path / "out"
    before = digests([out])
    capsys.readouterr()

    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 2
    line = first_error_line(capsys)
    assert line.startswith("error: an earlier run's files are there (alexnet.keras")
    assert "--resume" in line and "--overwrite" in line
    assert digests([out]) == before


@pytest.mark.long  # make test-long (CI); see README
@pytest.mark.slow
def test_interrupted_overwrite_keeps_the_earlier_run_aside(
    run_config, tmp_path, capsys, monkeypatch
):
    config = run_config(EPOCHS=2)
    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 0
    out = tmp_path / "out"
    old_model = (out / "alexnet.keras").read_bytes()
    original = EpochCheckpoint.on_epoch_end

    def killed(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt  # in epoch 2 of the new run
        original(self, epoch, logs)

    monkeypatch.setattr(EpochCheckpoint, "on_epoch_end", killed)
    capsys.readouterr()
    assert train_alexnet.main(["--config", str(config), "--quiet", "--overwrite"]) == 130
    kept = [p for p in out.iterdir() if p.name.startswith("replaced_")]
    assert len(kept) == 1 and f"kept in {kept[0]}" in capsys.readouterr().out
    assert (kept[0] / "alexnet.keras").read_bytes() == old_model
    assert (kept[0] / "checkpoints" / "epoch_002.keras").exists()
    assert not (out / "alexnet.keras").exists()  # no half-trained model under its name

    from pyimagesearch.experiments.runs import find_run, run_info

    interrupted = run_info(find_run(out, "latest"))  # the run folder stays, saying so
    assert interrupted["status"] == "interrupted"
    assert interrupted["training"]["set_aside"] == str(kept[0])
    monkeypatch.undo()
    assert train_alexnet.main(["--config", str(config), "--quiet", "--resume"]) == 0
    assert (out / "alexnet.keras").exists()
    assert f"the earlier model is kept in {kept[0]}" in capsys.readouterr().out
    assert not [p for p in out.iterdir() if p.name.startswith("replaced_")]  # done: gone


@pytest.mark.long  # make test-long (CI); see README
@pytest.mark.slow
def test_completed_overwrite_replaces_the_earlier_run(run_config, tmp_path):
    config = run_config()
    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 0
    assert train_alexnet.main(["--config", str(config), "--quiet", "--overwrite"]) == 0
    out = tmp_path / "out"
    assert not [p for p in out.iterdir() if p.name.startswith("replaced_")]
    assert read_json(out / "alexnet.keras.json")["epoch"] == 1


# -- 2. a link loop neither duplicates images nor leaks test images into training ------------
def test_link_loop_and_linked_copies_are_listed_once(synthetic_images, tmp_path, capsys):
    images = tmp_path / "images"
    images.mkdir()
    for path in sorted(synthetic_images.iterdir())[:100]:
        shutil.copy(path, images)
    (images / "loop").symlink_to(images, target_is_directory=True)
    (images / "again").symlink_to(images / "loop", target_is_directory=True)
    (images / "cat.999.jpg").symlink_to(images / "cat.0.jpg")  # a second name, same file
    config = write_config(tmp_path / "c.py", **dataset_settings(tmp_path, images))
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "1 link(s) to an image already listed were dropped" in out
    assert "2 link(s) back to a folder already walked were skipped" in out
    rows = {}
    for split in ("train", "val", "test"):
        with open_hdf5(tmp_path / "hdf5" / f"{split}.hdf5") as db:
            rows[split] = {os.path.realpath(p) for p in read_paths(db)}
    assert sum(len(r) for r in rows.values()) == 100
    assert not rows["train"] & rows["test"] and not rows["train"] & rows["val"]
    report = read_json(tmp_path / "out" / "build_report.json")
    assert report["totals"]["duplicates_dropped"] == 1
    assert report["totals"]["link_loops_skipped"] == 2


# -- 3. outputs checked before decoding; old outputs intact until the new set is complete ----
def test_read_only_mean_folder_stops_the_rebuild_before_decoding(
    built, synthetic_images, tmp_path, capsys, monkeypatch
):
    folder = tmp_path / "set"
    settings = dataset_settings(folder, synthetic_images)
    config = write_config(tmp_path / "c.py", **settings)
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    before = digests([folder / "hdf5", folder / "mean"])
    from pyimagesearch.data import split_writer

    def no_decoding(*args, **kwargs):
        raise AssertionError("an image was decoded before the outputs were checked")

    monkeypatch.setattr(split_writer, "threaded_blocks", no_decoding)
    capsys.readouterr()
    with read_only(folder / "mean"):
        code = build_dataset.main(["--config", str(config), "--quiet", "--overwrite"])
    assert code == 2
    assert first_error_line(capsys).startswith("error: cannot write DATASET_MEAN")
    assert digests([folder / "hdf5", folder / "mean"]) == before
    with open_hdf5(folder / "hdf5" / "train.hdf5", "images") as db:
        assert len(db["labels"]) == 100  # still readable


def test_read_only_mean_folder_publishes_nothing_on_a_fresh_build(
    synthetic_images, tmp_path, capsys
):
    settings = dataset_settings(tmp_path, synthetic_images)
    (tmp_path / "mean").mkdir()
    config = write_config(tmp_path / "c.py", **settings)
    with read_only(tmp_path / "mean"):
        assert build_dataset.main(["--config", str(config), "--quiet"]) == 2
    assert first_error_line(capsys).startswith("error: cannot write DATASET_MEAN")
    assert not (tmp_path / "hdf5").exists() or not list((tmp_path / "hdf5").iterdir())


# -- 4. evaluate refuses a model trained on other image sizes --------------------------------
@pytest.mark.slow
def test_evaluate_refuses_a_model_trained_on_other_sizes(
    run_config, synthetic_images, tmp_path, capsys
):
    assert train_alexnet.main(["--config", str(run_config()), "--quiet"]) == 0
    other = tmp_path / "other"
    settings = dataset_settings(other, synthetic_images, IMAGE_SIZE=96)
    assert build_dataset.main(["--config", str(write_config(tmp_path / "o.py", **settings)),
                               "--quiet"]) == 0  # fmt: skip
    capsys.readouterr()
    config = run_config(TEST_HDF5=settings["TEST_HDF5"])
    assert evaluate.main(["--config", str(config), "--quiet"]) == 2
    line = first_error_line(capsys)
    assert line.startswith("error: the model record says it was trained on 72x72 images")
    assert "TEST_HDF5 holds 96x96 images" in line
    assert not (tmp_path / "out" / "evaluation.json").exists()


# -- 5. settings that cannot work fail before the model is built -----------------------------
@pytest.mark.parametrize(
    ("overrides", "args", "first_line"),
    [
        ({"MODEL_PATH": "model.h5"}, [], "error: MODEL_PATH must end in .keras"),
        ({}, ["--set", "STRATEGY='ring'"], "error: STRATEGY = 'ring' in --set: expected one of"),
        ({"INPUT_SIZE": 32}, [], "error: INPUT_SIZE = 32 is too small for AlexNet"),
        (
            {},
            ["--resume", "--overwrite"],
            "error: --resume/--start-epoch and --overwrite contradict",
        ),
    ],
)
def test_settings_that_cannot_work_fail_before_training(
    run_config, tmp_path, capsys, monkeypatch, overrides, args, first_line
):
    from pyimagesearch.training import train as alexnet_training

    def no_model(*a, **k):
        raise AssertionError("the model was built before the settings were checked")

    monkeypatch.setattr(alexnet_training, "build_model", no_model)
    config = run_config(**overrides)
    assert train_alexnet.main(["--config", str(config), "--quiet", *args]) == 2
    assert first_error_line(capsys).startswith(first_line)
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.keras"))


# -- 6. FINE_TUNE_LAYERS checked against the backbone before any training ---------------------
def test_fine_tune_layers_are_checked_before_images_load(built, tmp_path, capsys, monkeypatch):
    from pyimagesearch.training import fine_tune as engine

    assert engine.default_fine_tune_layers("ResNet50") == "conv5_block1_"
    assert engine.default_fine_tune_layers("MobileNetV2") == "block_16_"

    def no_loading(*args, **kwargs):
        raise AssertionError("images were loaded before FINE_TUNE_LAYERS was checked")

    monkeypatch.setattr(engine, "image_generators", no_loading)
    config = write_config(
        tmp_path / "c.py",
        **built,
        BACKBONE="MobileNetV2",
        WEIGHTS=None,
        FEATURE_IMAGE_SIZE=32,
        FINE_TUNE_LAYERS="conv5_",
        FINE_TUNE_MODEL_PATH=str(tmp_path / "out" / "fine_tuned.keras"),
    )
    assert fine_tune.main(["--config", str(config)]) == 2
    line = first_error_line(capsys)
    assert line.startswith("error: FINE_TUNE_LAYERS = 'conv5_' names no layer of MobileNetV2")
    assert "block_16" in line and "_bn" not in line  # blocks, never a BatchNorm layer
    assert not (tmp_path / "out" / "fine_tuned.keras").exists()


# -- 7. weights of another network: one line naming the backbone they fit ---------------------
def test_weights_of_another_backbone_are_one_line(mobilenet_weights, tmp_path, capsys):
    args = ["--dataset", str(tmp_path), "--backbone", "ResNet50", "--weights",
            str(mobilenet_weights), "--output", str(tmp_path / "f.hdf5"), "--quiet"]  # fmt: skip
    (tmp_path / "cat.0.jpg").write_bytes(b"")
    (tmp_path / "dog.0.jpg").write_bytes(b"")
    assert extract_features.main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and len(err) < 500
    assert err.startswith(
        f"error: weights file {mobilenet_weights.resolve()} does not fit ResNet50"
    )
    assert "it fits MobileNetV2" in err


# -- 8./9. wrong values stop every script at once; --set overrides any setting ----------------
@pytest.mark.parametrize(
    ("setting", "value", "first_line"),
    [
        ("IMAGE_SIZE", True, "IMAGE_SIZE = True in {}: expected a positive int or (width,"),
        ("BUILD_WORKERS", "two", "BUILD_WORKERS = 'two' in {}: expected an int >= 1"),
        ("BUFFER_SIZE", 0, "BUFFER_SIZE = 0 in {}: expected an int >= 1"),
        ("RANDOM_SEED", "abc", "RANDOM_SEED = 'abc' in {}: expected an int in [0, 4294967295]"),
        ("IMAGES_PATH", 5, "IMAGES_PATH = 5 in {}: expected a path (string)"),
        ("NUM_CLASSES", "2", "NUM_CLASSES = '2' in {}: expected an int >= 2"),
        ("NUM_VAL_IMAGES", 1.0, "NUM_VAL_IMAGES = 1.0 in {}: expected a count"),
    ],
)
def test_wrong_values_are_one_line_exit_2(
    synthetic_images, tmp_path, capsys, setting, value, first_line
):
    settings = dataset_settings(tmp_path, synthetic_images, **{setting: value})
    config = write_config(tmp_path / "c.py", **settings)
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 2
    assert first_error_line(capsys).startswith("error: " + first_line.format(config))
    assert not (tmp_path / "hdf5").exists()


def test_input_size_of_32_stops_training(run_config, capsys):
    assert train_alexnet.main(["--config", str(run_config()), "--set", "INPUT_SIZE=32"]) == 2
    assert first_error_line(capsys).startswith("error: INPUT_SIZE = 32 is too small for AlexNet")


def test_set_overrides_a_setting_for_one_run(synthetic_images, tmp_path, capsys):
    config = write_config(tmp_path / "c.py", **dataset_settings(tmp_path, synthetic_images))
    args = ["--config", str(config), "--quiet", "--set", "IMAGE_SIZE=40",
            "--set", "NUM_TEST_IMAGES=0.25"]  # fmt: skip
    assert build_dataset.main(args) == 0
    with open_hdf5(tmp_path / "hdf5" / "test.hdf5", "images") as db:
        assert db["images"].shape[1:3] == (40, 40) and len(db["labels"]) == 30
    assert build_dataset.main(["--config", str(config), "--set", "IMAGE_SIZES=40"]) == 2
    line = first_error_line(capsys)
    assert line == "error: --set IMAGE_SIZES: no script knows this; did you mean IMAGE_SIZE?"


# -- 10. a file name that is not UTF-8 is written, its path kept byte for byte ----------------
def test_file_name_that_is_not_utf8_is_built_and_kept(synthetic_images, tmp_path, capsys):
    images = tmp_path / "images"
    shutil.copytree(synthetic_images, images)
    odd = os.path.join(os.fsencode(images), b"cat.caf\xe9.jpg")
    shutil.copy(images / "cat.1.jpg", odd)
    config = write_config(tmp_path / "c.py", **dataset_settings(tmp_path, images))
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    stored = []
    for split in ("train", "val", "test"):
        with open_hdf5(tmp_path / "hdf5" / f"{split}.hdf5") as db:
            stored += list(read_paths(db))
    assert len(stored) == 121
    (match,) = [p for p in stored if os.fsencode(p) == odd]
    assert Path(match).read_bytes() == (images / "cat.1.jpg").read_bytes()  # it still opens


# -- 11. write failures: one line, exit 2, nothing partial left --------------------------------
def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_disk_full_during_the_build_is_one_line(synthetic_images, tmp_path):
    settings = dataset_settings(tmp_path, synthetic_images, IMAGE_SIZE=64)
    config = write_config(tmp_path / "c.py", **settings)
    result = subprocess.run(
        [sys.executable, "build_dataset.py", "--config", str(config), "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size(200_000),  # the train split needs 1.2 MB
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("error: cannot write ") and "File too large" in lines[0]
    assert not list(tmp_path.rglob("*.partial")) and not list(tmp_path.rglob("*.hdf5"))


def test_too_little_disk_space_is_refused_before_decoding(
    synthetic_images, tmp_path, capsys, monkeypatch
):
    import collections

    from pyimagesearch.utils import atomic

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(atomic.shutil, "disk_usage", lambda path: usage(10**9, 10**9, 1000))
    config = write_config(tmp_path / "c.py", **dataset_settings(tmp_path, synthetic_images))
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 2
    line = first_error_line(capsys)
    assert line.startswith("error: not enough disk space for TRAIN_HDF5, VAL_HDF5, TEST_HDF5")
    assert "they need 4.8 MB, 1000 bytes is free" in line
    assert not (tmp_path / "hdf5").exists() or not list((tmp_path / "hdf5").iterdir())


def test_read_only_model_folder_stops_training_first(run_config, tmp_path, capsys):
    (tmp_path / "models").mkdir()
    config = run_config(MODEL_PATH=str(tmp_path / "models" / "alexnet.keras"))
    with read_only(tmp_path / "models"):
        assert train_alexnet.main(["--config", str(config), "--quiet"]) == 2
    assert first_error_line(capsys).startswith("error: cannot write MODEL_PATH")
    assert not (tmp_path / "out" / "checkpoints").exists()


# -- 12. a damaged HDF5 file is named with the script that rebuilds it ------------------------
def test_damaged_hdf5_is_one_line_naming_the_file(built, run_config, tmp_path, capsys):
    damaged = tmp_path / "test.hdf5"
    data = bytearray(Path(built["TEST_HDF5"]).read_bytes())
    heap = data.find(b"GCOL")  # the global heap holding label names and paths
    assert heap > 0
    data[heap : heap + 64] = bytes(64)
    damaged.write_bytes(data)
    model = tmp_path / "model.keras"
    model.write_bytes(b"not used")
    config = run_config(TEST_HDF5=str(damaged), MODEL_PATH=str(model))
    assert evaluate.main(["--config", str(config), "--quiet"]) == 2
    assert first_error_line(capsys) == (
        f"error: {damaged} is damaged (bad global heap collection signature); rebuild it "
        "with build_dataset.py --overwrite"
    )


# -- 13. classes are named by name -------------------------------------------------------------
def test_classes_are_named_in_errors(synthetic_images, tmp_path, capsys):
    images = tmp_path / "images"
    shutil.copytree(synthetic_images, images)
    shutil.copy(images / "cat.3.jpg", images / "Cat.42.jpg")
    config = write_config(tmp_path / "c.py", **dataset_settings(tmp_path, images))
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 2
    assert first_error_line(capsys) == (
        "error: classes differ only in case: 'Cat' (1 image(s), e.g. Cat.42.jpg), 'cat' "
        "(60 image(s), e.g. cat.0.jpg, cat.1.jpg); rename the files so that each class has "
        "one spelling"
    )
    cats = tmp_path / "cats"
    cats.mkdir()
    for path in synthetic_images.glob("cat.*.jpg"):
        shutil.copy(path, cats)
    config = write_config(tmp_path / "c.py", **dataset_settings(tmp_path, cats))
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 2
    line = first_error_line(capsys)
    assert line == "error: only one class found ('cat'): a classifier needs at least two"
    shutil.copy(synthetic_images / "dog.0.jpg", cats / "dog.0.jpg")
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 2
    assert first_error_line(capsys).startswith("error: class 'dog' has only 1 image(s)")


# -- 14. extract_features does not overwrite features without --overwrite ----------------------
def test_extract_features_refuses_to_overwrite(synthetic_images, tmp_path, capsys):
    existing = tmp_path / "features.hdf5"
    existing.write_bytes(b"earlier features")
    args = ["--dataset", str(synthetic_images), "--backbone", "MobileNetV2", "--weights",
            "none", "--image-size", "32", "--output", str(existing), "--quiet"]  # fmt: skip
    assert extract_features.main(args) == 2
    assert first_error_line(capsys).startswith(
        f"error: features file(s) already exist: {existing}; pass --overwrite"
    )
    assert existing.read_bytes() == b"earlier features"


# -- 16. .tif/.webp/.gif are read; other files are counted on screen ---------------------------
def test_tif_webp_gif_are_read_and_other_files_counted(synthetic_images, tmp_path, capsys):
    import cv2

    images = tmp_path / "images"
    shutil.copytree(synthetic_images, images)
    picture = cv2.imread(str(images / "cat.0.jpg"))
    for name in ("cat.100.tif", "cat.101.webp", "dog.100.tiff"):
        cv2.imwrite(str(images / name), picture)
    from PIL import Image

    Image.fromarray(picture[..., ::-1]).save(images / "dog.101.gif")
    (images / "notes.txt").write_text("not an image")
    config = write_config(tmp_path / "c.py", **dataset_settings(tmp_path, images))
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "1 file(s) without an image extension were ignored" in out
    assert "'ignored_non_image_files'" in out
    report = read_json(tmp_path / "out" / "build_report.json")
    assert report["totals"]["written"] == 124 and report["totals"]["skipped"] == 0


# -- 17. no validation split: the builder and training agree ----------------------------------
@pytest.mark.slow
def test_training_without_validation_monitors_the_training_loss(synthetic_images, tmp_path, capsys):
    settings = dataset_settings(tmp_path, synthetic_images, NUM_VAL_IMAGES=0)
    settings.update(TINY_TRAINING, MODEL_PATH=str(tmp_path / "out" / "m.keras"))
    config = write_config(tmp_path / "c.py", **settings)
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "no validation images" in out and "chosen by training loss" in out
    history = read_json(tmp_path / "out" / "alexnet_training.json")
    assert history["monitor"] == "loss" and "val_loss" not in history


# -- 18. TensorFlow's start-up block and end-of-training warning are quiet ---------------------
@pytest.mark.slow
def test_training_prints_no_tensorflow_noise(run_config):
    config = run_config()
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "train_alexnet.py", "--config", str(config), "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for noise in ("oneDNN", "InitializeLog", "cpu_feature_guard", "FAILED_PRECONDITION", "I0000"):
        assert noise not in result.stderr
    assert result.stdout.startswith("[INFO] training AlexNet")


def test_an_unknown_backbone_is_one_line_without_tensorflow_noise(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "extract_features.py", "--backbone", "NoSuchNet", "--dataset",
         str(tmp_path), "--set", f"OUTPUT_PATH={tmp_path / 'out'}"],
        cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown backbone 'NoSuchNet'"), lines


# -- 19. the model file is the best epoch without optimizer state; old checkpoints pruned -----
@pytest.mark.long  # make test-long (CI); see README
@pytest.mark.slow
def test_model_is_the_best_epoch_and_smaller_than_a_checkpoint(run_config, tmp_path, capsys):
    config = run_config(EPOCHS=3, CHECKPOINTS_KEEP=1)
    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 0
    out = tmp_path / "out"
    history = read_json(out / "alexnet_training.json")
    best = int(np.argmin(history["val_loss"])) + 1
    assert history["best_epoch"] == best == read_json(out / "alexnet.keras.json")["epoch"]
    assert f"epoch {best} of 3, the lowest val_loss" in capsys.readouterr().out
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["best.keras", "epoch_003.keras"]
    model_size = (out / "alexnet.keras").stat().st_size
    assert model_size < 0.6 * (out / "checkpoints" / "epoch_003.keras").stat().st_size
    assert (out / "alexnet.keras").read_bytes() == (out / "checkpoints" / "best.keras").read_bytes()


# -- 20. one training at a time; a resumed run is the run it continues ------------------------
AUGMENTED = {"AUGMENTATION": {"rotation_range": 20, "zoom_range": 0.15, "horizontal_flip": True}}
HOLD_THE_LOCK = """
import sys, time
from pyimagesearch.config import load_config
from pyimagesearch.training.train import plan_training
cfg = load_config(sys.argv[2])
sys.argv = ["train.py", "--config", sys.argv[1]]  # the command the lock names
plan = plan_training(cfg)
print("planned", flush=True)
time.sleep(120)
"""


@pytest.fixture(scope="module")
def trained(built: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two epochs of tiny AlexNet, dropout and augmentation on: its OUTPUT_PATH."""
    folder = tmp_path_factory.mktemp("trained")
    config = write_config(folder / "train.py", **trained_settings(built, folder / "out"))
    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 0
    return folder / "out"


def trained_settings(built: dict, out: Path, **overrides: object) -> dict:
    return {**built, **TINY_TRAINING, **AUGMENTED, "EPOCHS": 2, "OUTPUT_PATH": str(out),
            "MODEL_PATH": str(out / "alexnet.keras"), "CHECKPOINT_PATH": str(out / "checkpoints"),
            **overrides}  # fmt: skip


def copy_of(trained: Path, built: dict, tmp_path: Path, **overrides: object) -> Path:
    """A config whose OUTPUT_PATH (``tmp_path/out``) is a copy of the trained run's."""
    if not (tmp_path / "out").exists():
        shutil.copytree(trained, tmp_path / "out", symlinks=True)
    settings = trained_settings(built, tmp_path / "out", **overrides)
    return write_config(tmp_path / "train.py", **settings)


def test_a_second_training_into_the_same_files_refuses_at_once(run_config, tmp_path, capsys):
    from pyimagesearch.training.train import plan_training

    config = run_config()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, "c.py", str(config)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "planned"
        before = file_hashes(tmp_path / "out")
        assert train_alexnet.main(["--config", str(config), "--quiet"]) == 2
        assert first_error_line(capsys) == (
            f"error: another training is writing MODEL_PATH, CHECKPOINT_PATH and OUTPUT_PATH "
            f"(process {holder.pid}: train.py --config c.py); wait for it to finish, or give "
            "this run its own MODEL_PATH, CHECKPOINT_PATH and OUTPUT_PATH"
        )
        assert file_hashes(tmp_path / "out") == before
    finally:
        holder.kill()  # kill -9: the operating system releases the lock
        holder.wait()
    plan = plan_training(load_config(config))  # the lock is free again
    plan.release()
    assert not list((tmp_path / "out").rglob("*.lock"))


@pytest.mark.slow
def test_resume_refuses_other_data_or_another_network(
    trained, built, synthetic_images, tmp_path, capsys
):
    rebuilt = dataset_settings(tmp_path / "rebuilt", synthetic_images, RANDOM_SEED=7)
    run_build(load_config(write_config(tmp_path / "b.py", **rebuilt)), progress=False)
    data = {k: rebuilt[k] for k in ("TRAIN_HDF5", "VAL_HDF5", "TEST_HDF5", "DATASET_MEAN")}
    config = copy_of(trained, built, tmp_path, **data)
    out = tmp_path / "out"
    before = file_hashes(out)
    old_build = read_json(out / "alexnet.keras.json")["data"]["train"]["build_id"]
    new_build = split_info(rebuilt["TRAIN_HDF5"]).build_id
    assert train_alexnet.main(["--config", str(config), "--quiet", "--resume"]) == 2
    assert first_error_line(capsys) == (
        f"error: checkpoint epoch_002.keras was trained on build {old_build} of TRAIN_HDF5, "
        f"which now holds build {new_build} (rebuilt since: images it trained on may now be "
        "validation or test images); resume with the files it was trained on, or start again "
        "with --overwrite"
    )
    config = copy_of(trained, built, tmp_path)
    args = ["--config", str(config), "--quiet", "--resume", "--set", "DENSE_UNITS=32"]
    assert train_alexnet.main(args) == 2
    assert first_error_line(capsys) == (
        "error: --resume would change the network: DENSE_UNITS is 32, checkpoint "
        "epoch_002.keras was trained with 16; resume with the checkpoint's settings, or start "
        "again with --overwrite"
    )
    assert file_hashes(out) == before


@pytest.mark.slow
def test_resume_from_a_cut_off_checkpoint_names_it_and_the_one_before(
    trained, built, tmp_path, capsys
):
    config = copy_of(trained, built, tmp_path)
    checkpoints = tmp_path / "out" / "checkpoints"
    newest = checkpoints / "epoch_002.keras"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    before = file_hashes(tmp_path / "out")
    assert train_alexnet.main(["--config", str(config), "--quiet", "--resume"]) == 2
    assert first_error_line(capsys) == (
        f"error: checkpoint epoch_002.keras in {checkpoints} is damaged (cut off, or not a "
        ".keras archive); resume from epoch 1 with --start-epoch 1, or delete it"
    )
    assert file_hashes(tmp_path / "out") == before


@pytest.mark.slow
def test_a_resumed_run_is_the_uninterrupted_run(trained, built, tmp_path):
    """Dropout and augmentation on: epoch 2 resumed from epoch 1's checkpoint gives the
    uninterrupted run's epoch 2 bit for bit (one CPU process, the same ops in the same
    order; the dropout masks continue from the random state kept in the checkpoint)."""
    import keras

    config = copy_of(trained, built, tmp_path)
    assert train_alexnet.main(["--config", str(config), "--quiet", "--start-epoch", "1"]) == 0
    out = tmp_path / "out"
    resumed = keras.models.load_model(out / "checkpoints" / "epoch_002.keras")
    straight = keras.models.load_model(trained / "checkpoints" / "epoch_002.keras")
    pairs = list(zip(resumed.get_weights(), straight.get_weights(), strict=True))
    assert all(np.array_equal(a, b) for a, b in pairs)
    after, before = (read_json(o / "alexnet_training.json") for o in (out, trained))
    assert {k: v for k, v in after.items() if isinstance(v, list)} == {
        k: v for k, v in before.items() if isinstance(v, list)
    }


@pytest.mark.slow
def test_overwrite_with_a_network_that_cannot_be_built_moves_nothing(
    trained, built, tmp_path, capsys
):
    config = copy_of(trained, built, tmp_path)
    before = file_hashes(tmp_path / "out")
    args = ["--config", str(config), "--quiet", "--overwrite", "--set",
            "NETWORK_ARGS={'stagez': (1, 1)}"]  # fmt: skip
    assert train_alexnet.main(args) == 2
    assert first_error_line(capsys).startswith("error: NETWORK_ARGS do not fit AlexNet.build")
    assert file_hashes(tmp_path / "out") == before


@pytest.mark.slow
def test_an_interrupted_training_keeps_its_run_folder(trained, built, tmp_path, monkeypatch):
    from pyimagesearch.experiments.runs import list_runs, run_info

    config = copy_of(trained, built, tmp_path)
    runs = tmp_path / "out" / "runs"
    earlier = list_runs(runs)

    def interrupted(self, logs=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(EpochCheckpoint, "on_train_begin", interrupted, raising=False)
    args = ["--config", str(config), "--quiet", "--resume", "--epochs", "3"]
    assert train_alexnet.main(args) == 130
    (new,) = [r for r in list_runs(runs) if r not in earlier]
    info = run_info(new)
    assert info["status"] == "interrupted"
    assert info["training"] == {
        "epochs": 3,
        "epochs_done": 2,
        "checkpoints": str(tmp_path / "out" / "checkpoints"),
        "latest_checkpoint": "epoch_002.keras",
        "resumed_from": 2,
    }
