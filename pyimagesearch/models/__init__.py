"""Trained models and the record each one carries (class names, input, preprocessing, data)."""

from pyimagesearch.models.record import read_record, record_path, write_record

__all__ = ["read_record", "record_path", "write_record"]
