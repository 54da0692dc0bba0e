"""The library's layers (pyproject.toml's import-linter contract) hold, and an upward import
breaks the check that ``make lint`` runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_copy(folder: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` with the project's contracts on the copy of the package in ``folder``."""
    contracts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = [f'[tool.importlinter]\nroot_package = "{contracts["root_package"]}"\n']
    for contract in contracts["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {value!r}".replace("'", '"') for key, value in contract.items()]
    (folder / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=folder,
        env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    if not LINT_IMPORTS.is_file():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    shutil.copytree(REPO_ROOT / "pyimagesearch", tmp_path / "pyimagesearch",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    return tmp_path


def test_the_layers_hold(package_copy: Path) -> None:
    result = lint_copy(package_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_check(package_copy: Path) -> None:
    low = package_copy / "pyimagesearch" / "io" / "hdf5_dataset.py"
    low.write_text(low.read_text() + "\n\ndef _upward():\n    from pyimagesearch import cli\n")
    result = lint_copy(package_copy)
    assert result.returncode == 1
    assert "pyimagesearch.io is not allowed to import pyimagesearch.cli" in result.stdout
