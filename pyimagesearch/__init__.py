"""pyimagesearch: folders of photos in, trained image classifiers and honest accuracy out.

Importing the package is cheap: TensorFlow/Keras are imported only by the modules that
need them (``pyimagesearch.nn``, ``pyimagesearch.callbacks``, the generator, ...).
"""

from pyimagesearch.errors import ConfigError, DatasetError, PyImageSearchError, WeightsError

__version__ = "0.1.0"
__all__ = ["ConfigError", "DatasetError", "PyImageSearchError", "WeightsError", "__version__"]
