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
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyimagesearch.errors import WeightsError

IMAGENET = "imagenet"
_NONE_WORDS = {"", "none", "null", "random"}
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
    if word.lower() in _NONE_WORDS:
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


def _is_download_failure(exc: BaseException) -> bool:
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
    return total


def check_weights_fit(backbone: str, path: str | os.PathLike[str]) -> None:
    """Refuse, in one line, a weights file saved from another network than ``backbone``
    (and name the known backbones it does fit), before Keras tries to load it."""
    from pyimagesearch.features.backbones import BACKBONES, get_backbone_spec

    expected = get_backbone_spec(backbone).weight_values
    if expected is None:
        return
    found = count_weight_values(path)
    if found == expected:
        return
    fits = [spec.name for spec in BACKBONES.values() if spec.weight_values == found]
    hint = f"it fits {' or '.join(fits)}" if fits else "it fits none of the known backbones"
    raise WeightsError(
        f"weights file {path} does not fit {backbone} without its top: it holds {found:,} "
        f"values, {backbone} has {expected:,}; {hint} (set BACKBONE or WEIGHTS to match)"
    )


def _first_line(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_with_weights(backbone: str, weights: str | None, build: Callable[[Any], Any]) -> Any:
    """Call ``build(weights)`` and turn weight failures into one clear WeightsError
    (Keras' own warnings about mismatched layers are not repeated)."""
    if weights not in (None, IMAGENET):
        check_weights_fit(backbone, weights)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return build(weights)
    except WeightsError:
        raise
    except Exception as exc:
        if weights == IMAGENET and _is_download_failure(exc):
            raise WeightsError(offline_message(backbone, exc)) from None
        if weights not in (None, IMAGENET):
            raise WeightsError(
                f"weights file {weights} does not fit {backbone} without its top "
                f"(include_top=False): {_first_line(exc)}"
            ) from None
        raise


def config_weights(value: Any, config_file: str | os.PathLike[str] | None) -> Any:
    """A ``WEIGHTS`` setting with file paths resolved against the config's folder.

    ``"imagenet"`` and None stay as they are; a dict ``{backbone: weights}`` is resolved
    entry by entry.
    """
    if isinstance(value, dict):
        return {k: config_weights(v, config_file) for k, v in value.items()}
    if not isinstance(value, str | os.PathLike) or config_file is None:
        return value
    word = os.fspath(value).strip()
    if word.lower() == IMAGENET or word.lower() in _NONE_WORDS:
        return value
    path = Path(word).expanduser()
    if path.is_absolute():
        return str(path)
    return str(Path(config_file).resolve().parent / path)
