"""The layers that hold a model's preprocessing and its scikit-learn classifier inside an
exported network give what the framework gives: OpenCV's resize, predict_proba."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from pyimagesearch.export.layers import (  # noqa: E402
    AreaResize,
    SizeCheck,
    logistic_regression_layers,
)
from pyimagesearch.preprocessing import SimplePreprocessor  # noqa: E402


@pytest.mark.parametrize(
    "source, target",
    [
        ((40, 40), (32, 32)),
        ((256, 256), (224, 224)),
        ((256, 256), (227, 227)),
        ((64, 48), (32, 24)),
        ((72, 60), (64, 50)),
        ((60, 60), (50, 50)),
    ],
)
def test_area_resize_is_opencvs_on_uint8_images(source, target, rng) -> None:
    images = rng.integers(0, 256, (3, *source, 3), dtype=np.uint8)
    expected = SimplePreprocessor(target[1], target[0]).preprocess_batch(images)
    got = np.asarray(AreaResize(source, target)(images.astype(np.float32)))
    np.testing.assert_array_equal(got, expected)  # whole values, rounded as OpenCV rounds


def test_area_resize_enlarges_within_one_level(rng) -> None:
    images = rng.integers(0, 256, (2, 24, 24, 3), dtype=np.uint8)
    expected = SimplePreprocessor(32, 32).preprocess_batch(images).astype(np.float32)
    got = np.asarray(AreaResize((24, 24), (32, 32))(images.astype(np.float32)))
    assert np.abs(got - expected).max() <= 1.0


def test_size_check_passes_its_size_and_refuses_others(rng) -> None:
    images = rng.integers(0, 256, (2, 8, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(SizeCheck(8, 6)(images)), images)
    with pytest.raises(Exception):  # noqa: B017 (the backend's own shape error)
        SizeCheck(8, 6)(images[:, :, :5])


def _folded(model, features: np.ndarray) -> np.ndarray:
    return np.asarray(keras.Sequential(logistic_regression_layers(model))(features))


@pytest.mark.parametrize("classes, penalty", [(2, "l2"), (2, "l1"), (3, "l2")])
def test_folded_logistic_regression_is_predict_proba(classes: int, penalty: str, rng) -> None:
    """The regression as a dense layer gives scikit-learn's probabilities to 1e-5, on
    features like pooled ones (non-negative, spread)."""
    from pyimagesearch.features.classifiers import logistic_regression

    features = rng.gamma(1.0, 1.0, (120, 64)).astype(np.float32)
    labels = np.arange(120) % classes
    features[:, :classes] += 2.0 * np.eye(classes, dtype=np.float32)[labels]
    model = logistic_regression(penalty, classes, C=1.0).fit(features.astype(np.float64), labels)
    expected = model.predict_proba(features.astype(np.float64))
    got = _folded(model, features)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-5


def test_folded_one_vs_rest_regression_is_scikit_learns(rng) -> None:
    """Older scikit-learn's one-vs-rest regressions (multi_class='ovr'): each class's
    sigmoid divided by their sum, as scikit-learn's own _predict_proba_lr gives them."""
    from sklearn.linear_model import LogisticRegression

    features = rng.normal(size=(90, 16)).astype(np.float32)
    labels = np.arange(90) % 3
    model = LogisticRegression(max_iter=500).fit(features, labels)
    model.multi_class = "ovr"  # what a model fitted by scikit-learn < 1.8 may say
    expected = model._predict_proba_lr(features.astype(np.float64))
    assert np.abs(_folded(model, features) - expected).max() < 1e-5
