"""Write small features files for the classifier and fusion tests (no network needed)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pyimagesearch.io import HDF5DatasetWriter


def write_features(
    path: Path,
    features: np.ndarray,
    labels: Sequence[int],
    paths: Sequence[str] | None,
    label_names: Sequence[str] = ("cat", "dog"),
    backbone: str = "Fake",
    splits: np.ndarray | None = None,
    attrs: dict | None = None,
) -> Path:
    """A features file as extract_features.py writes it (``attrs``: more attributes, e.g.
    the build id and settings of the splits the features came from)."""
    writer = HDF5DatasetWriter(
        features.shape,
        path,
        data_key="features",
        buffer_size=16,
        overwrite=True,
        attrs={"backbone": backbone, "image_size": 32, "weights": "none", **(attrs or {})},
    )
    writer.store_class_labels(label_names)
    writer.add(features.astype(np.float32), labels, paths=paths)
    if splits is not None:  # codes into ("train", "val", "test"), as extract_features writes
        writer.store_column("split", splits, split_names=["train", "val", "test"])
    writer.close()
    return path


def separable_features(
    n: int, dim: int = 8, seed: int = 0, noise: float = 1.0
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Two Kaggle-like classes whose features are shifted apart (mostly separable)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    features = rng.normal(0, noise, (n, dim)) + labels[:, None] * 2.0
    paths = [f"/data/{'dog' if y else 'cat'}.{i}.jpg" for i, y in enumerate(labels)]
    return features.astype(np.float32), labels, paths


def write_config(path: Path, **settings: object) -> Path:
    """A config module of the given settings (repr'd)."""
    path.write_text("".join(f"{k} = {v!r}\n" for k, v in settings.items()))
    return path


def split_settings(folder: Path, images: Path, **extra: object) -> dict:
    """Builder settings writing the splits, the mean and the report under ``folder``."""
    return {
        "IMAGES_PATH": str(images),
        "NUM_VAL_IMAGES": 10,
        "NUM_TEST_IMAGES": 10,
        "IMAGE_SIZE": 72,
        "TRAIN_HDF5": str(folder / "hdf5" / "train.hdf5"),
        "VAL_HDF5": str(folder / "hdf5" / "val.hdf5"),
        "TEST_HDF5": str(folder / "hdf5" / "test.hdf5"),
        "DATASET_MEAN": str(folder / "mean" / "mean.json"),
        "OUTPUT_PATH": str(folder / "out"),
        "BUILD_WORKERS": 2,
        **extra,
    }


def build_splits(folder: Path, images: Path, **extra: object) -> dict:
    """Build ``images`` into train/val/test files under ``folder``; return the settings."""
    from pyimagesearch.config import load_config
    from pyimagesearch.data.build_dataset import build_dataset

    folder.mkdir(parents=True, exist_ok=True)
    settings = split_settings(folder, images, **extra)
    config = write_config(folder / "build_config.py", **settings)
    build_dataset(load_config(config), progress=False)
    return settings


def write_noise_images(folder: Path, per_class: int = 60, side: int = 40) -> Path:
    """Noise images ``cat.i.png`` and ``dog.i.png``, the dogs darker: something even
    random-weight features can tell apart."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(per_class):
        for name, scale in (("cat", 1), ("dog", 3)):
            noise = rng.integers(0, 256, (side, side, 3), dtype=np.uint8) // scale
            cv2.imwrite(str(folder / f"{name}.{i}.png"), noise)
    return folder


class RecordedBars:
    """A stand-in for ``progress_bar`` that keeps every bar: its label, total, whether it
    was enabled and the values it was updated to (progressbar2 writes to the stderr it
    found when first imported, which pytest's capsys does not see)."""

    def __init__(self) -> None:
        self.bars: list[RecordedBars.Bar] = []

    class Bar:
        def __init__(self, label: str, total: int, enabled: bool) -> None:
            self.label, self.total, self.enabled = label, total, enabled
            self.updates: list[int] = []
            self.finished = False

        def update(self, value: int) -> None:
            self.updates.append(int(value))

        def finish(self) -> None:
            self.finished = True

    def __call__(self, label: str, total: int, enabled: bool = True) -> RecordedBars.Bar:
        self.bars.append(self.Bar(label, total, enabled))
        return self.bars[-1]

    def labels(self) -> list[str]:
        return [bar.label for bar in self.bars if bar.enabled]


def output_in(folder: Path) -> list[str]:
    """``--set OUTPUT_PATH=folder``, for a script a test runs without a config: its run
    folders go there, not into the working folder's (the repository's) output/."""
    return ["--set", f"OUTPUT_PATH={folder}"]


def file_hashes(folder: Path) -> dict[str, str]:
    """``{path relative to folder: sha256}`` of every file under ``folder`` (none when it
    does not exist): compare before and after a refused command."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def config_maker(splits: dict, tmp_path: Path, base: dict):
    """``make(**overrides)``: a training config on ``splits`` with ``base`` settings, its
    outputs (``OUTPUT_PATH``, ``MODEL_PATH``) in ``tmp_path/out``."""

    def make(**overrides: object) -> Path:
        out = tmp_path / "out"
        settings = {**splits, **base, "OUTPUT_PATH": str(out),
                    "MODEL_PATH": str(out / "net.keras"), **overrides}  # fmt: skip
        return write_config(tmp_path / "c.py", **settings)

    return make
