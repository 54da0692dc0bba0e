"""predict.py never replaces an earlier submission (or drawn image) without --overwrite, and
with it the old file stays until the new one is complete."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

import predict
from tests.helpers import file_hashes, output_in


def _first_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[0]


def test_an_existing_submission_is_refused_before_the_model_loads(tmp_path: Path, capsys):
    (tmp_path / "test1").mkdir()
    cv2.imwrite(str(tmp_path / "test1" / "1.png"), np.zeros((8, 8, 3), np.uint8))
    submission = tmp_path / "submission.csv"
    submission.write_text("id,label\n1,0.5\n")
    before = file_hashes(tmp_path)
    args = ["--images", str(tmp_path / "test1"), "--model", str(tmp_path / "no.skops"),
            "--output", str(submission), *output_in(tmp_path / "out")]  # fmt: skip
    assert predict.main(args) == 2
    assert _first_error(capsys) == (
        f"error: SUBMISSION_PATH {submission} already exists; pass --overwrite to replace it "
        "(the old file stays until the new one is complete)"
    )
    assert file_hashes(tmp_path) == before  # no run folder left behind either
    # --overwrite passes the check; the new submission fails (no model): the old one stays
    assert predict.main([*args, "--overwrite"]) == 2
    assert "model not found" in _first_error(capsys)
    assert file_hashes(tmp_path) == before


def test_drawn_images_already_there_are_refused_before_the_model_loads(tmp_path: Path, capsys):
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "drawn").mkdir()
    (tmp_path / "drawn" / "a_prediction.png").write_bytes(b"an earlier drawing")
    before = file_hashes(tmp_path)
    args = ["--model", str(tmp_path / "no.skops"), "--image", str(tmp_path / "a.png"),
            "--output", str(tmp_path / "drawn"), *output_in(tmp_path / "out")]  # fmt: skip
    assert predict.main(args) == 2
    assert _first_error(capsys) == (
        f"error: --output {tmp_path / 'drawn'} already holds a_prediction.png; pass "
        "--overwrite to replace it"
    )
    assert predict.main([*args, "--overwrite"]) == 2
    assert "model not found" in _first_error(capsys)
    assert file_hashes(tmp_path) == before
