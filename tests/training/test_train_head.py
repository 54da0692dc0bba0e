"""train_head.py: the head on features, its width, dropout and rate from the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

import train_head
from tests.helpers import file_hashes, output_in


def test_the_head_takes_its_width_dropout_and_rate_from_the_settings() -> None:
    pytest.importorskip("keras")
    from pyimagesearch.nn.heads import build_feature_head

    plain = build_feature_head(16, 3, dropout=0.2)
    wide = build_feature_head(16, 3, dropout=0.3, units=8)
    assert [layer.name for layer in plain.layers] == ["features", "dropout", "predictions"]
    assert wide.get_layer("hidden").units == 8 and wide.get_layer("dropout").rate == 0.3
    assert wide.count_params() == 16 * 8 + 8 + 8 * 3 + 3


def test_an_existing_model_is_refused_before_training(
    features_file: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyimagesearch.training import train_head as engine

    model = tmp_path / "head.keras"
    model.write_bytes(b"an earlier head")
    before = file_hashes(tmp_path)
    args = ["--db", str(features_file), "--model", str(model), *output_in(tmp_path / "out")]
    assert train_head.main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip().splitlines()[0] == (
        f"error: HEAD_MODEL_PATH {model} already exists; pass --overwrite to replace it "
        "(the old file stays until the new one is complete)"
    )
    assert file_hashes(tmp_path) == before

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "fit_head", interrupted)  # stopped while it trains
    assert train_head.main([*args, "--overwrite"]) == 130
    assert file_hashes(tmp_path) == before
