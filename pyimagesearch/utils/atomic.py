"""Write files so that nothing half-written ever looks finished, and check outputs early.

Every file a script produces is written under a temporary ``.partial`` name and renamed
into place only when complete (``os.replace`` is atomic on one file system): a killed run,
a full disk or a read-only folder never leaves a truncated file under the real name, and
never destroys the previous file before the new one is whole.

Example:
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "report.json"
    ...     with atomic_write(path) as tmp:
    ...         _ = tmp.write_text("{}")
    ...         print(path.exists())           # not there until the block ends
    ...     print(path.read_text())
    False
    {}
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from pyimagesearch.errors import OutputError

# Keras insists on the ``.keras`` suffix, h5py does not care: files whose suffix matters
# keep it after ``.partial``.
_KEEP_SUFFIX = {".keras", ".h5"}


def partial_path(target: str | os.PathLike[str]) -> Path:
    """The temporary name of ``target`` while it is written: ``train.hdf5.partial``,
    ``model.partial.keras``."""
    target = Path(target)
    if target.suffix in _KEEP_SUFFIX:
        return target.with_name(f"{target.stem}.partial{target.suffix}")
    return target.with_name(target.name + ".partial")


@contextlib.contextmanager
def atomic_write(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield the temporary path to write; on success rename it to ``target``, on any
    failure (or Ctrl-C) delete it and leave ``target`` as it was. A failed write (a full
    disk: ``write()`` names no file) is raised naming ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_path(target)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.filename in (None, str(tmp), tmp):
            raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
        raise


class StagedFiles:
    """Files written under their ``.partial`` names and published together, or none of them.

    Add writers that stage their own file (anything with ``publish()`` and ``abort()``,
    e.g. an ``HDF5DatasetWriter`` closed with ``publish=False``) and text files
    (:meth:`write_text`); :meth:`publish` renames them all in the order added, :meth:`abort`
    deletes them all. A failed write names the file it was for.

    Example:
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     staged = StagedFiles()
        ...     _ = staged.write_text(Path(folder) / "mean.json", "{}")
        ...     _ = staged.write_text(Path(folder) / "report.json", "{}")
        ...     print(sorted(p.name for p in Path(folder).iterdir()))
        ...     staged.publish()
        ...     print(sorted(p.name for p in Path(folder).iterdir()))
        ['mean.json.partial', 'report.json.partial']
        ['mean.json', 'report.json']
    """

    class _Text:
        def __init__(self, target: Path) -> None:
            self.target, self.tmp = target, partial_path(target)

        def publish(self) -> None:
            os.replace(self.tmp, self.target)

        def abort(self) -> None:
            self.tmp.unlink(missing_ok=True)

    def __init__(self) -> None:
        self._files: list = []

    def add(self, writer) -> None:
        """A writer whose finished file waits under its ``.partial`` name."""
        self._files.append(writer)

    def write_text(self, target: str | os.PathLike[str], text: str) -> Path:
        """Write ``text`` to ``target``'s ``.partial`` name (published by :meth:`publish`);
        a failure (a full disk: ``write()`` names no file) is raised naming ``target``."""
        staged = self._Text(Path(target))
        self._files.append(staged)
        try:
            staged.tmp.write_text(text)
        except OSError as exc:
            if exc.filename not in (None, str(staged.tmp), staged.tmp):
                raise
            raise OSError(exc.errno, exc.strerror or str(exc), str(staged.target)) from None
        return staged.tmp

    def publish(self) -> None:
        for staged in self._files:
            staged.publish()

    def abort(self) -> None:
        for staged in self._files:
            staged.abort()


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike[str]) -> Iterator[Path]:
    """:func:`atomic_write` for a folder: yield an empty ``NAME.partial`` folder beside
    ``target`` to fill; on success it becomes ``target`` (an earlier ``target`` is removed
    only then), on any failure it is removed and ``target`` is left as it was.

    Example:
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     with atomic_folder(Path(folder) / "export") as tmp:
        ...         _ = (tmp / "model.onnx").write_bytes(b"...")
        ...     print(sorted(p.name for p in Path(folder).rglob("*")))
        ['export', 'model.onnx']
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp, old = partial_path(target), target.with_name(target.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)  # what a killed run left
    tmp.mkdir()
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not target.exists():  # failed between the two renames
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_write(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def refuse_existing(outputs: Mapping[str, str | os.PathLike[str] | None], overwrite: bool) -> None:
    """Refuse, in one line, to replace any existing file of ``outputs`` (``{setting or
    option name: path}``) unless ``overwrite``."""
    existing = [f"{name} {path}" for name, path in outputs.items()
                if path is not None and Path(path).exists()]  # fmt: skip
    if existing and not overwrite:
        raise OutputError(
            f"{', '.join(existing)} already exists; pass --overwrite to replace it (the old "
            "file stays until the new one is complete)"
        )


def check_writable(outputs: Mapping[str, str | os.PathLike[str] | None]) -> None:
    """Check that every output's folder exists (created if needed) and takes a new file.

    Args:
        outputs: ``{setting name: path}`` of the files about to be written; None skipped.

    Raises:
        OutputError: one line naming the setting, the folder and the reason.
    """
    for name, path in outputs.items():
        if path is None:
            continue
        target = Path(path)
        if target.is_dir():
            raise OutputError(f"{name} = {target} is a folder; it must name a file")
        folder = target.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder, prefix=".pyis-write-check-"):
                pass
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise OutputError(
                f"cannot write {name} ({target}): {reason} in {folder}; choose a folder you "
                "can write to"
            ) from None


def check_writable_folder(name: str, folder: str | os.PathLike[str]) -> None:
    """Like :func:`check_writable` for a setting that names a folder (``CHECKPOINT_PATH``)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{name} = {folder} is a file; it must name a folder")
    check_writable({name: folder / "probe"})


def human_bytes(count: float) -> str:
    """``1536`` -> ``'1.5 KB'``."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if abs(count) < 1024 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} TB"  # pragma: no cover


def check_free_space(needs: Mapping[str, tuple[str | os.PathLike[str], int]]) -> None:
    """Refuse, before any work, outputs that will not fit on their disk.

    Args:
        needs: ``{setting name: (path, bytes it will take)}``; outputs on one file system
            are added up.

    Raises:
        OutputError: one line: what needs how much, and how much is free.
    """
    by_device: dict[int, tuple[Path, list[str], int]] = {}
    for name, (path, size) in needs.items():
        folder = Path(path).parent
        folder.mkdir(parents=True, exist_ok=True)
        device = os.stat(folder).st_dev
        where, names, total = by_device.get(device, (folder, [], 0))
        by_device[device] = (where, [*names, name], total + int(size))
    for folder, names, total in by_device.values():
        free = shutil.disk_usage(folder).free
        if total > free:
            raise OutputError(
                f"not enough disk space for {', '.join(names)} in {folder}: they need "
                f"{human_bytes(total)}, {human_bytes(free)} is free (earlier files are kept "
                "until the new ones are complete); free some space or choose another folder"
            )
