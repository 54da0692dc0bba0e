"""Transfer learning: features from pretrained networks, feature fusion, classifiers on them.

Example:
    >>> from pyimagesearch.features import extract_features             # doctest: +SKIP
    >>> extract_features("train/", "features.hdf5", backbone="ResNet50")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BACKBONES",
    "BackbonePreprocessor",
    "FeatureExtractor",
    "build_backbone",
    "extract_features",
    "get_backbone_spec",
    "load_features",
    "resolve_weights",
]

_LAZY = {
    "BACKBONES": "pyimagesearch.features.backbones",
    "BackbonePreprocessor": "pyimagesearch.features.backbone_preprocessor",
    "build_backbone": "pyimagesearch.features.backbones",
    "get_backbone_spec": "pyimagesearch.features.backbones",
    "FeatureExtractor": "pyimagesearch.features.extraction",
    "extract_features": "pyimagesearch.features.extraction",
    "load_features": "pyimagesearch.features.fusion",
    "resolve_weights": "pyimagesearch.features.weights",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pyimagesearch.features' has no attribute {name!r}")
