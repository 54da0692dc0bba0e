"""Today's training recipe beside the book's: mixup and CutMix on planted batches, colour
jitter and erasing, label smoothing's loss, the cosine schedule with warm-up, the weights'
moving average against a hand computation, the checks at plan time, and a resumed run of
the whole modern recipe against the uninterrupted one."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

import train  # noqa: E402
from pyimagesearch.config import Config, load_config  # noqa: E402
from pyimagesearch.errors import ConfigError  # noqa: E402
from pyimagesearch.preprocessing.augmentation import (  # noqa: E402
    BatchAugmenter,
    PixelDraws,
)
from pyimagesearch.preprocessing.mixing import BatchMixer, Mix, apply_mix  # noqa: E402
from pyimagesearch.training.optimizers import (  # noqa: E402
    OptimizerPlan,
    build_optimizer,
    cosine_rate,
    learning_rate,
    plan_optimizer,
)
from pyimagesearch.training.recipe import mixing_settings  # noqa: E402
from pyimagesearch.training.resume import ResumeError  # noqa: E402
from pyimagesearch.utils.reports import read_json  # noqa: E402
from tests.helpers import build_splits, file_hashes, write_config  # noqa: E402


def planted_batch(n: int = 6, size: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Image i is the constant 10 (i + 1); labels one-hot of i % 3."""
    images = np.repeat(10 * np.arange(1, n + 1, dtype=np.uint8), size * size * 3)
    return images.reshape(n, size, size, 3), np.eye(3, dtype=np.float32)[np.arange(n) % 3]


def test_mixup_labels_sum_to_one_and_match_the_mixing_weights() -> None:
    images, labels = planted_batch()
    mixer = BatchMixer(mixup_alpha=0.4)
    mix = mixer.draw(len(images), 8, 8, np.random.default_rng(3))
    assert mix.kind == "mixup" and 0 < mix.lam < 1
    mixed, soft = apply_mix(mix, images, labels)
    assert np.allclose(soft.sum(axis=1), 1.0)
    assert np.allclose(soft, mix.lam * labels + (1 - mix.lam) * labels[mix.order])
    value = mix.lam * images[:, 0, 0, 0] + (1 - mix.lam) * images[mix.order, 0, 0, 0]
    assert mixed.dtype == np.uint8 and np.array_equal(mixed[:, 0, 0, 0], np.rint(value))
    floats, _ = apply_mix(mix, images.astype(np.float32), labels)  # float batches: exact
    assert np.allclose(floats[:, 3, 5, 1], value)
    again = BatchMixer(mixup_alpha=0.4).mix_batch(images, labels, np.random.default_rng(3))
    assert np.array_equal(again[0], mixed)  # the batch's own random numbers decide


def test_cutmix_boxes_and_label_shares_are_exact_on_a_planted_batch() -> None:
    images, labels = planted_batch()
    box = (0, 3, 5, 8)  # 3 x 3 of 8 x 8, in the corner
    order = np.array([5, 4, 3, 2, 1, 0])
    mixed, soft = apply_mix(Mix("cutmix", order, 1 - 9 / 64, box), images, labels)
    pasted = mixed[:, :, :, 0] != images[:, :, :, 0]
    assert pasted.sum(axis=(1, 2)).tolist() == [9] * 6 and pasted[:, 0:3, 5:8].all()
    assert np.array_equal(mixed[:, 0:3, 5:8], images[order, 0:3, 5:8])
    assert np.allclose(soft, (55 / 64) * labels + (9 / 64) * labels[order])
    mixer = BatchMixer(cutmix_alpha=1.0)
    for seed in range(20):  # drawn boxes, cut at the edges: the labels are the pixels' shares
        mix = mixer.draw(6, 8, 8, np.random.default_rng(seed))
        mixed, soft = apply_mix(mix, images, labels)
        own = (mixed[:, :, :, 0] == images[:, :, :, 0]).mean(axis=(1, 2))
        itself = mix.order == np.arange(6)  # an image mixed with itself keeps its pixels
        assert np.allclose(own, np.where(itself, 1.0, mix.lam))
        assert np.allclose(soft, mix.lam * labels + (1 - mix.lam) * labels[mix.order])
        assert np.allclose(soft.sum(axis=1), 1.0)


def test_batches_are_shared_between_mixup_cutmix_and_none() -> None:
    mixer = BatchMixer(mixup_alpha=0.2, cutmix_alpha=1.0, mixup_share=0.3, cutmix_share=0.5)
    kinds = [mixer.draw(4, 8, 8, np.random.default_rng(s)).kind for s in range(2000)]
    shares = [kinds.count(k) / len(kinds) for k in ("mixup", "cutmix", None)]
    assert shares == pytest.approx([0.3, 0.5, 0.2], abs=0.04)
    assert BatchMixer(mixup_alpha=0.2, cutmix_alpha=1.0).mixup_share == 0.5  # half each


def test_mixing_settings_are_checked_at_plan_time() -> None:
    with pytest.raises(ConfigError, match=r"MIXUP_SHARE \+ CUTMIX_SHARE = 1.5 is more"):
        mixing_settings(Config({"MIXUP_ALPHA": 0.2, "CUTMIX_ALPHA": 1.0, "MIXUP_SHARE": 0.7,
                                "CUTMIX_SHARE": 0.8}), ["a", "b"])  # fmt: skip
    with pytest.raises(ConfigError, match=r"^MIXUP_ALPHA mix the labels .* one class \(cat\)"):
        mixing_settings(Config({"MIXUP_ALPHA": 0.2}), ["cat"])
    assert mixing_settings(Config({}), ["cat"]) is None


def test_colour_jitter_and_erasing_change_pixels_as_written() -> None:
    image = np.full((4, 4, 3), 100, np.uint8)
    image[:2] = 50  # mean level 75
    one, none = np.ones(1), np.zeros((1, 4), int)
    draws = PixelDraws(np.array([1.2]), np.array([0.5]), one, none, np.zeros((1, 3)))
    draws.apply(0, jittered := image.copy())  # 0.5 (1.2 x - 90) + 90
    assert jittered[0, 0].tolist() == [75] * 3 and jittered[3, 3].tolist() == [105] * 3
    colour = np.array([[10, 200, 30]], np.float32)
    draws = PixelDraws(one, one, np.zeros(1), np.array([[1, 3, 0, 2]]), colour)
    draws.apply(0, erased := np.dstack([image[..., 0], image[..., 0] // 2, image[..., 0]]))
    assert (erased[1:3, 0:2] == [10, 200, 30]).all()
    assert len(np.unique(erased[3, 2:], axis=0)) == 1  # saturation 0: grey (3 equal channels)
    assert erased[3, 3, 0] == erased[3, 3, 1] == erased[3, 3, 2]
    book = BatchAugmenter.from_settings("book")
    assert book.pixel_draws(2, 8, 8, np.random.default_rng(0)) is None  # no number drawn
    strong = BatchAugmenter.from_settings("strong")
    out = strong.augment_batch(np.zeros((3, 16, 16, 3), np.uint8), np.random.default_rng(1))
    assert out.shape == (3, 16, 16, 3) and out.dtype == np.uint8


def test_cosine_schedule_rates_at_chosen_steps_warm_up_included() -> None:
    cfg = Config({"LR_SCHEDULE": "cosine", "WARMUP_EPOCHS": 1, "EPOCHS": 5,
                  "LEARNING_RATE": 0.1})  # fmt: skip
    plan = plan_optimizer(cfg, None, steps_per_epoch=10)
    assert (plan.warmup_steps, plan.decay_steps) == (10, 40)
    schedule = learning_rate(plan)
    keras_rates = [float(schedule(step)) for step in (0, 4, 10, 30, 50, 60)]
    assert keras_rates == pytest.approx([0.0, 0.04, 0.1, 0.05, 0.0, 0.0], abs=1e-7)
    assert keras_rates == pytest.approx([cosine_rate(plan, s) for s in (0, 4, 10, 30, 50, 60)])
    with pytest.raises(ConfigError, match="^WARMUP_EPOCHS = 5 is not fewer than EPOCHS = 5"):
        plan_optimizer(cfg.replace(WARMUP_EPOCHS=5), None, 10)
    with pytest.raises(ConfigError, match="^WARMUP_EPOCHS = 1 needs LR_SCHEDULE = 'cosine'"):
        plan_optimizer(cfg.replace(LR_SCHEDULE="poly"), None, 10)
    with pytest.raises(ConfigError, match="^--lr cannot set a new rate with LR_SCHEDULE"):
        plan_optimizer(cfg, 0.01, 10)


def test_ema_weights_after_n_steps_equal_a_hand_computation() -> None:
    keras.utils.set_random_seed(0)
    plan = OptimizerPlan("adamw", 0.1, 0.9, False, None, 1.0, 0.25, 10, weight_decay=0.01,
                         clip_norm=1.0, ema_decay=0.8)  # fmt: skip
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=build_optimizer(plan), loss="mse")
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda b, logs=None: seen.append(model.get_weights())
    )
    x = np.array([[1, 2], [3, -1], [0.5, 0.5], [2, 2]], np.float32)
    model.fit(x, x[:, :1] * 2, batch_size=1, epochs=1, shuffle=False, verbose=0,
              callbacks=[record])  # fmt: skip
    average = seen[0]  # Keras starts the average at the first step's weights
    for weights in seen[1:]:
        average = [0.8 * a + 0.2 * w for a, w in zip(average, weights, strict=True)]
    final = model.get_weights()  # fit ends with the average in the model
    assert all(np.allclose(a, f, atol=1e-6) for a, f in zip(average, final, strict=True))
    assert not np.allclose(final[0], seen[-1][0])


# -- through train.py ----------------------------------------------------------------------------
MODERN = {"NETWORK": "ShallowNet", "INPUT_SIZE": 24, "EPOCHS": 2, "BATCH_SIZE": 20,
          "LEARNING_RATE": 0.01, "OPTIMIZER": "adamw", "WEIGHT_DECAY": 0.05,
          "LR_SCHEDULE": "cosine", "WARMUP_EPOCHS": 1, "LABEL_SMOOTHING": 0.1,
          "MIXUP_ALPHA": 0.2, "CUTMIX_ALPHA": 1.0, "EMA_DECAY": 0.9, "GRADIENT_CLIP": 1.0,
          "AUGMENTATION": "strong", "CHECKPOINTS_KEEP": 2, "WORKERS": 1}  # fmt: skip


def modern_run(folder: Path, images: Path) -> dict:
    """Two epochs of the whole modern recipe, straight through."""
    splits = build_splits(folder, images, IMAGE_SIZE=24)
    out = folder / "straight"
    settings = {**splits, **MODERN, "OUTPUT_PATH": str(out), "MODEL_PATH": str(out / "n.keras")}
    config = write_config(folder / "c.py", **settings)
    assert train.main(["--config", str(config), "--quiet"]) == 0
    return {"settings": settings, "out": out, "folder": folder}


def label_smoothing_loss(settings: dict) -> None:
    """The loss of the plan's model is the formula's; AdamW's model has no L2 in it."""
    from pyimagesearch.training.train import build_model, plan_training

    plan = plan_training(Config(settings), overwrite=True, lock=False)
    model = build_model(plan)
    y = np.array([[1.0, 0.0], [0.3, 0.7]], np.float32)
    p = np.array([[0.8, 0.2], [0.4, 0.6]], np.float32)
    smoothed = y * (1 - 0.1) + 0.1 / 2
    expected = np.mean(-np.sum(smoothed * np.log(p), axis=1))
    assert float(model.loss(y, p)) == pytest.approx(expected, rel=1e-5)
    assert not [layer for layer in model.layers if getattr(layer, "kernel_regularizer", None)]


def resumed_equals_uninterrupted(run: dict, out: Path) -> dict:
    """Epoch 2 resumed from epoch 1's checkpoint: the same weights and averages."""
    shutil.copytree(run["out"], out)
    settings = {**run["settings"], "OUTPUT_PATH": str(out), "MODEL_PATH": str(out / "n.keras")}
    config = write_config(out.parent / "resumed.py", **settings)
    assert train.main(["--config", str(config), "--quiet", "--start-epoch", "1"]) == 0
    resumed = keras.models.load_model(out / "checkpoints" / "epoch_002.keras")
    uninterrupted = keras.models.load_model(run["out"] / "checkpoints" / "epoch_002.keras")
    averages = [opt._model_variables_moving_average for opt in
                (resumed.optimizer, uninterrupted.optimizer)]  # fmt: skip
    assert len(averages[0]) == len(resumed.trainable_weights) > 0  # kept in the checkpoint
    pairs = [*zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True),
             *zip(*averages, strict=True)]  # fmt: skip
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in pairs)
    return read_json(out / "n.keras.json")


@pytest.mark.slow
def test_the_modern_recipe_resumes_exactly_and_saves_the_average(
    synthetic_images, tmp_path, capsys
):
    from pyimagesearch.training.train import plan_training

    run = modern_run(tmp_path / "run", synthetic_images)
    before = file_hashes(run["out"])
    args = ["--config", str(run["folder"] / "c.py"), "--overwrite", "--set", "WARMUP_EPOCHS=2"]
    capsys.readouterr()
    assert train.main(args) == 2  # refused at plan time: nothing moved, nothing written
    assert capsys.readouterr().err.splitlines()[0] == (
        "error: WARMUP_EPOCHS = 2 is not fewer than EPOCHS = 2: the cosine decay would never "
        "start; lower WARMUP_EPOCHS"
    )
    assert file_hashes(run["out"]) == before
    label_smoothing_loss(run["settings"])
    out = tmp_path / "resumed"
    record = resumed_equals_uninterrupted(run, out)
    assert record["recipe"]["weights"].startswith("exponential moving average (EMA_DECAY 0.9)")
    assert record["recipe"]["mixing"]["cutmix_alpha"] == 1.0
    assert record["recipe"]["weight_decay"] == "decoupled (AdamW), no L2 in the layers"
    best = keras.models.load_model(out / f"checkpoints/epoch_00{record['epoch']}.keras")
    saved = keras.models.load_model(out / "n.keras", compile=False).trainable_weights
    ema = best.optimizer._model_variables_moving_average
    assert all(np.allclose(s, e) for s, e in zip(saved, ema, strict=True))  # the average
    other = write_config(tmp_path / "other.py", **{**run["settings"], "EMA_DECAY": None})
    with pytest.raises(
        ResumeError,
        match="^--resume would change the recipe: EMA_DECAY is "
        "None, checkpoint epoch_002.keras was trained with 0.9",
    ):
        plan_training(load_config(other), resume=True, lock=False)


def test_the_modern_recipe_config_loads_as_a_starting_point(recwarn) -> None:
    cfg = load_config(Path(__file__).resolve().parents[2] / "config" / "recipes" / "modern.py")
    assert (cfg.OPTIMIZER, cfg.LR_SCHEDULE, cfg.AUGMENTATION) == ("adamw", "cosine", "strong")
    assert cfg.WARMUP_EPOCHS < cfg.EPOCHS and cfg.MODEL_PATH.endswith("_modern.keras")
    assert not [str(w.message) for w in recwarn if issubclass(w.category, UserWarning)]


@pytest.mark.backends  # run again on JAX (keras.distribution's DataParallel) and PyTorch
def test_ema_with_mixed_precision_under_mirrored_saves_the_float32_average(
    tiny_splits, tmp_path, monkeypatch
) -> None:
    """EMA_DECAY with MIXED_PRECISION (the policy set as on a GPU: a LossScaleOptimizer
    around the one with the average) under STRATEGY = "mirrored" on this machine's one
    CPU device trains a few steps; MODEL_PATH holds the float32 moving average that the epoch's
    checkpoint keeps beside the trained weights. On PyTorch, which has no "mirrored",
    on one device."""
    import pyimagesearch.training.train as engine

    strategy = None if keras.backend.backend() == "torch" else "mirrored"

    monkeypatch.setattr(engine, "has_gpu", lambda: True)  # float16 compute on the CPU too
    out = tmp_path / "out"
    config = write_config(tmp_path / "c.py", **{**tiny_splits, "OUTPUT_PATH": str(out)},
                          NETWORK="ShallowNet",
                          INPUT_SIZE=24, EPOCHS=1, BATCH_SIZE=8, EMA_DECAY=0.5,
                          MIXED_PRECISION=True, STRATEGY=strategy, WORKERS=1,
                          MODEL_PATH=str(out / "n.keras"))  # fmt: skip
    try:
        assert train.main(["--config", str(config), "--quiet"]) == 0
        checkpoint = keras.models.load_model(out / "checkpoints" / "epoch_001.keras")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    saved = keras.models.load_model(out / "n.keras", compile=False).trainable_weights
    optimizer = checkpoint.optimizer
    assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    average = optimizer.inner_optimizer._model_variables_moving_average
    assert saved and all(w.dtype == "float32" for w in saved)
    assert all(np.array_equal(s, a) for s, a in zip(saved, average, strict=True))
    trained = checkpoint.trainable_weights
    assert not all(np.array_equal(s, t) for s, t in zip(saved, trained, strict=True))
