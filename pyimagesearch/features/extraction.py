"""Run images through a pretrained backbone in batches and store the pooled features (or
the activations of one layer) in HDF5.

Example (not run by the tests: runs a backbone over the Kaggle photos):
    >>> extractor = FeatureExtractor("ResNet50", weights="imagenet")          # doctest: +SKIP
    >>> report = write_features(extractor,
    ...                         open_sources("datasets/kaggle_dogs_vs_cats/train"),
    ...                         "output/features_resnet50.hdf5")              # doctest: +SKIP
    >>> report["written"], report["feature_dim"]                              # doctest: +SKIP
    (25000, 2048)
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import default
from pyimagesearch.data.sources import Batch, ImageSource, open_source
from pyimagesearch.errors import DatasetError
from pyimagesearch.features.backbones import (
    build_backbone,
    check_image_size,
    get_backbone_spec,
    preprocess_function,
)
from pyimagesearch.features.network_cut import backbone_split_layer, split_network
from pyimagesearch.features.weights import resolve_weights, weights_source
from pyimagesearch.io.hdf5_dataset import open_hdf5
from pyimagesearch.io.hdf5_dataset_writer import HDF5DatasetWriter
from pyimagesearch.io.split_files import BUILD_SETTINGS
from pyimagesearch.io.storage import row_shape
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.progress import progress_bar
from pyimagesearch.utils.tensorflow_logging import quiet_tensorflow

DEFAULT_BATCH_SIZE = default("FEATURE_BATCH_SIZE")
MAX_BUFFER_BYTES = 64 * 2**20  # rows kept in memory between writes (activations are large)


class FeatureExtractor:
    """A backbone with its input size and ``preprocess_input``: RGB uint8 in, features out.

    With ``split_at``, the backbone stops at that layer (see
    :mod:`pyimagesearch.features.network_cut`) and gives its spatial activations instead of
    pooled features, for fine-tuning the layers above it from stored activations.

    Example (not run by the tests: runs a backbone over the Kaggle photos):
        >>> fx = FeatureExtractor("MobileNetV2", weights=None, image_size=96)  # doctest: +SKIP
        >>> fx.features(np.zeros((8, 96, 96, 3), np.uint8)).shape             # doctest: +SKIP
        (8, 1280)
        >>> FeatureExtractor("MobileNetV2", None, 96, split_at="block_16_").output_shape
        ... # doctest: +SKIP
        (3, 3, 160)
    """

    def __init__(
        self,
        backbone: str = "ResNet50",
        weights: Any = "imagenet",
        image_size: int | None = None,
        split_at: str | None = None,
    ) -> None:
        quiet_tensorflow()
        spec = get_backbone_spec(backbone)
        self.backbone = spec.name
        self.image_size = check_image_size(spec, image_size)
        self.weights = resolve_weights(weights)
        self.weights_source = weights_source(self.weights)
        self.model = build_backbone(spec.name, self.weights, self.image_size)
        self.split_at: str | None = None
        if split_at is not None:
            self.split_at = backbone_split_layer(self.model, spec.name, split_at)
            self.model, _ = split_network(self.model, self.split_at)
        self.output_shape = tuple(int(d) for d in self.model.output_shape[1:])
        self.feature_dim = int(np.prod(self.output_shape))
        self._preprocess = preprocess_function(spec.name)

    @property
    def data_key(self) -> str:
        """The HDF5 data set of its output: ``features``, or ``activations`` when split."""
        return "features" if self.split_at is None else "activations"

    def preprocess(self, images: np.ndarray) -> np.ndarray:
        """RGB uint8 images -> the network's input (float32, its own scaling)."""
        return self._preprocess(images.astype(np.float32))

    def features(self, images: np.ndarray) -> np.ndarray:
        """Pooled features (or activations) of a batch of RGB uint8 images of the
        extractor's size."""
        if len(images) == 0:
            return np.empty((0, *self.output_shape), dtype=np.float32)
        out = self.model.predict_on_batch(self.preprocess(images))
        return np.asarray(out, dtype=np.float32)

    def attrs(self) -> dict[str, Any]:
        """HDF5 attributes describing how the features were made."""
        attrs: dict[str, Any] = {
            "backbone": self.backbone,
            "image_size": self.image_size,
            "weights": self.weights_source,
            "feature_dim": self.feature_dim,
            "pooling": "avg" if self.split_at is None else "none",
        }
        if self.split_at is not None:
            attrs["split_at"] = self.split_at
            attrs["activation_shape"] = self.output_shape
        return attrs


@dataclass
class FeatureBatch:
    indices: np.ndarray
    features: np.ndarray
    skipped: list[tuple[int, str]]


def iter_features(
    extractor: FeatureExtractor, source: ImageSource, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[FeatureBatch]:
    """Features of every readable image of ``source``, batch by batch, in source order."""
    if batch_size < 1:
        raise DatasetError(f"FEATURE_BATCH_SIZE must be >= 1, got {batch_size}")
    batch: Batch
    for batch in source.batches(extractor.image_size, batch_size):
        yield FeatureBatch(batch.indices, extractor.features(batch.images), batch.skipped)


def extract_arrays(
    extractor: FeatureExtractor,
    source: ImageSource,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """Features in memory: ``(features, rows, skipped)`` where ``rows`` index the source."""
    chunks, rows, skipped = [], [], []
    bar = progress_bar(f"{extractor.backbone} features", len(source), progress)
    done = 0
    for fb in iter_features(extractor, source, batch_size):
        chunks.append(fb.features)
        rows.append(fb.indices)
        skipped.extend((source.paths[i], reason) for i, reason in fb.skipped)
        done += len(fb.indices) + len(fb.skipped)
        bar.update(done)
    bar.finish()
    if not chunks:
        return np.empty((0, extractor.feature_dim), np.float32), np.empty(0, np.int64), skipped
    return np.concatenate(chunks), np.concatenate(rows).astype(np.int64), skipped


SPLIT_NAMES = ("train", "val", "test")


def open_sources(
    dataset: str | os.PathLike[str] | list[str | os.PathLike[str]],
    label_source: str | None = None,
    workers: int | None = None,
) -> list[ImageSource]:
    """``dataset`` as image sources: a folder of images, one builder HDF5 file, or the
    builder's split files (a list: from one build, with the same classes).

    Raises:
        DatasetError: unreadable input, or a list that is not the builder's splits.
    """
    locations = list(dataset) if isinstance(dataset, list | tuple) else [dataset]
    sources = [open_source(loc, label_source=label_source, workers=workers) for loc in locations]
    if len(sources) > 1:
        _split_codes(sources)
    return sources


def write_features(
    extractor: FeatureExtractor,
    sources: list[ImageSource],
    output_path: str | os.PathLike[str],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    buffer_size: int = default("BUFFER_SIZE"),
    overwrite: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """Write the pooled features of every readable image of ``sources`` to HDF5; return
    the report.

    The file holds ``features`` (N, D) float32, ``labels``, ``label_names`` and ``paths``
    (the source file of every row), with attributes ``backbone``, ``image_size``,
    ``weights``, ``feature_dim``, ``source`` (and ``source_image_size``, ``build_id`` for
    builder files). From the builder's split files every row also records its split
    (``split`` data set, codes into the ``split_names`` attribute), so that classifiers
    trained on the features are tested on the builder's test split, as every other model.
    Unreadable images are skipped and listed in the report.

    Raises:
        DatasetError: no image could be read.
    """
    if extractor.split_at is not None:
        raise ValueError("this extractor gives activations: use write_activations")
    writing = _Writing(batch_size, buffer_size, overwrite, progress)
    return _write_file(extractor, sources, output_path, "float32", writing)


def write_activations(
    extractor: FeatureExtractor,
    sources: list[ImageSource],
    output_path: str | os.PathLike[str],
    *,
    dtype: str = default("ACTIVATIONS_DTYPE"),
    batch_size: int = DEFAULT_BATCH_SIZE,
    buffer_size: int = default("BUFFER_SIZE"),
    overwrite: bool = True,
    progress: bool = True,
) -> dict[str, Any]:
    """Write the activations of the extractor's split layer (``FeatureExtractor(...,
    split_at=...)``, see :mod:`pyimagesearch.features.network_cut`) for every readable
    image of ``sources``; return the report.

    As :func:`write_features`, but the file holds ``activations`` (N, H, W, C), stored as
    ``dtype`` (``"float16"`` halves the disk), one chunk per image, with the attributes
    ``split_at`` and ``activation_shape``.
    """
    if extractor.split_at is None:
        raise ValueError("this extractor gives pooled features: use write_features")
    writing = _Writing(batch_size, buffer_size, overwrite, progress)
    return _write_file(extractor, sources, output_path, dtype, writing)


@dataclass(frozen=True)
class _Writing:
    """How images go through the backbone and rows to the file."""

    batch_size: int  # images per batch through the backbone
    buffer_size: int  # rows per HDF5 write (fewer when they pass MAX_BUFFER_BYTES)
    overwrite: bool
    progress: bool


def _write_file(
    extractor: FeatureExtractor,
    sources: list[ImageSource],
    output_path: str | os.PathLike[str],
    dtype: str,
    writing: _Writing,
) -> dict[str, Any]:
    """The writing loop of :func:`write_features` and :func:`write_activations`."""
    split_codes = _split_codes(sources) if len(sources) > 1 else None
    report = _describe(extractor, sources, output_path, dtype)
    writer = _open_writer(extractor, sources, output_path, dtype, writing)
    start = time.perf_counter()
    try:
        writer.store_class_labels(sources[0].label_names)
        skipped = _write_rows(writer, extractor, sources, writing)
        if writer.count == 0:
            raise DatasetError(f"no image of {sources[0].location} could be read; nothing written")
        if split_codes is not None:
            writer.store_column("split", split_codes, split_names=list(SPLIT_NAMES))
        writer.set_attrs(skipped=len(skipped))
        written = writer.count
        writer.close()
    except BaseException:
        writer.abort()
        raise
    elapsed = time.perf_counter() - start
    return {
        **report,
        "bytes_of_data": written * extractor.feature_dim * np.dtype(dtype).itemsize,
        "listed": sum(len(s) for s in sources),
        "written": written,
        "skipped": len(skipped),
        "skipped_files": skipped,
        "splits": None
        if split_codes is None
        else {name: int((split_codes == code).sum()) for code, name in enumerate(SPLIT_NAMES)},
        "unlabeled": [
            {"path": display_path(p), "reason": r} for s in sources for p, r in s.passed_over
        ],
        "label_names": sources[0].label_names,
        "elapsed_seconds": elapsed,
        "images_per_second": (written + len(skipped)) / elapsed if elapsed > 0 else 0.0,
    }


def _describe(
    extractor: FeatureExtractor,
    sources: list[ImageSource],
    output_path: str | os.PathLike[str],
    dtype: str,
) -> dict[str, Any]:
    """What a file holds and where it comes from: the first part of its report."""
    return {
        "dataset": _source_text(sources),
        "output": str(Path(output_path)),
        "backbone": extractor.backbone,
        "image_size": extractor.image_size,
        "weights": extractor.weights_source,
        "feature_dim": extractor.feature_dim,
        "data_key": extractor.data_key,
        "split_at": extractor.split_at,
        "output_shape": list(extractor.output_shape),
        "dtype": str(np.dtype(dtype)),
    }


def _source_text(sources: list[ImageSource]) -> str:
    return ", ".join(str(s.location) for s in sources)


def _open_writer(
    extractor: FeatureExtractor,
    sources: list[ImageSource],
    output_path: str | os.PathLike[str],
    dtype: str,
    writing: _Writing,
) -> HDF5DatasetWriter:
    """The HDF5 file of every row of ``sources``, its attributes set; rows are buffered up
    to ``buffer_size`` and :data:`MAX_BUFFER_BYTES` (activations are large)."""
    first = sources[0]
    attrs = {**extractor.attrs(), "source": _source_text(sources), "source_kind": first.kind}
    if first.kind == "hdf5":
        attrs.update(_builder_attrs(first))
    row_bytes = extractor.feature_dim * np.dtype(dtype).itemsize
    return HDF5DatasetWriter(
        (sum(len(s) for s in sources), *extractor.output_shape),
        Path(output_path),
        data_key=extractor.data_key,
        buffer_size=max(1, min(writing.buffer_size, MAX_BUFFER_BYTES // row_bytes)),
        overwrite=writing.overwrite,
        dtype=dtype,
        attrs=attrs,
    )


def _write_rows(
    writer: HDF5DatasetWriter,
    extractor: FeatureExtractor,
    sources: list[ImageSource],
    writing: _Writing,
) -> list[dict[str, str]]:
    """Every readable image's row, source after source, in order; the skipped files."""
    skipped: list[dict[str, str]] = []
    total = sum(len(s) for s in sources)
    bar = progress_bar(f"{extractor.backbone} features", total, writing.progress)
    done = 0
    for source in sources:
        for fb in iter_features(extractor, source, writing.batch_size):
            if len(fb.indices):
                writer.add(
                    fb.features,
                    source.labels[fb.indices],
                    paths=[source.paths[i] for i in fb.indices],
                )
            skipped.extend(
                {"path": display_path(source.paths[i]), "reason": r} for i, r in fb.skipped
            )
            done += len(fb.indices) + len(fb.skipped)
            bar.update(done)
    bar.finish()
    return skipped


def _split_codes(sources: list[ImageSource]) -> np.ndarray:
    """One split code per row of the builder's split files, in order; the files must come
    from one build, with the same classes."""
    names = [s.split for s in sources]
    if any(n not in SPLIT_NAMES for n in names) or len(set(names)) != len(names):
        raise DatasetError(
            "several datasets must be the builder's split files (train, val, test), each "
            f"once; got splits {names}"
        )
    builds = {s.build_id for s in sources}
    if len(builds) > 1:
        raise DatasetError("the split files come from different builds; rebuild them together")
    if any(s.label_names != sources[0].label_names for s in sources):
        raise DatasetError("the split files have different classes; rebuild them together")
    return np.concatenate([np.full(len(s), SPLIT_NAMES.index(s.split), np.uint8) for s in sources])


def _builder_attrs(source: ImageSource) -> dict[str, Any]:
    """What features of a builder file keep of it: its image size, build id and settings."""
    with open_hdf5(source.location, "images") as db:
        height, width = row_shape(db["images"])[:2]
        settings = db.attrs.get(BUILD_SETTINGS)
    attrs: dict[str, Any] = {"source_image_size": (int(width), int(height))}
    if source.build_id:
        attrs["build_id"] = source.build_id
    if settings is not None:
        attrs[BUILD_SETTINGS] = settings
    return attrs
