"""Small helpers shared by the command-line scripts."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pyimagesearch.errors import PyImageSearchError


def config_parser(description: str, config_required: bool = True) -> argparse.ArgumentParser:
    """An ``ArgumentParser`` with the ``--config PATH`` option every script takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "-c",
        "--config",
        required=config_required,
        help="path to the Python config module (e.g. config/dogs_vs_cats_config.py)",
    )
    return parser


def friendly_errors(main: Callable[..., Any]) -> Callable[..., int]:
    """Run ``main``; print user errors and Ctrl-C as one line and return an exit code.

    Example:
        >>> @friendly_errors
        ... def main() -> None: ...
        >>> raise SystemExit(main())  # doctest: +SKIP
    """

    @functools.wraps(main)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            result = main(*args, **kwargs)
        except PyImageSearchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        return int(result or 0)

    return wrapper


def absolute_paths(paths: Sequence[str] | None) -> list[str] | None:
    """Files named on the command line, made absolute: they are relative to the current
    folder, not to the config's (None stays None, so the config's setting applies)."""
    return None if paths is None else [str(Path(p).expanduser().absolute()) for p in paths]
