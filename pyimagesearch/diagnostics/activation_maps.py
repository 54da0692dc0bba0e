"""Class activation maps: where in the image the model looks for the class it predicts.

* CAM (Zhou et al., 2016) for a network ending in global average pooling + dense
  (MiniGoogLeNet, ResNet, a fine-tuned backbone, a logistic regression or head on pooled
  features): the last convolution's maps weighted by the dense weights of the class;
* Grad-CAM (Selvaraju et al., 2017) for any other convolutional network (AlexNet): the
  maps weighted by the mean gradient of the class score.

Maps are computed for a whole batch in one forward (and, for Grad-CAM, one backward) pass,
normalised to [0, 1] per image and resized to the network input; models on features go
through their backbone.

Example (not run by the tests: needs a trained model and images):
    >>> maps, probs = class_activation_maps(load_classifier("output/ft.keras"), images)
    ... # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.models.classifiers import Classifier, FeatureClassifier, NetworkClassifier


def last_conv_layer(model) -> Any:
    """The last layer of ``model`` (searched into nested models) with a 4-D output."""
    for layer in reversed(model.layers):
        if hasattr(layer, "layers"):  # a nested model: a backbone
            found = last_conv_layer(layer)
            if found is not None:
                return found
        shape = getattr(layer, "output", None)
        if shape is not None and len(layer.output.shape) == 4:
            return layer
    return None


def _split_backbone(model):
    """``(layers before, body, layers after)``: a nested model (a fine-tuned backbone, a
    network behind its mean-subtraction layer) with what comes before and after it, or
    the network itself."""
    for index, layer in enumerate(model.layers):
        if hasattr(layer, "layers"):
            before = [k for k in model.layers[:index] if type(k).__name__ != "InputLayer"]
            return before, layer, model.layers[index + 1 :]
    return [], model, []


def mapped_network(classifier: Classifier):
    """The network whose activations are mapped: the backbone of a model on features, the
    network (or the backbone nested in it) of any other."""
    from pyimagesearch.errors import ConfigError

    if isinstance(classifier, FeatureClassifier):
        if len(classifier.backbones) > 1:
            raise ConfigError("activation maps need a model on one backbone, not fused features")
        return classifier.extractors[0].model
    if isinstance(classifier, NetworkClassifier):
        return _split_backbone(classifier.model)[1]
    raise TypeError(f"no activation maps for {type(classifier).__name__}")


def mappable_layers(body) -> list[str]:
    """The names of ``body``'s layers whose output is 4-D (maps a CAM can be made of:
    convolutions and what follows them), in order."""
    return [layer.name for layer in body.layers
            if getattr(layer, "output", None) is not None
            and len(layer.output.shape) == 4]  # fmt: skip


def check_layer(body, layer_name: str | None) -> None:
    """Refuse, in one line listing those it can map, a ``CAM_LAYER`` that is not one of
    ``body``'s layers with a 4-D output (or a network without any)."""
    from pyimagesearch.errors import ConfigError

    names = mappable_layers(body)
    if layer_name is None and last_conv_layer(body) is None:
        raise ConfigError(f"{body.name} has no convolutional layer to map")
    if layer_name is not None and layer_name not in names:
        convs = [n for n in names if "conv" in type(body.get_layer(n)).__name__.lower()]
        listed = convs or names
        shown = ", ".join(listed[-10:]) or "none"
        more = f"the last 10 of {len(listed)}: " if len(listed) > 10 else ""
        raise ConfigError(
            f"CAM_LAYER {layer_name!r} is not a layer of {body.name} with maps to show; its "
            f"convolutions ({more}{shown}) or any layer of 4-D output after one can be "
            "mapped (--layer NAME; none: the last)"
        )


def _features_model(body, layer_name: str | None):
    """``body``'s input -> (the chosen 4-D activations, ``body``'s output)."""
    import keras

    check_layer(body, layer_name)
    layer = body.get_layer(layer_name) if layer_name else last_conv_layer(body)
    return keras.Model(body.input, [layer.output, body.output]), layer.name


def _head_function(classifier: Classifier, head_layers: list):
    """The part after the body as a differentiable function of the body's output, and the
    dense weights (features x classes) when it is pooling + dense (CAM applies)."""
    import keras

    if isinstance(classifier, FeatureClassifier):
        model = classifier.model
        if classifier.kind == "logreg":
            coef = np.asarray(model.coef_, np.float32)
            bias = np.asarray(model.intercept_, np.float32)
            if coef.shape[0] == 1:  # binary: class 1 gets +z, class 0 gets -z
                coef, bias = np.concatenate([-coef, coef]) / 2, np.concatenate([-bias, bias]) / 2
            return (lambda f: keras.ops.softmax(keras.ops.matmul(f, coef.T) + bias)), coef.T
        dense = model.layers[-1]
        kernel = np.asarray(dense.kernel.numpy())

        def head(f):
            out = model(f, training=False)
            return keras.ops.concatenate([1 - out, out], axis=-1) if out.shape[-1] == 1 else out

        return head, kernel if kernel.shape[1] > 1 else np.concatenate([-kernel, kernel], 1) / 2

    def apply(f):
        for layer in head_layers:
            f = layer(f, training=False)
        return f

    dense = head_layers[-1] if head_layers else None
    kernel = None
    if dense is not None and hasattr(dense, "kernel"):
        kernel = np.asarray(dense.kernel.numpy())
        if kernel.shape[1] == 1:
            kernel = np.concatenate([-kernel, kernel], 1) / 2

    def with_columns(f):
        out = apply(f)
        return keras.ops.concatenate([1 - out, out], axis=-1) if out.shape[-1] == 1 else out

    return with_columns, kernel


def class_activation_maps(
    classifier: Classifier, images: np.ndarray, layer: str | None = None,
    method: str = "auto",
) -> tuple[np.ndarray, np.ndarray, str]:  # fmt: skip
    """``(maps (N, h, w) in [0, 1] at the network input's size, probabilities (N, K),
    the method used)`` for the predicted class of every image, in one batched pass."""
    from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

    quiet_tensorflow()  # a model on features has not started Keras' backend yet
    import keras

    body = mapped_network(classifier)
    inputs = classifier.baseline_inputs(images)
    if isinstance(classifier, FeatureClassifier):
        x = classifier.extractors[0].preprocess(inputs)
        head_layers: list = []
    else:
        before, body, head_layers = _split_backbone(classifier.model)
        x = inputs
        for step in before:  # e.g. the mean subtraction in front of the network
            x = keras.ops.convert_to_numpy(step(np.asarray(x, np.float32)))
    compute, method = _map_function(classifier, body, head_layers, layer, method)
    cams, probs = compute(np.asarray(x, np.float32))
    peak = cams.reshape(len(cams), -1).max(axis=1)[:, None, None]
    cams = np.where(peak > 0, cams / np.maximum(peak, 1e-12), 0.0)
    return _resize(cams, inputs.shape[1:3]), probs, method


def _map_function(classifier: Classifier, body, head_layers: list, layer: str | None,
                  method: str):  # fmt: skip
    """``images -> (maps, probabilities)`` (NumPy) for the classifier, built once and kept
    on it: CAM weighs the maps by the class's dense weights; Grad-CAM by the mean gradient
    of the class's probability, through :func:`~pyimagesearch.utils.gradients.gradient_function`
    (the backend's own; compiled once, reused by later batches of the same size)."""
    import keras

    cache = classifier.__dict__.setdefault("_map_functions", {})
    key = (layer, method)
    if key in cache:
        return cache[key]
    maps_model, _ = _features_model(body, layer)
    head, kernel = _head_function(classifier, head_layers)
    use_cam = method == "cam" or (method == "auto" and kernel is not None and
                                  _ends_in_pooling(body))  # fmt: skip
    if use_cam:
        weights_cam = np.asarray(kernel, np.float32).T  # (classes, channels)

        def compute(x):
            maps, pooled = (keras.ops.convert_to_numpy(t) for t in maps_model(x, training=False))
            probs = keras.ops.convert_to_numpy(head(pooled))
            return _weighted(maps, weights_cam[probs.argmax(axis=1)]), probs

    else:
        compute = _grad_cam(body, maps_model, head)
    cache[key] = (compute, "CAM" if use_cam else "Grad-CAM")
    return cache[key]


def _grad_cam(body, maps_model, head):
    """Grad-CAM's ``images -> (maps, probabilities)``: the rest of ``body`` after the
    mapped layer, a function of its maps (and of the images, for connections that skip
    it), differentiated in the maps."""
    import keras

    from pyimagesearch.utils.gradients import gradient_function

    rest = keras.Model([body.input, maps_model.outputs[0]], body.output)

    def score(maps, x):
        probs = head(rest([x, maps], training=False))
        return keras.ops.sum(keras.ops.max(probs, axis=1)), probs  # the predicted classes'

    gradient = gradient_function(score)

    def compute(x):
        maps = keras.ops.convert_to_numpy(maps_model(x, training=False)[0])
        probs, grads = gradient(maps, x)
        return _weighted(maps, grads.mean(axis=(1, 2))), probs

    return compute


def _weighted(maps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ReLU of the maps (N, h, w, c) weighted by (N, c): (N, h, w)."""
    return np.maximum(np.einsum("nhwc,nc->nhw", maps, weights), 0.0)


def _ends_in_pooling(body) -> bool:
    return "globalaveragepooling" in type(body.layers[-1]).__name__.lower()


def _resize(cams: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    out = np.empty((len(cams), *shape), np.float32)
    for i, cam in enumerate(cams):
        out[i] = cv2.resize(cam.astype(np.float32), (shape[1], shape[0]),
                            interpolation=cv2.INTER_LINEAR)  # fmt: skip
    return np.clip(out, 0.0, 1.0)


def overlay(image: np.ndarray, cam: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """The RGB image with the map drawn over it as a heat map."""
    import cv2

    heat = cv2.applyColorMap((cam * 255).astype(np.uint8), cv2.COLORMAP_JET)
    heat = cv2.cvtColor(heat, cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(image.astype(np.uint8), 1 - alpha, heat, alpha, 0)


def write_cam_grid(
    classifier: Classifier, images: np.ndarray, names: list[str], path: str | os.PathLike[str],
    layer: str | None = None, truths: list[str | None] | None = None,
) -> tuple[Path, str, list[str]]:  # fmt: skip
    """Overlays of every image's map in a grid, each titled ``true -> predicted probability
    name`` (``truths``: the true labels, None where unknown: ``predicted probability
    name``); return the grid's path, the method and the titles."""
    from pyimagesearch.utils.gallery import image_grid

    cams, probs, method = class_activation_maps(classifier, images, layer)
    inputs = classifier._resize.preprocess_batch(classifier.fit_images(images))
    truths = truths or [None] * len(names)
    titles = [
        f"{'' if truth is None else truth + ' -> '}"
        f"{classifier.label_names[int(p.argmax())]} {p.max():.0%} {name}"
        for p, name, truth in zip(probs, names, truths, strict=True)
    ]
    overlays = [overlay(image, cam) for image, cam in zip(inputs, cams, strict=True)]
    known = any(t is not None for t in truths)
    title = f"{method}: true -> predicted" if known else f"{method}: where the model looks"
    return image_grid(overlays, titles, path, title=title), method, titles
