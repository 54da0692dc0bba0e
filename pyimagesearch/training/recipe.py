"""Today's training recipe beside the book's: the settings that are not the optimizer's
(:mod:`~pyimagesearch.training.optimizers` has AdamW, the cosine schedule, clipping and the
weights' average), checked once at plan time, and what the record says of the recipe.

* ``LABEL_SMOOTHING``: the cross-entropy loss's own ``label_smoothing`` (targets
  ``y (1 - s) + s / classes``); the ``crossentropy`` metric stays the plain one, comparable
  between runs;
* ``MIXUP_ALPHA``, ``CUTMIX_ALPHA`` (``MIXUP_SHARE``, ``CUTMIX_SHARE``): mixed in the loader,
  one array operation per batch (:class:`~pyimagesearch.preprocessing.mixing.BatchMixer`);
  the training curves (``loss``, ``accuracy``) are then of mixed batches against mixed
  labels, validation stays on whole images.

Example:
    >>> from pyimagesearch.config import Config
    >>> mixing_settings(Config({"MIXUP_ALPHA": 0.2}), ["cat", "dog"])
    {'mixup_alpha': 0.2, 'cutmix_alpha': None, 'mixup_share': None, 'cutmix_share': None}
    >>> mixing_settings(Config({"CUTMIX_SHARE": 0.5}), ["cat", "dog"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pyimagesearch.errors.ConfigError: CUTMIX_SHARE = 0.5 needs CUTMIX_ALPHA (CutMix is off ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError

if TYPE_CHECKING:
    from pyimagesearch.training.train import TrainingPlan

_MIXES = (("MIXUP_ALPHA", "MIXUP_SHARE", "mixup"), ("CUTMIX_ALPHA", "CUTMIX_SHARE", "CutMix"))


def mixing_settings(cfg: Config, label_names: list[str]) -> dict[str, Any] | None:
    """The ``BatchMixer`` arguments of MIXUP_* and CUTMIX_* (None: neither is on).

    Raises:
        ConfigError: a share without its alpha, shares adding up to more than 1, mixing
            with a single class (every label is the same: nothing to mix).
    """
    for alpha, share, name in _MIXES:
        if cfg.get(share) is not None and cfg.get(alpha) is None:
            raise ConfigError(f"{share} = {cfg.get(share):g} needs {alpha} ({name} is off "
                              "without it)")  # fmt: skip
    on = [alpha for alpha, _, _ in _MIXES if cfg.get(alpha) is not None]
    if not on:
        return None
    if len(label_names) < 2:
        raise ConfigError(
            f"{' and '.join(on)} mix the labels of two images, but the training split has "
            f"one class ({label_names[0]}): set {on[0]} = None"
        )
    settings = {name.lower(): cfg.get(name) for name in
                ("MIXUP_ALPHA", "CUTMIX_ALPHA", "MIXUP_SHARE", "CUTMIX_SHARE")}  # fmt: skip
    from pyimagesearch.preprocessing.mixing import BatchMixer

    try:
        BatchMixer(**settings)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return settings


def recipe_notes(plan: TrainingPlan) -> list[str]:
    """What a run says of its recipe before it starts (the decay's kind, EMA, mixing)."""
    opt, notes = plan.optimizer, []
    if opt.name == "adamw":
        notes.append(f"OPTIMIZER = 'adamw': WEIGHT_DECAY {opt.weight_decay:g} is AdamW's "
                     "decoupled weight decay; the layers get no L2 penalty")  # fmt: skip
    if opt.ema_decay is not None:
        notes.append(f"EMA_DECAY {opt.ema_decay:g}: validation, the best epoch and the saved "
                     "model use the moving average of the weights")  # fmt: skip
    if plan.loader.mixing and plan.class_weight:
        notes.append("class weights with mixed labels: Keras weighs each mixed image by the "
                     "class of its larger label share")  # fmt: skip
    return notes


def recipe_record(plan: TrainingPlan) -> dict[str, Any]:
    """The recipe as the model's record and the report show it (every setting resolved)."""
    from pyimagesearch.training.optimizers import optimizer_record

    opt = plan.optimizer
    return {
        **optimizer_record(opt),
        "label_smoothing": plan.label_smoothing,
        "mixing": plan.loader.mixing,
        "augmentation": plan.loader.augmentation,
    }


def recipe_facts(plan: TrainingPlan) -> dict[str, Any]:
    """The recipe facts a checkpoint keeps for ``--resume`` to check, where they are not
    the book's (a checkpoint of the book's recipe records none of them)."""
    opt = plan.optimizer
    facts = {
        "EMA_DECAY": opt.ema_decay,
        "GRADIENT_CLIP": opt.clip_norm,
        "LABEL_SMOOTHING": plan.label_smoothing or None,
    }
    if opt.in_optimizer:  # the schedule's steps are in the checkpoint's optimizer
        facts.update(LR_SCHEDULE=opt.schedule, EPOCHS=plan.epochs,
                     WARMUP_EPOCHS=opt.warmup_steps // plan.steps_per_epoch,
                     BATCH_SIZE=plan.loader.batch_size)  # fmt: skip
    return {name: value for name, value in facts.items() if value is not None}
