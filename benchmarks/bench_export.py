"""Exported models: the size of each artifact, and the images/s of each runtime against
``load_classifier`` on the same batch, in the same run.

Two models, written with their records as the training scripts write them:

* ``logreg``: a logistic regression on MobileNetV2's pooled features at 224 px (the shared
  ImageNet backbone weights), fitted on 200 real photos stored at 256x256: the kind of the
  project's best Dogs vs. Cats classifier (ResNet50's weights cannot be downloaded here);
* ``alexnet``: the book's AlexNet (random weights, the mean inside the model) on 227 px
  inputs from 256x256 images.

Each is exported in every format that installs (as ``export.py`` does: build the one
network, write it, load it in its runtime); then one batch of ``--batch`` real photos at
256x256 goes through ``load_classifier(...).predict_proba`` and through each runtime, best
of ``--rounds``, and the largest probability difference on it is printed.

Usage:
    python benchmarks/bench_export.py [--batch 64] [--rounds 3] [--models logreg,alexnet]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_common import SAMPLE, WEIGHTS, best_seconds

from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

NAMES = ["cat", "dog"]
FORMATS = ("saved_model", "onnx", "litert")


def photos(count: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` shared photos at 256x256 (as the builder stores them), cats and dogs."""
    from pyimagesearch.data.image_loading import ImageLoader

    loader = ImageLoader(256, 256)
    paths = [SAMPLE / f"{n}.{i}.jpg" for i in range(offset + 1, offset + count // 2 + 1)
             for n in NAMES]  # fmt: skip
    return np.stack([loader(str(p)) for p in paths]), np.arange(len(paths)) % 2


def logreg_model(folder: Path) -> Path:
    """A logistic regression on MobileNetV2 features of 200 photos (224 px inputs)."""
    import skops.io

    from pyimagesearch.data.sources import resize_batch
    from pyimagesearch.features.classifiers import logistic_regression
    from pyimagesearch.features.extraction import FeatureExtractor
    from pyimagesearch.models import write_record

    images, labels = photos(200, offset=400)
    fx = FeatureExtractor("MobileNetV2", WEIGHTS, 224)
    features = np.concatenate([fx.features(resize_batch(images[i : i + 25], 224))
                               for i in range(0, len(images), 25)])  # fmt: skip
    path = folder / "logreg.skops"
    skops.io.dump(logistic_regression("l2", 2, C=1.0).fit(features, labels), path)
    write_record(path, {"kind": "logreg", "label_names": NAMES, "image_size": [256, 256],
                        "input_size": [224, 224], "backbones": [
                            {"backbone": "MobileNetV2", "weights": str(WEIGHTS),
                             "image_size": 224}]})  # fmt: skip
    return path


def alexnet_model(folder: Path) -> Path:
    """The book's AlexNet at 227 px, random weights, the mean subtracted inside."""
    import keras

    from pyimagesearch.models import write_record
    from pyimagesearch.nn.conv import build_network

    keras.utils.set_random_seed(0)
    path = folder / "alexnet.keras"
    build_network("AlexNet", 227, 227, 3, 2, mean=(124.0, 116.0, 106.0)).save(path)
    write_record(path, {"kind": "network", "network": "AlexNet", "label_names": NAMES,
                        "image_size": [256, 256], "input_size": [227, 227],
                        "preprocessing": {"mean": {"R": 124.0, "G": 116.0, "B": 106.0},
                                          "mean_in_model": True}})  # fmt: skip
    return path


def installed(fmt: str) -> bool:
    needs = {"onnx": ("tf2onnx", "onnxruntime"), "litert": ("ai_edge_litert",)}.get(fmt, ())
    return all(importlib.util.find_spec(module) for module in needs)


def bench_model(name: str, path: Path, folder: Path, images: np.ndarray, rounds: int) -> None:
    from pyimagesearch.export.artifact import build_artifact
    from pyimagesearch.export.formats import FORMATS as SPECS
    from pyimagesearch.export.formats import artifact_bytes, write_artifact
    from pyimagesearch.export.parity import load_runtime
    from pyimagesearch.models import load_classifier
    from pyimagesearch.utils.atomic import human_bytes

    classifier = load_classifier(path)
    reference = classifier.predict_proba(images)
    base = best_seconds(lambda: classifier.predict_proba(images), rounds)
    print(f"{name}: {classifier.describe()}, {human_bytes(path.stat().st_size)} "
          f"({path.name}); a batch of {len(images)} photos at 256x256")  # fmt: skip
    print(f"  {'load_classifier':<28} {len(images) / base:8.1f} images/s")
    artifact = build_artifact(classifier)
    for fmt in (f for f in FORMATS if installed(f)):
        out = folder / f"{name}-{fmt}"
        out.mkdir()
        start = time.perf_counter()
        written = write_artifact(artifact, SPECS[fmt], out)
        seconds = time.perf_counter() - start
        runtime = load_runtime(SPECS[fmt], written)
        got = runtime.predict_proba(images, batch=len(images))
        rate = len(images) / best_seconds(lambda r=runtime: r.predict_proba(images, len(images)),
                                          rounds)  # fmt: skip
        print(f"  {fmt + ' (' + runtime.name + ')':<28} {rate:8.1f} images/s  "
              f"{human_bytes(artifact_bytes(written)):>9}  written in {seconds:5.1f} s  "
              f"largest difference {np.abs(got - reference).max():.1e}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default="logreg,alexnet")
    args = parser.parse_args()
    quiet_tensorflow()
    images, _ = photos(args.batch)
    makers = {"logreg": logreg_model, "alexnet": alexnet_model}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            folder = Path(tmp) / name
            folder.mkdir()
            bench_model(name, makers[name](folder), folder, images, args.rounds)


if __name__ == "__main__":
    main()
