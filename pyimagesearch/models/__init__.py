"""Trained models: the record each one carries, and one loader for every kind.

Importing this package is cheap; the loader imports TensorFlow only for Keras models.
"""

from pyimagesearch.models.classifiers import Classifier, ModelError, load_classifier
from pyimagesearch.models.record import read_record, record_path, write_record

__all__ = [
    "Classifier",
    "ModelError",
    "load_classifier",
    "read_record",
    "record_path",
    "write_record",
]
