"""What a checkpoint was trained on, and what ``--resume`` checks against it before any
work: the checkpoint is complete, the data are the builds it trained on, and the network,
its optimizer and the mean are the ones it was made with.

Every checkpoint holds, beside the model (:class:`~pyimagesearch.callbacks.EpochCheckpoint`'s
record), :func:`checkpoint_facts` of its plan: the build id of each split file, the mean,
the network's settings as built and the optimizer's. A resumed run that would train on
other data (the files rebuilt since: images it trained on may now be test images) or
would record settings the checkpoint's network does not have (``--set DENSE_UNITS=128``
on a 64-unit checkpoint) is refused in one line naming both values.

Example:
    >>> facts = {"network": {"NETWORK": "AlexNet", "DENSE_UNITS": 64}}
    >>> differences(facts, {"network": {"NETWORK": "AlexNet", "DENSE_UNITS": 128}})
    [('network', 'DENSE_UNITS', 64, 128)]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyimagesearch.errors import PyImageSearchError
from pyimagesearch.utils.keras_archive import CHECKPOINT_RECORD, archive_problem, read_record

if TYPE_CHECKING:
    from pyimagesearch.training.train import TrainingPlan
    from pyimagesearch.training.training_files import TrainingFiles

OWN_ARGS = ("dense_units", "dropout")  # AlexNet's arguments that are settings of their own


class ResumeError(PyImageSearchError):
    """``--resume`` found nothing to continue from, or a checkpoint it must not continue."""


def _json(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists)."""
    return json.loads(json.dumps(value, default=str))


def checkpoint_facts(plan: TrainingPlan) -> dict[str, Any]:
    """What a checkpoint of ``plan`` records it was trained on (JSON), by setting name."""
    given = plan.settings.get("NETWORK_ARGS") or {}
    args = {(k.upper() if k in OWN_ARGS and k not in given else f"NETWORK_ARGS[{k!r}]"): v
            for k, v in plan.network_args.items()}  # fmt: skip
    from pyimagesearch.training.recipe import recipe_facts

    opt = plan.optimizer
    mean = plan.loader.mean
    recipe = recipe_facts(plan)  # only where it is not the book's: older checkpoints fit
    return _json({
        "data": {"TRAIN_HDF5": plan.train.build_id,
                 "VAL_HDF5": plan.val.build_id if plan.val else None},
        "mean": {"DATASET_MEAN": [mean.rMean, mean.gMean, mean.bMean]},
        "network": {"NETWORK": plan.network, "INPUT_SIZE": plan.input_size,
                    "WEIGHT_DECAY": plan.weight_decay, **args, "OPTIMIZER": opt.name,
                    **({"MOMENTUM": opt.momentum, "NESTEROV": opt.nesterov}
                       if opt.name == "sgd" else {})},
        **({"recipe": recipe} if recipe else {}),
    })  # fmt: skip


def differences(then: dict[str, Any], now: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """``(group, setting, checkpoint's value, this run's)`` for every fact that differs."""
    found = []
    for group, values in now.items():
        before = then.get(group) or {}
        for name in [*values, *(n for n in before if n not in values)]:
            if before.get(name) != values.get(name):
                found.append((group, name, before.get(name), values.get(name)))
    return found


def check_resume(plan: TrainingPlan, flag: str) -> list[str]:
    """Refuse to continue ``plan.resume_from`` on other data or with another network
    (``flag``: ``--resume`` or ``--start-epoch N``, for the message); the notes to print.

    Raises:
        ResumeError: one line naming the setting, the checkpoint's value and this run's.
    """
    path, _ = plan.resume_from
    record = read_record(path, CHECKPOINT_RECORD)
    if record is None:
        return [f"checkpoint {path.name} was written by an earlier version: its data and "
                "network are not checked, and its dropout draws start again"]  # fmt: skip
    for group, name, then, now in differences(record, checkpoint_facts(plan)):
        if group == "data":
            raise ResumeError(
                f"checkpoint {path.name} was trained on {_build(then)} of {name}, which now "
                f"holds {_build(now)} (rebuilt since: images it trained on may now be "
                "validation or test images); resume with the files it was trained on, or "
                "start again with --overwrite"
            )
        raise ResumeError(
            f"{flag} would change the {group}: {name} is {now}, checkpoint {path.name} was "
            f"trained with {then}; resume with the checkpoint's settings, or start again "
            "with --overwrite"
        )
    return []


def _build(build_id: str | None) -> str:
    return f"build {build_id}" if build_id is not None else "no images"


def usable_checkpoint(files: TrainingFiles, found: tuple[Path, int]) -> tuple[Path, int]:
    """``found`` (a checkpoint and its epoch) when it is a complete archive.

    Raises:
        ResumeError: it is damaged (cut off); names the newest complete one before it.
    """
    problem = archive_problem(found[0])
    if problem is not None:
        raise damaged_checkpoint(files, found, problem)
    return found


def damaged_checkpoint(files: TrainingFiles, found: tuple[Path, int], problem: str) -> ResumeError:
    """The error of a checkpoint that cannot be resumed (``problem``: why), naming the
    newest complete checkpoint before it (``--start-epoch``), if any."""
    path, epoch = found
    earlier = [(e, p) for e, p in files.epoch_checkpoints() if e < epoch]
    complete = [e for e, p in sorted(earlier, reverse=True) if archive_problem(p) is None]
    then = (f"resume from epoch {complete[0]} with --start-epoch {complete[0]}, or delete it"
            if complete else "no complete checkpoint comes before it: start again with "
            "--overwrite")  # fmt: skip
    return ResumeError(f"checkpoint {path.name} in {files.checkpoints} is damaged ({problem}); "
                       f"{then}")  # fmt: skip
