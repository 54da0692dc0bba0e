"""Training engines: any network from HDF5 datasets (train.py, train_alexnet.py), classifiers
on features (train_logreg.py, train_head.py), fine-tuning (fine_tune.py)."""

from pyimagesearch.training.train import (
    REQUIRED_SETTINGS,
    dataset_classes,
    make_generators,
    train_alexnet,
    train_network,
)

__all__ = [
    "REQUIRED_SETTINGS",
    "dataset_classes",
    "make_generators",
    "train_alexnet",
    "train_network",
]
