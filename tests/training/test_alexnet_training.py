"""train_alexnet.py on tiny data: model, plot and history written; --resume; clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras")

import train_alexnet  # noqa: E402
from pyimagesearch.callbacks import EpochCheckpoint  # noqa: E402
from pyimagesearch.config import load_config  # noqa: E402
from pyimagesearch.data.build_dataset import build_dataset  # noqa: E402
from pyimagesearch.utils.reports import read_json  # noqa: E402

TRAINING = {
    "INPUT_SIZE": 64,
    "DENSE_UNITS": 16,
    "EPOCHS": 1,
    "BATCH_SIZE": 25,
    "AUGMENTATION": {"rotation_range": 20, "zoom_range": 0.15, "horizontal_flip": True},
    "WORKERS": 2,
}

pytestmark = pytest.mark.slow


def write_config(path: Path, **settings: object) -> Path:
    path.write_text("".join(f"{k} = {v!r}\n" for k, v in settings.items()))
    return path


@pytest.fixture(scope="module")
def dataset(synthetic_images: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """120 synthetic images built into 72px train (100) / val (10) / test (10) files."""
    folder = tmp_path_factory.mktemp("hdf5")
    settings = {
        "IMAGES_PATH": str(synthetic_images),
        "NUM_VAL_IMAGES": 10,
        "NUM_TEST_IMAGES": 10,
        "IMAGE_SIZE": 72,
        "TRAIN_HDF5": str(folder / "train.hdf5"),
        "VAL_HDF5": str(folder / "val.hdf5"),
        "TEST_HDF5": str(folder / "test.hdf5"),
        "DATASET_MEAN": str(folder / "mean.json"),
        "OUTPUT_PATH": str(folder / "build_output"),
    }
    config = write_config(folder / "build_config.py", **settings)
    build_dataset(load_config(config), progress=False)
    return settings


@pytest.fixture
def train_config(dataset: dict, tmp_path: Path):
    def _make(**overrides: object) -> Path:
        settings = {
            **dataset,
            **TRAINING,
            "OUTPUT_PATH": str(tmp_path / "out"),
            "MODEL_PATH": str(tmp_path / "out" / "alexnet.keras"),
            "CHECKPOINT_PATH": str(tmp_path / "out" / "checkpoints"),
            **overrides,
        }
        return write_config(tmp_path / "config.py", **settings)

    return _make


def test_one_epoch_writes_model_plot_and_history(train_config, tmp_path: Path) -> None:
    import keras

    config = train_config()
    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 0
    out = tmp_path / "out"
    model = keras.models.load_model(out / "alexnet.keras")
    assert model.input_shape == (None, 64, 64, 3)
    assert model.output_shape == (None, 2)
    checkpoint = keras.models.load_model(out / "checkpoints" / "epoch_001.keras")
    assert checkpoint.loss == "categorical_crossentropy"  # the checkpoint can resume
    assert (out / "alexnet_training.png").stat().st_size > 1000
    history = read_json(out / "alexnet_training.json")
    assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 1 for v in history.values() if isinstance(v, list))
    assert history["best_epoch"] == 1 and history["monitor"] == "val_loss"
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "best.keras",
        "epoch_001.keras",
    ]
    record = read_json(out / "alexnet.keras.json")
    assert record["kind"] == "network" and record["network"] == "AlexNet"
    assert record["label_names"] == ["cat", "dog"]
    assert record["input_size"] == [64, 64] and record["image_size"] == [72, 72]
    assert record["epoch"] == 1 and len(record["sha256"]) == 64


def test_flags_override_the_config(train_config, tmp_path: Path) -> None:
    config = train_config(EPOCHS=75, BATCH_SIZE=999)
    args = ["--config", str(config), "--quiet", "--epochs", "2", "--batch-size", "50"]
    assert train_alexnet.main(args) == 0
    history = read_json(tmp_path / "out" / "alexnet_training.json")
    assert len(history["loss"]) == 2


@pytest.mark.backends  # run again on JAX by .ci/run
def test_resume_continues_an_interrupted_run(train_config, tmp_path: Path, monkeypatch) -> None:
    config = train_config(EPOCHS=3)
    original = EpochCheckpoint.on_epoch_end

    def killed_at_epoch_3(self, epoch, logs=None):
        if epoch + 1 == 3:  # killed after the history was written, before the checkpoint
            raise KeyboardInterrupt
        original(self, epoch, logs)

    monkeypatch.setattr(EpochCheckpoint, "on_epoch_end", killed_at_epoch_3)
    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 130
    out = tmp_path / "out"
    assert not (out / "alexnet.keras").exists()
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["best.keras", "epoch_001.keras", "epoch_002.keras"]
    before = read_json(out / "alexnet_training.json")
    assert len(before["loss"]) == 3  # epoch 3's history is there, but not its checkpoint

    monkeypatch.setattr(EpochCheckpoint, "on_epoch_end", original)
    assert train_alexnet.main(["--config", str(config), "--quiet", "--resume"]) == 0
    after = read_json(out / "alexnet_training.json")
    assert len(after["loss"]) == 3  # epoch 3 redone once, not appended twice
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        assert after[key][:2] == before[key][:2]
    assert (out / "alexnet.keras").exists()
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["best.keras", "epoch_002.keras", "epoch_003.keras"]  # CHECKPOINTS_KEEP 2


def test_clear_errors(train_config, dataset: dict, tmp_path: Path, capsys) -> None:
    config = train_config()
    assert train_alexnet.main(["--config", str(config), "--resume"]) == 2
    assert "nothing to resume" in capsys.readouterr().err

    missing = train_config(TRAIN_HDF5=str(tmp_path / "nope.hdf5"))
    assert train_alexnet.main(["--config", str(missing)]) == 2
    assert "not found" in capsys.readouterr().err

    too_big = train_config(INPUT_SIZE=100)
    assert train_alexnet.main(["--config", str(too_big)]) == 2
    assert "smaller than INPUT_SIZE" in capsys.readouterr().err

    too_small = train_config(INPUT_SIZE=32)
    assert train_alexnet.main(["--config", str(too_small)]) == 2
    assert "INPUT_SIZE = 32 is too small for AlexNet" in capsys.readouterr().err

    import h5py

    other = tmp_path / "three_classes.hdf5"
    with h5py.File(other, "w") as db:
        db.create_dataset("images", data=np.zeros((3, 72, 72, 3), np.uint8))
        db.create_dataset("labels", data=np.arange(3))
        db.create_dataset("label_names", data=["a", "b", "c"])
    mismatch = train_config(VAL_HDF5=str(other))
    assert train_alexnet.main(["--config", str(mismatch)]) == 2
    assert "differ from validation classes" in capsys.readouterr().err

    no_config = train_alexnet.main(["--config", str(tmp_path / "missing_config.py")])
    assert no_config == 2


def test_mean_in_model_trains_on_uint8_and_evaluates(train_config, tmp_path: Path) -> None:
    import evaluate
    from pyimagesearch.nn.conv.alexnet import has_mean_layer

    config = train_config(MEAN_IN_MODEL=True, AUGMENTATION=None)
    assert train_alexnet.main(["--config", str(config), "--quiet"]) == 0
    import keras

    assert has_mean_layer(keras.models.load_model(tmp_path / "out" / "alexnet.keras"))
    assert evaluate.main(["--config", str(config), "--quiet"]) == 0
    report = read_json(tmp_path / "out" / "evaluation.json")
    assert report["n_images"] == 10
    assert 0.0 <= report["baseline_rank1"] <= 1.0


def test_multi_gpu_flag_runs_under_mirrored_strategy(train_config, tmp_path: Path) -> None:
    """On a machine without GPUs MirroredStrategy has one replica (the CPU): same result."""
    config = train_config()
    assert train_alexnet.main(["--config", str(config), "--quiet", "--multi-gpu"]) == 0
    assert (tmp_path / "out" / "alexnet.keras").exists()
