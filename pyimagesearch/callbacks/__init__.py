"""Keras callbacks: TrainingMonitor (plot + history) and EpochCheckpoint (resumable runs)."""

from pyimagesearch.callbacks.epoch_checkpoint import EpochCheckpoint, latest_checkpoint
from pyimagesearch.callbacks.training_monitor import TrainingMonitor

__all__ = ["EpochCheckpoint", "TrainingMonitor", "latest_checkpoint"]
