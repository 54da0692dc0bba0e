"""HDF5DatasetGenerator: batch counts, partial batches, passes, one-hot labels, alignment."""

from __future__ import annotations

import math
from pathlib import Path

import h5py
import numpy as np
import pytest

from pyimagesearch.errors import DatasetError
from pyimagesearch.io import HDF5DatasetGenerator
from pyimagesearch.preprocessing import BatchAugmenter, MeanPreprocessor, PatchPreprocessor

N_IMAGES = 53
CLASSES = 3


def write_coded_dataset(path: Path, n: int = N_IMAGES, size: int = 20, classes: int = CLASSES):
    """Image ``i`` is filled with the value ``i``; its label is ``i % classes``."""
    images = np.broadcast_to(np.arange(n, dtype=np.uint8)[:, None, None, None], (n, size, size, 3))
    with h5py.File(path, "w") as db:
        db.create_dataset("images", data=np.ascontiguousarray(images), chunks=(1, size, size, 3))
        db.create_dataset("labels", data=np.arange(n) % classes)
        db.create_dataset("label_names", data=[f"class{c}" for c in range(classes)])
        db.attrs["channel_order"] = "RGB"
        db.attrs["complete"] = True
    return path


@pytest.fixture
def coded_db(tmp_path: Path) -> Path:
    return write_coded_dataset(tmp_path / "coded.hdf5")


def image_ids(images: np.ndarray, offset: float = 0.0) -> np.ndarray:
    """The image id of each (constant) image of a batch, checking it is constant."""
    flat = images.reshape(len(images), -1)
    assert np.all(flat == flat[:, :1]), "an image mixed with something else"
    return np.rint(flat[:, 0] + offset).astype(int)


def test_batch_counts_and_last_partial_batch(coded_db: Path) -> None:
    with HDF5DatasetGenerator(coded_db, 16, classes=CLASSES) as gen:
        assert len(gen) == math.ceil(N_IMAGES / 16) == 4
        sizes = [len(images) for images, _ in gen.generator(passes=1)]
    assert sizes == [16, 16, 16, 5]


def test_passes_count_full_passes(coded_db: Path) -> None:
    gen = HDF5DatasetGenerator(coded_db, 10, classes=CLASSES)
    batches = list(gen.generator(passes=3))
    assert len(batches) == 3 * 6
    ids = np.concatenate([image_ids(images) for images, _ in batches])
    assert sorted(ids.tolist()) == sorted(list(range(N_IMAGES)) * 3)
    endless = gen.generator()  # passes=np.inf: keeps going
    assert sum(1 for _ in zip(range(20), endless, strict=False)) == 20
    gen.close()


def test_one_hot_labels_and_integer_labels(coded_db: Path) -> None:
    with HDF5DatasetGenerator(coded_db, 8, classes=CLASSES) as gen:
        images, labels = gen[0]
    assert labels.shape == (8, CLASSES) and labels.dtype == np.float32
    np.testing.assert_array_equal(labels.sum(axis=1), 1.0)
    np.testing.assert_array_equal(labels.argmax(axis=1), np.arange(8) % CLASSES)
    with HDF5DatasetGenerator(coded_db, 8, binarize=False, classes=CLASSES) as gen:
        _, raw = gen[1]
    np.testing.assert_array_equal(raw, np.arange(8, 16) % CLASSES)


def test_shuffling_changes_order_between_epochs_and_keeps_alignment(coded_db: Path) -> None:
    gen = HDF5DatasetGenerator(coded_db, 16, classes=CLASSES, shuffle=True, seed=11)
    epochs = []
    for images, labels in gen.generator(passes=2):
        ids = image_ids(images)
        np.testing.assert_array_equal(labels.argmax(axis=1), ids % CLASSES)
        epochs.append(ids)
    first = np.concatenate(epochs[:4])
    second = np.concatenate(epochs[4:])
    assert sorted(first.tolist()) == list(range(N_IMAGES))  # every image once per epoch
    assert sorted(second.tolist()) == list(range(N_IMAGES))
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(N_IMAGES))
    gen.close()


def test_rows_restrict_the_generator_to_one_split(coded_db: Path) -> None:
    """Only the rows asked for, each once per epoch, shuffled, labels kept aligned."""
    rows = np.arange(10, 41)  # e.g. the train rows of an activations file
    gen = HDF5DatasetGenerator(coded_db, 8, classes=CLASSES, shuffle=True, seed=2, rows=rows,
                               binarize=False)  # fmt: skip
    assert gen.num_images == 31 and len(gen) == 4
    for epoch in range(2):
        seen = []
        for index in range(len(gen)):
            images, labels = gen[index]
            ids = image_ids(images)
            np.testing.assert_array_equal(labels, ids % CLASSES)
            np.testing.assert_array_equal(gen.batch_indices(index), ids)
            seen.extend(ids.tolist())
        assert sorted(seen) == rows.tolist(), f"epoch {epoch}"
        gen.on_epoch_end()
    gen.close()
    with pytest.raises(DatasetError, match="rows outside 0..52"):
        HDF5DatasetGenerator(coded_db, 8, classes=CLASSES, rows=[3, 53])
    with pytest.raises(DatasetError, match="no images in the rows asked for"):
        HDF5DatasetGenerator(coded_db, 8, classes=CLASSES, rows=[])


def test_same_seed_same_batches_resumed_epoch(coded_db: Path) -> None:
    steps = [PatchPreprocessor(12, 12)]
    a = HDF5DatasetGenerator(coded_db, 16, steps, classes=CLASSES, shuffle=True, seed=5)
    b = HDF5DatasetGenerator(coded_db, 16, steps, classes=CLASSES, shuffle=True, seed=5)
    a.on_epoch_end()
    a.on_epoch_end()
    b.set_epoch(2)  # a resumed run starting at epoch 2 sees what the first run saw
    for index in range(len(a)):
        np.testing.assert_array_equal(a[index][0], b[index][0])
        np.testing.assert_array_equal(a[index][1], b[index][1])
    a.close()
    b.close()


def test_alignment_under_patch_augmentation_and_mean(coded_db: Path) -> None:
    aug = BatchAugmenter(
        rotation_range=20,
        zoom_range=0.15,
        width_shift_range=0.2,
        height_shift_range=0.2,
        shear_range=0.15,
        horizontal_flip=True,
    )
    mean = MeanPreprocessor(0.5, 0.5, 0.5)
    gen = HDF5DatasetGenerator(
        coded_db,
        16,
        preprocessors=[PatchPreprocessor(12, 12), aug, mean],
        classes=CLASSES,
        shuffle=True,
        seed=3,
    )
    seen = []
    for images, labels in gen.generator(passes=2):
        assert images.shape[1:] == (12, 12, 3) and images.dtype == np.float32
        ids = image_ids(images, offset=0.5)
        np.testing.assert_array_equal(labels.argmax(axis=1), ids % CLASSES)
        seen.extend(ids.tolist())
    assert sorted(seen) == sorted(list(range(N_IMAGES)) * 2)
    gen.close()


def test_book_style_aug_argument_and_per_image_preprocessor(coded_db: Path) -> None:
    class Double:  # a book-style preprocessor: only preprocess(image)
        def preprocess(self, image: np.ndarray) -> np.ndarray:
            return image.astype(np.float32) * 2

    aug = BatchAugmenter(horizontal_flip=True)
    with HDF5DatasetGenerator(coded_db, 10, [Double()], aug=aug, classes=CLASSES) as gen:
        images, labels = gen[2]
    ids = image_ids(images) // 2
    np.testing.assert_array_equal(ids, np.arange(20, 30))
    np.testing.assert_array_equal(labels.argmax(axis=1), ids % CLASSES)


def test_clear_errors(tmp_path: Path, coded_db: Path) -> None:
    with pytest.raises(DatasetError, match="not found.*build_dataset.py"):
        HDF5DatasetGenerator(tmp_path / "missing.hdf5", 8)
    with pytest.raises(DatasetError, match="3 classes"):
        HDF5DatasetGenerator(coded_db, 8, classes=2)
    with pytest.raises(ValueError, match="batch_size"):
        HDF5DatasetGenerator(coded_db, 0, classes=CLASSES)


def test_is_a_keras_py_dataset(coded_db: Path) -> None:
    import keras

    gen = HDF5DatasetGenerator(coded_db, 16, classes=CLASSES, workers=2)
    assert isinstance(gen, keras.utils.PyDataset)
    assert gen.workers == 2 and gen.num_batches == 4
    with pytest.raises(IndexError):
        gen[4]
    gen.close()


def test_tf_dataset_gives_the_generators_batches_epoch_after_epoch(coded_db: Path) -> None:
    """What model.fit receives through tf.data: batch k of the run is batch k % steps of
    epoch k // steps, as the generator makes it, from any thread; one pass for validation."""
    pytest.importorskip("tensorflow")
    from pyimagesearch.io.feeding import as_tf_dataset, fit_inputs

    steps_args = {"classes": CLASSES, "shuffle": True, "seed": 4, "workers": 2}
    gen = HDF5DatasetGenerator(coded_db, 16, [PatchPreprocessor(12, 12)], **steps_args)
    reference = HDF5DatasetGenerator(coded_db, 16, [PatchPreprocessor(12, 12)], **steps_args)
    steps = len(gen)
    dataset = as_tf_dataset(gen, initial_epoch=2)
    assert dataset.element_spec[0].shape.as_list() == [None, 12, 12, 3]  # no retrace
    reference.set_epoch(2)
    for k, (images, labels) in enumerate(dataset.take(2 * steps)):
        if k == steps:
            reference.on_epoch_end()
        expected_images, expected_labels = reference[k % steps]
        np.testing.assert_array_equal(images.numpy(), expected_images)
        np.testing.assert_array_equal(labels.numpy(), expected_labels)
    assert gen.epoch == 0  # nothing in the generator changed
    once = [len(x) for x, _ in as_tf_dataset(gen, repeat=False)]
    assert once == [16, 16, 16, 5]
    inputs = fit_inputs(gen, reference, initial_epoch=1)
    assert inputs["steps_per_epoch"] == inputs["validation_steps"] == steps
    gen.close()
    reference.close()


def test_fit_through_tf_dataset_with_integer_and_one_hot_labels(coded_db: Path) -> None:
    keras = pytest.importorskip("keras")
    from pyimagesearch.io.feeding import fit_inputs

    for binarize, loss in ((True, "categorical_crossentropy"),
                           (False, "sparse_categorical_crossentropy")):  # fmt: skip
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((20, 20, 3)), keras.layers.Rescaling(1 / 255),
                                  keras.layers.GlobalAveragePooling2D(),
                                  keras.layers.Dense(CLASSES, activation="softmax")])  # fmt: skip
        model.compile("adam", loss)
        gen = HDF5DatasetGenerator(coded_db, 8, classes=CLASSES, binarize=binarize, shuffle=True)
        history = model.fit(**fit_inputs(gen, gen), epochs=2, shuffle=False, verbose=0)
        assert len(history.history["loss"]) == 2 and "val_loss" in history.history
        gen.close()


def test_prefetched_batches_are_the_generators_batches_in_order(coded_db: Path) -> None:
    """The feeding of Keras' other backends: batch k of the run is batch k % steps of epoch
    k // steps; one pass is the current epoch; validation repeats the same batches."""
    from pyimagesearch.io.feeding import prefetched_batches

    args = {"classes": CLASSES, "shuffle": True, "seed": 4, "workers": 3}
    gen = HDF5DatasetGenerator(coded_db, 16, [PatchPreprocessor(12, 12)], **args)
    steps = len(gen)
    batches = prefetched_batches(gen, initial_epoch=1)
    for k in range(2 * steps + 1):
        images, labels = next(batches)
        expected_images, expected_labels = gen.load_batch(k % steps, 1 + k // steps)
        np.testing.assert_array_equal(images, expected_images)
        np.testing.assert_array_equal(labels, expected_labels)
    batches.close()
    once = [len(x) for x, _ in prefetched_batches(gen, repeat=False)]
    assert once == [16, 16, 16, 5] and gen.epoch == 0
    validation = HDF5DatasetGenerator(coded_db, 16, classes=CLASSES, workers=2)
    again = prefetched_batches(validation, validation.epoch)
    first = [next(again)[0] for _ in range(steps)]
    second = [next(again)[0] for _ in range(steps)]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    gen.close()
    validation.close()


def test_fit_through_the_prefetcher_of_other_backends(
    coded_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keras = pytest.importorskip("keras")
    from pyimagesearch.io import feeding

    monkeypatch.setattr(feeding, "_on_tensorflow", lambda: False)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((20, 20, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(CLASSES, activation="softmax")])  # fmt: skip
    model.compile("adam", "categorical_crossentropy")
    gen = HDF5DatasetGenerator(coded_db, 8, classes=CLASSES, shuffle=True, workers=2)
    val = HDF5DatasetGenerator(coded_db, 8, classes=CLASSES, workers=2)
    inputs = feeding.fit_inputs(gen, val)
    assert not hasattr(inputs["x"], "element_spec")  # a Python generator, not tf.data
    history = model.fit(**inputs, epochs=2, shuffle=False, verbose=0)
    assert len(history.history["val_loss"]) == 2
    assert model.evaluate(**feeding.evaluate_inputs(val), verbose=0) > 0
    gen.close()
    val.close()
