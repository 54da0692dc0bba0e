"""Where a backbone's weights come from: ImageNet (downloaded by Keras), a file, or none.

Example:
    >>> resolve_weights("imagenet"), resolve_weights("none"), resolve_weights(None)
    ('imagenet', None, None)
    >>> resolve_weights("~/weights/mobilenet_v2.weights.h5")   # doctest: +SKIP
    '/home/me/weights/mobilenet_v2.weights.h5'
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pyimagesearch.config import IMAGENET, NO_WEIGHTS_WORDS
from pyimagesearch.errors import WeightsError

_URL = re.compile(r"https?://\S+?\.h5")


def resolve_weights(setting: Any) -> str | None:
    """``WEIGHTS`` / ``--weights`` as Keras takes it: ``"imagenet"``, None, or a file path.

    Raises:
        WeightsError: a path that does not exist or is not a file.
    """
    if setting is None:
        return None
    if isinstance(setting, os.PathLike):
        setting = os.fspath(setting)
    if not isinstance(setting, str):
        raise WeightsError(f"WEIGHTS must be 'imagenet', None or a file path, got {setting!r}")
    word = setting.strip()
    if word.lower() == IMAGENET:
        return IMAGENET
    if word.lower() in NO_WEIGHTS_WORDS:
        return None
    path = Path(word).expanduser()
    if not path.exists():
        raise WeightsError(f"weights file not found: {path} (WEIGHTS / --weights)")
    if not path.is_file():
        raise WeightsError(f"weights path is not a file: {path}")
    return str(path.resolve())


def weights_source(weights: str | None) -> str:
    """A label for reports and HDF5 attributes: ``imagenet``, ``none`` or the file path."""
    return "none" if weights is None else str(weights)


def keras_cache_dir() -> Path:
    """The folder where Keras keeps downloaded weights (``$KERAS_HOME/models``)."""
    try:
        from keras.src.backend import config

        home = config.keras_home()
    except (ImportError, AttributeError):  # pragma: no cover - other Keras versions
        home = os.environ.get("KERAS_HOME", os.path.join("~", ".keras"))
    return Path(os.path.expanduser(home)) / "models"


def is_download_failure(exc: BaseException) -> bool:
    text = str(exc)
    return "URL fetch failure" in text or isinstance(exc, OSError | ConnectionError)


def offline_message(backbone: str, exc: BaseException) -> str:
    """The one-line explanation printed when ImageNet weights cannot be downloaded."""
    match = _URL.search(str(exc))
    cache = keras_cache_dir()
    if match:
        url = match.group(0)
        where = f"download {url} on a machine with internet and put it in {cache}/"
    else:
        where = f"put the Keras weights file for {backbone} in {cache}/"
    return (
        f"cannot download the ImageNet weights for {backbone} ({exc}). Without internet, "
        f"{where} (Keras looks there first), or pass a weights file with --weights PATH "
        "(WEIGHTS = 'path/to/file.weights.h5' in the config)"
    )


def count_weight_values(path: str | os.PathLike[str]) -> int:
    """How many numbers a weights file holds (Keras 3 ``.weights.h5`` and Keras 2 ``.h5``
    alike): a fingerprint of the network it was saved from, whatever its input size."""
    import h5py

    total = 0

    def add(_: str, obj: Any) -> None:
        nonlocal total
        if isinstance(obj, h5py.Dataset):
            total += int(obj.size)

    try:
        with h5py.File(path, "r") as db:
            db.visititems(add)
    except OSError as exc:
        raise WeightsError(f"weights file {path} is not a readable HDF5 file: {exc}") from None
    except RuntimeError as exc:  # h5py: a damaged object header, B-tree, ...
        raise WeightsError(
            f"weights file {path} is damaged (HDF5: {exc}); copy or download it again"
        ) from None
    return total
