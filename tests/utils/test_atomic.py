"""Atomic writes: nothing half-written under the real name, and a failed write names it."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from pyimagesearch.cli import os_error_line
from pyimagesearch.utils.atomic import atomic_write
from pyimagesearch.utils.reports import write_json


def test_a_full_disk_names_the_file_and_keeps_the_old_one(tmp_path: Path, monkeypatch) -> None:
    """write() on a full disk raises ENOSPC without a file name: the error names the file
    being written (a checkpoint, report.py's page, evaluation.json, the build report)."""
    target = tmp_path / "evaluation.json"
    target.write_text("old")

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError) as info:
        write_json(target, {"rank1": 0.9})
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(target)
    assert os_error_line(info.value) == (
        f"No space left on device: {target} (free some disk space or point the output elsewhere)"
    )
    monkeypatch.undo()
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]


def test_other_failures_pass_through(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="boom"), atomic_write(tmp_path / "a.json") as tmp:
        tmp.write_text("{}")
        raise ValueError("boom")
    assert not list(tmp_path.iterdir())
