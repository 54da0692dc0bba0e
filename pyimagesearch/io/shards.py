"""A split written as N shard files, read as one file through an index (``SHARDS = N``).

The builder writes each split as N files side by side, ``train-00000-of-00004.hdf5`` ...
(one writer process each), and at the split's own name (``train.hdf5``) an index: a small
HDF5 file whose row data sets (``images``, ``labels``, ``paths``, ``row_checksums``) are
HDF5 virtual data sets mapping the shards' rows, in shard order, and which holds the
split's names, attributes and the content checksums of the whole. Every reader opens the
index as it opens a split file (h5py reads through it), so a shard set is taken wherever a
split file is; :func:`~pyimagesearch.io.hdf5_dataset.open_hdf5` refuses an index with a
shard missing (HDF5 itself would read its rows as zeros). The shards are named in the
index by file name alone: the set moves as one folder.

Example:
    >>> [p.name for p in shard_paths("hdf5/train.hdf5", 2)]
    ['train-00000-of-00002.hdf5', 'train-00001-of-00002.hdf5']
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from pyimagesearch.io.checksums import CRC_ATTR, content_crc
from pyimagesearch.io.storage import STORAGE_ATTR

SHARDS_ATTR = "shards"  # the index's attribute: its shard files' names, in order
_SHARD_NAME = re.compile(r"-(\d{5})-of-(\d{5})$")


def shard_paths(path: str | os.PathLike[str], shards: int) -> list[Path]:
    """The shard files of the split file ``path`` (``train.hdf5``) cut into ``shards``."""
    path = Path(path)
    return [path.with_name(f"{path.stem}-{k:05d}-of-{shards:05d}{path.suffix}")
            for k in range(shards)]  # fmt: skip


def stale_shards(path: str | os.PathLike[str], keep: list[Path]) -> list[Path]:
    """Shard files of ``path`` from other builds (another shard count) than ``keep``."""
    path = Path(path)
    if not path.parent.is_dir():
        return []
    return sorted(
        other for other in path.parent.glob(f"{path.stem}-*-of-*{path.suffix}")
        if _SHARD_NAME.search(other.stem[len(path.stem):]) and other not in keep
    )  # fmt: skip


def _row_keys(db: h5py.File) -> list[str]:
    """The data sets holding one entry a row (as many as ``labels``)."""
    rows = len(db["labels"])
    return [key for key, item in db.items()
            if isinstance(item, h5py.Dataset) and item.ndim >= 1 and len(item) == rows
            and key != "label_names"]  # fmt: skip


def _layout(key: str, shards: list[h5py.File], names: list[str]) -> h5py.VirtualLayout:
    """The virtual layout of ``key``: every shard's rows, in order (a shard of no row may
    lack the data set: no image of its share could be read)."""
    first = next(db[key] for db in shards if key in db)
    total = sum(len(db[key]) for db in shards if key in db)
    layout = h5py.VirtualLayout(shape=(total, *first.shape[1:]), dtype=first.dtype)
    start = 0
    for db, name in zip(shards, names, strict=True):
        count = len(db[key]) if key in db else 0
        if count:
            layout[start : start + count] = h5py.VirtualSource(name, key, shape=db[key].shape)
        start += count
    return layout


def write_index(path: str | os.PathLike[str], sources: list[Path], names: list[str]) -> None:
    """Write the index of the closed shard files ``sources`` (as they lie now, e.g. under
    ``.partial`` names) to ``path``, naming them as ``names`` (their published names, in
    the index's folder): their row data sets as virtual ones, the first shard's names and
    attributes, the checksums of the whole content."""
    shards = [h5py.File(source, "r") for source in sources]
    try:
        with h5py.File(path, "w") as index:
            _copy_small(shards[0], index)
            keys = dict.fromkeys(key for db in shards for key in _row_keys(db))
            for key in keys:
                dataset = index.create_virtual_dataset(key, _layout(key, shards, names))
                holders = [db[key] for db in shards if key in db]
                for name, value in holders[0].attrs.items():
                    if name != CRC_ATTR:
                        dataset.attrs[name] = value
                if dataset.ndim == 1 and STORAGE_ATTR not in dataset.attrs:  # not JPEG rows
                    whole = np.concatenate([one[()] for one in holders])
                    dataset.attrs[CRC_ATTR] = np.uint32(content_crc(whole))
            _index_attrs(index, shards, names)
    finally:
        for db in shards:
            db.close()


def _copy_small(shard: h5py.File, index: h5py.File) -> None:
    """The data sets not cut by rows (``label_names``), copied with their checksums."""
    rows = set(_row_keys(shard))
    for key, item in shard.items():
        if isinstance(item, h5py.Dataset) and key not in rows:
            shard.copy(item, index, name=key)


def _index_attrs(index: h5py.File, shards: list[h5py.File], names: list[str]) -> None:
    attrs: dict[str, Any] = dict(shards[0].attrs)
    for key, value in attrs.items():
        index.attrs[key] = value
    index.attrs["rows"] = sum(len(db["labels"]) for db in shards)
    index.attrs[SHARDS_ATTR] = names
    index.attrs["complete"] = all(bool(db.attrs.get("complete", False)) for db in shards)


def shard_row(path: str | os.PathLike[str], key: str, row: int) -> tuple[str, int] | None:
    """The shard file (its name) and the row in it that row ``row`` of ``key`` in the index
    ``path`` maps to; None for a plain file (or one that cannot be opened now)."""
    try:
        with h5py.File(path, "r") as db:
            dataset = db[key]
            if not dataset.is_virtual:
                return None
            for source in dataset.virtual_sources():
                (start, *_), (stop, *_) = source.vspace.get_select_bounds()
                if start <= row <= stop:
                    return os.path.basename(source.file_name), row - start
    except (OSError, KeyError):
        return None
    return None


def missing_shards(db: h5py.File) -> list[str]:
    """The shard files an index names that are not beside it (none for a plain file)."""
    names = db.attrs.get(SHARDS_ATTR)
    if names is None:
        return []
    folder = Path(db.filename).parent
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in np.atleast_1d(names)]
    return [name for name in names if not (folder / name).is_file()]
