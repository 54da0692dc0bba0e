"""The files a training leaves (model, checkpoints, history, plot), protected from the next.

A fresh run never destroys an earlier run's model or checkpoints: without ``--resume`` or
``--overwrite`` it stops before training; with ``--overwrite`` the earlier files are moved
into a folder the message names, and removed only once the new model is complete (by
this run, or by the ``--resume`` or ``--overwrite`` run that completes it after an
interruption).

Example (not run by the tests: needs an earlier training's files):
    >>> files = TrainingFiles.of(cfg, "alexnet")        # doctest: +SKIP
    >>> files.existing()                               # doctest: +SKIP
    [PosixPath('output/checkpoints/epoch_012.keras'), ...]
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from pyimagesearch.config import Config
from pyimagesearch.errors import OutputError
from pyimagesearch.models.record import record_path
from pyimagesearch.utils.locks import OutputLock

_CHECKPOINT = re.compile(r"^(epoch_\d+|best)\.keras$")
_EPOCH = re.compile(r"^epoch_(\d+)\.keras$")


@dataclass
class TrainingFiles:
    """Where one training writes its model, checkpoints, history and plot."""

    model: Path
    checkpoints: Path
    history: Path
    plot: Path

    @classmethod
    def of(cls, cfg: Config, name: str) -> TrainingFiles:
        return cls(
            Path(cfg.MODEL_PATH),
            Path(cfg.get("CHECKPOINT_PATH")),
            cfg.output_path(f"{name}_training.json"),
            cfg.output_path(f"{name}_training.png"),
        )

    def lock(self) -> OutputLock:
        """The operating system's lock on these files, for one training at a time.

        Raises:
            OutputError: another process is writing them (named with its command).
        """
        return OutputLock.take(
            {"MODEL_PATH": self.model, "CHECKPOINT_PATH": self.checkpoints,
             "OUTPUT_PATH": self.history}
        )  # fmt: skip

    @property
    def best(self) -> Path:
        """The best epoch so far, without optimizer state."""
        return self.checkpoints / "best.keras"

    def checkpoint_files(self) -> list[Path]:
        if not self.checkpoints.is_dir():
            return []
        return sorted(p for p in self.checkpoints.iterdir() if _CHECKPOINT.match(p.name))

    def existing(self) -> list[Path]:
        """The files of an earlier run that a fresh run would replace."""
        singles = [self.model, record_path(self.model), self.history, self.plot]
        return [p for p in singles if p.exists()] + self.checkpoint_files()

    def refuse_to_replace(self) -> None:
        """Stop a fresh run before training when an earlier run's files are there."""
        found = self.existing()
        if found:
            shown = ", ".join(p.name for p in found[:4]) + (" ..." if len(found) > 4 else "")
            raise OutputError(
                f"an earlier run's files are there ({shown} in {found[0].parent}): pass "
                "--resume to continue it, or --overwrite to start again (its files are kept "
                "aside until the new model is complete)"
            )

    def checkpoint_of(self, epoch: int) -> tuple[Path, int]:
        """``(path, epoch)`` of the checkpoint of ``epoch`` (``--start-epoch``)."""
        path = self.checkpoints / f"epoch_{epoch:03d}.keras"
        if not path.is_file():
            found = [p.name for p in self.checkpoint_files() if _EPOCH.match(p.name)]
            raise OutputError(
                f"no checkpoint of epoch {epoch} in {self.checkpoints} (there: "
                f"{', '.join(found) or 'none'}); raise CHECKPOINTS_KEEP to keep more"
            )
        return path, epoch

    def epoch_checkpoints(self) -> list[tuple[int, Path]]:
        """``(epoch, path)`` of every epoch's checkpoint, oldest first."""
        return sorted((int(m.group(1)), p) for p in self.checkpoint_files()
                      if (m := _EPOCH.match(p.name)))  # fmt: skip

    def latest_checkpoint(self) -> tuple[Path, int] | None:
        """``(path, epoch)`` of the newest finished checkpoint, or None."""
        found = self.epoch_checkpoints()
        if not found:
            return None
        epoch, path = found[-1]
        return path, epoch

    def set_aside(self) -> Path | None:
        """Move the earlier run's files into ``<output>/replaced_<time>/``; return it."""
        found = self.existing()
        if not found:
            return None
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = self.history.parent / f"replaced_{stamp}"
        (folder / "checkpoints").mkdir(parents=True, exist_ok=True)
        for path in found:
            inside = "checkpoints" if path.parent == self.checkpoints else ""
            os.replace(path, folder / inside / path.name)
        return folder

    def replaced_folders(self) -> list[Path]:
        """The ``replaced_<time>/`` folders of earlier runs of these files, oldest first
        (left by an ``--overwrite`` run that did not finish: killed, interrupted, failed)."""
        folders = sorted(self.history.parent.glob("replaced_*"))
        names = (self.model.name, self.history.name)
        return [f for f in folders if f.is_dir() and any((f / n).exists() for n in names)]

    @staticmethod
    def discard(folder: Path | None) -> None:
        """Delete a folder of set-aside files once the replacement is complete."""
        if folder is not None and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
