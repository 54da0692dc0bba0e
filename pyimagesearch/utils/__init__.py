"""Utilities every layer may use: atomic writes and disk checks, JSON reports, progress bars,
paths for display, quiet TensorFlow, image grids, plots, randomness."""
