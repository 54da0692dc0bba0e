"""Kaggle submissions: format, ids, sorting, clipping, log loss."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pyimagesearch.errors import ConfigError, DatasetError
from pyimagesearch.evaluation.submission import (
    binary_log_loss,
    check_clip_range,
    clip_probabilities,
    kaggle_id,
    non_numeric_ids,
    read_submission,
    write_submission,
)


def test_log_loss_matches_hand_computation() -> None:
    y, p = [1, 0, 1, 0], [0.9, 0.2, 0.6, 0.5]
    hand = -(math.log(0.9) + math.log(0.8) + math.log(0.6) + math.log(0.5)) / 4
    assert binary_log_loss(y, p) == pytest.approx(hand, rel=1e-12)
    assert hand == pytest.approx(0.3831, abs=1e-4)
    # A confident mistake: unbounded before clipping, capped at -log(0.005) after.
    assert binary_log_loss([1], [0.0]) == pytest.approx(-math.log(1e-15))
    assert binary_log_loss([1], clip_probabilities([0.0])) == pytest.approx(-math.log(0.005))


def test_clipping_bounds() -> None:
    clipped = clip_probabilities([0.0, 0.004, 0.3, 0.9951, 1.0])
    assert clipped.tolist() == [0.005, 0.005, 0.3, 0.995, 0.995]
    assert clip_probabilities([0.0, 1.0], (0.02, 0.98)).tolist() == [0.02, 0.98]
    for bad in [(0.6, 0.4), (-0.1, 0.9), (0.1,), "x"]:
        with pytest.raises(ConfigError):
            check_clip_range(bad)


def test_submission_format_ids_and_sort(tmp_path: Path) -> None:
    paths = ["t/10.jpg", "t/2.jpg", "t/1.jpg", "t/12500.jpg", "t/3.jpg"]
    ids = [kaggle_id(p) for p in paths]
    assert ids == [10, 2, 1, 12500, 3]
    out = write_submission(tmp_path / "submission.csv", ids, [0.1, 0.2, 0.995, 0.005, 0.5])
    lines = out.read_text().splitlines()
    assert lines[0] == "id,label"
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "2", "3", "10", "12500"]
    assert lines[1] == "1,0.995"
    read_ids, probs = read_submission(out)
    assert read_ids == [1, 2, 3, 10, 12500]
    assert probs.tolist() == [0.995, 0.2, 0.5, 0.1, 0.005]
    named = write_submission(tmp_path / "n.csv", ["dog.10", "cat.2", "dog.9"], [0.9, 0.1, 0.8])
    assert read_submission(named)[0] == ["cat.2", "dog.9", "dog.10"]  # natural order
    with pytest.raises(DatasetError, match="duplicate"):
        write_submission(tmp_path / "dup.csv", [1, 1], [0.5, 0.5])
    with pytest.raises(DatasetError, match="within"):
        write_submission(tmp_path / "bad.csv", [1], [1.5])


def test_non_numeric_ids_are_named() -> None:
    assert non_numeric_ids(["t/1.jpg", "t/abc.jpg", "t/cat.950.jpg"]) == [
        ("t/abc.jpg", "abc"),
        ("t/cat.950.jpg", "cat.950"),
    ]
