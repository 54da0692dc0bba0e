"""The builder's split a script looks at (evaluate.py, diagnose.py, cam.py, show_batch.py),
checked before a model loads: a split of no images (``NUM_TEST_IMAGES = 0``) is refused in
one line naming its setting and file, rather than failing deep in a pass over nothing.

Example (not run by the tests: needs the builder's split files):
    >>> info = split_with_images("TEST_HDF5", "output/hdf5/test.hdf5")   # doctest: +SKIP
    >>> info.rows                                                      # doctest: +SKIP
    2500
"""

from __future__ import annotations

import os

from pyimagesearch.config import SPLIT_SETTINGS
from pyimagesearch.errors import DatasetError
from pyimagesearch.io.split_files import SplitInfo, split_info

# What gives a split its images when the builder makes it.
SIZE_SETTINGS = {"TRAIN_HDF5": "IMAGES_PATH (more images than NUM_VAL_IMAGES + "
                 "NUM_TEST_IMAGES)", "VAL_HDF5": "NUM_VAL_IMAGES > 0",
                 "TEST_HDF5": "NUM_TEST_IMAGES > 0"}  # fmt: skip


def empty_split_message(setting: str, path: str | os.PathLike[str]) -> str:
    """What a script says of a split file of no images.

    >>> empty_split_message("TEST_HDF5", "/data/test.hdf5")
    'TEST_HDF5 (/data/test.hdf5) holds no images; rebuild it with NUM_TEST_IMAGES > 0 \
(build_dataset.py --overwrite), or choose another split'
    """
    return (f"{setting} ({path}) holds no images; rebuild it with {SIZE_SETTINGS[setting]} "
            "(build_dataset.py --overwrite), or choose another split")  # fmt: skip


def split_with_images(setting: str, path: str | os.PathLike[str]) -> SplitInfo:
    """The :class:`~pyimagesearch.io.split_files.SplitInfo` of split file ``path`` (of
    setting ``setting``: ``TEST_HDF5``, or a split's name: ``"test"``).

    Raises:
        DatasetError: the file holds no images (or is missing or damaged).
    """
    setting = SPLIT_SETTINGS.get(setting, setting)
    info = split_info(path)
    if info.rows == 0:
        raise DatasetError(empty_split_message(setting, path))
    return info
