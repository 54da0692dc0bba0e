"""One writer at a time: an exclusive lock on each output, held while it is written.

Two builds into the same files would write the same ``.partial`` files at once (HDF5 then
fails with "Resource temporarily unavailable", or worse, one build publishes the other's
half). :func:`output_locks` takes an operating-system lock (``fcntl.flock``) on a
``NAME.lock`` file beside each output before any work, and refuses in one line naming the
output and the process holding it. The system releases the lock when the process ends,
however it ends (``kill -9`` included); the lock file is removed on the way out.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = Path(folder) / "train.hdf5"
    ...     with output_locks([target], "build"):
    ...         with output_locks([target], "build"):  # a second writer of the same file
    ...             pass  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pyimagesearch.errors.OutputError: another build is writing .../train.hdf5 (process ...); \
wait for it or point the outputs elsewhere
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyimagesearch.errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locks, as before
    fcntl = None  # type: ignore[assignment]


def lock_path(target: str | os.PathLike[str]) -> Path:
    """The lock file of ``target``: ``train.hdf5.lock`` beside it."""
    target = Path(target)
    return target.with_name(target.name + ".lock")


def _holder(path: Path) -> str:
    """The process id written in a lock file ("?" while it is being written)."""
    with contextlib.suppress(OSError, ValueError):
        return str(int(path.read_text().strip()))
    return "?"


def _acquire(target: Path, what: str) -> int | None:
    """The open, locked lock file of ``target`` (its descriptor), or OutputError naming the
    process that holds it. Retries when the holder removed the file in between."""
    path = lock_path(target)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(
                f"another {what} is writing {target} (process {_holder(path)}); wait for it or "
                "point the outputs elsewhere"
            ) from None
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:  # still the file of that name
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                return fd
        os.close(fd)  # removed by its holder after we opened it: take the new one


def _release(target: Path, fd: int) -> None:
    with contextlib.suppress(OSError):
        lock_path(target).unlink()  # while still locked: no one else holds this file
    os.close(fd)


@contextlib.contextmanager
def output_locks(targets: Iterable[str | os.PathLike[str]], what: str) -> Iterator[None]:
    """Hold an exclusive lock on each of ``targets`` (their folders must exist) for the
    block; ``what`` names the writer in the refusal ("build")."""
    held: list[tuple[Path, int]] = []
    try:
        if fcntl is not None:
            for target in sorted({Path(t) for t in targets}):
                held.append((target, _acquire(target, what)))
        yield
    finally:
        for target, fd in reversed(held):
            _release(target, fd)
