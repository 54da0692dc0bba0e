"""The optimizer of a training run, built from Keras' own pieces: SGD, Adam or AdamW, a
learning-rate schedule that lives in the optimizer (``LR_SCHEDULE = "cosine"``: Keras'
``CosineDecay`` with a linear warm-up), gradient clipping (``clipnorm``) and an exponential
moving average of the weights (``use_ema``, ``ema_momentum``).

Everything here is saved with the optimizer in each checkpoint (the schedule as a Keras
object counting the optimizer's own steps, the averaged weights as optimizer variables),
so a resumed run continues the same curve and the same average exactly.

``WEIGHT_DECAY`` is the book's L2 penalty in the layers with SGD and Adam; with AdamW it is
the optimizer's decoupled decay instead (``w -= lr x WEIGHT_DECAY x w`` each step, every
weight, biases and BatchNormalization scales included: Keras saves no list of exclusions in
a checkpoint, so a resumed run could not keep one) and the layers get no L2 at all.

Example:
    >>> plan = OptimizerPlan("adamw", 0.001, 0.9, False, "cosine", 1.0, 0.25, 10,
    ...                      weight_decay=0.05, warmup_steps=10, decay_steps=90)
    >>> [round(cosine_rate(plan, step), 6) for step in (0, 5, 10, 55, 100)]
    [0.0, 0.0005, 0.001, 0.0005, 0.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError


@dataclass(frozen=True)
class OptimizerPlan:
    """The optimizer and its learning-rate schedule."""

    name: str
    learning_rate: float  # LEARNING_RATE, or --lr of a restarted run
    momentum: float
    nesterov: bool
    schedule: str | None
    power: float
    step_factor: float
    step_every: int
    weight_decay: float = 0.0  # AdamW's decoupled decay (0: not AdamW)
    clip_norm: float | None = None  # GRADIENT_CLIP
    ema_decay: float | None = None  # EMA_DECAY
    warmup_steps: int = 0  # cosine: batches of linear warm-up
    decay_steps: int = 0  # cosine: batches of decay after the warm-up

    @property
    def in_optimizer(self) -> bool:
        """Whether the schedule is part of the optimizer (saved in its checkpoints)."""
        return self.schedule == "cosine"


def plan_optimizer(
    cfg: Config, restart_rate: float | None, steps_per_epoch: int, stage: str = ""
) -> OptimizerPlan:
    """The optimizer's settings, checked (``restart_rate``: ``--lr`` of a restart).

    ``stage = "FINE_TUNE_"``: fine-tuning's stage after unfreezing, its rate and epochs
    ``FINE_TUNE_LEARNING_RATE`` and ``FINE_TUNE_EPOCHS`` instead of ``LEARNING_RATE`` and
    ``EPOCHS`` (the other settings are the same).

    Raises:
        ConfigError: WARMUP_EPOCHS without the cosine schedule or not fewer than EPOCHS,
            ``--lr`` with a schedule inside the optimizer.
    """
    epochs_name = f"{stage}EPOCHS"
    schedule, warmup, epochs = (
        cfg.get("LR_SCHEDULE"),
        cfg.get("WARMUP_EPOCHS"),
        cfg.get(epochs_name),
    )
    if warmup and schedule != "cosine":
        raise ConfigError(f"WARMUP_EPOCHS = {warmup} needs LR_SCHEDULE = 'cosine' (the warm-up "
                          f"leads into its decay); LR_SCHEDULE is {schedule!r}")  # fmt: skip
    if schedule == "cosine" and warmup >= epochs:
        raise ConfigError(f"WARMUP_EPOCHS = {warmup} is not fewer than {epochs_name} = {epochs}: "
                          "the cosine decay would never start; lower WARMUP_EPOCHS")  # fmt: skip
    if schedule == "cosine" and restart_rate is not None:
        raise ConfigError("--lr cannot set a new rate with LR_SCHEDULE = 'cosine': the schedule "
                          "kept in the checkpoint sets every step's rate")  # fmt: skip
    name, rate = cfg.get("OPTIMIZER"), cfg.get(f"{stage}LEARNING_RATE")
    return OptimizerPlan(
        name=name,
        learning_rate=rate if restart_rate is None else restart_rate,
        momentum=cfg.get("MOMENTUM"),
        nesterov=cfg.get("NESTEROV"),
        schedule=schedule,
        power=cfg.get("LR_POWER"),
        step_factor=cfg.get("LR_STEP_FACTOR"),
        step_every=cfg.get("LR_STEP_EVERY"),
        weight_decay=cfg.get("WEIGHT_DECAY") if name == "adamw" else 0.0,
        clip_norm=cfg.get("GRADIENT_CLIP"),
        ema_decay=cfg.get("EMA_DECAY"),
        warmup_steps=warmup * steps_per_epoch,
        decay_steps=(epochs - warmup) * steps_per_epoch,
    )


def learning_rate(plan: OptimizerPlan):
    """The optimizer's ``learning_rate``: a number (callbacks set the other schedules), or
    Keras' ``CosineDecay`` from 0 up to the rate over the warm-up, then down to 0."""
    if not plan.in_optimizer:
        return plan.learning_rate
    import keras

    if not plan.warmup_steps:
        return keras.optimizers.schedules.CosineDecay(plan.learning_rate, plan.decay_steps)
    return keras.optimizers.schedules.CosineDecay(
        0.0, plan.decay_steps, warmup_target=plan.learning_rate, warmup_steps=plan.warmup_steps
    )


def cosine_rate(plan: OptimizerPlan, step: int) -> float:
    """The rate of the cosine schedule at optimizer step ``step``, written out (what
    Keras' ``CosineDecay`` gives; the tests compare the two)."""
    if step < plan.warmup_steps:
        return plan.learning_rate * step / plan.warmup_steps
    done = min(step - plan.warmup_steps, plan.decay_steps) / plan.decay_steps
    return plan.learning_rate * 0.5 * (1.0 + math.cos(math.pi * done))


def build_optimizer(plan: OptimizerPlan):
    """The optimizer the plan names, at its learning rate (or schedule), with clipping and
    the weights' moving average when asked for."""
    import keras

    extra = {"clipnorm": plan.clip_norm}
    if plan.ema_decay is not None:
        extra.update(use_ema=True, ema_momentum=plan.ema_decay)
    rate = learning_rate(plan)
    if plan.name == "sgd":
        return keras.optimizers.SGD(rate, momentum=plan.momentum, nesterov=plan.nesterov, **extra)
    if plan.name == "adamw":
        return keras.optimizers.AdamW(learning_rate=rate, weight_decay=plan.weight_decay, **extra)
    return keras.optimizers.Adam(learning_rate=rate, **extra)


def optimizer_record(plan: OptimizerPlan) -> dict:
    """What the model's record and the report say of the optimizer's recipe."""
    return {
        "optimizer": plan.name,
        "weight_decay": (
            "decoupled (AdamW), no L2 in the layers" if plan.name == "adamw" else "L2 in the layers"
        ),  # fmt: skip
        "schedule": plan.schedule,
        "warmup_steps": plan.warmup_steps if plan.in_optimizer else None,
        "gradient_clip_norm": plan.clip_norm,
        "ema_decay": plan.ema_decay,
        "weights": (
            f"exponential moving average (EMA_DECAY {plan.ema_decay:g}): what was validated "
            "and saved"
        )
        if plan.ema_decay
        else "the trained weights",  # fmt: skip
    }
