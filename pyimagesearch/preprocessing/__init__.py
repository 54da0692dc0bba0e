"""Image preprocessors with the book's ``preprocess(image)`` API (and batch forms)."""

from pyimagesearch.preprocessing.aspect_aware_preprocessor import AspectAwarePreprocessor

__all__ = ["AspectAwarePreprocessor"]
