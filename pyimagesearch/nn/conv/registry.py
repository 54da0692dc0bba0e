"""The networks a config can name, known without importing Keras (the checks before a run
need each one's smallest input).

Example:
    >>> spec = network_class("minigooglenet")
    >>> spec.name, spec.min_size
    ('MiniGoogLeNet', 8)
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from pyimagesearch.errors import ConfigError


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
