"""What diagnostics cost: a diagnosis against one batched prediction pass, and the
activation maps of 16 images against one batched prediction of them.

The book's AlexNet (227x227 patches of 256x256 images, untrained: only the time matters) on
a test split of ``--images`` random images, the model loaded once; best of ``--repeats``
alternating rounds:

* prediction pass: ``predict_baseline`` over the split (what evaluate.py's baseline does);
* diagnosis: the same pass through ``predict_split``, then everything ``diagnose.py``
  writes (confusion matrix, sorted losses, the CSV files, the PNGs, the JSON);
* activation maps: ``class_activation_maps`` of 16 images (one forward and one backward
  pass) against ``predict_proba`` of the same 16.

Usage:
    python benchmarks/bench_diagnose.py [--images 2000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_common import best_seconds  # noqa: E402

from pyimagesearch.io import HDF5DatasetWriter, open_hdf5  # noqa: E402
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow  # noqa: E402

SIDE, INPUT = 256, 227


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    quiet_tensorflow()
    from pyimagesearch.diagnostics.activation_maps import class_activation_maps
    from pyimagesearch.diagnostics.diagnose import predict_split, write_diagnosis
    from pyimagesearch.evaluation.tencrop import predict_baseline
    from pyimagesearch.models import load_classifier, write_record
    from pyimagesearch.nn.conv import AlexNet

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        rng = np.random.default_rng(0)
        test = tmp / "test.hdf5"
        with HDF5DatasetWriter((args.images, SIDE, SIDE, 3), test, buffer_size=250) as writer:
            writer.store_class_labels(["cat", "dog"])
            for start in range(0, args.images, 250):
                n = min(250, args.images - start)
                writer.add(rng.integers(0, 256, (n, SIDE, SIDE, 3), dtype=np.uint8),
                           rng.integers(0, 2, n),
                           paths=[f"/data/{start + i}.jpg" for i in range(n)])  # fmt: skip
        model_path = tmp / "alexnet.keras"
        AlexNet.build(INPUT, INPUT, 3, 2, mean=[124.0, 116.0, 106.0]).save(model_path)
        write_record(model_path, {"kind": "network", "network": "AlexNet",
                                  "label_names": ["cat", "dog"], "image_size": [SIDE, SIDE],
                                  "input_size": [INPUT, INPUT],
                                  "preprocessing": {"mean_in_model": True}})  # fmt: skip
        classifier = load_classifier(model_path)

        def prediction_pass() -> None:
            with open_hdf5(test, "images") as db:
                predict_baseline(classifier, db["images"], batch_size=256)

        def diagnosis() -> None:
            found = predict_split(classifier, str(test), batch_size=256)
            write_diagnosis(found, str(test), tmp / "diagnosis")

        images = rng.integers(0, 256, (16, SIDE, SIDE, 3), dtype=np.uint8)
        prediction_pass()  # warm-up: traces the model
        class_activation_maps(classifier, images)
        times = {"pass": [], "diagnosis": [], "predict16": [], "cam16": []}
        for _ in range(args.repeats):
            times["pass"].append(best_seconds(prediction_pass, 1))
            times["diagnosis"].append(best_seconds(diagnosis, 1))
            times["predict16"].append(best_seconds(lambda: classifier.predict_proba(images), 3))
            times["cam16"].append(
                best_seconds(lambda: class_activation_maps(classifier, images), 3)
            )
        t = {k: min(v) for k, v in times.items()}
        print(f"{args.images} test images {SIDE}x{SIDE}, AlexNet {INPUT}x{INPUT}, best of "
              f"{args.repeats} rounds:")  # fmt: skip
        print(f"  prediction pass {t['pass']:.2f} s, diagnosis {t['diagnosis']:.2f} s: "
              f"{t['diagnosis'] / t['pass']:.2f}x (goal <= 1.1x)")  # fmt: skip
        ratio = t["cam16"] / t["predict16"]
        print(f"  16 images: predict {t['predict16'] * 1000:.1f} ms, activation maps "
              f"{t['cam16'] * 1000:.1f} ms: {ratio:.2f}x (goal <= 3x)")  # fmt: skip


if __name__ == "__main__":
    main()
