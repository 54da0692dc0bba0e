"""EpochCheckpoint: save the whole model (weights and optimizer state) every few epochs,
atomically, so a killed run can continue with ``--resume``; each checkpoint also holds
its epoch, the random state of the model's layers (which Keras does not save) and what
the caller says it was trained on (``record``), read back with :func:`checkpoint_record`."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import keras

from pyimagesearch.callbacks.random_state import random_state
from pyimagesearch.utils.atomic import atomic_write
from pyimagesearch.utils.keras_archive import CHECKPOINT_RECORD, add_record, read_record

_NAME = re.compile(r"^epoch_(\d+)\.keras$")


def latest_checkpoint(folder: str | os.PathLike[str]) -> tuple[Path, int] | None:
    """``(path, epoch)`` of the newest finished checkpoint in ``folder``, or None."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    if not found:
        return None
    epoch, path = max(found)
    return path, epoch


class EpochCheckpoint(keras.callbacks.Callback):
    """Write ``output_path/epoch_NNN.keras`` every ``every`` epochs, keeping the last ``keep``
    (older ones are removed only once a newer one is complete).

    A checkpoint is written under a temporary name and renamed when complete, so a run
    killed mid-write never leaves a checkpoint that looks finished. ``start_at`` is the
    number of epochs already done (for a resumed run); ``record`` (JSON) is kept in every
    checkpoint with its ``epoch`` and ``random`` state.

    Example (not run by the tests: trains a model):
        >>> model.fit(gen, epochs=75, callbacks=[EpochCheckpoint("output/checkpoints")])
        ... # doctest: +SKIP
    """

    def __init__(
        self,
        output_path: str | os.PathLike[str],
        every: int = 1,
        start_at: int = 0,
        keep: int = 2,
        record: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.output_path = Path(output_path)
        self.every = max(1, int(every))
        self.start_at = int(start_at)
        self.keep = max(1, int(keep))
        self.record = dict(record or {})

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        done = epoch + 1  # Keras counts epochs from 0, including initial_epoch
        if done % self.every:
            return
        with atomic_write(self.output_path / f"epoch_{done:03d}.keras") as tmp:
            self.model.save(tmp)
            extra = {**self.record, "epoch": done, "random": random_state(self.model)}
            add_record(tmp, CHECKPOINT_RECORD, extra)
        old = sorted(
            (int(m.group(1)), p) for p in self.output_path.iterdir() if (m := _NAME.match(p.name))
        )
        for _, path in old[: -self.keep]:
            path.unlink(missing_ok=True)


def checkpoint_record(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What :class:`EpochCheckpoint` kept in a checkpoint beside the model (None: a
    checkpoint written without it)."""
    return read_record(path, CHECKPOINT_RECORD)
