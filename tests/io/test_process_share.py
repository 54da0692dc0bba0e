"""multi_worker's loader shares (``HDF5DatasetGenerator.part``): the shares of every
process, concatenated, are exactly the batch one process makes, patches, augmentation,
mixup and CutMix included (each row mixed with its partner anywhere in the global batch)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from pyimagesearch.io import HDF5DatasetGenerator
from pyimagesearch.preprocessing import BatchAugmenter, MeanPreprocessor, PatchPreprocessor
from pyimagesearch.preprocessing.augmentation import fuse_steps
from pyimagesearch.preprocessing.mixing import BatchMixer


@pytest.fixture(scope="module")
def noise_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """36 noise images of 12 x 12 (every row unlike the others), 3 classes."""
    path = tmp_path_factory.mktemp("shares") / "noise.hdf5"
    images = np.random.default_rng(5).integers(0, 256, (36, 12, 12, 3), dtype=np.uint8)
    with h5py.File(path, "w") as db:
        db.create_dataset("images", data=images, chunks=(1, 12, 12, 3))
        db.create_dataset("labels", data=np.arange(36) % 3)
        db.create_dataset("label_names", data=["a", "b", "c"])
        db.attrs["channel_order"] = "RGB"
        db.attrs["complete"] = True
    return path


def loader(path: Path, mixer: BatchMixer, part: tuple[int, int] | None) -> HDF5DatasetGenerator:
    """The training loader's steps: random patch, flips, rotations, erasing, mean (fused)."""
    aug = BatchAugmenter(rotation_range=15, horizontal_flip=True, erasing_share=0.5)
    steps = fuse_steps([PatchPreprocessor(10, 10), aug, MeanPreprocessor(120.0, 110.0, 100.0)])
    gen = HDF5DatasetGenerator(path, 12, preprocessors=steps, classes=3, shuffle=True, seed=3,
                               mixer=mixer)  # fmt: skip
    gen.part = part
    return gen


@pytest.mark.parametrize("mixer", [BatchMixer(mixup_alpha=0.4), BatchMixer(cutmix_alpha=1.0),
                                   BatchMixer(mixup_alpha=0.4, cutmix_alpha=1.0,
                                              mixup_share=0.4, cutmix_share=0.4)],
                         ids=["mixup", "cutmix", "both"])  # fmt: skip
@pytest.mark.parametrize("processes", [2, 3])
def test_the_shares_of_a_mixed_batch_are_the_batch_of_one_process(
    noise_db: Path, mixer: BatchMixer, processes: int
) -> None:
    one = loader(noise_db, mixer, None)
    shares = [loader(noise_db, mixer, (k, processes)) for k in range(processes)]
    for epoch in (0, 1):
        for index in range(len(one)):
            images, labels = one.load_batch(index, epoch)
            parts = [share.load_batch(index, epoch) for share in shares]
            assert np.array_equal(np.concatenate([p[0] for p in parts]), images)
            assert np.array_equal(np.concatenate([p[1] for p in parts]), labels)
    mixed = [(one.load_batch(i, 0)[1].max(axis=1) < 1).any() for i in range(len(one))]
    assert any(mixed)  # the batches were mixed, partners in other shares among them
    for gen in (one, *shares):
        gen.close()
