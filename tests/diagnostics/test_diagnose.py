"""diagnose.py's engine: losses and top losses against a hand computation, confusion counts,
every picture opens at its size."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from pyimagesearch.diagnostics.diagnose import Diagnosis, top_confused_pairs, write_diagnosis


def test_losses_top_losses_and_confusion_by_hand() -> None:
    probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8],
                      [0.5, 0.25, 0.25]])  # fmt: skip
    labels = np.array([0, 1, 1, 2, 2])
    d = Diagnosis(probs, labels, [f"{i}.jpg" for i in range(5)], ["a", "b", "c"])
    expected = [-math.log(0.9), -math.log(0.7), -math.log(0.3), -math.log(0.8), -math.log(0.25)]
    np.testing.assert_allclose(d.losses, expected, rtol=1e-6)
    assert d.order_by_loss().tolist() == [4, 2, 1, 3, 0]
    assert d.confusion().tolist() == [[1, 0, 0], [1, 1, 0], [1, 0, 1]]
    assert top_confused_pairs(d.confusion(), d.label_names) == [
        {"true": "b", "predicted": "a", "count": 1},
        {"true": "c", "predicted": "a", "count": 1},
    ]


def test_diagnosis_files_open_at_their_size(tmp_path: Path) -> None:
    import h5py

    rng = np.random.default_rng(0)
    db_path = tmp_path / "test.hdf5"
    with h5py.File(db_path, "w") as db:
        db.create_dataset("images", data=rng.integers(0, 255, (6, 32, 32, 3), dtype=np.uint8))
        db.create_dataset("labels", data=[0, 1, 2, 0, 1, 2])
        db.create_dataset("label_names", data=["a", "b", "c"])
        db.attrs["complete"] = True
    probs = rng.dirichlet([1, 1, 1], 6)
    d = Diagnosis(probs, np.array([0, 1, 2, 0, 1, 2]), [f"x/{i}.jpg" for i in range(6)],
                  ["a", "b", "c"])  # fmt: skip
    report = write_diagnosis(d, str(db_path), tmp_path / "out", top=4)
    out = tmp_path / "out"
    rows = (out / "errors.csv").read_text().splitlines()
    assert rows[0] == "path,true_label,predicted_label,true_probability,loss" and len(rows) == 7
    losses = [float(r.split(",")[-1]) for r in rows[1:]]
    assert losses == sorted(losses, reverse=True)
    assert (out / "confusion_matrix.csv").read_text().splitlines()[0] == "true \\ predicted,a,b,c"
    assert cv2.imread(str(out / "confusion_matrix.png")).shape == (500, 1000, 3)  # 10 x 5 in
    assert cv2.imread(str(out / "top_losses.png")).shape == (34 + 2 * 226, 2 * 192, 3)  # 2 x 2
    saved = json.loads((out / "diagnosis.json").read_text())
    assert saved["confusion_matrix"] == d.confusion().tolist() and len(saved["top_losses"]) == 4
    assert report["accuracy"] == pytest.approx((d.predicted == d.labels).mean())


def test_many_classes_show_the_most_confused_pairs(tmp_path: Path) -> None:
    from pyimagesearch.diagnostics.diagnose import _plot_confusion

    confusion = np.diag(np.full(200, 5))
    confusion[3, 7] = 4
    pairs = top_confused_pairs(confusion, [f"n{i}" for i in range(200)])
    assert pairs == [{"true": "n3", "predicted": "n7", "count": 4}]
    _plot_confusion(confusion, [f"n{i}" for i in range(200)], pairs, tmp_path / "c.png")
    assert cv2.imread(str(tmp_path / "c.png")).shape[1] == 900  # a bar chart, not 200 x 200
