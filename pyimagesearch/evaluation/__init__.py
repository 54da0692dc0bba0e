"""Evaluating trained models: baseline (resize) vs 10-crop oversampling."""

from pyimagesearch.evaluation.tencrop import (
    REQUIRED_SETTINGS,
    evaluate_model,
    predict_baseline,
    predict_tencrop,
    run_evaluation,
)

__all__ = [
    "REQUIRED_SETTINGS",
    "evaluate_model",
    "predict_baseline",
    "predict_tencrop",
    "run_evaluation",
]
