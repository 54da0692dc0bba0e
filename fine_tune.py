"""Fine-tune a pretrained network (new head, then its last layers) on a folder of images.

Usage:
    python fine_tune.py --config config/dogs_vs_cats_config.py
    python fine_tune.py --dataset datasets/flowers17/jpg --backbone VGG16 --layers block5_

Stage 1 trains the new head with the backbone frozen (``FINE_TUNE_HEAD_EPOCHS``), stage 2
unfreezes the last layers (``FINE_TUNE_LAYERS``: a count, or the first layer's name) and
trains with SGD at ``FINE_TUNE_LEARNING_RATE`` (``FINE_TUNE_EPOCHS``); both stop early.
``FINE_TUNE_VAL_SPLIT`` (default 0.2) of the images, stratified and seeded, validate.
``FINE_TUNE_LAYERS`` is checked against the backbone's real layers before any image is
loaded (default: the backbone's last block, e.g. ``conv5_block1_`` for ResNet50).
Images are held in memory at the network's input size (25,000 at 224x224: 3.8 GB).
Writes the model (``FINE_TUNE_MODEL_PATH``, default ``output/fine_tuned.keras``) and,
beside it, ``<model>_history.png`` (both stages' curves) and ``<model>_report.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError, DatasetError
from pyimagesearch.utils.atomic import atomic_write, check_writable
from pyimagesearch.utils.cli import (
    absolute_path,
    config_parser,
    friendly_errors,
    load_script_config,
)
from pyimagesearch.utils.reports import write_json
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow


def build_parser():
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    parser.add_argument("-d", "--dataset", help="image folder or builder HDF5 (IMAGES_PATH)")
    parser.add_argument("-m", "--model", help="model to write (FINE_TUNE_MODEL_PATH)")
    parser.add_argument("-n", "--backbone", help="keras.applications name (BACKBONE)")
    parser.add_argument("-w", "--weights", help="imagenet | none | PATH (WEIGHTS)")
    parser.add_argument("--image-size", type=int, help="input side (FEATURE_IMAGE_SIZE)")
    parser.add_argument("--layers", help="layers to unfreeze: count or name (FINE_TUNE_LAYERS)")
    parser.add_argument("--head-epochs", type=int, help="FINE_TUNE_HEAD_EPOCHS")
    parser.add_argument("--epochs", type=int, help="FINE_TUNE_EPOCHS")
    parser.add_argument("--batch-size", type=int, help="FINE_TUNE_BATCH_SIZE")
    parser.add_argument("--no-augment", action="store_true", help="no data augmentation")
    return parser


def load_images(cfg: Config, size: int) -> tuple[np.ndarray, np.ndarray, list[str], int]:
    """Every readable image at ``size`` x ``size`` (RGB uint8), labels, names, skipped."""
    from pyimagesearch.data.sources import open_source

    source = open_source(cfg.IMAGES_PATH, label_source=cfg.get("LABEL_SOURCE"))
    images = np.empty((len(source), size, size, 3), dtype=np.uint8)
    rows, skipped = [], 0
    for batch in source.batches(size, 64):
        images[len(rows) : len(rows) + len(batch.indices)] = batch.images
        rows.extend(batch.indices.tolist())
        skipped += len(batch.skipped)
    labels = source.labels[np.array(rows, dtype=np.int64)]
    return images[: len(rows)], labels, source.label_names, skipped


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    layers = args.layers
    if layers is not None and layers.isdigit():
        layers = int(layers)
    cfg = load_script_config(
        args,
        IMAGES_PATH=absolute_path(args.dataset),
        FINE_TUNE_MODEL_PATH=absolute_path(args.model),
        BACKBONE=args.backbone,
        WEIGHTS=args.weights,
        FEATURE_IMAGE_SIZE=args.image_size,
        FINE_TUNE_LAYERS=layers,
        FINE_TUNE_HEAD_EPOCHS=args.head_epochs,
        FINE_TUNE_EPOCHS=args.epochs,
        FINE_TUNE_BATCH_SIZE=args.batch_size,
    )
    if cfg.get("IMAGES_PATH") is None:
        raise ConfigError("no dataset: pass --dataset PATH or set IMAGES_PATH in --config")
    model_path = Path(cfg.get("FINE_TUNE_MODEL_PATH"))
    check_writable({"FINE_TUNE_MODEL_PATH": model_path})

    quiet_tensorflow()
    from sklearn.model_selection import train_test_split

    from pyimagesearch.features.backbones import check_image_size, get_backbone_spec
    from pyimagesearch.features.fine_tuning import check_fine_tune_layers, fine_tune, plot_history
    from pyimagesearch.features.weights import check_weights_fit, config_weights, resolve_weights

    spec = get_backbone_spec(cfg.get("BACKBONE"))
    size = check_image_size(spec, cfg.get("FEATURE_IMAGE_SIZE"))
    weights = resolve_weights(args.weights or config_weights(cfg.get("WEIGHTS"), cfg.source))
    if weights not in (None, "imagenet"):
        check_weights_fit(spec.name, weights)
    layers = check_fine_tune_layers(spec.name, cfg.get("FINE_TUNE_LAYERS"), size)
    images, labels, names, skipped = load_images(cfg, size)
    seed = int(cfg.get("RANDOM_SEED"))
    try:
        train_rows, val_rows = train_test_split(
            np.arange(len(labels)),
            test_size=float(cfg.get("FINE_TUNE_VAL_SPLIT")),
            stratify=labels,
            random_state=seed,
        )
    except ValueError as exc:
        raise DatasetError(f"cannot split {len(labels)} images for validation: {exc}") from exc
    print(
        f"[INFO] {len(train_rows)} training, {len(val_rows)} validation images ({skipped} skipped)"
    )
    result = fine_tune(
        images[train_rows],
        labels[train_rows],
        images[val_rows],
        labels[val_rows],
        num_classes=len(names),
        backbone=spec.name,
        weights=weights,
        image_size=size,
        layers=layers,
        head_epochs=int(cfg.get("FINE_TUNE_HEAD_EPOCHS")),
        epochs=int(cfg.get("FINE_TUNE_EPOCHS")),
        learning_rate=float(cfg.get("FINE_TUNE_LEARNING_RATE")),
        batch_size=int(cfg.get("FINE_TUNE_BATCH_SIZE")),
        augment=not args.no_augment,
        seed=seed,
    )
    with atomic_write(model_path) as tmp:
        result.model.save(tmp)
    plot = plot_history(
        result.history, result.head_epochs, model_path.with_name(f"{model_path.stem}_history.png")
    )
    report = {
        "backbone": spec.name,
        "image_size": size,
        "label_names": names,
        "input_preprocessing": f"keras.applications {spec.name} preprocess_input on RGB",
        "n_train": len(train_rows),
        "n_val": len(val_rows),
        "skipped": skipped,
        "head_epochs": result.head_epochs,
        "fine_tune_epochs": len(result.history["loss"]) - result.head_epochs,
        "trained_layers": result.trained_layers,
        "val_accuracy": result.evaluation.get("accuracy"),
        "val_loss": result.evaluation.get("loss"),
        "history": result.history,
        "model": str(model_path),
        "plot": str(plot),
    }
    report_path = write_json(model_path.with_name(f"{model_path.stem}_report.json"), report)
    print(
        f"[INFO] validation accuracy {report['val_accuracy']:.4f}, loss {report['val_loss']:.4f}"
        f"; model {model_path}, plot {plot}, report {report_path}"
    )


if __name__ == "__main__":
    sys.exit(main())
