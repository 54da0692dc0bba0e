"""The scripts' layer: the options every script shares, loading the config with ``--set``
overrides and flags as settings, the run folder of a script's work, and user errors as one
line and exit code 2. The layer above every other part of the library (the scripts at the
repository root import it; nothing in the library does)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pyimagesearch.config import Config, command_line_paths, load_config
from pyimagesearch.errors import ConfigError, PyImageSearchError
from pyimagesearch.experiments.runs import (
    model_parent,
    note_input_model,
    recorded_run,
    run_model,
    short_name,
)
from pyimagesearch.training.distribution import check_batch, cluster_of
from pyimagesearch.training.supervisor import supervise
from pyimagesearch.utils.backends import use_backend
from pyimagesearch.utils.display import display_path


def description(doc: str | None) -> str:
    r"""A script's ``--help`` description: the first paragraph of its docstring, in one line
    (the first line alone may stop mid-sentence).

    >>> description("Audit a dataset: duplicates,\nsuspicious labels.\n\nUsage: ...")
    'Audit a dataset: duplicates, suspicious labels.'
    """
    first = (doc or "").strip().split("\n\n")[0]
    return " ".join(first.split())


def config_parser(
    description: str, config_required: bool = True, runs: bool = False
) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` with the ``--config PATH`` and ``--set KEY=VALUE`` options
    every script takes; ``runs``: the script keeps a run folder (``--name``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "-c",
        "--config",
        required=config_required,
        help="path to the Python config module (e.g. config/dogs_vs_cats_config.py)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one setting for this run (typed as in docs/SETTINGS.md); repeatable",
    )
    if runs:
        parser.add_argument(
            "--name", help="name of this run's folder in OUTPUT_PATH/runs (default: the config's)"
        )
    return parser


def load_script_config(
    args: argparse.Namespace, required: Iterable[str] = (), keras: bool = True, **flags: Any
) -> Config:
    """The config of ``--config`` with ``--set`` overrides, then the script's own flags
    (None: not given), all checked against the settings table before any work starts;
    ``keras``: the script uses Keras, whose backend (``BACKEND``; a training script's
    ``STRATEGY`` too) is checked and chosen now, before Keras is imported. Where neither
    sets ``OUTPUT_PATH``, one line says which folder it is."""
    cfg = load_config(args.config, overrides=args.set).with_flags(**flags)
    cfg.require(required)
    if keras:  # a training script (its flags set STRATEGY) checks its strategy and cluster
        trains = "STRATEGY" in flags
        use_backend(cfg.get("BACKEND"), cfg.get("STRATEGY") if trains else None)
        if trains:  # multi_worker: the cluster, and BATCH_SIZE a global batch it divides
            cluster = cluster_of(cfg)
            check_batch(cluster, cfg.get("BATCH_SIZE"))
            if _AS_PROGRAM[0]:  # multi_worker: trains in a child, one line if one is lost
                supervise(cluster)
    if cfg.cwd_output:
        print(output_path_line(cfg))
    return cfg


def output_path_line(cfg: Config) -> str:
    """What a script prints when ``OUTPUT_PATH`` is the working folder's ``output/``
    because neither the config nor ``--set`` names one (the run folders go there).

    >>> print(output_path_line(Config({"OUTPUT_PATH": "/home/me/output"})))
    ... # doctest: +ELLIPSIS
    [INFO] no --config: OUTPUT_PATH is /home/me/output (the working folder's output/; ...)
    """
    why = f"{display_path(cfg.source)} sets no OUTPUT_PATH" if cfg.source else "no --config"
    return (f"[INFO] {why}: OUTPUT_PATH is {cfg.get('OUTPUT_PATH')} (the working folder's "
            "output/; choose another with --set OUTPUT_PATH=DIR)")  # fmt: skip


def os_error_line(exc: OSError) -> str:
    """One line for a failed read or write: what failed, where, and what to change."""
    where = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    hint = {
        28: "free some disk space or point the output elsewhere",  # ENOSPC
        27: "the file grew past the size limit of this process or file system",  # EFBIG
        122: "the disk quota is exhausted",  # EDQUOT
        13: "choose a folder you can write to",  # EACCES
        30: "the file system is read-only: choose another folder",  # EROFS
        1: "choose a folder you can write to",  # EPERM
    }.get(exc.errno or -1, "")
    text = f"{reason}: {display_path(where)}" if where else reason
    return text + (f" ({hint})" if hint else "")


_COMMAND: list[str] = []  # the script and arguments being run (for its run folder)
_AS_PROGRAM = [False]  # the script runs as a program (its arguments from the command line)


def current_command() -> list[str]:
    """The script and arguments being run (as ``friendly_errors`` saw them)."""
    return list(_COMMAND)


def friendly_errors(main: Callable[..., Any]) -> Callable[..., int]:
    """Run ``main``; print user errors, failed reads/writes and Ctrl-C as one line and
    return an exit code (2 for errors, 130 for Ctrl-C).

    Example:
        >>> @friendly_errors
        ... def main() -> None: ...
        >>> raise SystemExit(main())  # doctest: +SKIP
    """

    @functools.wraps(main)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        given = args[0] if args else kwargs.get("argv")
        _COMMAND[:] = [Path(sys.argv[0]).name if given is None else f"{main.__module__}.py",
                       *(sys.argv[1:] if given is None else given)]  # fmt: skip
        _AS_PROGRAM[0] = given is None
        try:
            result = main(*args, **kwargs)
        except PyImageSearchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return _exit_cleanly(2)
        except OSError as exc:  # disk full, read-only folder, ...: the machine, not a bug
            print(f"error: {os_error_line(exc)}", file=sys.stderr)
            return _exit_cleanly(2)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return _exit_cleanly(130)
        return int(result or 0)

    return wrapper


def _exit_cleanly(code: int) -> int:
    """``code``, or, when an HDF5 file could not be closed (a full disk), end the process
    now: HDF5 would retry the failed flush at exit and may crash with a segfault after
    the one-line error. The file itself is already deleted."""
    writer = sys.modules.get("pyimagesearch.io.hdf5_dataset_writer")
    if writer is not None and writer.unclosed_files():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def absolute_paths(paths: Sequence[str] | None) -> list[str] | None:
    """Files named on the command line, made absolute: they are relative to the current
    folder, not to the config's (None stays None, so the config's setting applies)."""
    return None if paths is None else [str(Path(p).expanduser().absolute()) for p in paths]


def absolute_path(path: str | None) -> str | None:
    """One file named on the command line, made absolute (None stays None)."""
    return None if path is None else str(Path(path).expanduser().absolute())


def add_backbone_options(parser: argparse.ArgumentParser, several: bool = False) -> None:
    """``--backbone``, ``--weights`` and ``--image-size``, the pretrained network's options
    (``several``: ``--backbone A,B`` names one network per features file)."""
    names = "name(s), comma-separated" if several else "name (BACKBONE)"
    parser.add_argument("-n", "--backbone", help=f"keras.applications {names}")
    parser.add_argument("-w", "--weights", help="imagenet | none | PATH (WEIGHTS)")
    parser.add_argument("--image-size", type=int, help="input side (FEATURE_IMAGE_SIZE)")


def backbone_settings(args: argparse.Namespace) -> dict[str, Any]:
    """``BACKBONE``, ``WEIGHTS`` and ``FEATURE_IMAGE_SIZE`` from the backbone options (None:
    not given); a weights file is relative to the current folder."""
    return {
        "BACKBONE": args.backbone,
        "WEIGHTS": command_line_paths("WEIGHTS", args.weights),
        "FEATURE_IMAGE_SIZE": args.image_size,
    }


def backbone_names(text: str | None) -> list[str] | None:
    """``--backbone ResNet50,Xception`` as names (None: not given, or no name).

    >>> backbone_names("ResNet50, Xception"), backbone_names(None), backbone_names("")
    (['ResNet50', 'Xception'], None, None)
    """
    names = [n.strip() for n in (text or "").split(",") if n.strip()]
    return names or None


def features_parser(description: str) -> argparse.ArgumentParser:
    """The options of the scripts that train a classifier on features (train_logreg.py,
    train_head.py): the features, held-out features, the model and report to write."""
    parser = config_parser(description, config_required=False, runs=True)
    parser.add_argument("-d", "--db", nargs="+", help="features HDF5 file(s) (FEATURES_HDF5)")
    parser.add_argument("--test-db", nargs="+", help="held-out features (TEST_FEATURES_HDF5)")
    parser.add_argument("-m", "--model", help="model to write")
    parser.add_argument("-r", "--report", help="JSON report to write")
    add_overwrite_argument(parser, "an existing model")
    return parser


def add_overwrite_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """``--overwrite``: replace ``what`` (``OVERWRITE``; the old file stays until the new
    one is complete). Its setting: :func:`overwrite_setting`."""
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help=f"replace {what} (OVERWRITE; kept until the new one is complete)",
    )


def overwrite_setting(args: argparse.Namespace) -> bool | None:
    """``OVERWRITE`` from ``--overwrite``: True when given, else None (the config's)."""
    return True if args.overwrite else None


def print_classifier_report(report: dict[str, Any], what: str) -> None:
    """The test rows' per-class report, accuracy and log loss, and where the files went."""
    print(report["classification_report"])
    print(f"[INFO] test rows: {report['n_test']} ({report['split']})")
    print(f"[INFO] accuracy {report['accuracy']:.4f}  log loss {report['log_loss']:.4f}")
    print(f"[INFO] {what}: {report['model']}  report: {report['report_path']}")


def training_parser(description: str) -> argparse.ArgumentParser:
    """The options of train.py and train_alexnet.py."""
    parser = config_parser(description, runs=True)
    parser.add_argument("--epochs", type=int, help="total epochs (overrides EPOCHS)")
    parser.add_argument("--batch-size", type=int, help="batch size (overrides BATCH_SIZE)")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--start-epoch", type=int, help="continue from checkpoint N")
    parser.add_argument("--lr", type=float, help="a new learning rate for the continued run")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start again although an earlier run's files are there (kept until the new "
        "model is complete)",
    )
    parser.add_argument("--workers", type=int, help="loader threads (overrides WORKERS)")
    parser.add_argument("--strategy", choices=("mirrored", "multi_worker"), help="STRATEGY")
    parser.add_argument("--quiet", action="store_true", help="one line per epoch")
    return parser


def training_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings the training options override."""
    for flag in ("epochs", "batch_size", "workers", "start_epoch"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ConfigError(f"--{flag.replace('_', '-')} must be at least 1, got {value}")
    if args.lr is not None and args.lr <= 0:
        raise ConfigError(f"--lr must be positive, got {args.lr}")
    return {
        "EPOCHS": args.epochs,
        "BATCH_SIZE": args.batch_size,
        "WORKERS": args.workers,
        "STRATEGY": args.strategy,
    }


def keras_verbose(quiet: bool = False) -> int | str:
    """Keras' ``verbose`` for ``fit``: its progress bar on a terminal; one line per epoch
    (2) with ``--quiet`` or when stdout is not a terminal (a log file, a pipe), where the
    bar would write its ANSI escapes and a line per update."""
    if quiet or not (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()):
        return 2
    return "auto"


def training_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The training engine's arguments from the training options."""
    return {
        "resume": args.resume,
        "overwrite": args.overwrite,
        "start_epoch": args.start_epoch,
        "learning_rate": args.lr,
        "verbose": keras_verbose(args.quiet),
    }


def submission_lines(report: dict[str, Any]) -> list[str]:
    """What predict.py prints about a submission it wrote."""
    clip = tuple(report["clip_range"])
    lines = [f"[INFO] {report['images']} rows -> {report['submission']} "
             f"(P({report['positive_class']}) clipped to {clip})"]  # fmt: skip
    for item in report["unreadable"][:10]:
        lines.append(f"         unreadable {item['path']}: {item['reason']} (submitted 0.5)")
    odd = report["non_numeric_ids"]
    if odd:
        shown = ", ".join(f"{Path(i['path']).name} -> {i['id']}" for i in odd[:5])
        lines.append(
            f"[WARNING] {len(odd)} file(s) have non-numeric names, but Kaggle ids are numbers; "
            f"their id is the file name without extension: {shown}"
            + (" ..." if len(odd) > 5 else "")
            + " (listed under 'non_numeric_ids' in predict_report.json)"
        )
    if "accuracy" in report:
        lines.append(f"[INFO] {report['labeled_images']} labeled images: accuracy "
                     f"{report['accuracy']:.4f}, log loss {report['log_loss']:.4f} unclipped, "
                     f"{report['log_loss_clipped']:.4f} clipped")  # fmt: skip
    return lines


@contextlib.contextmanager
def script_run(
    args: argparse.Namespace | None,
    cfg: Config,
    script: str,
    model: str | os.PathLike[str] | None = None,
) -> Iterator[Any]:
    """The run folder of one script's work (``OUTPUT_PATH/runs/<date-time>-<name>``);
    ``args``: the parsed arguments (``--name``), or None (the config's name); ``model``: the
    trained model the script uses (its run becomes this run's parent)."""
    if not writes_files(cfg):  # a multi_worker process other than 0: process 0 records
        yield OtherProcessRun()
        return
    name = getattr(args, "name", None)
    if name is None and model is not None:  # "alexnet-lr3-evaluate": whose model it used
        parent = model_parent(model)
        name = f"{short_name(parent)}-{script}" if parent is not None else None
    with recorded_run(cfg, script, name, list(_COMMAND)) as run:
        if model is not None:
            note_input_model(run, model)
        yield run


def writes_files(cfg: Config) -> bool:
    """False for the processes other than 0 of a ``multi_worker`` run (process 0 alone
    writes the model, the checkpoints, the history and the run folder)."""
    try:
        cluster = cluster_of(cfg)
    except ConfigError:  # no cluster: a script that does not train (training refused it)
        return True
    return cluster is None or cluster.writer


class OtherProcessRun:
    """The run of a ``multi_worker`` process other than 0: process 0 keeps the folder."""

    path = "kept by process 0"

    def note_training(self, facts: Any) -> None:
        pass

    def collect(self, *reports: Any) -> None:
        pass


def model_argument(args: argparse.Namespace, cfg: Config, default: str | None) -> str | None:
    """The model a script uses: ``--run [NAME]`` (the model kept in that run; no NAME: the
    newest run that trained one), else ``--model``, else the config's ``default`` setting."""
    if getattr(args, "run", None):
        if getattr(args, "model", None):
            raise ConfigError("give --model or --run, not both")
        return str(run_model(cfg.get("OUTPUT_PATH"), args.run))
    return absolute_path(getattr(args, "model", None)) or (cfg.get(default) if default else None)


def add_run_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run", nargs="?", const="latest", metavar="NAME",
                        help="use the model of run NAME in OUTPUT_PATH/runs "
                             "(no NAME: the newest run that trained one)")  # fmt: skip
