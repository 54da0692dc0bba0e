"""The book's convolutional networks, each ``build(width, height, depth, classes, reg=...)``,
and the registry a config names them by (``NETWORK = "MiniGoogLeNet"``).

The network classes are imported on first use, so the registry (and the checks before a
run) do not start TensorFlow.

Example:
    >>> model = build_network("MiniVGGNet", 32, 32, 3, 10)
    >>> model.output_shape
    (None, 10)
"""

from __future__ import annotations

from typing import Any

from pyimagesearch.nn.conv.registry import NETWORK_SPECS, build_network, network_class

__all__ = [
    "NETWORK_SPECS",
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


def __getattr__(name: str) -> Any:
    if name in NETWORK_SPECS:
        return NETWORK_SPECS[name].load()
    if name == "FCHeadNet":
        from pyimagesearch.nn.conv.fcheadnet import FCHeadNet

        return FCHeadNet
    if name == "NETWORKS":
        return {key: spec.load() for key, spec in NETWORK_SPECS.items()}
    raise AttributeError(f"module 'pyimagesearch.nn.conv' has no attribute {name!r}")
