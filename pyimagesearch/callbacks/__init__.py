"""Keras callbacks: TrainingMonitor (plot + history), EpochCheckpoint (resumable runs) and
BestModelCheckpoint (the best epoch, without optimizer state)."""

from pyimagesearch.callbacks.best_model import BestModelCheckpoint, save_inference_model
from pyimagesearch.callbacks.epoch_checkpoint import EpochCheckpoint, latest_checkpoint
from pyimagesearch.callbacks.training_monitor import TrainingMonitor, best_epoch

__all__ = [
    "BestModelCheckpoint",
    "EpochCheckpoint",
    "TrainingMonitor",
    "best_epoch",
    "latest_checkpoint",
    "save_inference_model",
]
