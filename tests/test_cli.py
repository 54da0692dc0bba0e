"""What the scripts share: their --help says what they do in full, and Keras draws its
progress bar only on a terminal."""

from __future__ import annotations

import argparse
import ast
import importlib
import sys

import pytest

from pyimagesearch import cli
from tests.conftest import REPO_ROOT

SCRIPTS = sorted(p.stem for p in REPO_ROOT.glob("*.py") if p.name != "conftest.py")  # pytest's


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_says_the_whole_first_paragraph(script: str, capsys) -> None:
    source = (REPO_ROOT / f"{script}.py").read_text()
    first = ast.get_docstring(ast.parse(source)).split("\n\n")[0]
    with pytest.raises(SystemExit) as done:
        importlib.import_module(script).main(["--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert " ".join(first.split()) in shown  # not cut after the first line ("outliers,")


def test_keras_draws_its_bar_only_on_a_terminal(monkeypatch) -> None:
    options = argparse.Namespace(resume=False, overwrite=False, start_epoch=None, lr=None,
                                 quiet=False)  # fmt: skip

    class Stdout:
        def __init__(self, terminal: bool) -> None:
            self.terminal = terminal

        def isatty(self) -> bool:
            return self.terminal

    monkeypatch.setattr(sys, "stdout", Stdout(terminal=False))  # a log file, a pipe
    assert cli.training_arguments(options)["verbose"] == 2  # one line per epoch, no escapes
    monkeypatch.setattr(sys, "stdout", Stdout(terminal=True))
    assert cli.training_arguments(options)["verbose"] == "auto"  # the bar
    options.quiet = True
    assert cli.training_arguments(options)["verbose"] == 2
