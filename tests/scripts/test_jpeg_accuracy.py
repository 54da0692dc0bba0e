"""Integration: JPEG rows cost no accuracy. The 2,000 shared Kaggle photos built twice, the
same split, rows stored raw and as JPEG 90 (``STORAGE``); real pretrained MobileNetV2
features (128 px) and a logistic regression on each: the test accuracy of the two stays
within 1 point (docs/PERFORMANCE.md has the 224 px measurement with its spread).
Skipped, with the reason, when ../shared (PYIMAGESEARCH_SHARED) is absent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.helpers import build_splits

pytestmark = [pytest.mark.slow, pytest.mark.long]  # make test-long (CI)

SIDE = 128


def split_features(settings: dict, extractor) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from pyimagesearch.data.sources import open_source
    from pyimagesearch.features.extraction import extract_arrays

    out = {}
    for split in ("train", "test"):
        source = open_source(settings[f"{split.upper()}_HDF5"])
        values, rows, skipped = extract_arrays(extractor, source, 64)
        assert not skipped
        out[split] = (values, source.labels[rows])
    return out


def test_jpeg_rows_keep_the_accuracy_of_raw_rows(
    kaggle_sample_dir: Path, mobilenet_weights: Path, tmp_path: Path
) -> None:
    from sklearn.linear_model import LogisticRegression

    from pyimagesearch.features.extraction import FeatureExtractor

    extractor = FeatureExtractor("MobileNetV2", str(mobilenet_weights), SIDE)
    accuracy, sizes = {}, {}
    for storage in ("raw", "jpeg"):
        settings = build_splits(tmp_path / storage, kaggle_sample_dir, IMAGE_SIZE=SIDE,
                                NUM_VAL_IMAGES=10, NUM_TEST_IMAGES=900, STORAGE=storage,
                                JPEG_QUALITY=90, RANDOM_SEED=42)  # fmt: skip
        sizes[storage] = Path(settings["TRAIN_HDF5"]).stat().st_size
        split = split_features(settings, extractor)
        model = LogisticRegression(C=1.0, max_iter=2000).fit(*split["train"])
        test, labels = split["test"]
        assert len(labels) == 900
        accuracy[storage] = float((model.predict(test) == labels).mean())
    assert sizes["jpeg"] * 5 < sizes["raw"]  # the point of it (1/7.6 at 128 px)
    assert accuracy["raw"] > 0.9, accuracy
    assert abs(accuracy["raw"] - accuracy["jpeg"]) <= 0.01, accuracy
