"""train.py: any network, schedules, restart with a new learning rate, class weights, the
learning-rate finder, and a 17-class dataset from folders trained with MiniVGGNet."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import evaluate  # noqa: E402
import train  # noqa: E402
from pyimagesearch.callbacks.schedules import OneCycle, polynomial_decay, step_decay  # noqa: E402
from pyimagesearch.utils.reports import read_json  # noqa: E402
from tests.helpers import build_splits, config_maker, write_config  # noqa: E402

TINY = {"NETWORK": "ShallowNet", "INPUT_SIZE": 24, "EPOCHS": 3, "BATCH_SIZE": 20,
        "LEARNING_RATE": 0.01, "OPTIMIZER": "sgd"}  # fmt: skip


def test_schedules_give_the_book_rates_at_chosen_epochs() -> None:
    poly = polynomial_decay(0.1, epochs=40, power=1.0)
    assert [round(poly(e), 6) for e in (0, 10, 20, 39)] == [0.1, 0.075, 0.05, 0.0025]
    square = polynomial_decay(0.1, epochs=40, power=2.0)
    assert round(square(20), 6) == 0.025
    step = step_decay(0.01, factor=0.25, every=10)
    assert [step(e) for e in (0, 9, 10, 25)] == [0.01, 0.01, 0.0025, 0.000625]
    cycle = OneCycle(0.1, epochs=10, steps_per_epoch=10)
    rates = [cycle.rate(s) for s in range(100)]
    assert rates[0] == pytest.approx(0.1 / 25) and max(rates) == pytest.approx(0.1, rel=1e-3)
    assert int(np.argmax(rates)) == 30 and rates[-1] < 0.1 / 1000


@pytest.fixture
def config(tiny_splits: dict, tmp_path: Path):
    return config_maker(tiny_splits, tmp_path, TINY)


@pytest.mark.slow
def test_poly_schedule_rates_go_into_the_history_and_the_record(config, tmp_path) -> None:
    assert train.main(["--config", str(config(LR_SCHEDULE="poly")), "--quiet"]) == 0
    history = read_json(tmp_path / "out" / "shallownet_training.json")
    assert history["learning_rate"] == pytest.approx([0.01, 0.01 * 2 / 3, 0.01 / 3], rel=1e-5)
    record = read_json(tmp_path / "out" / "net.keras.json")
    assert record["kind"] == "network" and record["network"] == "ShallowNet"
    import keras

    assert record["backend"] == keras.backend.backend()  # which backend trained it


@pytest.mark.slow
@pytest.mark.backends  # run again on JAX by .ci/run
def test_restart_from_a_checkpoint_with_a_new_learning_rate(config, tmp_path, capsys) -> None:
    cfg = config(CHECKPOINTS_KEEP=5)
    assert train.main(["--config", str(cfg), "--quiet"]) == 0
    out = tmp_path / "out"
    before = read_json(out / "shallownet_training.json")
    assert train.main(["--config", str(cfg), "--quiet", "--start-epoch", "1", "--lr",
                       "0.001", "--epochs", "4"]) == 0  # fmt: skip
    assert "learning rate 0.01 -> 0.001" in capsys.readouterr().out
    after = read_json(out / "shallownet_training.json")
    assert len(after["loss"]) == 4 and after["loss"][0] == before["loss"][0]
    assert after["learning_rate"][:1] == before["learning_rate"][:1]
    assert after["learning_rate"][1:] == pytest.approx([0.001] * 3)
    assert train.main(["--config", str(cfg), "--start-epoch", "9"]) == 2
    assert "no checkpoint of epoch 9" in capsys.readouterr().err
    assert train.main(["--config", str(cfg), "--lr", "0.1"]) == 2
    assert "--lr sets a new rate for a restarted run" in capsys.readouterr().err


def test_balanced_class_weights_follow_the_labels(synthetic_images, tmp_path) -> None:
    from pyimagesearch.io.split_files import split_info
    from pyimagesearch.training.train import balanced_class_weight

    images = tmp_path / "images"
    images.mkdir()
    for path in sorted(synthetic_images.glob("cat.*.jpg"))[:45]:
        (images / path.name).write_bytes(path.read_bytes())
    for path in sorted(synthetic_images.glob("dog.*.jpg"))[:15]:
        (images / path.name).write_bytes(path.read_bytes())
    settings = build_splits(tmp_path, images, IMAGE_SIZE=24, NUM_VAL_IMAGES=0,
                            NUM_TEST_IMAGES=4)  # fmt: skip
    weights = balanced_class_weight(split_info(settings["TRAIN_HDF5"]))
    assert weights[0] == pytest.approx(56 / (2 * 42)) and weights[1] == pytest.approx(56 / 28)


@pytest.mark.slow
@pytest.mark.backends  # run again on JAX by .ci/run
def test_class_weights_change_the_loss_as_expected(config, tmp_path) -> None:
    """Equal-sized classes: balanced weights are all 1, the loss is unchanged."""
    plain = config()
    assert train.main(["--config", str(plain), "--quiet", "--epochs", "1"]) == 0
    first = read_json(tmp_path / "out" / "shallownet_training.json")["loss"]
    weighted = config(CLASS_WEIGHT="balanced")
    assert train.main(["--config", str(weighted), "--quiet", "--epochs", "1", "--overwrite"]) == 0
    second = read_json(tmp_path / "out" / "shallownet_training.json")["loss"]
    assert second == pytest.approx(first, rel=1e-4)


def test_class_weights_scale_each_sample_loss() -> None:
    """What Keras does with class_weight: each sample's loss times its class's weight."""
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax",
                                                   kernel_initializer="zeros")(inputs))  # fmt: skip
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="categorical_crossentropy")
    x = np.zeros((4, 2), np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 0, 0, 1]]
    plain = model.fit(x, y, batch_size=4, epochs=1, verbose=0).history["loss"][0]
    weighted = model.fit(x, y, batch_size=4, epochs=1, verbose=0,
                         class_weight={0: 0.5, 1: 2.0}).history["loss"][0]  # fmt: skip
    assert plain == pytest.approx(np.log(2), rel=1e-5)
    assert weighted == pytest.approx(np.log(2) * (3 * 0.5 + 2.0) / 4, rel=1e-5)


@pytest.mark.slow
def test_learning_rate_finder_writes_its_plot_and_a_suggestion(config, tmp_path) -> None:
    cfg = config(LR_FINDER_RANGE=(1e-5, 10.0), BATCH_SIZE=5)
    assert train.main(["--config", str(cfg), "--quiet", "--find-lr"]) == 0
    report = read_json(tmp_path / "out" / "lr_finder.json")
    assert 1e-5 <= report["suggestion"] <= 10.0
    assert len(report["losses"]) >= 4 and (tmp_path / "out" / "lr_finder.png").stat().st_size
    assert not (tmp_path / "out" / "net.keras").exists()  # the finder trains no model
    (run,) = (tmp_path / "out" / "runs").glob("*-*-*")  # a run of its own, with both files
    assert {"lr_finder.json", "lr_finder.png"} <= {p.name for p in run.iterdir()}
    assert read_json(run / "run.json")["summary"]["suggestion"] == report["suggestion"]


@pytest.mark.slow
def test_seventeen_classes_from_folders_with_minivggnet(tmp_path: Path) -> None:
    from pyimagesearch.demo.synthetic_dataset import generate_synthetic_dataset

    names = [f"flower{i:02d}" for i in range(17)]
    generate_synthetic_dataset(tmp_path / "jpg", per_class=12, classes=names, seed=3,
                               folders=True)  # fmt: skip
    settings = build_splits(tmp_path, tmp_path / "jpg", IMAGE_SIZE=32, NUM_VAL_IMAGES=17,
                            NUM_TEST_IMAGES=34)  # fmt: skip
    config = write_config(
        tmp_path / "c.py", **settings, NETWORK="MiniVGGNet", INPUT_SIZE=32, EPOCHS=2,
        BATCH_SIZE=32, MODEL_PATH=str(tmp_path / "out" / "minivgg.keras"),
    )  # fmt: skip
    assert train.main(["--config", str(config), "--quiet"]) == 0
    history = read_json(tmp_path / "out" / "minivggnet_training.json")
    assert "top_k_categorical_accuracy" in history  # rank-5 while training, 17 classes
    assert evaluate.main(["--config", str(config), "--quiet"]) == 0
    report = json.loads((tmp_path / "out" / "evaluation.json").read_text())
    assert report["classes"] == 17 and report["n_images"] == 34
    assert 0.0 <= report["baseline_rank1"] <= report["baseline_rank5"] <= 1.0
