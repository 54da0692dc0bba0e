"""SHUFFLE = "block": blocks of consecutive rows in a random order, shuffled within windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pyimagesearch.io.read_order import block_order, epoch_order
from tests.io.test_hdf5_dataset_generator import image_ids, write_coded_dataset

N, BLOCK, WINDOW = 203, 8, 3


def test_block_order_is_a_permutation_of_whole_blocks_in_windows() -> None:
    order = block_order(N, np.random.default_rng(4), BLOCK, WINDOW)
    assert sorted(order.tolist()) == list(range(N))
    lo = 0
    while lo < N:  # each window: WINDOW whole blocks (one may be the file's short last one)
        lo += _window_rows(order[lo:])
    assert (np.diff(order[: BLOCK * WINDOW]) == 1).mean() < 0.5  # shuffled inside windows


def _window_rows(rest: np.ndarray) -> int:
    """The rows of the first window of ``rest``: the shortest start made of WINDOW whole
    blocks (or all of ``rest``)."""
    for m in range(1, len(rest) + 1):
        blocks = np.unique(rest[:m] // BLOCK)
        whole = sum(min(BLOCK, N - b * BLOCK) for b in blocks.tolist())
        if whole == m and (len(blocks) == WINDOW or m == len(rest)):
            return m
    raise AssertionError(f"rows {rest[: BLOCK * WINDOW]} are not whole blocks")


def test_the_same_seed_gives_the_same_order_and_another_seed_another() -> None:
    def order(seed: int, epoch: int) -> np.ndarray:
        return epoch_order(N, np.random.default_rng([seed, epoch, 0]), "block", BLOCK, WINDOW)

    np.testing.assert_array_equal(order(1, 0), order(1, 0))
    assert not np.array_equal(order(1, 0), order(2, 0))
    assert not np.array_equal(order(1, 0), order(1, 1))
    with pytest.raises(ValueError, match="shuffle must be one of random, block"):
        epoch_order(N, np.random.default_rng(0), "sorted")


def test_the_loader_reads_blocks_and_a_resume_gets_the_same_batches(tmp_path: Path) -> None:
    from pyimagesearch.io import HDF5DatasetGenerator

    path = write_coded_dataset(tmp_path / "coded.hdf5", n=N)
    options = {"shuffle": "block", "seed": 9, "shuffle_block": BLOCK, "shuffle_window": WINDOW}
    with HDF5DatasetGenerator(path, 24, classes=3, **options) as gen:
        epochs = [np.concatenate([image_ids(x) for x, _ in gen.generator(passes=1)])
                  for _ in range(2)]  # fmt: skip
        expected = block_order(N, np.random.default_rng([9, 1, 0]), BLOCK, WINDOW)
    for ids in epochs:  # image i holds the value i (N < 256)
        assert sorted(ids.tolist()) == list(range(N))
    for start in range(0, N, 24):  # epoch 1's batches: its block order, 24 rows at a time
        np.testing.assert_array_equal(epochs[1][start : start + 24],
                                      np.sort(expected[start : start + 24]))  # fmt: skip
    with HDF5DatasetGenerator(path, 24, classes=3, **options) as resumed:
        resumed.set_epoch(1)  # a run resumed at epoch 1
        again = np.concatenate([image_ids(x) for x, _ in resumed.generator(passes=1)])
    np.testing.assert_array_equal(again, epochs[1])


def test_shuffle_block_settings_reach_the_training_loader(tmp_path: Path, make_config) -> None:
    from pyimagesearch.config import load_config
    from pyimagesearch.io.split_files import SplitInfo
    from pyimagesearch.training.train import loader_plan, make_generators

    path = write_coded_dataset(tmp_path / "coded.hdf5", n=N)
    (tmp_path / "mean.json").write_text('{"R": 0, "G": 0, "B": 0}')
    order = {"SHUFFLE": "block", "SHUFFLE_BLOCK": BLOCK, "SHUFFLE_WINDOW": WINDOW}
    cfg = load_config(make_config(DATASET_MEAN=str(tmp_path / "mean.json"), INPUT_SIZE=16, **order))
    info = SplitInfo(str(path), ["class0", "class1", "class2"], "RGB", (20, 20), N)
    train, _ = make_generators(loader_plan(cfg, info), info)
    with train:
        rng = np.random.default_rng([cfg.get("RANDOM_SEED"), 0, 0])
        np.testing.assert_array_equal(train._order, block_order(N, rng, BLOCK, WINDOW))
