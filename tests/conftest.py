"""Shared fixtures: where ../shared is, small synthetic datasets, quiet TensorFlow, and
the check that no test writes into the repository's own ``output/``, ``datasets/`` or its
top folder (docstring examples run in a temporary folder: ../conftest.py)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One TensorFlow thread pool thread per pytest-xdist worker (and the scripts it runs):
    # with as many workers as cores, TensorFlow's default of one thread a core each
    # oversubscribes them; measured on 2 cores: the training fault tests 1.5x faster.
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
    # The same for PyTorch's OpenMP pool (read when torch is imported: after NumPy here, so
    # NumPy's BLAS keeps its threads); measured on 2 cores under load: the CAM tests' tiny
    # training 5x faster with one thread than with torch's default of one a core.
    if os.environ.get("KERAS_BACKEND") == "torch":
        os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("PYIMAGESEARCH_SHARED", REPO_ROOT.parent / "shared"))
KAGGLE_SAMPLE = SHARED_DIR / "data" / "dogs-vs-cats-sample" / "train"
MOBILENET_WEIGHTS = SHARED_DIR / "weights" / "mobilenet_v2_backbone.weights.h5"
# The user's own results and data: tests write only into their temporary folders.
GUARDED = (REPO_ROOT / "output", REPO_ROOT / "datasets")


def folder_state(folders: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    """Every entry under ``folders`` (missing folders: none) as path -> (size, mtime)."""
    state = {}
    for folder in folders:
        for path in [folder, *folder.rglob("*")] if folder.exists() else []:
            with contextlib.suppress(FileNotFoundError):  # removed while we looked
                stat = path.lstat()
                state[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return state


def changed_entries(before: dict, after: dict) -> list[str]:
    """The paths added, removed or changed between two :func:`folder_state`."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


@pytest.fixture(scope="session", autouse=True)
def repository_output_untouched():
    """Fail the test run when a test wrote into the repository's ``output/`` or
    ``datasets/`` (each pytest-xdist worker compares what it saw at its start with its
    end, so a write is caught by the worker that made it)."""
    folders = (*GUARDED, Path.cwd() / "output")  # a script without --config writes there
    before = {**folder_state(folders), **top_files()}
    yield
    changed = changed_entries(before, {**folder_state(folders), **top_files()})
    if changed:
        shown = "\n  ".join(changed[:20]) + ("\n  ..." if len(changed) > 20 else "")
        pytest.fail(
            "tests wrote into the repository's own output/, datasets/ or top folder (pass "
            f"OUTPUT_PATH or a config in tmp_path to every script a test runs):\n  {shown}",
            pytrace=False,
        )


def top_files() -> dict[str, tuple[int, int]]:
    """The files directly in the repository's top folder and the cwd (a relative path such
    as ``train.hdf5`` lands there), as path -> (size, mtime)."""
    state = {}
    for folder in {REPO_ROOT, Path.cwd()}:
        for path in folder.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if path.is_file():
                    stat = path.lstat()
                    state[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return state


@pytest.fixture(scope="session")
def kaggle_sample_dir() -> Path:
    """The 2,000 real Kaggle images in ../shared (skips when absent)."""
    if not KAGGLE_SAMPLE.is_dir():
        pytest.skip(
            f"shared Kaggle sample not found at {KAGGLE_SAMPLE}; set PYIMAGESEARCH_SHARED "
            "to the folder holding data/dogs-vs-cats-sample"
        )
    return KAGGLE_SAMPLE


@pytest.fixture(scope="session")
def mobilenet_weights() -> Path:
    """Real MobileNetV2 backbone weights in ../shared (skips when absent)."""
    if not MOBILENET_WEIGHTS.is_file():
        pytest.skip(
            f"shared MobileNetV2 weights not found at {MOBILENET_WEIGHTS}; set "
            "PYIMAGESEARCH_SHARED to the folder holding weights/"
        )
    return MOBILENET_WEIGHTS


@pytest.fixture(scope="session")
def synthetic_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 synthetic Kaggle-style images per class (cat.0.jpg, dog.0.jpg, ...), cleanly
    separable (a classifier on random-weight features gets most of them right)."""
    from pyimagesearch.demo.synthetic_dataset import generate_synthetic_dataset

    folder = tmp_path_factory.mktemp("synthetic") / "train"
    generate_synthetic_dataset(folder, per_class=60, seed=7, overlap=0.0)
    return folder


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def write_config(path: Path, **settings: object) -> Path:
    """Write a config module with the given settings (repr'd) and return its path."""
    lines = [f"{name} = {value!r}" for name, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def make_config(tmp_path: Path):
    """``make_config(**settings)`` writes ``tmp_path/config.py`` and returns its path."""

    def _make(name: str = "config.py", **settings: object) -> Path:
        return write_config(tmp_path / name, **settings)

    return _make
