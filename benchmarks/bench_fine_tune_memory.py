"""Peak memory of fine_tune.py against the number of images: it must not grow with them.

For each size (default 1,000 and 4,000 images) the real Kaggle photos of
$PYIMAGESEARCH_SHARED are copied (repeated under new names where more are asked for than
the sample holds), built with build_dataset.py at 112x112, and fine_tune.py runs one head
epoch and one fine-tuning epoch of MobileNetV2 at 96x96 from the shared weights. The peak
resident memory of each fine_tune.py process is read with ``os.wait4``. Holding the images
in memory, as fine-tuning did before, would add N x 96 x 96 x 3 bytes (and a float32 copy
per batch) and grow with N; streaming from HDF5 keeps the peak flat.

Usage:
    python benchmarks/bench_fine_tune_memory.py [--sizes 1000 4000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PYIMAGESEARCH_SHARED", REPO.parent / "shared"))
SAMPLE = SHARED / "data" / "dogs-vs-cats-sample" / "train"
WEIGHTS = SHARED / "weights" / "mobilenet_v2_backbone.weights.h5"


def peak_rss_mb(args: list[str], log: Path) -> float:
    with open(log, "a") as out:
        process = subprocess.Popen([sys.executable, *args], cwd=REPO, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        sys.exit(f"{args[0]} failed; see {log}")
    return usage.ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--work", type=Path, help="keep the datasets and logs here")
    args = parser.parse_args()
    by_class = [sorted(SAMPLE.glob("cat.*.jpg")), sorted(SAMPLE.glob("dog.*.jpg"))]
    if not all(by_class) or not WEIGHTS.is_file():
        sys.exit(f"needs {SAMPLE} and {WEIGHTS} (set PYIMAGESEARCH_SHARED)")
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.work or Path(scratch)
        results = []
        for n in args.sizes:
            work = tmp / str(n)
            images = work / "images"
            images.mkdir(parents=True)
            for i in range(n):  # cats and dogs in turn, repeated past the sample's size
                photos = by_class[i % 2]
                source = photos[(i // 2) % len(photos)]
                shutil.copyfile(source, images / f"{source.name.split('.')[0]}.{i}.jpg")
            config = work / "config.py"
            config.write_text(
                f"IMAGES_PATH = {str(images)!r}\nNUM_VAL_IMAGES = 0.1\nNUM_TEST_IMAGES = 0.1\n"
                f"IMAGE_SIZE = 112\nTRAIN_HDF5 = 'train.hdf5'\nVAL_HDF5 = 'val.hdf5'\n"
                f"TEST_HDF5 = 'test.hdf5'\nDATASET_MEAN = 'mean.json'\nOUTPUT_PATH = 'out'\n"
                f"BACKBONE = 'MobileNetV2'\nWEIGHTS = {str(WEIGHTS)!r}\nFEATURE_IMAGE_SIZE = 96\n"
                "FINE_TUNE_HEAD_EPOCHS = 1\nFINE_TUNE_EPOCHS = 1\nFINE_TUNE_BATCH_SIZE = 32\n"
            )
            log = work / "log.txt"
            peak_rss_mb(["build_dataset.py", "--config", str(config), "--quiet"], log)
            results.append((n, peak_rss_mb(["fine_tune.py", "--config", str(config)], log)))
            shutil.rmtree(images)
        print("images | fine_tune.py peak RSS")
        for n, mb in results:
            print(f"{n:6d} | {mb:8.0f} MB")
        (n0, m0), (n1, m1) = results[0], results[-1]
        print(f"{n1 / n0:.0f}x the images: {m1 / m0:.2f}x the peak memory")


if __name__ == "__main__":
    main()
