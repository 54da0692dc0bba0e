"""Image preprocessors with the book's ``preprocess(image)`` API and a vectorized
``preprocess_batch(images)`` that ``HDF5DatasetGenerator`` uses."""

from pyimagesearch.preprocessing.aspect_aware_preprocessor import AspectAwarePreprocessor
from pyimagesearch.preprocessing.augmentation import (
    BOOK_AUGMENTATION,
    BatchAugmenter,
    PatchAugmentMean,
)
from pyimagesearch.preprocessing.crop_preprocessor import CropPreprocessor
from pyimagesearch.preprocessing.image_to_array_preprocessor import ImageToArrayPreprocessor
from pyimagesearch.preprocessing.mean_preprocessor import MeanPreprocessor
from pyimagesearch.preprocessing.patch_preprocessor import PatchPreprocessor
from pyimagesearch.preprocessing.simple_preprocessor import SimplePreprocessor

__all__ = [
    "BOOK_AUGMENTATION",
    "AspectAwarePreprocessor",
    "BatchAugmenter",
    "CropPreprocessor",
    "ImageToArrayPreprocessor",
    "MeanPreprocessor",
    "PatchAugmentMean",
    "PatchPreprocessor",
    "SimplePreprocessor",
]
