"""The audit's speed: hashing against its parts, ours against imagehash, and the all-pairs
near-duplicate search at 5,000 / 25,000 / 100,000 images.

* hashing: ``hash_hdf5`` over a builder file of the Kaggle sample (256x256) against the
  time to read the same pixels from HDF5 plus the hash arithmetic alone on pixels already in
  memory (goal: at least 0.8 of that sum, i.e. the loop costs nothing);
* ``imagehash.phash`` (PIL, one image at a time) on the same images in memory;
* ``near_pairs`` over random 64-bit hashes (a few planted near copies), time and the peak
  memory Python allocated during the search (``tracemalloc``).

Usage:
    python benchmarks/bench_audit.py [--images 2000] [--sizes 5000 25000 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_common import best_seconds  # noqa: E402

from pyimagesearch.audit.duplicates import near_pairs  # noqa: E402
from pyimagesearch.audit.hashing import hash_hdf5, phash_of_small, small_gray  # noqa: E402
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_rows  # noqa: E402

SHARED = Path(os.environ.get("PYIMAGESEARCH_SHARED", REPO.parent / "shared"))
SAMPLE = SHARED / "data" / "dogs-vs-cats-sample" / "train"


def build(folder: Path, images: int) -> Path:
    import build_dataset

    config = folder / "c.py"
    config.write_text(
        f"IMAGES_PATH = {str(SAMPLE)!r}\nNUM_VAL_IMAGES = 0\nNUM_TEST_IMAGES = 0.01\n"
        f"IMAGE_SIZE = 256\nTRAIN_HDF5 = 'train.hdf5'\nVAL_HDF5 = 'val.hdf5'\n"
        f"TEST_HDF5 = 'test.hdf5'\nDATASET_MEAN = 'mean.json'\nOUTPUT_PATH = 'out'\n"
    )
    assert build_dataset.main(["--config", str(config), "--quiet"]) == 0
    return folder / "train.hdf5"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 25000, 100000])
    args = parser.parse_args()
    if not SAMPLE.is_dir():
        sys.exit(f"needs the Kaggle sample at {SAMPLE} (set PYIMAGESEARCH_SHARED)")
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp), 2000)
        with open_hdf5(path, "images") as db:
            n = len(db["images"])
            pixels = read_rows(db["images"], slice(0, n))

        def read_only() -> None:
            with open_hdf5(path, "images") as db:
                for start in range(0, n, 512):
                    read_rows(db["images"], slice(start, start + 512))

        def arithmetic_only() -> None:
            for start in range(0, n, 512):
                phash_of_small(small_gray(pixels[start : start + 512]))

        def ours() -> None:
            for _ in hash_hdf5(path):
                pass

        t_read, t_arith, t_ours = (
            best_seconds(read_only),
            best_seconds(arithmetic_only),
            best_seconds(ours),
        )
        print(f"hashing {n} images of 256x256 (best of 3):")
        print(f"  read the pixels {t_read:.2f} s + hash arithmetic {t_arith:.2f} s = "
              f"{t_read + t_arith:.2f} s; hash_hdf5 {t_ours:.2f} s: "
              f"{(t_read + t_arith) / t_ours:.2f} of the sum (goal >= 0.8)")  # fmt: skip
        try:
            import imagehash
            from PIL import Image

            subset = pixels[:300]
            t_theirs = best_seconds(
                lambda: [imagehash.phash(Image.fromarray(p)) for p in subset], 1
            )
            t_mine = best_seconds(lambda: phash_of_small(small_gray(subset)), 3)
            print(f"  imagehash.phash {len(subset) / t_theirs:,.0f} images/s, ours "
                  f"{len(subset) / t_mine:,.0f} images/s ({t_theirs / t_mine:.0f}x)")  # fmt: skip
        except ImportError:
            print("  (imagehash not installed: no comparison)")
    rng = np.random.default_rng(0)
    print("all-pairs near-duplicate search (Hamming <= 6), random hashes:")
    for size in args.sizes:
        hashes = rng.integers(0, 2**63, size, dtype=np.uint64)
        hashes[size // 2] = hashes[3] ^ np.uint64(0b111)
        tracemalloc.start()
        start = time.perf_counter()
        i, _, _ = near_pairs(hashes, threshold=6)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  {size:7,d} hashes: {seconds:6.2f} s, {len(i)} pair(s), peak "
              f"{peak / 2**20:6.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
