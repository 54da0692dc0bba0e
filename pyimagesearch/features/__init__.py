"""Transfer learning: features from pretrained networks, feature fusion, classifiers on them.

Example:
    >>> from pyimagesearch.features import FeatureExtractor, open_sources, write_features
    >>> write_features(FeatureExtractor("ResNet50"), open_sources("train/"),
    ...                "features.hdf5")                                    # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BACKBONES",
    "BackbonePreprocessor",
    "FeatureExtractor",
    "build_backbone",
    "get_backbone_spec",
    "load_features",
    "open_sources",
    "resolve_weights",
    "write_activations",
    "write_features",
]

_LAZY = {
    "BACKBONES": "pyimagesearch.features.backbones",
    "BackbonePreprocessor": "pyimagesearch.features.backbone_preprocessor",
    "build_backbone": "pyimagesearch.features.backbones",
    "get_backbone_spec": "pyimagesearch.features.backbones",
    "FeatureExtractor": "pyimagesearch.features.extraction",
    "open_sources": "pyimagesearch.features.extraction",
    "write_activations": "pyimagesearch.features.extraction",
    "write_features": "pyimagesearch.features.extraction",
    "load_features": "pyimagesearch.features.fusion",
    "resolve_weights": "pyimagesearch.features.weights",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pyimagesearch.features' has no attribute {name!r}")
