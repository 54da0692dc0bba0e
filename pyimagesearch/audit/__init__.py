"""Audit a dataset before training: duplicates across splits, suspicious labels, outliers,
reading problems (the engine of ``audit_dataset.py``). The audit never changes the data."""
