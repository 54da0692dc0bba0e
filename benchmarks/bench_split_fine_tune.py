"""Fine-tuning from stored activations against fine-tuning with images: time per epoch,
the one-off cost of extracting the activations, and after how many epochs the split pays.

The 2,000 real Kaggle photos of $PYIMAGESEARCH_SHARED are built into 1,600 / 200 / 200
images at 256x256. Both contenders train the same layers, MobileNetV2 (the shared weights,
224x224) from ``block_16_`` on plus the same head, one epoch = the 1,600 training images
plus validation on the 200, in the same process, seeded:

* with images (``fine_tune.py``): random 224 patches + the book's augmentation, the whole
  network forward on every image every epoch;
* from activations (``fine_tune.py --from-activations``): the stored output of
  ``block_15_add`` (7x7x160, float16), only block 16, ``Conv_1`` and the head run.

Each is timed in stage 1 (head alone) and stage 2 (block 16 unfrozen); every epoch after
the first (which traces the step function) counts, and the best is reported.

Usage:
    python benchmarks/bench_split_fine_tune.py [--epochs 3] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench_common import SAMPLE, WEIGHTS, epoch_timer, sample_settings, write_settings  # noqa: E402

from pyimagesearch.preprocessing import BOOK_AUGMENTATION  # noqa: E402


def epoch_seconds(model, train, val, epochs: int) -> float:
    """The best wall time of one epoch (training + validation) after the first."""
    times: list[float] = []
    model.fit(train, validation_data=val, epochs=epochs, callbacks=[epoch_timer(times)],
              shuffle=False,
              verbose=0)  # fmt: skip
    return min(times[1:])


def compile_for(model, stage: int) -> None:
    import keras

    optimizer = keras.optimizers.RMSprop(1e-3) if stage == 1 else keras.optimizers.SGD(1e-4, 0.9)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per stage (>= 2)")
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if not SAMPLE.is_dir() or not WEIGHTS.is_file():
        sys.exit(f"needs {SAMPLE} and {WEIGHTS} (set PYIMAGESEARCH_SHARED)")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_split_"))
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.py"
    settings = {
        **sample_settings(work, work / "output"),
        "BACKBONE": "MobileNetV2",
        "WEIGHTS": str(WEIGHTS),
        "FEATURE_IMAGE_SIZE": 224,
        "FINE_TUNE_LAYERS": "block_16_",
        "FINE_TUNE_BATCH_SIZE": 32,
        "AUGMENTATION": BOOK_AUGMENTATION,
        "ACTIVATIONS_HDF5": str(work / "output" / "activations.hdf5"),
    }
    write_settings(config, settings)

    import keras

    import build_dataset
    from pyimagesearch.config import load_config
    from pyimagesearch.features.backbones import build_backbone
    from pyimagesearch.features.extraction import FeatureExtractor, open_sources, write_activations
    from pyimagesearch.nn.heads import build_fine_tune_model
    from pyimagesearch.training import fine_tune, fine_tune_from_activations

    if not Path(settings["TEST_HDF5"]).exists():
        build_dataset.main(["--config", str(config), "--quiet"])
    cfg = load_config(config)
    splits = [settings[k] for k in ("TRAIN_HDF5", "VAL_HDF5", "TEST_HDF5")]
    extractor = FeatureExtractor("MobileNetV2", str(WEIGHTS), 224, split_at="block_16_")
    report = write_activations(extractor, open_sources(splits), settings["ACTIVATIONS_HDF5"],
                               dtype="float16", progress=False)  # fmt: skip
    extraction = report["elapsed_seconds"]

    results = {}
    keras.utils.set_random_seed(0)
    plan = fine_tune.plan_fine_tuning(cfg, overwrite=True)
    base = build_backbone("MobileNetV2", str(WEIGHTS), 224)
    model = build_fine_tune_model(base, None, 2)
    train, val = fine_tune.image_generators(cfg, plan)
    base.trainable = False
    compile_for(model, 1)
    results["images", 1] = epoch_seconds(model, train, val, args.epochs)
    fine_tune.unfreeze_top(base, "block_16_")
    compile_for(model, 2)
    results["images", 2] = epoch_seconds(model, train, val, args.epochs)
    train.close()
    val.close()

    keras.utils.set_random_seed(0)
    split_plan = fine_tune_from_activations.plan_from_activations(
        cfg, settings["ACTIVATIONS_HDF5"], overwrite=True
    )
    _, upper, trainer = fine_tune_from_activations.build_split_models(split_plan)
    train, val = fine_tune_from_activations.activation_generators(cfg, split_plan)
    upper.trainable = False
    compile_for(trainer, 1)
    results["activations", 1] = epoch_seconds(trainer, train, val, args.epochs)
    trained = fine_tune_from_activations.unfreeze_upper(upper)
    compile_for(trainer, 2)
    results["activations", 2] = epoch_seconds(trainer, train, val, args.epochs)
    train.close()
    val.close()

    print(f"MobileNetV2 224x224 from block_16_ ({len(trained)} trained layers), "
          f"1,600 training + 200 validation images per epoch, best epoch of {args.epochs - 1} "
          f"after the first, {os.cpu_count()} cores\n")  # fmt: skip
    print(f"one-off extraction of block_15_add (7x7x160 float16) for 2,000 images: "
          f"{extraction:.1f} s ({report['images_per_second']:.0f} images/s, "
          f"{report['bytes_of_data'] / 2**20:.1f} MB)\n")  # fmt: skip
    print("| stage | with images | from activations | ratio | split pays after |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for stage, name in ((1, "1: head alone"), (2, "2: block 16 + head")):
        images, acts = results["images", stage], results["activations", stage]
        pays = extraction / (images - acts) if images > acts else float("inf")
        print(f"| {name} | {images:.1f} s | {acts:.2f} s | {images / acts:.0f}x | "
              f"{pays:.1f} epochs |")  # fmt: skip


if __name__ == "__main__":
    main()
