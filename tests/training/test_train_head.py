"""train_head.py: the head on features, its width, dropout and rate from the settings."""

from __future__ import annotations

import pytest


def test_the_head_takes_its_width_dropout_and_rate_from_the_settings() -> None:
    pytest.importorskip("keras")
    from pyimagesearch.nn.heads import build_feature_head

    plain = build_feature_head(16, 3, dropout=0.2)
    wide = build_feature_head(16, 3, dropout=0.3, units=8)
    assert [layer.name for layer in plain.layers] == ["features", "dropout", "predictions"]
    assert wide.get_layer("hidden").units == 8 and wide.get_layer("dropout").rate == 0.3
    assert wide.count_params() == 16 * 8 + 8 + 8 * 3 + 3
