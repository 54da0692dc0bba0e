"""Fine-tuning reads the training recipe (``FINE_TUNE_RECIPE = "recipe"``): the modern
recipe's optimizer, label smoothing and weight averaging reach the stage after unfreezing
and the record; by default the book's SGD and plain loss are unchanged. The two stages run
here on a tiny model over a features file (a frozen Dense "backbone" and a head), two
batches an epoch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from pyimagesearch.config import Config, load_config  # noqa: E402
from pyimagesearch.errors import ConfigError  # noqa: E402
from pyimagesearch.training.fine_tune_stages import (  # noqa: E402
    plan_stages,
    stages_record,
    train_two_stages,
)
from tests.helpers import separable_features, write_features  # noqa: E402

MODERN = Path(__file__).resolve().parents[2] / "config" / "recipes" / "modern.py"
TINY = {"FINE_TUNE_HEAD_EPOCHS": 1, "FINE_TUNE_EPOCHS": 1, "FINE_TUNE_BATCH_SIZE": 16}


@pytest.fixture(scope="module")
def features(tmp_path_factory: pytest.TempPathFactory) -> Path:
    values, labels, paths = separable_features(32, dim=4, seed=5)
    return write_features(tmp_path_factory.mktemp("ft_recipe") / "f.hdf5", values, labels, paths)


def _run(stages, features: Path):
    """The two stages on Dense(3) (frozen first) + a sigmoid head; the model and its
    stage-2 weights, the history."""
    from pyimagesearch.io import HDF5DatasetGenerator
    from pyimagesearch.training.fine_tune_from_activations import AsFloat32

    keras.utils.set_random_seed(1)
    body = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="body")], name="b")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(body(inputs)))
    gens = [HDF5DatasetGenerator(features, 16, [AsFloat32()], binarize=False, data_key="features",
                                 seed=seed) for seed in (1, None)]  # fmt: skip

    def unfreeze() -> list[str]:
        body.trainable = True
        return ["body"]

    return model, train_two_stages(stages, model, body, unfreeze, gens, verbose=0)


def test_defaults_keep_the_books_fine_tuning() -> None:
    from pyimagesearch.nn.heads import loss_for
    from pyimagesearch.training.optimizers import build_optimizer

    stages = plan_stages(Config({**TINY, "OPTIMIZER": "adamw", "EMA_DECAY": 0.9}), 32)
    assert stages.recipe == "book"  # the recipe settings are not read without the switch
    opt = build_optimizer(stages.optimizer)  # what the stage after unfreezing compiles with
    assert isinstance(opt, keras.optimizers.SGD) and not opt.use_ema and opt.clipnorm is None
    assert float(opt.momentum) == 0.9 and not opt.nesterov
    assert np.isclose(float(opt.learning_rate), 1e-4) and stages.label_smoothing == 0.0
    assert loss_for(2, stages.label_smoothing) == "binary_crossentropy" and not stages.notes
    record = stages_record(stages, None)
    assert record["fine_tune_recipe"] == "book" and record["optimizer"] == "sgd"
    assert record["momentum"] == 0.9 and record["weights"] == "the trained weights"
    assert record["head_stage"] == {"optimizer": "rmsprop", "learning_rate": 1e-3}


def test_the_modern_recipe_reaches_the_stage_after_unfreezing(features: Path) -> None:
    cfg = load_config(MODERN, overrides={**TINY, "FINE_TUNE_EPOCHS": 2, "WARMUP_EPOCHS": 1})
    stages = plan_stages(cfg, 32)
    assert any("MIXUP_ALPHA and CUTMIX_ALPHA: not applied" in n for n in stages.notes)
    model, done = _run(stages, features)
    assert done.head_epochs == 1 and done.trained_layers == ["body"]
    opt = model.optimizer
    assert isinstance(opt, keras.optimizers.AdamW) and np.isclose(opt.weight_decay, 0.05)
    assert opt.use_ema and np.isclose(opt.ema_momentum, 0.999) and opt.clipnorm == 1.0
    schedule = opt.learning_rate_schedule if hasattr(opt, "learning_rate_schedule") else None
    schedule = schedule or opt._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert schedule.warmup_steps == 2 and schedule.decay_steps == 2  # 2 batches an epoch
    assert np.isclose(schedule.warmup_target, 1e-4)  # FINE_TUNE_LEARNING_RATE, the peak
    assert isinstance(model.loss, keras.losses.BinaryCrossentropy)
    assert model.loss.label_smoothing == 0.1
    # the model ends with the best epoch's averaged weights (what was validated and is
    # saved): early stopping kept them with the average swapped in, else it would restore
    # the trained weights over the average Keras writes in at the end
    averages = opt._model_variables_moving_average
    pairs = zip(opt._trainable_variables, averages, strict=True)
    assert all(np.array_equal(v, a) for v, a in pairs)
    record = stages_record(stages, cfg.get("AUGMENTATION"))
    assert record["fine_tune_recipe"] == "recipe" and record["optimizer"] == "adamw"
    assert record["schedule"] == "cosine" and record["warmup_steps"] == 2
    assert record["ema_decay"] == 0.999 and record["label_smoothing"] == 0.1
    assert record["weights"].startswith("exponential moving average (EMA_DECAY 0.999)")
    assert record["gradient_clip_norm"] == 1.0 and record["augmentation"] == "strong"


def test_recipe_settings_fine_tuning_cannot_apply_are_refused() -> None:
    recipe = {"FINE_TUNE_RECIPE": "recipe"}
    with pytest.raises(ConfigError, match="^LR_SCHEDULE = 'poly' is not applied by fine-tun"):
        plan_stages(Config({**recipe, "LR_SCHEDULE": "poly"}), 32)
    with pytest.raises(ConfigError, match="^WARMUP_EPOCHS = 3 is not fewer than FINE_TUNE_EPO"):
        plan_stages(Config({**recipe, "LR_SCHEDULE": "cosine", "WARMUP_EPOCHS": 3,
                            "FINE_TUNE_EPOCHS": 3}), 32)  # fmt: skip
