"""Reading and writing HDF5 datasets.

``HDF5DatasetGenerator`` imports Keras, so it is loaded lazily: ``build_dataset.py``
imports this package without pulling in TensorFlow.
"""

from __future__ import annotations

from typing import Any

from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_paths
from pyimagesearch.io.hdf5_dataset_writer import HDF5DatasetWriter

__all__ = [
    "HDF5DatasetGenerator",
    "HDF5DatasetWriter",
    "open_hdf5",
    "read_label_names",
    "read_paths",
]


def __getattr__(name: str) -> Any:
    if name == "HDF5DatasetGenerator":
        from pyimagesearch.io.hdf5_dataset_generator import HDF5DatasetGenerator

        return HDF5DatasetGenerator
    raise AttributeError(f"module 'pyimagesearch.io' has no attribute {name!r}")
