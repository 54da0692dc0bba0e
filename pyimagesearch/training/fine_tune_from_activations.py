"""Fine-tuning from stored activations: the layers above a split point, trained on what
the frozen layers below it produced once for every image (``extract_features.py
--activations``).

The backbone is built with its pretrained weights and split where the activations were
taken (:mod:`pyimagesearch.features.network_cut`); its upper part, on a new input of the
activations' shape, gets the usual head, and trains in the two stages of
:mod:`pyimagesearch.training.fine_tune_stages` (head alone, then the whole upper part, its
BatchNormalization layers kept frozen) from the file's train rows, validated on its val
rows, streamed through ``HDF5DatasetGenerator`` (memory does not grow with the number of
images). The upper part shares its layers with the whole network, so the saved model is the
ordinary fine-tuned network on raw images, scored on ``TEST_HDF5`` like any other.

Every epoch skips the frozen layers; the price is that images are not augmented (the stored
activations are of the images as they are, resized to the network input).

Example (not run by the tests: needs stored activations):
    >>> report = fine_tune_from_activations(cfg, "output/activations.hdf5")  # doctest: +SKIP
    >>> report["split_at"], report["test"]["tencrop_rank1"]                   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError, DatasetError
from pyimagesearch.features.backbones import build_backbone, checked_weights, get_backbone_spec
from pyimagesearch.features.network_cut import split_network, split_points
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names
from pyimagesearch.io.read_order import read_order
from pyimagesearch.io.split_files import SplitInfo, split_info
from pyimagesearch.models.record import data_fingerprint
from pyimagesearch.parallel.workers import loader_workers
from pyimagesearch.training.fine_tune_stages import (
    FineTunePlan,
    check_model_path,
    plan_stages,
    save_and_score,
    stages_record,
    train_two_stages,
)
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

ACTIVATIONS_KEY = "activations"


class AsFloat32:
    """Stored float16 activations -> the float32 the network takes."""

    def preprocess_batch(self, batch: np.ndarray) -> np.ndarray:
        return batch.astype(np.float32, copy=False)


@dataclass
class ActivationsPlan(FineTunePlan):
    """A checked fine-tuning run from an activations file."""

    activations: Path = Path()
    split_layer: str = ""
    shape: tuple[int, ...] = ()
    rows: dict[str, np.ndarray] | None = None  # "train" / "val" rows of the file


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _read_activations(path: Path) -> dict[str, Any]:
    """The attributes, classes and split rows of an activations file."""
    with open_hdf5(path, ACTIVATIONS_KEY) as db:
        attrs = {k: db.attrs[k] for k in ("backbone", "image_size", "weights", "split_at")
                 if k in db.attrs}  # fmt: skip
        missing = {"backbone", "image_size", "split_at"} - set(attrs)
        if missing:
            raise DatasetError(
                f"{path} does not record its {', '.join(sorted(missing))}; write it again "
                "with extract_features.py --activations"
            )
        if "split" not in db:
            raise DatasetError(
                f"{path} has no split column: fine-tuning from activations needs the "
                "builder's splits; extract them from TRAIN_HDF5/VAL_HDF5/TEST_HDF5 "
                "(FEATURES_SOURCE = 'splits')"
            )
        names = [_text(n) for n in db["split"].attrs.get("split_names", [])]
        codes = db["split"][:].astype(np.int64)
        rows = {
            split: np.flatnonzero(codes == names.index(split)) if split in names else np.empty(0)
            for split in ("train", "val")
        }
        return {
            **attrs,
            "shape": tuple(int(d) for d in db[ACTIVATIONS_KEY].shape[1:]),
            "label_names": read_label_names(db),
            "rows": rows,
            "source_image_size": db.attrs.get("source_image_size"),
            "build_id": db.attrs.get("build_id"),
        }


def plan_from_activations(
    cfg: Config, activations: str | Path, overwrite: bool = False
) -> ActivationsPlan:
    """Check the file, the settings and the test split before anything is trained."""
    path = Path(activations)
    model_path = check_model_path(cfg, overwrite)
    found = _read_activations(path)
    for split, rows in found["rows"].items():
        if len(rows) == 0:
            raise DatasetError(
                f"{path} holds no {split} rows; build the splits with validation images "
                "(NUM_VAL_IMAGES > 0) and extract the activations again"
            )
    test = _matching_test_split(cfg, path, found)
    spec = get_backbone_spec(_text(found["backbone"]))
    weights = checked_weights(spec.name, _text(found.get("weights", "none")))
    size = int(found["image_size"])
    layer = _text(found["split_at"])
    _check_split_layer(path, spec.name, size, layer, found["shape"])
    source_size = found["source_image_size"]
    image_size = (size, size) if source_size is None else tuple(int(d) for d in source_size)
    return ActivationsPlan(
        backbone=spec.name,
        weights=weights,
        input_size=size,
        layers=layer,
        model_path=model_path,
        label_names=found["label_names"],
        image_size=image_size,
        splits={"test": test.path},
        activations=path,
        split_layer=layer,
        shape=found["shape"],
        rows=found["rows"],
        stages=plan_stages(cfg, len(found["rows"]["train"])),
    )


def unused_settings(cfg: Config, plan: ActivationsPlan) -> list[str]:
    """Settings the config gives that do not apply to fine-tuning from activations (the
    file decides the backbone, its weights, its input size and the layers trained)."""
    notes = []
    if "FINE_TUNE_LAYERS" in cfg:
        given = cfg.get("FINE_TUNE_LAYERS")
        notes.append(f"FINE_TUNE_LAYERS = {given!r} is not used with --from-activations: "
                     f"the layers above {plan.split_layer} are trained")  # fmt: skip
    made = {"BACKBONE": plan.backbone, "WEIGHTS": plan.weights,
            "FEATURE_IMAGE_SIZE": plan.input_size}  # fmt: skip
    for name, value in made.items():
        given = cfg.get(name) if name in cfg else None
        if given is not None and str(given).lower() != str(value).lower():
            notes.append(f"{name} = {given!r} is not used with --from-activations: the "
                         f"activations were made with {name} = {value!r}")  # fmt: skip
    return notes


def _matching_test_split(cfg: Config, path: Path, found: dict[str, Any]) -> SplitInfo:
    """``TEST_HDF5``, refused unless it has the activations' classes and build."""
    test = split_info(cfg.get("TEST_HDF5"))
    if test.label_names != found["label_names"]:
        raise DatasetError(
            f"the test split's classes {test.label_names} differ from the activations' "
            f"{found['label_names']}; use the splits the activations were taken from"
        )
    if found["build_id"] and test.build_id and _text(found["build_id"]) != test.build_id:
        raise DatasetError(
            f"{path} was extracted from another build than TEST_HDF5 ({test.path}); "
            "extract the activations again from the current splits"
        )
    return test


def _check_split_layer(
    path: Path, backbone: str, size: int, layer: str, shape: tuple[int, ...]
) -> None:
    """The file's split layer must still be a split point of the backbone, with the
    stored shape (a weightless copy of the backbone tells)."""
    quiet_tensorflow()
    probe = build_backbone(backbone, None, size)  # the graph only
    if layer not in split_points(probe):
        raise DatasetError(f"{path}: {layer!r} is not a split point of {backbone} any more")
    expected = tuple(int(d) for d in probe.get_layer(layer).output.shape[1:])
    if expected != shape:
        raise DatasetError(
            f"{path} holds activations of shape {shape}, but {layer} of "
            f"{backbone} at {size}x{size} gives {expected}"
        )


def activation_generators(cfg: Config, plan: ActivationsPlan):
    from pyimagesearch.io import HDF5DatasetGenerator

    batch = cfg.get("FINE_TUNE_BATCH_SIZE")
    common = {
        "classes": len(plan.label_names),
        "binarize": False,
        "workers": loader_workers(cfg.get("WORKERS")),
        "data_key": ACTIVATIONS_KEY,
    }
    train = HDF5DatasetGenerator(
        plan.activations,
        batch,
        [AsFloat32()],
        seed=cfg.get("RANDOM_SEED"),
        **read_order(cfg),
        rows=plan.rows["train"],
        **common,
    )
    val = HDF5DatasetGenerator(
        plan.activations, batch, [AsFloat32()], rows=plan.rows["val"], **common
    )
    return train, val


def build_split_models(plan: ActivationsPlan):
    """``(network, upper, trainer)``: the whole fine-tuning network on images (what is
    saved), its upper part, and the upper part + head on activations (what is trained);
    all three share their layers."""
    import keras

    from pyimagesearch.nn.heads import build_fine_tune_model

    base = build_backbone(plan.backbone, plan.weights, plan.input_size)
    network = build_fine_tune_model(base, None, len(plan.label_names))
    _, upper = split_network(base, plan.split_layer)
    inputs = keras.Input(plan.shape, name=ACTIVATIONS_KEY)
    x = upper(inputs, training=False)  # BatchNorm layers stay in inference mode
    x = network.get_layer("dropout")(x)
    trainer = keras.Model(inputs, network.get_layer("predictions")(x), name="fine_tune_upper")
    return network, upper, trainer


def unfreeze_upper(upper) -> list[str]:
    """Every layer of the upper part trainable except BatchNormalization; their names."""
    import keras

    upper.trainable = True
    trained = []
    for layer in upper.layers:
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
        if layer.trainable and layer.weights:
            trained.append(layer.name)
    return trained


def fine_tune_from_activations(
    cfg: Config, activations: str | Path, overwrite: bool = False, verbose: int = 2
) -> dict[str, Any]:
    """Train the head, then the layers above the split, from stored activations; save the
    whole network with its record; score it on the test split from raw images.

    Raises:
        ConfigError, DatasetError, OutputError, WeightsError: before anything is trained.
    """
    plan = plan_from_activations(cfg, activations, overwrite)
    for note in [*unused_settings(cfg, plan), *plan.stages.notes]:
        print(f"[INFO] {note}")
    import keras

    keras.utils.set_random_seed(cfg.get("RANDOM_SEED"))
    network, upper, trainer = build_split_models(plan)
    stages = train_two_stages(
        plan.stages,
        trainer,
        upper,
        lambda: unfreeze_upper(upper),
        activation_generators(cfg, plan),
        verbose,
    )
    record = {
        "split_at": plan.split_layer,
        "activations": str(plan.activations),
        "data": {
            "activations": data_fingerprint(plan.activations),
            "test": data_fingerprint(plan.splits["test"]),
        },
        "recipe": stages_record(plan.stages, None),  # stored activations: no augmentation
    }
    return save_and_score(cfg, network, plan, stages, record)


def activations_path(cfg: Config) -> Path:
    """The activations file, ``ACTIVATIONS_HDF5`` (``--from-activations FILE``); it must
    exist."""
    path = Path(cfg.get("ACTIVATIONS_HDF5"))
    if not path.is_file():
        raise ConfigError(
            f"activations file not found: {path}; write it first with "
            "extract_features.py --activations"
        )
    return path
