"""Convolutional networks."""

from pyimagesearch.nn.conv.alexnet import AlexNet

__all__ = ["AlexNet"]
