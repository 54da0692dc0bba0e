"""Write the splits as N shard files each, one writer process a shard, and their indexes
(``SHARDS``).

Each split's images are cut into N runs of consecutive images (in split order), and
process k writes run k of every split (a fresh interpreter with its own h5py and HDF5
library, so the writers share no lock) with :func:`~pyimagesearch.data.split_writer.
build_split`, under its ``.partial`` name; the decoding threads are shared out among the
processes. The index (:mod:`pyimagesearch.io.shards`) is written last, under the split's
own ``.partial`` name. :class:`StagedShardSet` publishes the shards and then the index, or
deletes them all: the builder publishes every split and the mean together, as with one
file a split. One shard of every split can also be written alone (:func:`write_shard`), by
each of several machines into shared storage, its results recorded (:func:`write_result`)
for the step that publishes the set (:func:`collect_results`,
:mod:`pyimagesearch.data.shard_build`).

Example (not run by the tests: needs photos to write):
    >>> done = build_sharded_splits(                                 # doctest: +SKIP
    ...     {"train": (paths, labels, "train.hdf5", {})}, shards=4,
    ...     label_names=["cat", "dog"], image_size=(256, 256))
    >>> report, sums, staged = done["train"]                        # doctest: +SKIP
    >>> staged.publish()                                             # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from pyimagesearch.data.split_writer import SplitReport, build_split, close_report
from pyimagesearch.errors import DatasetError, OutputError
from pyimagesearch.io.shards import shard_paths, write_index
from pyimagesearch.utils.atomic import atomic_write, partial_path
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.progress import progress_bar


@dataclass
class ShardResult:
    """What a shard's process hands back (picklable): its report, its RGB channel sums,
    its rows of each label, and its file (under its ``.partial`` name)."""

    report: SplitReport
    sums: np.ndarray
    counts: np.ndarray
    partial: str


def write_shard(jobs: list[dict[str, Any]]) -> list[ShardResult]:
    """Write one shard of each split: each job holds :func:`build_split`'s arguments (its
    ``output_path`` the shard's name); the files stay ``.partial``."""
    results = []
    for job in jobs:
        report, sums, writer = build_split(**job)
        counts = writer.label_counts(len(job["label_names"]))
        results.append(ShardResult(report, sums, counts, str(writer.partial_path)))
    return results


@dataclass
class StagedShardSet:
    """The shards and the index of one split, waiting under their ``.partial`` names."""

    path: Path
    shards: list[Path]
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def label_counts(self, classes: int) -> np.ndarray:
        return np.pad(self.counts[:classes], (0, max(0, classes - len(self.counts))))

    def publish(self) -> None:
        """The shards first, the index last: no index names a shard not there yet."""
        for target in [*self.shards, self.path]:
            os.replace(partial_path(target), target)

    def abort(self) -> None:
        for target in [*self.shards, self.path]:
            with contextlib.suppress(OSError):
                partial_path(target).unlink()


def shard_jobs(paths: list[str], labels: np.ndarray, shards: int, workers: int,
               **common: Any) -> list[dict[str, Any]]:  # fmt: skip
    """:func:`build_split`'s arguments of each shard: runs of consecutive images,
    ``workers`` decoding threads each."""
    bounds = np.linspace(0, len(paths), shards + 1).astype(int)
    outputs = shard_paths(common.pop("output_path"), shards)
    return [
        {**common, "paths": paths[lo:hi], "labels": labels[lo:hi], "output_path": out,
         "workers": workers, "progress": False}
        for lo, hi, out in zip(bounds[:-1], bounds[1:], outputs, strict=True)
    ]  # fmt: skip


def run_shards(per_process: list[list[dict[str, Any]]], progress: bool) -> list[list[ShardResult]]:
    """Each process's jobs (shard k of every split) in its own process (a fresh
    interpreter: :func:`_main`), side by side; a failing one (or Ctrl-C) stops the others
    and deletes what every shard wrote, and its error is raised here."""
    bar = progress_bar(f"building {len(per_process)} shards", len(per_process), progress)
    children: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="pyis-shards-") as folder:
        files = [Path(folder) / f"{k}.pickle" for k in range(len(per_process))]
        try:
            for jobs, path in zip(per_process, files, strict=True):
                children.append(_start(jobs, path))
            for k, child in enumerate(children):
                child.wait()
                bar.update(k + 1)
            results = [_outcome(path, child) for path, child in zip(files, children, strict=True)]
        except BaseException:
            _stop(children, [job for jobs in per_process for job in jobs])
            raise
    bar.finish()
    return results


def _stop(children: list[subprocess.Popen], jobs: list[dict[str, Any]]) -> None:
    """End the shard processes still running, then delete every shard's file."""
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        child.wait()
    for job in jobs:
        with contextlib.suppress(OSError):
            partial_path(job["output_path"]).unlink()


# The shard process: this module imported by its name (so that what it pickles unpickles
# here), not run as __main__.
_CHILD = "import sys; from pyimagesearch.data.shard_writer import _main; _main(sys.argv[1])"


def _start(jobs: list[dict[str, Any]], path: Path) -> subprocess.Popen:
    """A process writing ``jobs``' shards; its outcome goes to ``path``."""
    path.write_bytes(pickle.dumps(jobs))
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}  # fmt: skip
    return subprocess.Popen([sys.executable, "-c", _CHILD, str(path)], env=env)


def _outcome(path: Path, child: subprocess.Popen) -> list[ShardResult]:
    """The shards' results, or their error raised again (a process that died: one line)."""
    outcome = pickle.loads(path.read_bytes())  # still the jobs if the process died
    if isinstance(outcome, list) and all(isinstance(r, ShardResult) for r in outcome):
        return outcome
    if isinstance(outcome, BaseException):
        raise outcome
    raise OutputError(
        f"a shard writer process ended with code {child.returncode} before it finished "
        "(killed, or out of memory); nothing was published"
    )


def _main(path: str) -> None:
    """The shard process: the jobs pickled in ``path`` replaced by their results or error."""
    jobs = pickle.loads(Path(path).read_bytes())
    try:
        outcome: Any = write_shard(jobs)
    except BaseException as exc:  # handed to the parent, which raises it
        outcome = exc
    Path(path).write_bytes(pickle.dumps(outcome))


def build_sharded_splits(
    splits: dict[str, tuple[list[str], np.ndarray, str | Path, dict[str, Any]]],
    shards: int,
    workers: int = 1,
    progress: bool = True,
    **options: Any,
) -> dict[str, tuple[SplitReport, np.ndarray, StagedShardSet]]:
    """Write every split (``{name: (paths, labels, output_path, file attributes)}``) as
    ``shards`` files,
    process ``k`` writing shard ``k`` of each, then each split's index at its
    ``output_path`` (all under ``.partial`` names): each split's report, RGB channel
    sums and staged set to publish. ``options``: the rest of :func:`build_split`'s
    arguments (``label_names`` and ``image_size`` among them)."""
    start = time.perf_counter()
    threads = max(1, workers // shards)  # the decoding threads shared out
    jobs = {name: shard_jobs(paths, labels, shards, threads, name=name, output_path=out,
                             attrs=attrs, **options)
            for name, (paths, labels, out, attrs) in splits.items()}  # fmt: skip
    per_process = [[jobs[name][k] for name in jobs] for k in range(shards)]
    results = run_shards(per_process, progress)
    elapsed = time.perf_counter() - start
    finished = {}
    try:
        for i, (name, (_, _, out, _)) in enumerate(splits.items()):
            mine = [results[k][i] for k in range(shards)]
            finished[name] = finish_split(name, out, mine, elapsed)
    except BaseException:
        for job in (job for shard in per_process for job in shard):
            with contextlib.suppress(OSError):
                partial_path(job["output_path"]).unlink()
        raise
    return finished


def finish_split(
    name: str, output_path: str | Path, results: list[ShardResult], elapsed: float
) -> tuple[SplitReport, np.ndarray, StagedShardSet]:
    """The index of one split's written shards (``results``, in shard order), its merged
    report and channel sums, and the staged set to publish."""
    staged = StagedShardSet(Path(output_path), shard_paths(output_path, len(results)))
    names = [p.name for p in staged.shards]
    write_index(partial_path(output_path), [Path(r.partial) for r in results], names)
    staged.counts = np.sum([r.counts for r in results], axis=0)
    report = merged_report(name, output_path, results, elapsed)
    return report, np.sum([r.sums for r in results], axis=0), staged


def merged_report(
    name: str, output_path: str | Path, results: list[ShardResult], elapsed: float
) -> SplitReport:
    """One split's report from its shards' (in shard order), timed as a whole."""
    parts = [r.report for r in results]
    report = SplitReport(
        output=display_path(output_path),
        listed=sum(p.listed for p in parts),
        written=sum(p.written for p in parts),
        storage=parts[0].storage,
    )
    for part in parts:
        report.skipped_files.extend(part.skipped_files)
        report.source_notes.extend(part.source_notes)
        report.stored_bytes += part.stored_bytes
    close_report(report, name, elapsed)
    return report


# -- one shard at a time (several machines), published by a last step -------------------------
RESULT_NAME = "build_shard-{shard:05d}-of-{of:05d}.json"


def result_path(report_path: str | os.PathLike[str], shard: int, of: int) -> Path:
    """Where shard ``shard`` of ``of`` records what it wrote: beside the build report."""
    return Path(report_path).with_name(RESULT_NAME.format(shard=shard, of=of))


def write_result(path: Path, build_id: str, names: list[str], results: list[ShardResult]) -> None:
    """Record one shard's results (``names``: its splits, in order) for the last step."""
    splits = {name: {"report": asdict(r.report), "sums": r.sums.tolist(),
                     "counts": r.counts.tolist(), "partial": r.partial}
              for name, r in zip(names, results, strict=True)}  # fmt: skip
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps({"build_id": build_id, "splits": splits}, indent=1))


def collect_results(
    report_path: str | os.PathLike[str], names: list[str], of: int, build_id: str
) -> dict[str, list[ShardResult]]:
    """Every shard's results of every split (``names``), checked: each shard built, for
    this build (``build_id``: the same settings and images), its files there and
    complete. One line naming the first shard that is not."""
    out: dict[str, list[ShardResult]] = {name: [] for name in names}
    for shard in range(of):
        path = result_path(report_path, shard, of)
        again = f"build it with build_dataset.py --shard {shard} --of {of}"
        if not path.is_file():
            raise DatasetError(f"shard {shard} of {of} is not built (no {path}); {again}")
        record = json.loads(path.read_text())
        if record.get("build_id") != build_id:
            raise DatasetError(f"{path} is of another build (other settings or images); {again}")
        for name in names:
            entry = record["splits"][name]
            _require_complete(Path(entry["partial"]), again)
            report, counts = SplitReport(**entry["report"]), np.asarray(entry["counts"], np.int64)
            out[name].append(
                ShardResult(report, np.asarray(entry["sums"]), counts, entry["partial"])
            )
    return out


def _require_complete(partial: Path, again: str) -> None:
    try:
        with h5py.File(partial, "r") as db:
            complete = bool(db.attrs.get("complete", False))
    except OSError:
        complete = False
    if not complete:
        raise DatasetError(f"{partial} is missing or unfinished; {again}")
