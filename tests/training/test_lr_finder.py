"""train.py --find-lr: enough steps whatever the set's size, a suggestion always among the
rates tried, a clear word when the curve has no valley, a reversed range refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import train
from pyimagesearch.training.lr_finder import finder_lines, read_curve
from pyimagesearch.utils.reports import read_json
from tests.helpers import config_maker

TINY = {"NETWORK": "ShallowNet", "INPUT_SIZE": 24, "OPTIMIZER": "sgd"}


@pytest.fixture
def config(tiny_splits: dict, tmp_path: Path):
    return config_maker(tiny_splits, tmp_path, TINY)


@pytest.mark.slow
def test_two_batches_make_a_hundred_steps_and_a_suggestion_among_them(
    config, tmp_path, capsys
) -> None:
    cfg = config(BATCH_SIZE=50, LR_FINDER_RANGE=(1e-6, 1e-1))  # 100 images: 2 batches
    assert train.main(["--config", str(cfg), "--quiet", "--find-lr"]) == 0
    report = read_json(tmp_path / "out" / "lr_finder.json")
    rates = report["rates"]
    assert report["distinct_batches"] == 2
    assert report["steps"] == len(rates) == len(report["losses"])
    assert rates == pytest.approx(np.geomspace(1e-6, 1e-1, 100)[: len(rates)])
    assert len(rates) == 100 or report["smoothed"][-1] > 3 * min(report["smoothed"])  # diverged
    assert rates[0] <= report["suggestion"] <= rates[-1]
    out = capsys.readouterr().out
    assert "[WARNING] only 2 distinct batch(es) (100 training images, BATCH_SIZE 50)" in out
    assert any(n.startswith("only 2 distinct batch(es)") for n in report["notes"])


def test_a_reversed_range_is_refused_in_one_line(config, tmp_path, capsys) -> None:
    cfg = config(LR_FINDER_RANGE=(1.0, 1e-7))
    assert train.main(["--config", str(cfg), "--find-lr"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: LR_FINDER_RANGE = (1, 1e-07): the lowest rate comes first")
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out" / "runs").exists()


def test_a_flat_curve_has_no_usable_valley_and_suggests_the_safe_end() -> None:
    rates = np.geomspace(1e-7, 1e-6, 100)
    flat = 0.6931 + np.random.default_rng(0).normal(0, 1e-3, 100)
    reading = read_curve(rates, flat)
    assert reading.suggestion == rates[0] and not reading.valley
    assert reading.notes[0].startswith("no usable valley: the loss never fell")
    report = {"suggestion": reading.suggestion, "valley": False, "notes": reading.notes,
              "plot": "p.png", "report_path": "r.json"}  # fmt: skip
    assert finder_lines(report) == [
        f"[WARNING] {reading.notes[0]}",
        "[INFO] suggested learning rate 1e-07, the lowest rate tried (no usable valley) "
        "(plot p.png, data r.json)",
    ]


def test_a_loss_rising_from_the_start_suggests_nothing_below_the_range() -> None:
    rates = np.geomspace(1e-3, 1.0, 100)
    rising = read_curve(rates, np.linspace(0.7, 3.0, 100))
    assert rising.suggestion == rates[0] and not rising.valley
    assert "lower LR_FINDER_RANGE's lowest rate" in rising.notes[0]
    valley = read_curve(rates, 2.3 - 1.5 * np.exp(-((np.log10(rates) + 1.5) ** 2) * 2))
    assert valley.valley and rates[0] <= valley.suggestion < 10**-1.5 and valley.notes == []
