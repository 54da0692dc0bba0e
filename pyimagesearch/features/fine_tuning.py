"""Fine-tuning: a pretrained backbone with a new head, trained in two stages.

1. the head alone, backbone frozen (RMSprop), so that random head weights do not wreck
   the pretrained features;
2. the last layers of the backbone unfrozen (``FINE_TUNE_LAYERS``: a count of layers, or
   the name of the first layer to train, e.g. ``"block_13"`` or ``"conv5_"``), SGD with a
   low learning rate and momentum.

Both stages stop early when the validation loss stops improving and keep the best weights.
Training images are augmented (flips, rotations, zooms, shifts) by layers in the model.

Example:
    >>> result = fine_tune(images, labels, ["cat", "dog"], backbone="ResNet50")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from pyimagesearch.errors import ConfigError
from pyimagesearch.features.backbones import (
    build_backbone,
    check_image_size,
    get_backbone_spec,
    preprocess_function,
)
from pyimagesearch.features.weights import resolve_weights
from pyimagesearch.nn.heads import build_fine_tune_model, loss_for


class ImageBatches(keras.utils.PyDataset):
    """Batches of RGB uint8 images, converted with the backbone's ``preprocess_input``."""

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        preprocess: Any,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 42,
    ) -> None:
        super().__init__()
        self.images, self.labels = images, labels
        self.preprocess, self.batch_size, self.shuffle = preprocess, int(batch_size), shuffle
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(images))
        self.on_epoch_end()

    def __len__(self) -> int:
        return int(np.ceil(len(self.images) / self.batch_size))

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = np.sort(self.order[index * self.batch_size : (index + 1) * self.batch_size])
        x = self.preprocess(self.images[rows].astype(np.float32))
        return x, self.labels[rows]

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self.rng.shuffle(self.order)


_BLOCK = re.compile(
    r"^(conv\d+_block\d+|block_?\d+[a-z]?|mixed_?\d+[a-z]?|conv_(?:dw|pw)_\d+|Conv_1|top|"
    r"normal_[a-z]+_\d+|reduction_[a-z]+_\d+|conv_7b|post)"
)


def block_names(layer_names: list[str]) -> list[str]:
    """The blocks of a network in order, from its layer names (``conv5_block3``,
    ``block_16``, ``block5``, ``mixed9``, ...): what a user can name in FINE_TUNE_LAYERS."""
    blocks: list[str] = []
    for name in layer_names:
        match = _BLOCK.match(name)
        if match and match.group(1) not in blocks:
            blocks.append(match.group(1))
    return blocks


def default_fine_tune_layers(backbone: str) -> int | str:
    """FINE_TUNE_LAYERS when unset: the first layer of the backbone's last block (e.g.
    ResNet50 ``conv5_block1_``, MobileNetV2 ``block_16_``), else its last 20 layers."""
    return get_backbone_spec(backbone).last_block or 20


def first_trainable(layer_names: list[str], layers: int | str, network: str) -> int:
    """Index of the first layer to train: ``layers`` from the end (an int), or the first
    layer whose name starts with ``layers``.

    Raises:
        ConfigError: no layer has that name; the message lists the network's blocks.
    """
    if isinstance(layers, str):
        starts = [i for i, name in enumerate(layer_names) if name.startswith(layers)]
        if not starts:
            blocks = block_names(layer_names)
            shown = ", ".join(blocks[-8:]) if blocks else ", ".join(layer_names[-8:])
            raise ConfigError(
                f"FINE_TUNE_LAYERS = {layers!r} names no layer of {network}; its last blocks "
                f"are {shown} (or give a count of layers from the end)"
            )
        return starts[0]
    if isinstance(layers, int) and not isinstance(layers, bool) and layers > 0:
        if layers >= len(layer_names):
            raise ConfigError(
                f"FINE_TUNE_LAYERS = {layers} is the whole of {network} ({len(layer_names)} "
                "layers); name a block or give a smaller count"
            )
        return len(layer_names) - layers
    raise ConfigError(f"FINE_TUNE_LAYERS must be a positive int or a layer name: {layers!r}")


def check_fine_tune_layers(backbone: str, layers: int | str | None, image_size: int) -> int | str:
    """FINE_TUNE_LAYERS resolved (the backbone's default when None) and checked against
    the backbone's real layer names, before any image is loaded or epoch trained."""
    layers = default_fine_tune_layers(backbone) if layers is None else layers
    probe = build_backbone(backbone, None, image_size)  # layer names only: no weights
    first_trainable([layer.name for layer in probe.layers], layers, backbone)
    keras.backend.clear_session()
    return layers


def unfreeze_top(backbone: keras.Model, layers: int | str) -> list[str]:
    """Make the last layers of ``backbone`` trainable; return their names.

    ``layers``: how many layers from the end, or the name (prefix) of the first layer to
    train. BatchNormalization layers stay frozen (their statistics fit the pretraining).
    """
    first = first_trainable([layer.name for layer in backbone.layers], layers, backbone.name)
    backbone.trainable = True
    trained = []
    for i, layer in enumerate(backbone.layers):
        layer.trainable = i >= first and not isinstance(layer, keras.layers.BatchNormalization)
        if layer.trainable and layer.weights:
            trained.append(layer.name)
    return trained


@dataclass
class FineTuneResult:
    model: keras.Model
    history: dict[str, list[float]]  # both stages, one after the other
    head_epochs: int
    trained_layers: list[str] = field(default_factory=list)
    evaluation: dict[str, float] = field(default_factory=dict)


def fine_tune(
    train_images: np.ndarray,
    train_labels: np.ndarray,
    val_images: np.ndarray,
    val_labels: np.ndarray,
    num_classes: int,
    backbone: str = "ResNet50",
    weights: Any = "imagenet",
    image_size: int | None = None,
    layers: int | str = 20,
    head_epochs: int = 10,
    epochs: int = 10,
    learning_rate: float = 1e-4,
    batch_size: int = 32,
    augment: bool = True,
    patience: int = 3,
    seed: int = 42,
    verbose: int = 2,
) -> FineTuneResult:
    """Train a new head on a frozen backbone, then fine-tune its last layers with SGD."""
    keras.utils.set_random_seed(seed)
    spec = get_backbone_spec(backbone)
    size = check_image_size(spec, image_size)
    if train_images.shape[1:3] != (size, size):
        raise ConfigError(f"images are {train_images.shape[1:3]}, the network takes {size}")
    base = build_backbone(spec.name, resolve_weights(weights), size)
    first_trainable([layer.name for layer in base.layers], layers, spec.name)  # before stage 1
    model = build_fine_tune_model(base, None, num_classes, augment=augment, seed=seed)
    preprocess = preprocess_function(spec.name)
    train = ImageBatches(train_images, train_labels, preprocess, batch_size, True, seed)
    val = ImageBatches(val_images, val_labels, preprocess, batch_size)
    loss = loss_for(num_classes)

    def stop() -> keras.callbacks.Callback:
        return keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True)

    base.trainable = False  # stage 1: the head only
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss=loss, metrics=["accuracy"])
    first = model.fit(train, validation_data=val, epochs=head_epochs, callbacks=[stop()],
                      verbose=verbose)  # fmt: skip
    trained = unfreeze_top(base, layers)  # stage 2: the top of the backbone too
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate, momentum=0.9),
        loss=loss,
        metrics=["accuracy"],
    )
    second = model.fit(train, validation_data=val, epochs=epochs, callbacks=[stop()],
                       verbose=verbose)  # fmt: skip
    history = {k: list(first.history.get(k, [])) + list(v) for k, v in second.history.items()}
    values = model.evaluate(val, verbose=0, return_dict=True)
    return FineTuneResult(
        model,
        history,
        len(first.history["loss"]),
        trained,
        {k: float(v) for k, v in values.items()},
    )


def plot_history(
    history: dict[str, list[float]], head_epochs: int, path: str | os.PathLike[str]
) -> Path:
    """Loss and accuracy per epoch of both stages, with the unfreezing marked."""
    from pyimagesearch.utils.plots import plot_history as plot_curves

    return plot_curves(
        history,
        path,
        title="fine-tuning",
        mark_epoch=head_epochs + 0.5,
        mark_label="backbone unfrozen",
    )
