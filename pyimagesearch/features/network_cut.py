"""Cut a pretrained network in two at one layer: a frozen lower part that runs once over
every image (its output is stored), and an upper part trained from the stored activations.

The layer is named by ``SPLIT_AT`` / ``--split-at``. A layer is a *split point* when its
output is the only tensor the rest of the network needs: every later layer reads from it
or from layers after it. A residual connection that starts at the split layer (ResNet50's
``conv4_block6_out`` feeds both branches of ``conv5_block1``) is fine; one that starts
below it and ends above it (cutting inside a residual block) is not, since the stored
activations would lack its input. Both parts are built from the network's own graph
(Keras functional models with an intermediate tensor as input), so they share the
network's layers and weights: training the upper part trains the network itself.

Example (not run by the tests: builds a backbone):
    >>> base = build_backbone("MobileNetV2", "imagenet", 224)          # doctest: +SKIP
    >>> layer = resolve_split_layer(base, "block_16_")                  # doctest: +SKIP
    >>> layer                                                           # doctest: +SKIP
    'block_15_add'
    >>> lower, upper = split_network(base, layer)                       # doctest: +SKIP
    >>> lower.output_shape, upper.output_shape                          # doctest: +SKIP
    ((None, 7, 7, 160), (None, 1280))
"""

from __future__ import annotations

from typing import Any

from pyimagesearch.errors import ConfigError
from pyimagesearch.features.backbones import block_of, get_backbone_spec

SHOWN_SPLIT_POINTS = 8


def _tensor_sources(structure: Any) -> list[str]:
    """The names of the layers whose outputs a serialised call reads (``inbound_nodes``)."""
    if isinstance(structure, dict):
        if structure.get("class_name") == "__keras_tensor__":
            return [structure["config"]["keras_history"][0]]
        return [name for value in structure.values() for name in _tensor_sources(value)]
    if isinstance(structure, list | tuple):
        return [name for value in structure for name in _tensor_sources(value)]
    return []


def layer_graph(model) -> list[tuple[str, set[str]]]:
    """``(layer name, names of the layers it reads)`` in the model's topological order,
    from its public functional config."""
    config = model.get_config()
    if "layers" not in config:
        raise ConfigError(f"{model.name} is not a functional model; it cannot be split")
    return [
        (layer["name"], set(_tensor_sources(layer.get("inbound_nodes", []))))
        for layer in config["layers"]
    ]


def split_points(model) -> list[str]:
    """Every layer whose output alone feeds the rest of ``model`` (excluding its input
    and its last layer, above which nothing would be left to train)."""
    graph = layer_graph(model)
    position = {name: i for i, (name, _) in enumerate(graph)}
    last_read = [i for i in range(len(graph))]  # the last layer reading each layer
    for j, (_, sources) in enumerate(graph):
        for source in sources:
            last_read[position[source]] = max(last_read[position[source]], j)
    points, reach = [], -1  # reach: how far the outputs of layers before i are read
    for i, (name, sources) in enumerate(graph[:-1]):
        if i > 0 and reach <= i and sources:
            points.append(name)
        reach = max(reach, last_read[i])
    return points


def block_end_split_points(model) -> list[str]:
    """The split points that end a block (``block_15_add``, ``conv4_block6_out``): the
    ones worth naming to a user."""
    names = [name for name, _ in layer_graph(model)]
    following = {name: names[i + 1] for i, name in enumerate(names[:-1])}
    return [
        name
        for name in split_points(model)
        if block_of(name) is not None and block_of(following[name]) != block_of(name)
    ]


def _valid_names_line(model, network: str) -> str:
    ends = block_end_split_points(model)
    if len(ends) >= SHOWN_SPLIT_POINTS // 2:
        return f"split points at the last block ends of {network}: " + ", ".join(
            ends[-SHOWN_SPLIT_POINTS:]
        )
    points = split_points(model)[-SHOWN_SPLIT_POINTS:]
    return f"the last split points of {network}: " + ", ".join(points)


def resolve_split_layer(
    model, split_at: str, network: str | None = None, prefix_example: str | None = None
) -> str:
    """The layer to split after: ``split_at`` itself when it names a layer, or, for a block
    prefix (``"block_16_"``, ``"conv5_block1_"``), the layer just before that block.

    Raises:
        ConfigError: no such layer, or not a split point; the message names valid ones.
    """
    network = network or model.name
    if not isinstance(split_at, str) or not split_at.strip():
        raise ConfigError(f"SPLIT_AT must be a layer name of {network}, got {split_at!r}")
    names = [name for name, _ in layer_graph(model)]
    points = split_points(model)
    if split_at in names:
        if split_at in points:
            return split_at
        why = (
            "the network's output, with nothing above it to train"
            if split_at == names[-1]
            else "not a split point (a connection from below it skips over it)"
        )
        raise ConfigError(f"SPLIT_AT = {split_at!r} is {why}; {_valid_names_line(model, network)}")
    starts = [i for i, name in enumerate(names) if name.startswith(split_at)]
    if not starts:
        raise ConfigError(
            f"SPLIT_AT = {split_at!r} names no layer of {network}; "
            f"{_valid_names_line(model, network)} (or a block prefix such as "
            f"{prefix_example or _prefix_example(model)!r}, to split just before that block)"
        )
    before = names[starts[0] - 1] if starts[0] > 0 else None
    if before not in points:
        raise ConfigError(
            f"the network cannot be split just before {split_at!r} (a connection skips "
            f"over that point); {_valid_names_line(model, network)}"
        )
    return before


def _prefix_example(model) -> str:
    """A block prefix a user could give for ``model``: its last block's."""
    names = [name for name, _ in layer_graph(model)]
    for name in reversed(names):
        block = block_of(name)
        if block and block != name:
            return f"{block}_"
    return names[-2]


def split_network(model, layer: str):
    """``(lower, upper)``: images -> the output of ``layer``, and that output -> the
    model's output; both share ``model``'s layers and weights.

    Raises:
        ConfigError: ``layer`` is not a split point of ``model``.
    """
    import keras

    if layer not in split_points(model):
        resolve_split_layer(model, layer)  # raises with the valid names
    tensor = model.get_layer(layer).output
    lower = keras.Model(model.input, tensor, name=f"{model.name}_to_{layer}")
    upper = keras.Model(tensor, model.output, name=f"{model.name}_from_{layer}")
    return lower, upper


def backbone_split_layer(model, backbone: str, split_at: str | None) -> str:
    """The split layer of a ``keras.applications`` backbone: ``SPLIT_AT``, or, when it is
    None, just before the backbone's last block (where ``FINE_TUNE_LAYERS`` starts)."""
    spec = get_backbone_spec(backbone)
    if split_at is None:
        if spec.last_block is None:
            raise ConfigError(
                f"SPLIT_AT is unset and {spec.name} has no known last block; name the "
                f"layer to split after: {_valid_names_line(model, spec.name)}"
            )
        split_at = spec.last_block
    return resolve_split_layer(model, split_at, spec.name, spec.last_block)
