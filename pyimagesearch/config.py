"""Load the plain Python config modules that drive every script.

A config is a ``.py`` file of UPPER_CASE settings. One file serves every script, so a
setting that only another script uses is fine; a setting that *no* script knows is most
likely a typo and earns a warning that names the closest known setting.

Example:
    >>> cfg = load_config("config/dogs_vs_cats_config.py", required=["IMAGES_PATH"])
    >>> cfg.IMAGES_PATH            # doctest: +SKIP
    '/home/me/kaggle/train'        # resolved against the config file's folder

Paths (settings in ``PATH_SETTINGS`` or whose name ends in ``_PATH``, ``_HDF5``,
``_DIR`` or ``_FILE``) are resolved against the config file's folder unless absolute.
"""

from __future__ import annotations

import difflib
import os
import runpy
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyimagesearch.errors import ConfigError

# Every setting any script reads, with a one-line description. Add new settings here.
KNOWN_SETTINGS: dict[str, str] = {
    # --- build_dataset.py -------------------------------------------------------------
    "IMAGES_PATH": "folder of input images (Kaggle flat layout or one folder per class)",
    "LABEL_SOURCE": "'filename' (cat.0.jpg -> cat), 'folder' (parent folder), or None (auto)",
    "NUM_CLASSES": "expected number of classes (checked against the data)",
    "NUM_VAL_IMAGES": "validation split size: a count (int) or a fraction (0-1)",
    "NUM_TEST_IMAGES": "test split size: a count (int) or a fraction (0-1)",
    "TRAIN_HDF5": "output HDF5 file of the training split",
    "VAL_HDF5": "output HDF5 file of the validation split",
    "TEST_HDF5": "output HDF5 file of the test split",
    "DATASET_MEAN": "JSON file with the training split's RGB mean",
    "OUTPUT_PATH": "folder for reports, plots, models (default: output/)",
    "IMAGE_SIZE": "side (int) or (width, height) of the stored images (default 256)",
    "RANDOM_SEED": "seed for splits, shuffling and augmentation (default 42)",
    "BUILD_WORKERS": "decoding threads for build_dataset.py (default: number of cores)",
    "BUFFER_SIZE": "rows buffered in memory before an HDF5 write (default 1000)",
    "OVERWRITE": "replace existing HDF5 outputs (default True for the builder)",
    # --- train_alexnet.py / evaluate.py -------------------------------------------------
    "MODEL_PATH": "trained Keras model (.keras)",
    "CHECKPOINT_PATH": "folder for per-epoch training checkpoints",
    "EPOCHS": "training epochs",
    "BATCH_SIZE": "batch size",
    "LEARNING_RATE": "optimizer learning rate",
    "INPUT_SIZE": "network input side (AlexNet: 227)",
    "AUGMENTATION": "dict of augmentation settings (rotation, zoom, shifts, shear, flip)",
    "WEIGHT_DECAY": "L2 regularization strength",
    "DENSE_UNITS": "units of AlexNet's fully connected layers (default 4096)",
    "DROPOUT": "dropout rates",
    "WORKERS": "loader workers for training",
    "EVAL_BATCH_SIZE": "images per predict call during evaluation",
    "MEAN_IN_MODEL": "subtract the mean inside the model (uint8 batches; fastest on a GPU)",
    # --- extract_features.py / train_logreg.py / fine_tune.py / predict.py --------------
    "FEATURES_HDF5": "HDF5 file of extracted features (training / all images)",
    "TEST_FEATURES_HDF5": "HDF5 file of held-out features (optional)",
    "BACKBONE": "keras.applications backbone name (default ResNet50)",
    "BACKBONES": "list of backbone names for feature fusion",
    "WEIGHTS": "'imagenet', None, or a path to a weights file",
    "FEATURE_IMAGE_SIZE": "input side for feature extraction (default: the backbone's own)",
    "FEATURE_BATCH_SIZE": "images per batch during feature extraction",
    "LOGREG_MODEL_PATH": "pickled logistic-regression classifier",
    "LOGREG_REPORT": "JSON report of train_logreg.py",
    "LOGREG_C_GRID": "values of C to search",
    "LOGREG_TEST_SIZE": "held-out fraction when no separate test features are given",
    "HEAD_MODEL_PATH": "Keras classifier head trained on features",
    "FINE_TUNE_MODEL_PATH": "fine-tuned Keras model",
    "FINE_TUNE_LAYERS": "how many backbone blocks/layers to unfreeze when fine-tuning",
    "FINE_TUNE_EPOCHS": "epochs per fine-tuning stage",
    "FINE_TUNE_LEARNING_RATE": "SGD learning rate after unfreezing",
    "FINE_TUNE_HEAD_EPOCHS": "epochs of the head alone, backbone frozen (fine_tune.py)",
    "FINE_TUNE_VAL_SPLIT": "validation fraction of the images for fine_tune.py (default 0.2)",
    "HEAD_EPOCHS": "most epochs of the Keras head on features (train_head.py)",
    "HEAD_VAL_SPLIT": "validation fraction of the training features for train_head.py",
    "TEST_IMAGES_PATH": "unlabeled Kaggle-style test folder (1.jpg ... 12500.jpg)",
    "SUBMISSION_PATH": "submission CSV written by predict.py",
    "CLIP_RANGE": "(low, high) clipping of submitted probabilities",
    "POSITIVE_CLASS": "label whose probability is submitted (default 'dog')",
    # --- demo ---------------------------------------------------------------------------
    "DEMO_IMAGES_PER_CLASS": "synthetic images per class generated for the demo",
    "DEMO_CLASSES": "class names of the synthetic demo dataset",
}

PATH_SETTINGS = {
    "IMAGES_PATH",
    "TRAIN_HDF5",
    "VAL_HDF5",
    "TEST_HDF5",
    "DATASET_MEAN",
    "OUTPUT_PATH",
    "MODEL_PATH",
    "CHECKPOINT_PATH",
    "FEATURES_HDF5",
    "TEST_FEATURES_HDF5",
    "LOGREG_MODEL_PATH",
    "LOGREG_REPORT",
    "HEAD_MODEL_PATH",
    "FINE_TUNE_MODEL_PATH",
    "TEST_IMAGES_PATH",
    "SUBMISSION_PATH",
}
_PATH_SUFFIXES = ("_PATH", "_HDF5", "_DIR", "_FILE")

DEFAULT_OUTPUT_PATH = "output"


def _is_path_setting(name: str) -> bool:
    return name in PATH_SETTINGS or name.endswith(_PATH_SUFFIXES)


class Config:
    """Read-only view of a config module's UPPER_CASE settings.

    Attribute access to a missing setting raises :class:`ConfigError` naming the file,
    never a bare ``AttributeError``. ``cfg.get(name, default)`` reads optional settings.
    """

    def __init__(self, settings: dict[str, Any], source: Path | None = None) -> None:
        object.__setattr__(self, "_settings", dict(settings))
        object.__setattr__(self, "source", source)

    def __getattr__(self, name: str) -> Any:
        settings = object.__getattribute__(self, "_settings")
        if name in settings:
            return settings[name]
        where = f" in {self.source}" if self.source else ""
        raise ConfigError(f"setting {name} is missing{where}; add `{name} = ...` to the config")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Config is read-only; use cfg.replace(NAME=value)")

    def __contains__(self, name: str) -> bool:
        return name in self._settings

    def get(self, name: str, default: Any = None) -> Any:
        """Return a setting, or ``default`` when the config does not set it (or sets None)."""
        value = self._settings.get(name)
        return default if value is None else value

    def replace(self, **overrides: Any) -> Config:
        """Return a copy with some settings replaced (None values are ignored).

        Path overrides are taken as given (relative to the current directory), as a
        command-line flag would be.
        """
        merged = dict(self._settings)
        merged.update({k: v for k, v in overrides.items() if v is not None})
        return Config(merged, self.source)

    def as_dict(self) -> dict[str, Any]:
        return dict(self._settings)

    def path_list(self, name: str) -> list[str] | None:
        """A setting holding one path or a list of paths, as a list (None when unset).

        >>> Config({"FEATURES_HDF5": "a.hdf5"}).path_list("FEATURES_HDF5")
        ['a.hdf5']
        """
        value = self.get(name)
        if value is None:
            return None
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [str(value)]

    def output_path(self, *parts: str) -> Path:
        """``OUTPUT_PATH`` (default ``output/``) joined with ``parts``; the folder is created."""
        base = Path(self.get("OUTPUT_PATH", DEFAULT_OUTPUT_PATH))
        base.mkdir(parents=True, exist_ok=True)
        return base.joinpath(*parts)

    def __repr__(self) -> str:
        return f"Config({self.source}, {sorted(self._settings)})"


def _closest(name: str) -> str | None:
    matches = difflib.get_close_matches(name, KNOWN_SETTINGS, n=1, cutoff=0.6)
    return matches[0] if matches else None


def check_settings(
    settings: dict[str, Any], required: Iterable[str] = (), source: str = "the config"
) -> None:
    """Raise one ConfigError naming every missing required setting; warn on unknown names."""
    missing = [name for name in required if settings.get(name) is None]
    if missing:
        lines = [f"  {name}: {KNOWN_SETTINGS.get(name, '')}".rstrip(": ") for name in missing]
        raise ConfigError(
            f"{source} is missing {len(missing)} required setting(s):\n" + "\n".join(lines)
        )
    for name in settings:
        if name not in KNOWN_SETTINGS:
            hint = _closest(name)
            suggestion = f"; did you mean {hint}?" if hint else ""
            warnings.warn(
                f"{source}: setting {name} is not used by any script{suggestion}",
                UserWarning,
                stacklevel=3,
            )


def load_config(path: str | os.PathLike[str], required: Iterable[str] = ()) -> Config:
    """Load a config module, check it and resolve its paths.

    Args:
        path: the ``.py`` config file.
        required: settings the calling script cannot run without; all missing ones are
            reported in one error.

    Raises:
        ConfigError: the file is missing, fails to run, or lacks required settings.
    """
    config_file = Path(path).expanduser()
    if not config_file.is_file():
        raise ConfigError(f"config file not found: {config_file}")
    try:
        namespace = runpy.run_path(str(config_file))
    except Exception as exc:  # a broken config is a user error, not a crash
        raise ConfigError(f"config {config_file} failed to load: {exc!r}") from exc

    settings = {k: v for k, v in namespace.items() if k.isupper() and not k.startswith("_")}
    check_settings(settings, required, source=str(config_file))

    base = config_file.resolve().parent

    def resolve(value: str | os.PathLike[str]) -> str:
        return os.path.normpath(base / Path(value).expanduser())

    for name, value in settings.items():
        if not _is_path_setting(name):
            continue
        if isinstance(value, str | os.PathLike):
            settings[name] = resolve(value)
        elif isinstance(value, list | tuple) and all(
            isinstance(v, str | os.PathLike) for v in value
        ):  # several files, e.g. FEATURES_HDF5 for feature fusion
            settings[name] = [resolve(v) for v in value]
    if settings.get("OUTPUT_PATH") is None:
        settings["OUTPUT_PATH"] = str(Path.cwd() / DEFAULT_OUTPUT_PATH)
    return Config(settings, config_file)


def load_optional_config(path: str | os.PathLike[str] | None) -> Config:
    """``load_config(path)``, or an empty config (``OUTPUT_PATH`` = ``output/``) for
    scripts whose flags can say everything (``--config`` optional)."""
    if path is None:
        return Config({"OUTPUT_PATH": DEFAULT_OUTPUT_PATH})
    return load_config(path)
