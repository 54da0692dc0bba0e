"""HDF5DatasetGenerator: batches of an HDF5 dataset for Keras, preprocessed per batch.

The book's API (``.generator(passes)`` and ``.close()``) plus a ``keras.utils.PyDataset``,
so ``model.fit(gen)`` gets shuffling between epochs, loader threads overlapping training,
and a last, partial batch.

Example (not run by the tests: needs a builder HDF5 file and a model):
    >>> gen = HDF5DatasetGenerator("train.hdf5", 128, preprocessors=[pp, mp, iap],
    ...                            aug=aug, classes=2, shuffle=True)  # doctest: +SKIP
    >>> model.fit(gen, epochs=75)                                     # doctest: +SKIP
    >>> images, labels = next(gen.generator(passes=1))                # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import h5py
import keras
import numpy as np

from pyimagesearch.config import default
from pyimagesearch.errors import DatasetError
from pyimagesearch.io.checksums import RowChecks
from pyimagesearch.io.direct_rows import DirectRowReader
from pyimagesearch.io.hdf5_dataset import damaged, open_hdf5, read_label_names
from pyimagesearch.io.process_share import share_batch
from pyimagesearch.io.read_order import ORDERS, BlockCache, epoch_order
from pyimagesearch.io.storage import decode_rows, is_encoded, row_shape
from pyimagesearch.parallel.batches import (
    empty_batch,
    hold_opencv_single_threaded,
    inline_batches,
    release_opencv_threads,
)
from pyimagesearch.utils.randomness import check_seed


def _batch_fn(step: Any):
    """A ``fn(images, rng) -> images`` for a preprocessor, an augmenter or a Keras layer."""
    if hasattr(step, "preprocess_batch"):
        method = step.preprocess_batch
    elif hasattr(step, "augment_batch"):
        method = step.augment_batch
    elif hasattr(step, "preprocess"):  # a book-style preprocessor without a batch form

        def per_image(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
            return np.stack([step.preprocess(image) for image in images])

        return per_image
    elif callable(step):  # e.g. a keras.Sequential of preprocessing layers

        def layer(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
            return keras.ops.convert_to_numpy(step(images, training=True))

        return layer
    else:
        raise TypeError(f"{step!r} is not a preprocessor, an augmenter or a Keras layer")
    if "rng" in inspect.signature(method).parameters:
        return lambda images, rng: method(images, rng=rng)
    return lambda images, rng: method(images)


class HDF5DatasetGenerator(keras.utils.PyDataset):
    """Batches ``(images, labels)`` of an HDF5 file written by ``HDF5DatasetWriter``.

    Args:
        db_path: the HDF5 file (``images`` and ``labels`` data sets).
        batch_size: images per batch; the last batch holds the remainder.
        preprocessors: applied in order to each batch (their ``preprocess_batch``).
        aug: applied after the preprocessors: a ``BatchAugmenter``, or any Keras layer.
        binarize: one-hot labels (``classes`` columns) instead of integer labels.
        classes: number of classes; checked against the file.
        shuffle: a new random order every epoch (reads stay fast: rows are read one by
            one, in file order within a batch): True or ``"random"`` (every row anywhere),
            ``"block"`` (blocks of consecutive rows in a random order, shuffled within a
            window of blocks: :mod:`pyimagesearch.io.read_order`).
        shuffle_block, shuffle_window: rows of a block and blocks of a window (``"block"``).
        seed: makes the shuffles, patches and augmentation reproducible; epoch ``e`` and
            batch ``i`` always get the same random numbers, whatever thread loads them.
        workers: loader threads Keras runs ahead of training (``model.fit``).
        data_key: the images data set (``images``; ``features`` or ``activations`` for
            extracted ones).
        rows: only these rows of the file (e.g. one split of an activations file, whose
            ``split`` column marks train / val / test); default: every row.
        mixer: mixes each finished batch, images and one-hot labels (a
            :class:`~pyimagesearch.preprocessing.mixing.BatchMixer`: mixup, CutMix), with
            the batch's own random numbers; needs ``binarize``.

    The steps run as given: to fuse a patch -> augmentation -> mean sequence into one pass
    per image, pass ``fuse_steps(steps)`` (``PatchAugmentMean``), as the training engine
    does.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        batch_size: int,
        preprocessors: Sequence[Any] | None = None,
        aug: Any = None,
        binarize: bool = True,
        classes: int = 2,
        shuffle: bool = False,
        seed: int | None = None,
        workers: int = 1,
        max_queue_size: int = 10,
        data_key: str = "images",
        rows: Sequence[int] | np.ndarray | None = None,
        mixer: Any = None,
        shuffle_block: int = default("SHUFFLE_BLOCK"),
        shuffle_window: int = default("SHUFFLE_WINDOW"),
    ) -> None:
        super().__init__(
            workers=max(1, int(workers)), use_multiprocessing=False, max_queue_size=max_queue_size
        )
        if mixer is not None and not binarize:
            raise ValueError("a mixer mixes one-hot labels: it needs binarize=True")
        self.mixer = mixer
        self._set_arguments(batch_size, preprocessors, aug, binarize, classes, shuffle, seed)
        self._set_order(shuffle_block, shuffle_window)
        self._open_file(db_path, data_key)
        self._choose_reader()
        self._read_labels(rows)
        self._read_metadata()
        self._start_order()

    # -- the steps of __init__ (a failing one closes what the earlier ones opened) -----------
    def _set_arguments(
        self,
        batch_size: int,
        preprocessors: Sequence[Any] | None,
        aug: Any,
        binarize: bool,
        classes: int,
        shuffle: bool,
        seed: int | None,
    ) -> None:
        """Check and keep the arguments; each preprocessor and ``aug`` as a batch function."""
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.batchSize = self.batch_size = int(batch_size)
        self.preprocessors = list(preprocessors or [])
        self.aug = aug
        self.binarize = binarize
        self.classes = int(classes)
        self.shuffle = shuffle
        self.seed = check_seed(seed)
        self.part: tuple[int, int] | None = None  # (k, n): process k's share of each batch
        self._steps = [_batch_fn(p) for p in self.preprocessors]
        self._aug_fn = _batch_fn(aug) if aug is not None else None
        self._lock = threading.Lock()

    def _set_order(self, block: int, window: int) -> None:
        """The read order of each epoch: ``"random"``, ``"block"`` or None (file order)."""
        order = "random" if self.shuffle is True else self.shuffle or None
        if order is not None and order not in ORDERS:
            raise ValueError(f"shuffle must be True, False or one of {ORDERS}, got {order!r}")
        self._read_order, self._block, self._window = order, int(block), int(window)

    def _open_file(self, db_path: str | os.PathLike[str], data_key: str) -> None:
        """Open the file; it must hold ``data_key`` and ``labels``."""
        self.db_path = str(db_path)
        self.data_key = data_key
        self.db: h5py.File = open_hdf5(db_path, data_key)
        if "labels" not in self.db:
            self.db.close()
            raise DatasetError(f"{db_path} has no 'labels' data set")
        self.images = self.db[data_key]
        self._encoded = is_encoded(self.images)  # JPEG rows: decoded in read_rows
        self._row_shape = row_shape(self.images)
        self._row_dtype = np.dtype(np.uint8) if self._encoded else self.images.dtype

    def _choose_reader(self) -> None:
        """Rows straight from the file where they lie whole in it (``DirectRowReader``), else
        through h5py (:meth:`read_rows`), both checked against the file's row checksums
        (each row the first time it is read);
        OpenCV single-threaded while several loader threads run (released by :meth:`close`)."""
        self._direct = DirectRowReader.open(self.images, self.db_path)
        self._checks = RowChecks.of(self.images, self.db_path)  # for the reads through h5py

        self._opencv_held = self.workers > 1  # released by close()
        if self._opencv_held:
            hold_opencv_single_threaded()

    def _read_labels(self, rows: Sequence[int] | np.ndarray | None) -> None:
        """The labels of the rows used (``rows``, sorted and unique, or every row)."""
        labels = np.asarray(self.db["labels"][:], dtype=np.int64)
        if len(self.images) != len(labels):
            self.close()
            raise DatasetError(
                f"{self.db_path}: {len(self.images)} images but {len(labels)} labels"
            )
        self._rows = None if rows is None else np.unique(np.asarray(rows, dtype=np.int64))
        if (
            self._rows is not None
            and len(self._rows)
            and (self._rows[0] < 0 or self._rows[-1] >= len(labels))
        ):
            self.close()
            raise DatasetError(f"{self.db_path}: rows outside 0..{len(labels) - 1} were asked for")
        self.labels = labels if self._rows is None else labels[self._rows]
        self.numImages = self.num_images = len(self.labels)
        if self.num_images == 0:
            self.close()
            raise DatasetError(
                f"{self.db_path} holds no images"
                + (" in the rows asked for" if rows is not None else "")
            )

    def _read_metadata(self) -> None:
        """The class names and channel order the file records; the classes checked."""
        self.label_names = read_label_names(self.db)
        self.channel_order = str(self.db.attrs.get("channel_order", "RGB"))
        self._check_classes()

    def _start_order(self) -> None:
        """Epoch 0's order (shuffled with ``seed`` when ``shuffle``); other epochs' orders
        are made when asked for (:meth:`_order_of`)."""
        self.epoch = 0
        self._order = self._epoch_order(self.epoch)
        self._blocks = None  # JPEG rows in block order: whole blocks read, two windows kept
        if self._encoded and self._read_order == "block" and self._rows is None:
            self._blocks = BlockCache(self.images, self._block, 2 * self._window)
        self._orders: dict[int, np.ndarray | None] = {}

    # -- checks -------------------------------------------------------------------------
    def _check_classes(self) -> None:
        if self.label_names and len(self.label_names) != self.classes:
            names = ", ".join(self.label_names)
            self.close()
            raise DatasetError(
                f"{self.db_path} has {len(self.label_names)} classes ({names}) but "
                f"{self.classes} were expected (the model's output / classes=)"
            )
        low, high = int(self.labels.min()), int(self.labels.max())
        if low < 0 or high >= self.classes:
            self.close()
            raise DatasetError(
                f"{self.db_path} has labels {low}..{high}, outside 0..{self.classes - 1}"
            )

    # -- ordering and randomness -----------------------------------------------------------
    def _epoch_order(self, epoch: int) -> np.ndarray | None:
        if self._read_order is None:
            return None
        rng = np.random.default_rng([self.seed, epoch, 0])
        return epoch_order(self.num_images, rng, self._read_order, self._block, self._window)

    def _order_of(self, epoch: int | None) -> np.ndarray | None:
        """The shuffled order of ``epoch`` (None: the current one); the last few are kept."""
        if epoch is None or epoch == self.epoch:
            return self._order
        if self._read_order is None:
            return None
        with self._lock:
            order = self._orders.get(epoch)
            if order is None:
                order = self._orders[epoch] = self._epoch_order(epoch)
                for old in sorted(self._orders)[:-2]:
                    del self._orders[old]
            return order

    def set_epoch(self, epoch: int) -> None:
        """Continue as epoch ``epoch`` (a resumed run gets the same shuffles)."""
        self.epoch = int(epoch)
        self._order = self._epoch_order(self.epoch)

    def on_epoch_end(self) -> None:
        self.set_epoch(self.epoch + 1)

    def _batch_positions(self, index: int, epoch: int | None = None) -> np.ndarray:
        """Positions (among the rows used) of batch ``index`` of ``epoch`` (default: the
        current one), sorted."""
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} out of range (0..{len(self) - 1})")
        start = index * self.batch_size
        stop = min(start + self.batch_size, self.num_images)
        order = self._order_of(epoch)
        if order is None:
            return np.arange(start, stop)
        return np.sort(order[start:stop])

    def batch_indices(self, index: int) -> np.ndarray:
        """The file rows of batch ``index`` of the current epoch, in file order."""
        positions = self._batch_positions(index)
        return positions if self._rows is None else self._rows[positions]

    # -- reading -------------------------------------------------------------------------
    def read_rows(self, rows: np.ndarray) -> np.ndarray:
        """Raw rows (uint8 for images). Straight from the file where the rows lie whole in
        it (``DirectRowReader``: threads read side by side); else through h5py, one thread
        at a time: contiguous rows are one read, scattered rows one at a time, which h5py
        does far faster than a fancy-indexed read. Either way each row is compared with
        its checksum the first time it is read (a damaged row: one line naming the file
        and the row). JPEG rows are read through h5py and decoded straight into the
        batch, side by side (in the calling thread inside ``inline_batches``)."""
        if self._direct is not None:
            out = empty_batch((len(rows), *self._row_shape), self._row_dtype)
            try:
                self._direct.read_into(rows, out)  # checks the rows itself
            except OSError as exc:
                raise damaged(self.db_path, self.data_key, exc) from None
            return out
        out = self._h5py_rows(rows)
        if self._checks is not None:
            self._checks.check(rows, out)
        if self._encoded:
            return decode_rows(out, self._row_shape, self.db_path, rows)
        return out

    def _h5py_rows(self, rows: np.ndarray) -> np.ndarray:
        with self._lock:
            try:
                if len(rows) and rows[-1] - rows[0] == len(rows) - 1:
                    return self.images[int(rows[0]) : int(rows[-1]) + 1]
                if self._blocks is not None:
                    return self._blocks.rows(rows)
                if self._encoded:  # h5py reads scattered vlen rows 5x faster in one call
                    return self.images[np.asarray(rows, np.int64)]
                out = empty_batch((len(rows), *self.images.shape[1:]), self.images.dtype)
                for j, row in enumerate(rows):
                    out[j] = self.images[int(row)]
                return out
            except (OSError, RuntimeError) as exc:  # a damaged chunk
                raise damaged(self.db_path, self.data_key, exc) from None

    def load_batch(self, index: int, epoch: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Batch ``index`` of ``epoch`` (default: the current one), preprocessed, its
        images spread over the shared pool. Safe to call from several threads for any
        epochs: it changes nothing in the generator."""
        return self._load(index, epoch, inline=False)

    def worker_batch(self, index: int, epoch: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``load_batch`` as one of the generator's ``workers`` loader threads calls it:
        with several workers the whole batch is made in the calling thread, the other
        workers making the other batches (the same numbers either way)."""
        return self._load(index, epoch, inline=self.workers > 1)

    def _load(self, index: int, epoch: int | None, inline: bool) -> tuple[np.ndarray, np.ndarray]:
        epoch = self.epoch if epoch is None else int(epoch)
        positions = self._batch_positions(index, epoch)
        rng = np.random.default_rng([self.seed, epoch, index + 1])

        def make(at: np.ndarray, draws: Any) -> tuple[np.ndarray, np.ndarray]:
            return self._make(at, draws, inline)

        if self.part is not None:  # multi_worker: this process's rows, their random numbers
            return share_batch(make, positions, rng, self.part, self.mixer)
        images, labels = make(positions, rng)
        if self.mixer is not None:
            images, labels = self.mixer.mix_batch(images, labels, rng)
        return images, labels

    def _make(self, positions: np.ndarray, rng: Any, inline: bool) -> tuple[np.ndarray, np.ndarray]:
        """The rows at ``positions`` read, preprocessed and augmented (drawing from
        ``rng``), and their labels (one-hot with ``binarize``)."""
        labels = self.labels[positions]
        with inline_batches() if inline else contextlib.nullcontext():
            images = self.read_rows(positions if self._rows is None else self._rows[positions])
            for step in self._steps:
                images = step(images, rng)
            if self._aug_fn is not None:
                images = self._aug_fn(images, rng)
        if self.binarize:
            labels = np.eye(self.classes, dtype=np.float32)[labels]
        return images, labels

    # -- keras.utils.PyDataset -------------------------------------------------------------
    def __len__(self) -> int:
        return math.ceil(self.num_images / self.batch_size)

    @property
    def num_batches(self) -> int:
        return len(self)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self.worker_batch(index)  # Keras calls it from its ``workers`` threads

    # -- the book's API --------------------------------------------------------------------
    def generator(self, passes: float = np.inf) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(images, labels)`` batches for ``passes`` full passes over the data."""
        done = 0
        while done < passes:
            for index in range(len(self)):
                yield self.load_batch(index)
            done += 1
            self.on_epoch_end()

    def close(self) -> None:
        if getattr(self, "_direct", None) is not None:
            self._direct.close()
            self._direct = None
        if getattr(self, "_opencv_held", False):
            self._opencv_held = False
            release_opencv_threads()
        with contextlib.suppress(Exception):  # already closed
            self.db.close()

    def __enter__(self) -> HDF5DatasetGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
