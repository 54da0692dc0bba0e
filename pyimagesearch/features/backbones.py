"""The registry of ``keras.applications`` backbones used as feature extractors, and
building one with its weights checked.

Every backbone is built without its classifier top and with global average pooling, so
one image gives one vector (ResNet50: 2048 values). Each network keeps its own input size
and its own ``preprocess_input``. A weights file is checked to fit the backbone (by the
count of numbers it holds) before Keras loads it.

Example:
    >>> spec = get_backbone_spec("resnet50")
    >>> spec.name, spec.default_size, spec.feature_dim
    ('ResNet50', 224, 2048)
    >>> model = build_backbone("ResNet50", weights=None, image_size=64)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyimagesearch.config import setting
from pyimagesearch.errors import ConfigError, WeightsError
from pyimagesearch.features.weights import (
    IMAGENET,
    count_weight_values,
    is_download_failure,
    offline_message,
    resolve_weights,
)

DEFAULT_BACKBONE = setting("BACKBONE").default
RANDOM_WEIGHTS_SEED = 0


@dataclass(frozen=True)
class BackboneSpec:
    """What the extractor needs to know about one ``keras.applications`` network."""

    name: str  # the constructor's name in keras.applications, e.g. "ResNet50"
    default_size: int  # the input side the ImageNet weights were trained at
    min_size: int  # the smallest input side the network accepts
    feature_dim: int | None = None  # pooled feature length (None: not recorded here)
    weight_values: int | None = None  # numbers in its weights without top (any input size)
    last_block: str | None = None  # first layer (name prefix) of its last block


# The networks the book uses, plus the common modern ones. Any other keras.applications
# constructor works too (see get_backbone_spec): it gets 224 / 32 as sizes.
_SPECS = [
    BackboneSpec("VGG16", 224, 32, 512, 14714688, "block5_"),
    BackboneSpec("VGG19", 224, 32, 512, 20024384, "block5_"),
    BackboneSpec("ResNet50", 224, 32, 2048, 23587712, "conv5_block1_"),
    BackboneSpec("ResNet101", 224, 32, 2048, 42658176, "conv5_block1_"),
    BackboneSpec("ResNet152", 224, 32, 2048, 58370944, "conv5_block1_"),
    BackboneSpec("ResNet50V2", 224, 32, 2048, 23564800, "conv5_block1_"),
    BackboneSpec("ResNet101V2", 224, 32, 2048, 42626560, "conv5_block1_"),
    BackboneSpec("ResNet152V2", 224, 32, 2048, 58331648, "conv5_block1_"),
    BackboneSpec("InceptionV3", 299, 75, 2048, 21802784, "mixed8"),
    BackboneSpec("InceptionResNetV2", 299, 75, 1536, 54336736, "mixed_7a"),
    BackboneSpec("Xception", 299, 71, 2048, 20861480, "block14_"),
    BackboneSpec("MobileNet", 224, 32, 1024, 3228864, "conv_dw_13"),
    BackboneSpec("MobileNetV2", 224, 32, 1280, 2257984, "block_16_"),
    BackboneSpec("DenseNet121", 224, 32, 1024, 7037504, "conv5_block16_"),
    BackboneSpec("DenseNet169", 224, 32, 1664, 12642880, "conv5_block32_"),
    BackboneSpec("DenseNet201", 224, 32, 1920, 18321984, "conv5_block32_"),
    BackboneSpec("NASNetMobile", 224, 32, 1056, 4269716, None),
    BackboneSpec("NASNetLarge", 331, 32, 4032, 84916818, None),
    BackboneSpec("EfficientNetB0", 224, 32, 1280, 4049571, "block7a_"),
    BackboneSpec("EfficientNetB1", 240, 32, 1280, 6575239, "block7a_"),
    BackboneSpec("EfficientNetB2", 260, 32, 1408, 7768569, "block7a_"),
    BackboneSpec("EfficientNetB3", 300, 32, 1536, 10783535, "block7a_"),
    BackboneSpec("EfficientNetB4", 380, 32, 1792, 17673823, "block7a_"),
    BackboneSpec("EfficientNetB5", 456, 32, 2048, 28513527, "block7a_"),
    BackboneSpec("EfficientNetB6", 528, 32, 2304, 40960143, "block7a_"),
    BackboneSpec("EfficientNetB7", 600, 32, 2560, 64097687, "block7a_"),
]
BACKBONES: dict[str, BackboneSpec] = {spec.name.lower(): spec for spec in _SPECS}


_BLOCK = re.compile(
    r"^(conv\d+_block\d+|block_?\d+[a-z]?|mixed_?\d+[a-z]?|conv_(?:dw|pw)_\d+|Conv_1|top|"
    r"normal_[a-z]+_\d+|reduction_[a-z]+_\d+|conv_7b|post)"
)


def block_of(layer_name: str) -> str | None:
    """The block a layer belongs to (``conv5_block3_2_conv`` -> ``conv5_block3``), or None."""
    match = _BLOCK.match(layer_name)
    return match.group(1) if match else None


def block_names(layer_names: list[str]) -> list[str]:
    """The blocks of a network in order, from its layer names (``conv5_block3``,
    ``block_16``, ``block5``, ``mixed9``, ...): what a user can name in FINE_TUNE_LAYERS."""
    blocks: list[str] = []
    for name in layer_names:
        block = block_of(name)
        if block and block not in blocks:
            blocks.append(block)
    return blocks


def _applications() -> Any:
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()  # an unknown BACKBONE is refused without TensorFlow's start-up lines
    import keras

    return keras.applications


def _public_constructors() -> dict[str, str]:
    """lower-case name -> constructor name, for every model in keras.applications."""
    apps = _applications()
    return {name.lower(): name for name in dir(apps) if name[:1].isupper()}


def get_backbone_spec(name: str) -> BackboneSpec:
    """The spec of a backbone, by its ``keras.applications`` name (any case).

    Raises:
        ConfigError: no such network in ``keras.applications``.
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"BACKBONE must be a keras.applications name, got {name!r}")
    key = name.strip().lower()
    if key in BACKBONES:
        return BACKBONES[key]
    constructors = _public_constructors()
    if key not in constructors:
        known = ", ".join(spec.name for spec in _SPECS)
        raise ConfigError(f"unknown backbone {name!r}; use a keras.applications name: {known}")
    return BackboneSpec(constructors[key], 224, 32)


def check_image_size(spec: BackboneSpec, image_size: int | None) -> int:
    """The input side to use: ``image_size``, or the backbone's own when None."""
    if image_size is None:
        return spec.default_size
    if isinstance(image_size, bool) or not isinstance(image_size, int | np.integer):
        raise ConfigError(f"FEATURE_IMAGE_SIZE must be an int, got {image_size!r}")
    if image_size < spec.min_size:
        raise ConfigError(
            f"{spec.name} needs inputs of at least {spec.min_size}x{spec.min_size} "
            f"pixels, got FEATURE_IMAGE_SIZE = {image_size}"
        )
    return int(image_size)


def preprocess_function(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The backbone's own ``preprocess_input`` (input: RGB float32 in 0..255)."""
    spec = get_backbone_spec(name)
    constructor = getattr(_applications(), spec.name)
    module = importlib.import_module(constructor.__module__)
    return module.preprocess_input


def build_backbone(name: str, weights: str | None = "imagenet", image_size: int | None = None):
    """A ``keras.applications`` network without top, with global average pooling.

    Args:
        name: e.g. ``"ResNet50"``, ``"MobileNetV2"`` (any case).
        weights: ``"imagenet"``, None (random, from a fixed seed), or the path of a weights
            file; resolve user input first with :func:`checked_weights`.
        image_size: the square input side (default: the network's own).

    Raises:
        WeightsError: the weights cannot be downloaded or do not fit the network.
    """
    spec = get_backbone_spec(name)
    size = check_image_size(spec, image_size)
    constructor = getattr(_applications(), spec.name)
    if weights is None:
        # Random weights from a fixed seed: a classifier trained on random-weight features
        # gets the same features when it is loaded again (this resets Keras' global seed).
        import keras

        keras.utils.set_random_seed(RANDOM_WEIGHTS_SEED)
    return load_with_weights(
        spec.name,
        weights,
        lambda w: constructor(
            include_top=False, weights=w, input_shape=(size, size, 3), pooling="avg"
        ),
    )


def check_weights_fit(backbone: str, path: str | os.PathLike[str]) -> None:
    """Refuse, in one line, a weights file saved from another network than ``backbone``
    (and name the known backbones it does fit), before Keras tries to load it."""
    expected = get_backbone_spec(backbone).weight_values
    if expected is None:
        return
    found = count_weight_values(path)
    if found == expected:
        return
    fits = [spec.name for spec in BACKBONES.values() if spec.weight_values == found]
    hint = f"it fits {' or '.join(fits)}" if fits else "it fits none of the known backbones"
    raise WeightsError(
        f"weights file {path} does not fit {backbone} without its top: it holds {found:,} "
        f"values, {backbone} has {expected:,}; {hint} (set BACKBONE or WEIGHTS to match)"
    )


def _first_line(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_with_weights(backbone: str, weights: str | None, build: Callable[[Any], Any]) -> Any:
    """Call ``build(weights)`` and turn weight failures into one clear WeightsError
    (Keras' own warnings about mismatched layers are not repeated)."""
    if weights not in (None, IMAGENET):
        check_weights_fit(backbone, weights)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return build(weights)
    except WeightsError:
        raise
    except Exception as exc:
        if weights == IMAGENET and is_download_failure(exc):
            raise WeightsError(offline_message(backbone, exc)) from None
        if weights not in (None, IMAGENET) and get_backbone_spec(backbone).weight_values:
            raise WeightsError(  # it holds as many values as the backbone: damaged inside
                f"weights file {weights} holds as many values as {backbone} but Keras cannot "
                f"load it (damaged?): {_first_line(exc)}; copy or download it again"
            ) from None
        if weights not in (None, IMAGENET):
            raise WeightsError(
                f"weights file {weights} does not fit {backbone} without its top "
                f"(include_top=False): {_first_line(exc)}"
            ) from None
        raise


def checked_weights(backbone: str, weights: Any) -> str | None:
    """``WEIGHTS`` for ``backbone`` as Keras takes it (see
    :func:`~pyimagesearch.features.weights.resolve_weights`), a file checked to fit it.

    Raises:
        WeightsError: a missing file, or one saved from another network.
    """
    resolved = resolve_weights(weights)
    if resolved not in (None, IMAGENET):
        check_weights_fit(backbone, resolved)
    return resolved
