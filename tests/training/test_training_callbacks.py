"""train.py's optional Keras callbacks: EARLY_STOPPING stops a run and says when,
REDUCE_LR_ON_PLATEAU lowers the rate (in the history and the checkpoint), TENSORBOARD
writes its logs into the run folder; their settings are checked before any work."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

keras = pytest.importorskip("keras")

import train  # noqa: E402
from pyimagesearch.utils.reports import read_json  # noqa: E402
from tests.helpers import config_maker  # noqa: E402

# A rate too small to change anything: val_accuracy stays the same (no improvement) and
# val_loss moves less than ReduceLROnPlateau's min_delta (1e-4; about 4e-8 an epoch here),
# so both callbacks act on time.
STILL = {"NETWORK": "ShallowNet", "INPUT_SIZE": 24, "BATCH_SIZE": 25, "OPTIMIZER": "sgd",
         "LEARNING_RATE": 1e-14}  # fmt: skip


@pytest.fixture
def config(tiny_splits: dict, tmp_path: Path):
    return config_maker(tiny_splits, tmp_path, STILL)


@pytest.mark.slow
def test_early_stopping_stops_and_plateaus_lower_the_rate(config, tmp_path, capsys) -> None:
    cfg = config(EPOCHS=5, EARLY_STOPPING=2, EARLY_STOPPING_MONITOR="val_accuracy",
                 REDUCE_LR_ON_PLATEAU=1, REDUCE_LR_FACTOR=0.5)  # fmt: skip
    assert train.main(["--config", str(cfg), "--quiet", "--name", "still"]) == 0
    out = capsys.readouterr().out
    assert ("[INFO] early stopping: val_accuracy did not improve for 2 epochs; stopped after "
            "epoch 3 of 5") in out  # fmt: skip
    history = read_json(tmp_path / "out" / "shallownet_training.json")
    assert len(history["loss"]) == 3 and history["stopped_epoch"] == 3
    assert history["early_stopping"] == "val_accuracy did not improve for 2 epochs"
    # the rate of each epoch: halved after epoch 2 (no lower val_loss for 1 epoch)
    assert history["learning_rate"] == pytest.approx([1e-14, 1e-14, 5e-15], rel=1e-5)
    (run,) = (tmp_path / "out" / "runs").glob("*-still")
    assert read_json(run / "run.json")["summary"]["stopped_epoch"] == 3
    # the checkpoint holds the rate after epoch 3's reduction: --resume goes on from it
    checkpoint = keras.models.load_model(tmp_path / "out" / "checkpoints" / "epoch_003.keras")
    rate = float(keras.ops.convert_to_numpy(checkpoint.optimizer.learning_rate))
    assert rate == pytest.approx(2.5e-15, rel=1e-5)


@pytest.mark.slow
def test_tensorboard_logs_go_into_the_run_folder(config, tmp_path, capsys) -> None:
    pytest.importorskip("tensorboard")
    cfg = config(EPOCHS=1, TENSORBOARD=True)
    assert train.main(["--config", str(cfg), "--quiet", "--name", "tb"]) == 0
    (run,) = (tmp_path / "out" / "runs").glob("*-tb")
    logs = run / "tensorboard"
    assert list((logs / "train").glob("events.out.tfevents.*"))  # curves, learning rate
    assert list((logs / "validation").glob("events.out.tfevents.*"))
    assert list(logs.glob("events.out.tfevents.*"))  # the settings (HParams, text)
    assert f"[INFO] TensorBoard logs: {logs} (every run: tensorboard --logdir " in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("overrides", "first_line"),
    [
        ({"REDUCE_LR_ON_PLATEAU": 2, "LR_SCHEDULE": "poly"},
         "error: REDUCE_LR_ON_PLATEAU cannot work with LR_SCHEDULE = 'poly': the schedule "
         "sets the learning rate every epoch"),
        ({"REDUCE_LR_ON_PLATEAU": 2, "LR_SCHEDULE": "one_cycle"},
         "error: REDUCE_LR_ON_PLATEAU cannot work with LR_SCHEDULE = 'one_cycle'"),
        ({"REDUCE_LR_ON_PLATEAU": 2, "REDUCE_LR_MIN": 1e-3, "LEARNING_RATE": 1e-3},
         "error: REDUCE_LR_MIN = 0.001 is not below the learning rate 0.001"),
        ({"REDUCE_LR_FACTOR": 1.0}, "error: REDUCE_LR_FACTOR = 1.0 in "),
        ({"EARLY_STOPPING": 3, "EARLY_STOPPING_MONITOR": "val_acc"},
         "error: EARLY_STOPPING_MONITOR = 'val_acc' is not a curve of this run; it logs loss, "
         "accuracy, crossentropy, val_loss, val_accuracy, val_crossentropy"),
        ({"EARLY_STOPPING": 0}, "error: EARLY_STOPPING = 0 in "),
    ],
)  # fmt: skip
def test_callback_settings_that_cannot_work_stop_before_training(
    config, capsys, monkeypatch, overrides, first_line
) -> None:
    from pyimagesearch.training import train as engine

    def no_model(*a, **k):
        raise AssertionError("the model was built before the settings were checked")

    monkeypatch.setattr(engine, "build_model", no_model)
    assert train.main(["--config", str(config(EPOCHS=1, **overrides))]) == 2
    err = capsys.readouterr().err
    assert err.startswith(first_line) and len(err.strip().splitlines()) == 1


def test_tensorboard_without_its_package_is_one_line(config, capsys, monkeypatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return None if name == "tensorboard" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert train.main(["--config", str(config(EPOCHS=1, TENSORBOARD=True))]) == 2
    assert capsys.readouterr().err.startswith(
        "error: TENSORBOARD = True needs the tensorboard package, which is not installed"
    )


def test_a_restart_keeps_counting_against_the_earlier_best() -> None:
    """After --resume, early stopping's baseline is the best of the earlier epochs."""
    from pyimagesearch.training.training_callbacks import CallbackPlan, make_callbacks

    plan = CallbackPlan(early_stopping=2, early_stopping_monitor="val_accuracy", reduce_lr=1)
    history = {"val_accuracy": [0.5, 0.8, 0.7, 0.9], "val_loss": [0.7, 0.5, 0.6, 0.4]}
    callbacks, early = make_callbacks(plan, {}, history, done=3)
    assert early.baseline == 0.8 and early.mode == "max" and early.patience == 2
    assert [type(c).__name__ for c in callbacks] == ["ReduceLROnPlateau", "EarlyStopping"]
    _, fresh = make_callbacks(plan, {}, {}, done=0)
    assert fresh.baseline is None
