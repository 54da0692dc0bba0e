"""The networks a config can name, known without importing Keras (the checks before a run
need each one's smallest input).

Example:
    >>> spec = network_class("minigooglenet")
    >>> spec.name, spec.min_size
    ('MiniGoogLeNet', 8)
"""

from __future__ import annotations

import importlib
import json
import os
import zipfile
from dataclasses import dataclass
from typing import Any

from pyimagesearch.errors import ConfigError, DatasetError

# The layer that subtracts the dataset mean inside a model (MEAN_IN_MODEL).
MEAN_LAYER_NAME = "mean_subtraction"


@dataclass(frozen=True)
class NetworkSpec:
    name: str  # the class name, e.g. "MiniGoogLeNet"
    module: str  # its module in pyimagesearch.nn.conv
    min_size: int  # the smallest input side its poolings allow

    def load(self):
        return getattr(importlib.import_module(f"pyimagesearch.nn.conv.{self.module}"), self.name)

    def build(self, width: int, height: int, depth: int, classes: int, **args: Any):
        """``cls.build(...)`` with one clear error for arguments it does not take."""
        cls = self.load()
        try:
            return cls.build(width, height, depth, classes, **args)
        except TypeError as exc:
            raise ConfigError(f"NETWORK_ARGS do not fit {self.name}.build: {exc}") from None
        except ValueError as exc:
            raise ConfigError(f"{self.name}: {exc}") from None


NETWORK_SPECS = {
    spec.name: spec
    for spec in (
        NetworkSpec("ShallowNet", "shallownet", 3),
        NetworkSpec("LeNet", "lenet", 4),
        NetworkSpec("MiniVGGNet", "minivggnet", 4),
        NetworkSpec("AlexNet", "alexnet", 63),
        NetworkSpec("MiniGoogLeNet", "minigooglenet", 8),
        NetworkSpec("DeeperGoogLeNet", "deepergooglenet", 16),
        NetworkSpec("ResNet", "resnet", 8),
    )
}


def network_class(name: str) -> NetworkSpec:
    """The network a config names (any case).

    Raises:
        ConfigError: an unknown name; the message lists the known ones.
    """
    lookup = {key.lower(): spec for key, spec in NETWORK_SPECS.items()}
    if not isinstance(name, str) or name.lower() not in lookup:
        raise ConfigError(f"unknown NETWORK {name!r}; known: {', '.join(NETWORK_SPECS)}")
    return lookup[name.lower()]


def build_network(name: str, width: int, height: int, depth: int, classes: int, **args: Any):
    """Build the network a config names (``NETWORK``, ``NETWORK_ARGS``)."""
    return network_class(name).build(width, height, depth, classes, **args)


def keras_file_has_mean_layer(path: str | os.PathLike[str]) -> bool:
    """Whether a saved ``.keras`` model subtracts the dataset mean itself, read from the
    file's ``config.json`` without loading Keras (a checkpoint decides how a resumed run's
    batches are fed).

    Raises:
        DatasetError: the file is not a readable ``.keras`` archive (cut off, damaged).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"{path} is not a readable Keras model file ({exc})") from None
    layers = config.get("config", {}).get("layers", []) if isinstance(config, dict) else []
    return any(
        MEAN_LAYER_NAME in (layer.get("name"), layer.get("config", {}).get("name"))
        for layer in layers
        if isinstance(layer, dict)
    )
