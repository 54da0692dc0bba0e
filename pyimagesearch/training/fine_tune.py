"""The engine of ``fine_tune.py``: a pretrained backbone with a new head, trained in two
stages (:mod:`pyimagesearch.training.fine_tune_stages`) from the builder's HDF5 files, or
from stored activations (:mod:`pyimagesearch.training.fine_tune_from_activations`), and
scored on its test split like every other model.

On images, stage 2 unfreezes the backbone from ``FINE_TUNE_LAYERS`` on (the name of the
first layer to train, e.g. ``"conv5_block1_"``, or a count of layers from the end;
default: the backbone's last block). Images stream from ``TRAIN_HDF5`` / ``VAL_HDF5``
through ``HDF5DatasetGenerator``: random patches of the network's input size,
``BatchAugmenter`` augmentation and the backbone's ``preprocess_input`` per batch, so
memory does not grow with the number of images.

Example (not run by the tests: fine-tunes a backbone):
    >>> report = fine_tune(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
    >>> report["test"]["tencrop_rank1"]                                     # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError, DatasetError
from pyimagesearch.features.backbone_preprocessor import BackbonePreprocessor
from pyimagesearch.features.backbones import (
    block_names,
    build_backbone,
    check_image_size,
    checked_weights,
    get_backbone_spec,
)
from pyimagesearch.io.read_order import read_order
from pyimagesearch.io.split_files import split_info
from pyimagesearch.models.record import data_fingerprint
from pyimagesearch.parallel.workers import loader_workers
from pyimagesearch.preprocessing import BatchAugmenter, PatchPreprocessor, SimplePreprocessor
from pyimagesearch.training.fine_tune_from_activations import (
    activations_path,
    fine_tune_from_activations,
)
from pyimagesearch.training.fine_tune_stages import (
    FineTunePlan,
    check_model_path,
    plan_stages,
    save_and_score,
    stages_record,
    train_two_stages,
)
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

REQUIRED_SETTINGS = ("TRAIN_HDF5", "VAL_HDF5", "TEST_HDF5")


def required_settings(from_activations: bool = False) -> tuple[str, ...]:
    """The settings :func:`fine_tune` cannot run without: the builder's three splits, or,
    from activations (which hold the train and val rows), the test split."""
    return ("TEST_HDF5",) if from_activations else REQUIRED_SETTINGS


def fine_tune(
    cfg: Config, from_activations: bool = False, overwrite: bool = False, verbose: int = 2
) -> dict[str, Any]:
    """Fine-tune on the builder's images, or ``from_activations`` (``ACTIVATIONS_HDF5``);
    save the model with its record; score it on the test split; return the report.

    Raises:
        ConfigError, DatasetError, OutputError, WeightsError: before anything is trained.
    """
    if from_activations:
        path = activations_path(cfg)
        print(f"[INFO] fine-tuning above the split point, from {path}")
        return fine_tune_from_activations(cfg, path, overwrite, verbose)
    return fine_tune_from_images(cfg, overwrite, verbose)


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


def unfreeze_top(backbone, layers: int | str) -> list[str]:
    """Make the last layers of ``backbone`` trainable; return their names.

    BatchNormalization layers stay frozen (their statistics fit the pretraining).
    """
    import keras

    first = first_trainable([layer.name for layer in backbone.layers], layers, backbone.name)
    backbone.trainable = True
    trained = []
    for i, layer in enumerate(backbone.layers):
        layer.trainable = i >= first and not isinstance(layer, keras.layers.BatchNormalization)
        if layer.trainable and layer.weights:
            trained.append(layer.name)
    return trained


def plan_fine_tuning(cfg: Config, overwrite: bool = False) -> FineTunePlan:
    """Check every setting and file before an image is read or an epoch trained."""
    model_path = check_model_path(cfg, overwrite)
    spec = get_backbone_spec(cfg.get("BACKBONE"))
    size = check_image_size(spec, cfg.get("FEATURE_IMAGE_SIZE"))
    weights = checked_weights(spec.name, cfg.get("WEIGHTS"))
    infos = {name: split_info(cfg.get(f"{name.upper()}_HDF5")) for name in ("train", "val", "test")}
    train = infos["train"]
    for name, info in infos.items():
        if info.label_names != train.label_names:
            raise DatasetError(
                f"the {name} split's classes {info.label_names} differ from "
                f"training's {train.label_names}; rebuild the splits together"
            )
        if info.rows == 0:
            raise DatasetError(f"{info.path} holds no images; fine-tuning needs all three splits")
    train.require_input(size, f"the network input {size} (FEATURE_IMAGE_SIZE)")
    layers = cfg.get("FINE_TUNE_LAYERS")
    layers = default_fine_tune_layers(spec.name) if layers is None else layers
    quiet_tensorflow()
    probe = build_backbone(spec.name, None, size)  # layer names only: no weights
    first_trainable([layer.name for layer in probe.layers], layers, spec.name)
    return FineTunePlan(
        spec.name,
        weights,
        size,
        layers,
        model_path,
        train.label_names,
        (train.shape[1], train.shape[0]),
        {k: v.path for k, v in infos.items()},
        plan_stages(cfg, train.rows),
    )


def image_generators(cfg: Config, plan: FineTunePlan):
    """(train, val) generators of the builder's splits: random patches, augmentation and
    the backbone's ``preprocess_input`` for training, whole resized images for validation."""
    from pyimagesearch.io import HDF5DatasetGenerator  # starts TensorFlow

    size, classes = plan.input_size, len(plan.label_names)
    batch = cfg.get("FINE_TUNE_BATCH_SIZE")
    workers = loader_workers(cfg.get("WORKERS"))
    preprocess = BackbonePreprocessor(plan.backbone)
    aug = BatchAugmenter.from_settings(cfg.get("AUGMENTATION"))
    train_steps = [PatchPreprocessor(size, size), *([aug] if aug else []), preprocess]
    common = {"classes": classes, "binarize": False, "workers": workers}
    train = HDF5DatasetGenerator(
        plan.splits["train"],
        batch,
        train_steps,
        seed=cfg.get("RANDOM_SEED"),
        **read_order(cfg),
        **common,
    )
    val = HDF5DatasetGenerator(
        plan.splits["val"], batch, [SimplePreprocessor(size, size), preprocess], **common
    )
    return train, val


def fine_tune_from_images(cfg: Config, overwrite: bool = False, verbose: int = 2) -> dict[str, Any]:
    """Train the head, then the backbone's top; save with a record; score on the test split.

    Raises:
        ConfigError, DatasetError, OutputError, WeightsError: see :func:`plan_fine_tuning`.
    """
    plan = plan_fine_tuning(cfg, overwrite)
    for note in plan.stages.notes:
        print(f"[INFO] {note}")
    import keras

    from pyimagesearch.nn.heads import build_fine_tune_model

    keras.utils.set_random_seed(cfg.get("RANDOM_SEED"))
    base = build_backbone(plan.backbone, plan.weights, plan.input_size)
    model = build_fine_tune_model(base, None, len(plan.label_names))
    stages = train_two_stages(
        plan.stages,
        model,
        base,
        lambda: unfreeze_top(base, plan.layers),
        image_generators(cfg, plan),
        verbose,
    )
    record = {
        "data": {name: data_fingerprint(path) for name, path in plan.splits.items()},
        "recipe": stages_record(plan.stages, cfg.get("AUGMENTATION")),
    }
    return save_and_score(cfg, model, plan, stages, record)
