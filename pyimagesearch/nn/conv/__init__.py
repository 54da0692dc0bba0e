"""The book's convolutional networks, each ``build(width, height, depth, classes, reg=...)``,
and the registry a config names them by (``NETWORK = "MiniGoogLeNet"``).

Example:
    >>> model = build_network("MiniVGGNet", 32, 32, 3, 10)
    >>> model.output_shape
    (None, 10)
"""

from __future__ import annotations

from typing import Any

from pyimagesearch.errors import ConfigError
from pyimagesearch.nn.conv.alexnet import AlexNet
from pyimagesearch.nn.conv.deepergooglenet import DeeperGoogLeNet
from pyimagesearch.nn.conv.fcheadnet import FCHeadNet
from pyimagesearch.nn.conv.lenet import LeNet
from pyimagesearch.nn.conv.minigooglenet import MiniGoogLeNet
from pyimagesearch.nn.conv.minivggnet import MiniVGGNet
from pyimagesearch.nn.conv.resnet import ResNet
from pyimagesearch.nn.conv.shallownet import ShallowNet

NETWORKS = {
    "ShallowNet": ShallowNet,
    "LeNet": LeNet,
    "MiniVGGNet": MiniVGGNet,
    "AlexNet": AlexNet,
    "MiniGoogLeNet": MiniGoogLeNet,
    "DeeperGoogLeNet": DeeperGoogLeNet,
    "ResNet": ResNet,
}


def network_class(name: str):
    """The network class a config names (any case).

    Raises:
        ConfigError: an unknown name; the message lists the known ones.
    """
    lookup = {key.lower(): cls for key, cls in NETWORKS.items()}
    if not isinstance(name, str) or name.lower() not in lookup:
        raise ConfigError(f"unknown NETWORK {name!r}; known: {', '.join(NETWORKS)}")
    return lookup[name.lower()]


def build_network(name: str, width: int, height: int, depth: int, classes: int, **args: Any):
    """``NETWORKS[name].build(width, height, depth, classes, **args)`` with one clear error
    for arguments the network does not take (``NETWORK_ARGS``)."""
    cls = network_class(name)
    try:
        return cls.build(width, height, depth, classes, **args)
    except TypeError as exc:
        raise ConfigError(f"NETWORK_ARGS do not fit {cls.__name__}.build: {exc}") from None
    except ValueError as exc:
        raise ConfigError(f"{cls.__name__}: {exc}") from None


__all__ = [
    "NETWORKS",
    "AlexNet",
    "DeeperGoogLeNet",
    "FCHeadNet",
    "LeNet",
    "MiniGoogLeNet",
    "MiniVGGNet",
    "ResNet",
    "ShallowNet",
    "build_network",
    "network_class",
]
