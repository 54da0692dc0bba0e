"""Run folders: every training or evaluation keeps its own record of what it did.

``output/runs/<date-time>-<name>/`` holds ``run.json`` (the script, its arguments, when,
how long, what it produced, its key numbers, and the data it read: its files, their build
id and the settings the build recorded in them), ``config.json`` (the settings as used,
``--set`` overrides included), ``environment.json`` (Python and package versions, the git
commit of the code) and a copy of every report, plot, history and model record the run
wrote (files are hard-linked where the file system allows, so a model costs no space
twice, and a later ``--overwrite`` of the fixed output path leaves the run's copy as it
was). ``output/runs/latest`` points at the newest run. Nothing in a run folder is ever
rewritten by another run, except that an evaluation of a model adds its results to the run
that trained it.

Example (not run by the tests: trains a model into output/runs):
    >>> with recorded_run(cfg, "train", name="alexnet-lr3") as run:   # doctest: +SKIP
    ...     report = train_network(cfg)
    ...     run.collect(report)
    >>> find_run("output", "latest")                                  # doctest: +SKIP
    PosixPath('output/runs/20261126-041502-alexnet-lr3')
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import importlib.metadata
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pyimagesearch.config import DATA_SETTINGS, SPLIT_SETTINGS, Config, run_settings
from pyimagesearch.errors import ConfigError, PyImageSearchError
from pyimagesearch.io.split_files import build_record
from pyimagesearch.models.record import note_run, record_path
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.reports import read_json, write_json

RUNS_FOLDER = "runs"
LATEST = "latest"
RUN_FILE = "run.json"
HISTORY_FILE = "history.json"
PACKAGES = ("numpy", "h5py", "opencv-python-headless", "scikit-learn", "tensorflow",
            "tensorflow-cpu", "keras", "optuna", "skops")  # fmt: skip
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_STAMP = re.compile(r"^\d{8}-\d{6}-")
# Report keys that name files a run produced; their files are kept in the run folder.
OUTPUT_KEYS = ("model", "model_path", "record", "plot", "plot_path", "history_path",
               "report_path", "submission", "figures", "predictions_csv")  # fmt: skip


def runs_root(cfg: Config) -> Path:
    return Path(cfg.get("OUTPUT_PATH")) / RUNS_FOLDER


def run_name(cfg: Config, name: str | None) -> str:
    """``--name``, or the config file's name (``dogs_vs_cats_config``), made file-safe."""
    raw = name or (Path(cfg.source).stem if cfg.source else "run")
    safe = _UNSAFE.sub("-", raw).strip("-.") or "run"
    return safe[:80]


def code_version() -> dict[str, Any]:
    """The git commit of this code (and whether it had uncommitted changes), if known."""
    repo = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True)  # fmt: skip
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"],
                               capture_output=True, text=True, timeout=10, check=True)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None}
    return {"git_commit": commit.stdout.strip(), "uncommitted_changes": bool(dirty.stdout.strip())}


def environment() -> dict[str, Any]:
    versions = {}
    for package in PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[package] = importlib.metadata.version(package)
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
        **code_version(),
    }


class Run:
    """One run folder (see the module doc)."""

    def __init__(self, path: Path, info: dict[str, Any]) -> None:
        self.path = path
        self.info = info
        self._started = time.perf_counter()

    @property
    def name(self) -> str:
        return self.path.name

    def keep(self, source: str | os.PathLike[str], as_name: str | None = None) -> Path | None:
        """Put a finished output file into the run folder (a hard link, else a copy);
        return where, or None when ``source`` is not a file."""
        source = Path(source)
        if not source.is_file():
            return None
        if source.resolve().parent == self.path.resolve():
            return source
        target = self.path / (as_name or source.name)
        if target.exists():
            target = self.path / f"{source.stem}-{len(self.info['outputs'])}{source.suffix}"
        self.link(source, target.name)
        self.info["outputs"].append(target.name)
        return target

    def link(self, source: Path, target_name: str) -> bool:
        """Hard-link (else copy) ``source`` as ``target_name`` in the folder."""
        target = self.path / target_name
        try:
            os.link(source, target)
        except FileNotFoundError:
            return False
        except OSError:  # another file system, or links not allowed
            shutil.copy2(source, target)
        return True

    def collect(self, report: Mapping[str, Any], summary: Mapping[str, Any] | None = None) -> None:
        """Keep every file a script's report names (model, record, plots, reports), and
        remember the report's key numbers for ``compare_runs.py``."""
        used = self.info.get("input_model")
        for key in OUTPUT_KEYS:
            value = report.get(key)
            values = value if isinstance(value, list | tuple) else [value]
            for one in values:
                if isinstance(one, str | os.PathLike) and not _same_file(one, used):
                    is_model = key in ("model", "model_path") and Path(one).is_file()
                    if is_model:
                        note_run(one, self.path)  # before the record is kept here
                    kept = self.keep(one)
                    if is_model and kept is not None:
                        self.info["model"] = kept.name
                        self.keep(record_path(one))
        history = report.get("history")
        if isinstance(history, Mapping) and not (self.path / HISTORY_FILE).exists():
            write_json(self.path / HISTORY_FILE, history)  # the curves, for report.py
            self.info["outputs"].append(HISTORY_FILE)
        files = report.get("files")
        if isinstance(files, Mapping):  # a diagnosis: its pictures and tables
            for one in files.values():
                self.keep(one)
        self.info["summary"].update(summary or summarise(report))

    def note_training(self, facts: Mapping[str, Any]) -> None:
        """Keep how far a training got (``run.json``'s ``training``: its epochs, epochs
        done, checkpoints): a training that stops after it began keeps its run folder,
        which says where to continue from."""
        self.info.setdefault("training", {}).update(facts)
        self.write()

    def write(self) -> None:
        write_json(self.path / RUN_FILE, self.info)

    def finish(self, status: str) -> None:
        self.info["status"] = status
        self.info["seconds"] = round(time.perf_counter() - self._started, 3)
        self.info["finished"] = now()
        self.write()


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str] | None) -> bool:
    return b is not None and os.path.realpath(a) == os.path.realpath(b)


def now() -> str:
    return datetime.datetime.now().isoformat(timespec="seconds")


SUMMARY_KEYS = ("network", "backbone", "backbones", "kind", "epochs", "epochs_run",
                "head_epochs", "fine_tune_epochs", "best_val_loss", "val_loss", "val_accuracy",
                "accuracy", "log_loss", "best_C", "baseline_rank1", "tencrop_rank1",
                "baseline_rank5", "tencrop_rank5", "baseline_log_loss", "tencrop_log_loss",
                "n_images", "n_test", "split_at", "stopped_epoch", "early_stopping",
                "test_hdf5", "test_build_id")  # fmt: skip


def summarise(report: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers of a report worth a column in a comparison."""
    found = {k: report[k] for k in SUMMARY_KEYS if isinstance(report.get(k), str | int | float)}
    names = report.get("backbones")
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        found["backbones"] = names
    test = report.get("test")
    if isinstance(test, Mapping):
        found.update({k: test[k] for k in SUMMARY_KEYS if isinstance(test.get(k), int | float)})
    history = report.get("history")
    if isinstance(history, Mapping) and history.get("val_loss"):
        found.setdefault("best_val_loss", float(min(history["val_loss"])))
        found.setdefault("epochs", len(history["val_loss"]))
    if isinstance(history, Mapping) and history.get("val_crossentropy"):  # no weight decay
        found.setdefault("best_val_crossentropy", float(min(history["val_crossentropy"])))
    return found


# Reports about the data a run saw, kept in the run as they were when it started (the
# builder and the audit replace their files atomically, so a hard link keeps that version).
DATA_REPORTS = (("build_report.json", "build_report.json"), ("audit/audit.json", "audit.json"))


def _data_reports(cfg: Config) -> list[tuple[Path, str]]:
    return [(cfg.output_path(source), kept) for source, kept in DATA_REPORTS]


FEATURE_RUNS = ("train_logreg", "train_head")  # runs on features, not on the split files


def data_files(cfg: Config, script: str) -> list[str]:
    """The files of a build a run of ``script`` reads, as its config names them (those
    there): the features of a classifier on features, else the builder's split files
    (none for ``predict``: it reads a folder of images)."""
    on_features = script in FEATURE_RUNS or (
        script in ("search", "search_trial") and cfg.get("SEARCH_MODEL") != "network"
    )
    if script == "predict":
        return []
    if on_features:
        from pyimagesearch.features.extract_features import features_files

        try:
            names = [*features_files(cfg), *(cfg.path_list("TEST_FEATURES_HDF5") or [])]
        except PyImageSearchError:  # an unknown backbone: the script itself says so
            names = []
    else:
        names = [cfg.get(name) for name in SPLIT_SETTINGS.values()]
    return [str(n) for n in names if n and Path(n).is_file()]


def data_record(cfg: Config, script: str) -> dict[str, Any] | None:
    """What ``run.json`` keeps of the data a run reads (None: no file of a build): the
    files, and the build id and settings the first file that recorded them holds (the
    build's own, ``--set`` overrides included, whatever the config says now)."""
    records = [r for r in map(build_record, data_files(cfg, script))
               if r is not None and (r["build_id"] or r["settings"])]  # fmt: skip
    if not records:
        return None
    built = next((r for r in records if r["settings"] is not None), records[0])
    return {
        "files": [r["file"] for r in records],
        "build_id": built["build_id"],
        "settings": built["settings"],
    }


def data_settings(info: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of the data a run read, as its build recorded them (``run.json``'s
    ``data``), by the name a comparison shows them under: ``NUM_TEST_IMAGES``, or
    ``RANDOM_SEED (data)`` for a setting the run reads itself as well.

    >>> data_settings({"script": "train_logreg",
    ...                "data": {"settings": {"NUM_TEST_IMAGES": 200, "RANDOM_SEED": 7}}})
    {'NUM_TEST_IMAGES': 200, 'RANDOM_SEED (data)': 7}
    """
    built = (info.get("data") or {}).get("settings") or {}
    own = set(run_settings(str(info.get("script", ""))))
    return {f"{n} (data)" if n in own else n: v for n, v in built.items() if n in DATA_SETTINGS}


def process_record() -> dict[str, Any]:
    """Which process a run is (``pid``, ``host``, and on Linux the process's start time,
    which tells a reused pid apart), so that a run left ``running`` by a killed process
    can be told from one still running (:func:`run_status`)."""
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "process_start": _process_start(os.getpid())}  # fmt: skip


def _process_start(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux: field 22 of
    ``/proc/PID/stat``); None where there is no ``/proc`` or no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    fields = text.rsplit(")", 1)[-1].split()  # after the command, which may hold spaces
    return fields[19] if len(fields) > 19 else None


def process_gone(info: Mapping[str, Any]) -> bool:
    """Whether the process that wrote run record ``info`` no longer exists: only for a
    process of this host (another host's cannot be checked), a pid no process has, or one
    a newer process has taken."""
    pid = info.get("pid")
    if not isinstance(pid, int) or pid <= 0 or info.get("host") != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: it exists
        pass
    recorded, now_start = info.get("process_start"), _process_start(pid)
    return recorded is not None and now_start is not None and now_start != recorded


def run_status(info: Mapping[str, Any]) -> str | None:
    """A run's status: as ``run.json`` records it, but ``"killed"`` for a run still marked
    ``running`` whose process is gone (killed, or the machine went down).

    >>> run_status({"status": "running", "pid": 2**31 - 1, "host": socket.gethostname()})
    'killed'
    >>> run_status({"status": "finished"}), run_status({"status": "running"})
    ('finished', 'running')
    """
    status = info.get("status")
    return "killed" if status == "running" and process_gone(info) else status


def point_latest(root: Path, folder: Path) -> None:
    """``root/latest`` -> ``folder``, replaced atomically (a text file where links fail)."""
    link = root / LATEST
    temporary = root / f".{LATEST}.{os.getpid()}"
    try:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(folder.name, target_is_directory=True)
        os.replace(temporary, link)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        (root / f"{LATEST}.txt").write_text(folder.name + "\n")


def _latest_target(root: Path) -> Path | None:
    """The run ``root/latest`` points at (a search points it at itself, not its last
    trial), if any."""
    link, text = root / LATEST, root / f"{LATEST}.txt"
    with contextlib.suppress(OSError):
        if link.is_symlink():
            return root / os.readlink(link)
        if text.is_file():
            return root / text.read_text().strip()
    return None


def start_run(
    cfg: Config, script: str, name: str | None = None, command: list[str] | None = None
) -> Run:
    """Create a new run folder (never an existing one) with its config and environment."""
    root = runs_root(cfg)
    folder = stamped_folder(root, run_name(cfg, name))
    info = {
        "name": folder.name,
        "script": script,
        "command": [str(c) for c in command]
        if command
        else [Path(sys.argv[0]).name, *sys.argv[1:]],
        "config_file": str(cfg.source) if cfg.source else None,
        "started": now(),
        "created": time.time(),  # orders runs started within one second
        "status": "running",
        **process_record(),
        "outputs": [],
        "summary": {},
    }
    data = data_record(cfg, script)
    if data is not None:
        info["data"] = data
    run = Run(folder, info)
    for source, kept_as in _data_reports(cfg):
        if run.link(source, kept_as):
            info.setdefault("inputs", []).append(kept_as)
    write_json(folder / "config.json", cfg.snapshot())
    write_json(folder / "environment.json", environment())
    run.write()
    point_latest(root, folder)
    return run


@contextlib.contextmanager
def recorded_run(
    cfg: Config, script: str, name: str | None = None, command: list[str] | None = None
) -> Iterator[Run]:
    """A new run for the duration of a script's work; its status says how it ended. A
    run that stops before it produced anything or began training (a refused setting)
    leaves no folder."""
    run = start_run(cfg, script, name, command)
    try:
        yield run
    except BaseException as exc:
        if run.info["outputs"] or run.info.get("trials") or run.info.get("training"):
            run.finish("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
        else:  # stopped before producing anything (a refused setting): leave no trace
            discard(run)
        raise
    else:
        run.finish("finished")


def discard(run: Run) -> None:
    """Remove a run folder that holds nothing but its own records; ``latest`` goes back
    to the newest remaining run."""
    root = run.path.parent
    shutil.rmtree(run.path, ignore_errors=True)
    remaining = list_runs(root)
    if remaining:
        point_latest(root, remaining[-1])
    else:
        for leftover in (root / LATEST, root / f"{LATEST}.txt"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        with contextlib.suppress(OSError):
            root.rmdir()
            root.parent.rmdir()  # OUTPUT_PATH, when the run made it and it is empty


def find_run(
    output_path: str | os.PathLike[str], name: str | None = None, with_model: bool = False
) -> Path:
    """A run folder by name (a full folder name, or the end of one: ``alexnet-lr3``), or
    ``latest``/None for the newest; ``with_model``: only runs that trained a model.

    Raises:
        ConfigError: no run of that name (the message lists the newest ones), or the run
            of that name has a ``run.json`` that cannot be read.
    """
    root = Path(output_path) / RUNS_FOLDER
    runs = list_runs(root)
    if with_model:
        runs = [r for r in runs if run_info(r).get("model")]
    if name not in (None, LATEST) and not _named(runs, name):
        _refuse_damaged(root, name)
    if not runs:
        what = "runs that trained a model" if with_model else "runs"
        raise ConfigError(f"no {what} in {root}: train something first")
    if name in (None, LATEST):
        pointed = _latest_target(root)
        return pointed if pointed in runs else runs[-1]
    matches = _named(runs, name)
    if not matches:
        shown = ", ".join(r.name for r in runs[-5:])
        found = find_run_or_none(root, name) if with_model else None
        if found is not None:
            raise ConfigError(
                f"run {found.name} trained no model (it ran {run_info(found).get('script')}); "
                f"the newest runs that did: {shown}"
            )
        raise ConfigError(f"no run named {name!r} in {root}; the newest: {shown}")
    return matches[-1]


def find_run_or_none(root: Path, name: str) -> Path | None:
    """The newest run of ``root`` named ``name`` (or ending or starting with it), or None."""
    matches = _named(list_runs(root), name)
    return matches[-1] if matches else None


def _named(runs: list[Path], name: str) -> list[Path]:
    """Runs called ``name``; else those whose name ends or starts with it."""
    exact = [r for r in runs if r.name == name]
    return exact or [r for r in runs if r.name.endswith(name) or r.name.startswith(name)]


@functools.lru_cache(maxsize=4096)
def _cached_info(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    info = read_json(path)
    if not isinstance(info, dict):
        raise ValueError(f"{path} holds no run record")
    return info


_NOTED: set[tuple[str, int]] = set()  # damaged run.json files already noted (path, mtime)


def readable(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder``'s ``run.json`` can be read; when not (cut off by a full disk or a
    killed process), one ``[WARNING]`` line says it is skipped (once per file version)."""
    if _parses(Path(folder)):
        return True
    path = Path(folder) / RUN_FILE
    with contextlib.suppress(OSError):  # OSError: removed meanwhile
        key = (str(path), path.stat().st_mtime_ns)
        if key not in _NOTED:
            _NOTED.add(key)
            print(f"[WARNING] skipped {display_path(folder)}: {RUN_FILE} is not readable "
                  "(cut off?)")  # fmt: skip
    return False


def damaged_runs(root: str | os.PathLike[str]) -> list[Path]:
    """The run folders of ``root`` whose ``run.json`` cannot be read, by name."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()
                  and (p / RUN_FILE).is_file() and not _parses(p))  # fmt: skip


def _parses(folder: Path) -> bool:
    try:
        run_info(folder)
    except (OSError, ValueError):  # ValueError: not JSON, not UTF-8, not a record
        return False
    return True


def _refuse_damaged(root: Path, name: str) -> None:
    """Raise a ConfigError when the run called ``name`` is one whose record is damaged."""
    damaged = _named(damaged_runs(root), name)
    if damaged:
        raise ConfigError(
            f"run {damaged[-1].name}: {display_path(damaged[-1] / RUN_FILE)} is not readable "
            "(cut off?); name another run, or remove that folder"
        )


def run_info(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """A run's ``run.json`` (read once per version of the file: comparing hundreds of runs
    reads each once). Do not change the returned dict."""
    path = Path(folder) / RUN_FILE
    stat = path.stat()
    return _cached_info(str(path), stat.st_mtime_ns, stat.st_size)


def list_runs(root: str | os.PathLike[str]) -> list[Path]:
    """Run folders in ``root``, oldest first (a folder whose ``run.json`` cannot be read is
    skipped, with one ``[WARNING]`` line: :func:`readable`)."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink()
             and (p / RUN_FILE).is_file() and readable(p)]  # fmt: skip

    def started(folder: Path) -> tuple[str, float, str]:
        info = run_info(folder)
        return info.get("started", ""), float(info.get("created", 0.0)), folder.name

    return sorted(found, key=started)


def open_run(folder: str | os.PathLike[str]) -> Run:
    """An existing run, to add an evaluation of its model to it."""
    folder = Path(folder)
    return Run(folder, read_json(folder / RUN_FILE))


def run_model(output_path: str | os.PathLike[str], name: str | None = None) -> Path:
    """The model file kept in run ``name`` (the newest run that trained one for
    ``latest``): ``evaluate.py --run NAME``."""
    folder = find_run(output_path, name, with_model=True)
    return folder / run_info(folder)["model"]


def model_parent(model_path: str | os.PathLike[str]) -> Path | None:
    """The run that trained a model: the run folder it is kept in, or the run its record
    names (None when it was trained outside any run)."""
    model_path = Path(model_path)
    if (model_path.parent / RUN_FILE).is_file():  # a model kept in a run folder
        return model_path.parent
    with contextlib.suppress(OSError, ValueError, AttributeError):
        recorded = read_json(Path(str(model_path) + ".json")).get("run")
        if recorded and (Path(recorded) / RUN_FILE).is_file():
            return Path(recorded)
    return None


def short_name(folder: str | os.PathLike[str]) -> str:
    """A run folder's name without its date-time: ``alexnet-lr3``."""
    return _STAMP.sub("", Path(folder).name)


def note_input_model(run: Run, model_path: str | os.PathLike[str]) -> None:
    """Record which model a run used and, where known, the run that trained it (its
    ``parent``: a comparison or report of that run includes this one's results)."""
    run.info["input_model"] = str(model_path)
    parent = model_parent(model_path)
    if parent is not None and parent.resolve() != run.path.resolve():
        run.info["parent"] = parent.name
    run.write()


def parent_run(folder: str | os.PathLike[str]) -> Path | None:
    """The run whose model run ``folder`` used, when it still exists."""
    folder = Path(folder)
    parent = run_info(folder).get("parent")
    if (
        parent
        and (folder.parent / parent / RUN_FILE).is_file()
        and readable(folder.parent / parent)
    ):
        return folder.parent / parent
    return None


def children_index(root: str | os.PathLike[str]) -> dict[str, list[Path]]:
    """Every run of ``root`` by the name of its parent (one pass: for comparing many runs)."""
    index: dict[str, list[Path]] = {}
    for run in list_runs(root):
        parent = run_info(run).get("parent")
        if parent:
            index.setdefault(parent, []).append(run)
    return index


def children(folder: str | os.PathLike[str]) -> list[Path]:
    """Runs that used the model of run ``folder`` (evaluations, diagnoses), oldest first."""
    folder = Path(folder)
    return [r for r in list_runs(folder.parent)
            if run_info(r).get("parent") == folder.name]  # fmt: skip


def resolve_runs(output_path: str | os.PathLike[str], names: list[str] | None) -> list[Path]:
    """Run folders from names or paths (``compare_runs.py``, ``report.py``); no names: every
    run that trained a model (every run when none did), oldest first."""
    if not names:
        runs = list_runs(Path(output_path) / RUNS_FOLDER)
        trained = [r for r in runs if run_info(r).get("model")]
        if not (trained or runs):
            raise ConfigError(
                f"no runs in {Path(output_path) / RUNS_FOLDER}: train something first"
            )
        return trained or runs
    found = []
    for name in names:
        path = Path(name)
        if not (path / RUN_FILE).is_file():
            found.append(find_run(output_path, name))
        elif readable(path):
            found.append(path)
    if not found:
        raise ConfigError(f"none of the runs {', '.join(names)} can be read")
    return found


def stamped_folder(parent: str | os.PathLike[str], name: str) -> Path:
    """A new folder ``parent/<date-time>-<name>`` (never an existing one)."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{_UNSAFE.sub('-', name).strip('-.') or 'run'}"[:100]
    for attempt in range(1000):
        folder = parent / (base if attempt == 0 else f"{base}-{attempt + 1}")
        with contextlib.suppress(FileExistsError):
            folder.mkdir()
            return folder
    raise ConfigError(f"cannot create a new folder in {parent}")  # pragma: no cover
