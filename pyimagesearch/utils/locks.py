"""Operating-system locks on the files one process writes, so that a second process that
would write the same files refuses at once instead of mixing its writes with the first's
(two trainings would mix their weights; two builds would write the same ``.partial``
files, then HDF5 fails with "Resource temporarily unavailable", or one publishes the
other's half).

A lock is ``fcntl.flock`` on a hidden file beside each output (``.alexnet.keras.lock``
beside ``alexnet.keras``), holding the process id and command of its holder. The
operating system releases it when the process ends, also when it is killed (``kill -9``);
:meth:`OutputLock.release` (or the end of the process) removes the lock files.
:func:`output_locks` holds them for a ``with`` block.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> lock = OutputLock.take({"MODEL_PATH": folder / "model.keras"}, command="train.py")
    >>> OutputLock.take({"MODEL_PATH": folder / "model.keras"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pyimagesearch.errors.OutputError: another training is writing MODEL_PATH (process ...
    >>> lock.release()
    >>> with output_locks([folder / "train.hdf5"], "build"):
    ...     with output_locks([folder / "train.hdf5"], "build"):  # a second writer
    ...         pass  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pyimagesearch.errors.OutputError: another build is writing .../train.hdf5 (process ...
    >>> sorted(p.name for p in folder.iterdir())
    []
"""

from __future__ import annotations

import contextlib
import os
import sys
import weakref
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from pyimagesearch.errors import OutputError

try:  # POSIX; elsewhere nothing is locked (a second run is not refused)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_file(target: str | os.PathLike[str]) -> Path:
    """The lock file of an output file or folder: ``out/model.keras`` ->
    ``out/.model.keras.lock``."""
    target = Path(target)
    return target.with_name(f".{target.name}.lock")


def holder(path: Path) -> str:
    """``"process 1234: train.py --config c.py"``, as the lock file names its holder."""
    with contextlib.suppress(OSError):
        pid, _, command = path.read_text(errors="replace").partition("\n")
        if pid.strip():
            return f"process {pid.strip()}: {command.strip() or '?'}"
    return "a process that has not yet said which"


def _lock_one(path: Path) -> int | None:
    """An open descriptor holding ``path``'s lock, or None when another process holds it.
    A lock file removed by its previous holder between our open and our lock is opened
    again (the lock must be on the file the path names now)."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        with contextlib.suppress(FileNotFoundError):
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        os.close(fd)


def _release(held: list[tuple[Path, int]]) -> None:
    for path, fd in held:
        with contextlib.suppress(OSError):
            path.unlink()  # first: a process waiting for it then opens a new file
        with contextlib.suppress(OSError):
            os.close(fd)
    held.clear()


def _names(names: list[str]) -> str:
    """``"A"``, ``"A and B"``, ``"A, B and C"``."""
    return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]


class OutputLock:
    """The locks of one process on its outputs (see the module doc)."""

    def __init__(self, held: list[tuple[Path, int]]) -> None:
        self._held = held
        self._finalizer = weakref.finalize(self, _release, held)

    @classmethod
    def take(
        cls,
        outputs: Mapping[str, str | os.PathLike[str]],
        command: str | None = None,
        what: str = "training",
        advice: str | None = None,
    ) -> OutputLock:
        """Lock every output (``{name: file or folder}``; their folders exist).

        Args:
            outputs: what to lock, by the name the refusal gives it (a setting or a path).
            command: the holder's command written in the lock files (default: this
                process's script and arguments).
            what: the writer, as the refusal names it ("training", "build").
            advice: the refusal's end (default: wait, or give this run its own outputs).

        Raises:
            OutputError: another process holds one of them; names the outputs it holds
                and the process (its id and command).
        """
        if fcntl is None:  # pragma: no cover - Windows
            return cls([])
        text = f"{os.getpid()}\n{command or _command()}\n"
        held: list[tuple[Path, int]] = []
        taken: list[str] = []
        for name, target in outputs.items():
            path = lock_file(target)
            fd = _lock_one(path)
            if fd is None:
                taken.append(name)
                busy = path
                continue
            held.append((path, fd))
            os.ftruncate(fd, 0)
            os.write(fd, text.encode(errors="replace"))
        if taken:
            _release(held)
            names = _names(taken)
            advice = advice or f"wait for it to finish, or give this run its own {names}"
            raise OutputError(f"another {what} is writing {names} ({holder(busy)}); {advice}")
        return cls(held)

    def release(self) -> None:
        """Unlock and remove the lock files (again: nothing)."""
        self._finalizer()


@contextlib.contextmanager
def output_locks(targets: Iterable[str | os.PathLike[str]], what: str) -> Iterator[None]:
    """Hold the locks of ``targets`` (files whose folders exist, named by their paths in a
    refusal) for the block; ``what`` names the writer ("build")."""
    outputs = {str(target): target for target in sorted({Path(t) for t in targets})}
    lock = OutputLock.take(outputs, what=what, advice="wait for it or point the outputs elsewhere")
    try:
        yield
    finally:
        lock.release()


def _command() -> str:
    """This process's script and arguments, in one short line."""
    words = [Path(sys.argv[0]).name if sys.argv else "python", *sys.argv[1:]]
    text = " ".join(words)
    return text if len(text) <= 200 else text[:199] + "…"
