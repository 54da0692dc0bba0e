"""BackbonePreprocessor: a pretrained network's own ``preprocess_input`` as a batch step.

Example (not run by the tests: builds a backbone):
    >>> bp = BackbonePreprocessor("MobileNetV2")                              # doctest: +SKIP
    >>> bp.preprocess_batch(np.full((2, 8, 8, 3), 255, np.uint8)).max()       # doctest: +SKIP
    1.0
"""

from __future__ import annotations

import numpy as np

from pyimagesearch.features.backbones import get_backbone_spec, preprocess_function


class BackbonePreprocessor:
    """RGB uint8 batches -> float32 scaled as the backbone was trained (ResNet: BGR minus the
    ImageNet mean; MobileNet: [-1, 1]; ...)."""

    def __init__(self, backbone: str) -> None:
        self.backbone = get_backbone_spec(backbone).name
        self._fn = preprocess_function(self.backbone)

    def preprocess_batch(self, images: np.ndarray, rng: np.random.Generator | None = None):
        return np.asarray(self._fn(np.asarray(images, dtype=np.float32)), dtype=np.float32)

    def preprocess(self, image: np.ndarray) -> np.ndarray:
        return self.preprocess_batch(np.asarray(image)[None])[0]
