"""docs/NOTEBOOK.md runs top to bottom: every step from Python, its report an object, its
picture a figure, its run folder where the scripts keep theirs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

NOTEBOOK = REPO_ROOT / "docs" / "NOTEBOOK.md"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.slow
def test_the_notebook_session_runs_top_to_bottom(tmp_path: Path, monkeypatch) -> None:
    from matplotlib.figure import Figure

    (tmp_path / "config").mkdir()
    shutil.copy(REPO_ROOT / "config" / "demo_config.py", tmp_path / "config")
    monkeypatch.chdir(tmp_path)  # the session's relative paths land in tmp_path
    blocks = code_blocks(NOTEBOOK.read_text())
    assert len(blocks) >= 6
    namespace: dict = {}
    values = []
    for block in blocks:
        *body, last = block.strip().splitlines()
        exec(compile("\n".join(body), str(NOTEBOOK), "exec"), namespace)  # noqa: S102
        values.append(eval(compile(last.split("  #")[0], str(NOTEBOOK), "eval"), namespace))

    trained, scores, diagnosis = namespace["trained"], namespace["scores"], namespace["diagnosis"]
    assert 1 <= trained.best_epoch <= 2
    assert trained.run.parent == tmp_path / "output" / "demo" / "runs"
    assert 0.0 <= scores.baseline_rank1 <= 1.0 and scores.run.is_dir()
    assert diagnosis.run.is_dir() and Path(diagnosis.files["top_losses.png"]).is_file()
    figures = [v for v in values if isinstance(v, Figure)]
    assert len(figures) == 2  # the training curves and the confusion matrix
    assert [a.get_title() for a in figures[1].axes] == ["counts", "share of each true class"]
    assert values[-1] == ["cat", "dog"]
