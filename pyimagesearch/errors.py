"""Exceptions for user errors: the scripts print these as one clear line, no traceback."""


class PyImageSearchError(Exception):
    """Base class of every error caused by input, configuration or data (not a bug)."""


class ConfigError(PyImageSearchError, ValueError):
    """A config file is missing, broken, or lacks required settings."""


class DatasetError(PyImageSearchError, ValueError):
    """The input images or an HDF5 dataset cannot be used as asked."""


class WeightsError(PyImageSearchError, RuntimeError):
    """Pretrained weights cannot be loaded (no download possible, bad file, ...)."""


class OutputError(PyImageSearchError, OSError):
    """An output cannot be written, or would replace a user's earlier work unasked."""
