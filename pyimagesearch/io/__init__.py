"""Reading and writing HDF5 datasets, the builder's split files, direct row reads, and
feeding ``model.fit``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_paths
from pyimagesearch.io.hdf5_dataset_writer import HDF5DatasetWriter

if TYPE_CHECKING:  # not imported plainly: it subclasses Keras' PyDataset, and the builder
    # and the audit must start without Keras; it loads on first use (__getattr__ below)
    from pyimagesearch.io.hdf5_dataset_generator import HDF5DatasetGenerator

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
