"""Training AlexNet from HDF5 datasets (train_alexnet.py)."""

from pyimagesearch.training.alexnet_training import (
    REQUIRED_SETTINGS,
    dataset_classes,
    make_generators,
    train_alexnet,
)

__all__ = ["REQUIRED_SETTINGS", "dataset_classes", "make_generators", "train_alexnet"]
