"""Evaluating trained models: baseline (resize) vs 10-crop oversampling (``tencrop``), the
engines of evaluate.py (``evaluate``) and predict.py (``predict``), ranked accuracy and the
Kaggle submission."""

from pyimagesearch.evaluation.evaluate import REQUIRED_SETTINGS, run_evaluation
from pyimagesearch.evaluation.tencrop import evaluate_model, predict_baseline, predict_tencrop

__all__ = [
    "REQUIRED_SETTINGS",
    "evaluate_model",
    "predict_baseline",
    "predict_tencrop",
    "run_evaluation",
]
