"""Load the plain Python config modules that drive every script, checked against one table.

A config is a ``.py`` file of UPPER_CASE settings. One file serves every script. Every
setting any script reads is in :data:`SETTINGS`, with its type, allowed range, default and
meaning: nothing else in the project hard-codes a default, and ``cfg.get(NAME)`` falls back
to the table. A wrong value stops the script before it does any work, with one line that
names the setting, the value and what is expected; a setting that *no* script knows is most
likely a typo and earns a warning that names the closest known setting.

Example (not run by the tests: reads the repository's config/ folder):
    >>> cfg = load_config("config/dogs_vs_cats_config.py", overrides={"EPOCHS": 5})
    ... # doctest: +SKIP
    >>> cfg.EPOCHS, cfg.get("BATCH_SIZE")        # doctest: +SKIP
    (5, 128)

Paths (settings marked ``path`` in the table, and the weights files of ``WEIGHTS``) are
resolved against the config file's folder unless absolute; overrides (``--set``, flags)
against the current folder.
``python -m pyimagesearch.config`` prints the table as Markdown (docs/SETTINGS.md).
"""

from __future__ import annotations

import ast
import difflib
import os
import runpy
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.errors import ConfigError

DEFAULT_OUTPUT_PATH = "output"


# -- value checks ------------------------------------------------------------------------------
class Check:
    """Checks one setting's value: ``check(value)`` returns it (normalized) or raises
    ``ValueError`` whose text says what is expected."""

    expected = "a value"

    def __call__(self, value: Any) -> Any:
        return value

    def fail(self) -> None:
        raise ValueError(self.expected)

    def files(self, value: Any, resolve: Callable[[str], str]) -> Any:
        """``value`` with the file names it holds passed through ``resolve`` (a function of
        one path); a setting marked ``path`` in the table is one path or a list of paths,
        other checks say here which of their values name files (default: none)."""
        return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _is_number(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float | np.floating)


def _bound_text(
    low: float | None, high: float | None, open_low: bool = False, open_high: bool = False
) -> str:
    low_text, high_text = (f"{v:g}" if isinstance(v, float) else str(v) for v in (low, high))
    if low is not None and high is not None:
        return f" in {'(' if open_low else '['}{low_text}, {high_text}{')' if open_high else ']'}"
    if low is not None:
        return f" {'>' if open_low else '>='} {low_text}"
    if high is not None:
        return f" {'<' if open_high else '<='} {high_text}"
    return ""


class Int(Check):
    def __init__(self, low: int | None = None, high: int | None = None) -> None:
        self.low, self.high = low, high
        self.expected = "an int" + _bound_text(low, high)

    def __call__(self, value: Any) -> int:
        if not _is_int(value):
            self.fail()
        value = int(value)
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            self.fail()
        return value


class Float(Check):
    def __init__(
        self,
        low: float | None = None,
        high: float | None = None,
        open_low: bool = False,
        open_high: bool = False,
    ) -> None:
        self.low, self.high, self.open_low, self.open_high = low, high, open_low, open_high
        self.expected = "a number" + _bound_text(low, high, open_low, open_high)

    def __call__(self, value: Any) -> float:
        if not _is_number(value):
            self.fail()
        value = float(value)
        too_low = self.low is not None and (
            value <= self.low if self.open_low else value < self.low
        )
        too_high = self.high is not None and (
            value >= self.high if self.open_high else value > self.high
        )
        if too_low or too_high or np.isnan(value):
            self.fail()
        return value


class Bool(Check):
    expected = "True or False"

    def __call__(self, value: Any) -> bool:
        if not isinstance(value, bool | np.bool_):
            self.fail()
        return bool(value)


class Str(Check):
    def __init__(self, choices: Sequence[str] | None = None) -> None:
        self.choices = tuple(choices) if choices else None
        self.expected = (
            "one of " + ", ".join(repr(c) for c in self.choices) if self.choices else "a string"
        )

    def __call__(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail()
        if self.choices and value not in self.choices:
            self.fail()
        return value


class PathValue(Check):
    expected = "a path (string)"

    def __call__(self, value: Any) -> str:
        if not isinstance(value, str | os.PathLike) or not os.fspath(value).strip():
            self.fail()
        return os.fspath(value)


class Paths(Check):
    expected = "a path or a list of paths"

    def __call__(self, value: Any) -> str | list[str]:
        if isinstance(value, list | tuple):
            if not value:
                self.fail()
            return [PathValue()(v) for v in value]
        return PathValue()(value)


class Size(Check):
    expected = "a positive int or (width, height)"

    def __call__(self, value: Any) -> int | tuple[int, int]:
        if _is_int(value) and value > 0:
            return int(value)
        if (
            isinstance(value, tuple | list)
            and len(value) == 2
            and all(_is_int(v) and v > 0 for v in value)
        ):
            return int(value[0]), int(value[1])
        self.fail()


class SplitSize(Check):
    expected = "a count (int >= 0) or a fraction (float strictly between 0 and 1)"

    def __call__(self, value: Any) -> int | float:
        if _is_int(value) and value >= 0:
            return int(value)
        if isinstance(value, float | np.floating):
            if 0.0 < value < 1.0:
                return float(value)
            if float(value).is_integer() and value >= 1:  # 1.0, 250.0: a count or 100 %?
                raise ValueError(
                    f"{self.expected}; {value!r} is ambiguous: write {int(value)} for a count"
                )
        self.fail()


class Numbers(Check):
    def __init__(self, length: int | None = None, item: Float | None = None) -> None:
        self.length, self.item = length, item or Float()
        count = f"{length} " if length else ""
        self.expected = f"a list of {count}numbers ({self.item.expected.removeprefix('a ')})"

    def __call__(self, value: Any) -> tuple[float, ...]:
        if not isinstance(value, list | tuple | np.ndarray) or len(value) == 0:
            self.fail()
        if self.length is not None and len(value) != self.length:
            self.fail()
        try:
            return tuple(self.item(v) for v in value)
        except ValueError:
            self.fail()


class Names(Check):
    expected = "a list of names (strings)"

    def __call__(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
            self.fail()
        if not all(isinstance(v, str) and v.strip() for v in value):
            self.fail()
        return tuple(value)


class ColumnPair(Check):
    expected = "(file column, label column): two names or two positions"

    def __call__(self, value: Any) -> tuple:
        if not isinstance(value, list | tuple) or len(value) != 2:
            self.fail()
        names = all(isinstance(v, str) and v for v in value)
        positions = all(_is_int(v) and v >= 0 for v in value)
        if not (names or positions):
            self.fail()
        return tuple(value)


class Dict(Check):
    expected = "a dict"

    def __call__(self, value: Any) -> dict:
        if not isinstance(value, Mapping):
            self.fail()
        return dict(value)


class Either(Check):
    """The first of several checks that accepts the value."""

    def __init__(self, *checks: Check) -> None:
        self.checks = checks
        self.expected = " or ".join(c.expected for c in checks)

    def __call__(self, value: Any) -> Any:
        for check in self.checks:
            try:
                return check(value)
            except ValueError:
                continue
        self.fail()


IMAGENET = "imagenet"  # WEIGHTS: Keras downloads the ImageNet weights
NO_WEIGHTS_WORDS = frozenset({"", "none", "null", "random"})  # WEIGHTS: random weights


class Weights(Check):
    """``'imagenet'``, a word for no weights, a weights file, or ``{backbone: weights}``.

    >>> Weights().files({"VGG16": "vgg.h5", "ResNet50": "ImageNet"}, lambda p: "/w/" + p)
    {'VGG16': '/w/vgg.h5', 'ResNet50': 'ImageNet'}
    """

    expected = "'imagenet', None, a weights file path, or a dict {backbone: weights}"

    def __call__(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {Str()(k): self(v) for k, v in value.items()}
        return PathValue()(value)

    def files(self, value: Any, resolve: Callable[[str], str]) -> Any:
        """File names resolved; the words (``'imagenet'``, ``'none'``, ...) kept as written."""
        if isinstance(value, Mapping):
            return {name: self.files(v, resolve) for name, v in value.items()}
        if not isinstance(value, str | os.PathLike):
            return value
        word = os.fspath(value).strip().lower()
        return value if word == IMAGENET or word in NO_WEIGHTS_WORDS else resolve(value)


# -- the table ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    """One known setting: its check, default, meaning, and whether it names a file."""

    name: str
    check: Check
    default: Any
    help: str
    path: bool = False
    group: str = ""

    def default_value(self, output_path: str) -> Any:
        if isinstance(self.default, str) and "{OUTPUT_PATH}" in self.default:
            return os.path.normpath(self.default.replace("{OUTPUT_PATH}", output_path))
        return self.default

    def describe_default(self) -> str:
        if self.default is None:
            return "None"
        return repr(self.default).replace("'{OUTPUT_PATH}", "'OUTPUT_PATH")


_TABLE: list[Setting] = []


def _group(title: str, *rows: tuple) -> None:
    for name, check, default, meaning, *rest in rows:
        _TABLE.append(Setting(name, check, default, meaning, bool(rest and rest[0]), title))


POSITIVE = Int(1)
SEED = Int(0, 2**32 - 1)
FRACTION = Float(0.0, 1.0, open_low=True)
LEARNING_RATE = Float(0.0, 10.0, open_low=True)

# fmt: off
_group(
    "build_dataset.py",
    ("IMAGES_PATH", PathValue(), None, "folder of input images (Kaggle flat layout or one folder per class)", True),
    ("LABEL_SOURCE", Str(("filename", "folder", "mapping")), None, "'filename' (cat.0.jpg -> cat), 'folder' (the first folder under IMAGES_PATH) or 'mapping' (LABELS_FILE); None: LABELS_FILE when set, else from the layout"),
    ("LABELS_FILE", PathValue(), None, "CSV/TSV of file name -> label for IMAGES_PATH (Kaggle's labels.csv); files are matched by name, or by name without extension", True),
    ("LABELS_COLUMNS", ColumnPair(), (0, 1), "(file-name column, label column) of the label files: names (a header row) or positions from 0"),
    ("LABELS_DELIMITER", Str(), None, "the label files' delimiter; None: a tab for .tsv/.txt, a comma otherwise"),
    ("LABELS_HEADER", Bool(), None, "whether the label files' first row is a header; None: when LABELS_COLUMNS are names"),
    ("VAL_FOLDER", PathValue(), None, "a validation split given as a folder (instead of NUM_VAL_IMAGES carved from IMAGES_PATH)", True),
    ("VAL_LABELS_FILE", PathValue(), None, "labels of VAL_FOLDER (Tiny ImageNet's val_annotations.txt)", True),
    ("TEST_FOLDER", PathValue(), None, "a test split given as a folder (instead of NUM_TEST_IMAGES carved from IMAGES_PATH)", True),
    ("TEST_LABELS_FILE", PathValue(), None, "labels of TEST_FOLDER", True),
    ("EXCLUDE_LIST", PathValue(), None, "a text file of image paths to leave out, one a line ('# reason' after it allowed): audit_dataset.py writes exclusions.txt", True),
    ("RESIZE", Str(("aspect", "plain")), "aspect", "'aspect': the largest centered region of IMAGE_SIZE's shape, resized (the book's); 'plain': the whole image resized"),
    ("NUM_CLASSES", Int(2), None, "expected number of classes, checked against the data; None: no check"),
    ("NUM_VAL_IMAGES", SplitSize(), None, "validation split: a count (int) or a fraction (0-1); 0: no validation split"),
    ("NUM_TEST_IMAGES", SplitSize(), None, "test split: a count (int) or a fraction (0-1)"),
    ("TRAIN_HDF5", PathValue(), None, "HDF5 file of the training split", True),
    ("VAL_HDF5", PathValue(), None, "HDF5 file of the validation split", True),
    ("TEST_HDF5", PathValue(), None, "HDF5 file of the test split", True),
    ("DATASET_MEAN", PathValue(), None, "JSON file of the training split's RGB mean", True),
    ("OUTPUT_PATH", PathValue(), DEFAULT_OUTPUT_PATH, "folder for reports, plots and models (relative: to the working folder when not set)", True),
    ("IMAGE_SIZE", Size(), 256, "side (int) or (width, height) of the stored images"),
    ("STORAGE", Str(("raw", "jpeg")), "raw", "how image rows are stored: 'raw' (uint8 pixels, 196,608 bytes at 256x256) or 'jpeg' (the resized image encoded at JPEG_QUALITY, about 1/11 of raw at 90; decoded by every reader, the mean from the decoded pixels)"),
    ("JPEG_QUALITY", Int(1, 100), 90, "JPEG quality of the rows when STORAGE = 'jpeg' (OpenCV's 1-100)"),
    ("RANDOM_SEED", SEED, 42, "seed of splits, shuffles, augmentation and weight initialisation"),
    ("BUILD_WORKERS", POSITIVE, None, "decoding threads; None: one per core"),
    ("SHARDS", Int(1, 99999), 1, "files each split is written as (train-00000-of-00004.hdf5 ...), one writer process each, read as one through an index at the split's name (TRAIN_HDF5 ...); 1: one file a split"),
    ("BUFFER_SIZE", POSITIVE, 1000, "rows buffered in memory between HDF5 writes"),
    ("OVERWRITE", Bool(), False, "replace existing outputs without --overwrite (only once the new ones are complete)"),
)
_group(
    "audit_dataset.py",
    ("AUDIT_HAMMING", Int(0, 64), 6, "most bits two perceptual hashes may differ in and still count as near-duplicates"),
    ("AUDIT_COSINE", Float(0.0, 1.0, open_low=True), 0.97, "least cosine similarity of two images' features to count as near-duplicates (with features)"),
    ("AUDIT_FOLDS", Int(2, 20), 5, "folds of the cross-validated classifier that judges labels (out-of-fold: no image judges itself)"),
    ("AUDIT_TOP", POSITIVE, 32, "images per contact sheet and per ranked finding shown"),
    ("AUDIT_OUTLIER_Z", Float(0.0, 100.0, open_low=True), 3.5, "least modified z-score (0.6745 (d - median) / MAD) of an image's cosine distance d to the nearest class centre in feature space for the audit to call it an outlier (with features)"),
)
_group(
    "train.py / train_alexnet.py / evaluate.py",
    ("NETWORK", Str(), "AlexNet", "the network to train: ShallowNet, LeNet, MiniVGGNet, AlexNet, MiniGoogLeNet, DeeperGoogLeNet, ResNet"),
    ("NETWORK_ARGS", Dict(), None, "extra arguments of the network's build(), e.g. {'stages': (9, 9, 9), 'filters': (64, 64, 128, 256)}"),
    ("OPTIMIZER", Str(("adam", "sgd", "adamw")), "adam", "'adam', 'sgd' (with MOMENTUM and NESTEROV), or 'adamw' (Keras' AdamW: WEIGHT_DECAY as decoupled weight decay, no L2 in the layers)"),
    ("MOMENTUM", Float(0.0, 0.999), 0.9, "SGD momentum"),
    ("NESTEROV", Bool(), False, "Nesterov momentum for SGD"),
    ("LR_SCHEDULE", Str(("poly", "step", "one_cycle", "cosine")), None, "learning-rate schedule: 'poly' (polynomial decay to 0 at EPOCHS), 'step' (LR_STEP_FACTOR every LR_STEP_EVERY epochs), 'one_cycle' (up to LEARNING_RATE and down, per batch), 'cosine' (Keras' CosineDecay per batch to 0 at EPOCHS, after WARMUP_EPOCHS of linear warm-up); None: constant"),
    ("WARMUP_EPOCHS", Int(0), 0, "epochs of linear warm-up from 0 to LEARNING_RATE, per batch, before the cosine decay (LR_SCHEDULE = 'cosine'); fewer than EPOCHS"),
    ("LR_POWER", Float(0.0, 10.0, open_low=True), 1.0, "power of the polynomial decay (1: linear)"),
    ("LR_STEP_EVERY", POSITIVE, 10, "epochs between two steps of the step schedule"),
    ("LR_STEP_FACTOR", Float(0.0, 1.0, open_low=True), 0.25, "factor applied at each step of the step schedule"),
    ("CLASS_WEIGHT", Str(("balanced",)), None, "'balanced': weight each class by the inverse of its share of the training labels; None: equal"),
    ("MIXED_PRECISION", Bool(), False, "float16 computations on a GPU (ignored, with a note, on a CPU)"),
    ("CHECKPOINT_EVERY", POSITIVE, 1, "epochs between two checkpoints"),
    ("EARLY_STOPPING", POSITIVE, None, "stop after this many epochs without a better EARLY_STOPPING_MONITOR (Keras' EarlyStopping; MODEL_PATH is the best epoch either way); None: train all EPOCHS"),
    ("EARLY_STOPPING_MONITOR", Str(), None, "what early stopping watches: a curve of the history (val_loss, val_accuracy, val_crossentropy, loss, ...); None: what picks the best epoch (val_loss, or loss without a validation split)"),
    ("REDUCE_LR_ON_PLATEAU", POSITIVE, None, "multiply the learning rate by REDUCE_LR_FACTOR after this many epochs without a lower val_loss (loss without a validation split) (Keras' ReduceLROnPlateau); None: off; not with an LR_SCHEDULE"),
    ("REDUCE_LR_FACTOR", Float(0.0, 1.0, open_low=True, open_high=True), 0.1, "factor of each REDUCE_LR_ON_PLATEAU reduction"),
    ("REDUCE_LR_MIN", Float(0.0), 0.0, "lowest learning rate REDUCE_LR_ON_PLATEAU reduces to"),
    ("TENSORBOARD", Bool(), False, "write TensorBoard logs (every curve, the learning rate, the settings as hyperparameters) into the run folder's tensorboard/ (outside a run: OUTPUT_PATH/tensorboard/<network>-<date-time>); view them with tensorboard --logdir OUTPUT_PATH/runs"),
    ("LR_FINDER_RANGE", Numbers(2, Float(0.0, 100.0, open_low=True)), (1e-7, 1.0), "(lowest, highest) learning rate tried by train.py --find-lr"),
    ("LR_FINDER_STEPS", Int(20), 100, "batches of train.py --find-lr, each at a higher rate (the training batches repeat when there are fewer)"),
    ("MODEL_PATH", PathValue(), None, "the trained model (.keras): the best epoch by validation loss, without optimizer state", True),
    ("CHECKPOINT_PATH", PathValue(), "{OUTPUT_PATH}/checkpoints", "folder of the per-epoch checkpoints (with optimizer state, for --resume)", True),
    ("CHECKPOINTS_KEEP", POSITIVE, 2, "checkpoints kept: older ones are removed once a newer one is complete"),
    ("EPOCHS", POSITIVE, 75, "training epochs"),
    ("BATCH_SIZE", POSITIVE, 128, "training batch size"),
    ("LEARNING_RATE", LEARNING_RATE, 1e-3, "the optimizer's (initial, or with one_cycle peak) learning rate"),
    ("INPUT_SIZE", POSITIVE, 227, "network input side: random patches of this size in training (AlexNet: at least 63; equal to IMAGE_SIZE: whole images)"),
    ("AUGMENTATION", Either(Str(("book", "strong")), Dict()), None, "augmentation: a dict of BatchAugmenter settings (rotation_range, zoom_range, width_shift_range, height_shift_range, shear_range, horizontal_flip, fill_mode, brightness_range, contrast_range, saturation_range, erasing_share, erasing_area), 'book': the book's (20 degrees, zoom 0.15, shifts 0.2, shear 0.15 rad, flips), or 'strong': the book's with colour jitter (brightness, contrast, saturation 0.4) and random erasing (a quarter of the images, 2-33 % of the patch); None: none"),
    ("WEIGHT_DECAY", Float(0.0), 0.0002, "L2 regularization strength in the layers; with OPTIMIZER = 'adamw': AdamW's decoupled weight decay instead (the layers then get no L2)"),
    ("LABEL_SMOOTHING", Float(0.0, 1.0, open_high=True), 0.0, "label smoothing of the cross-entropy loss (Keras' label_smoothing: targets y (1 - s) + s / classes); 0: none"),
    ("MIXUP_ALPHA", Float(0.0, open_low=True), None, "mixup: each mixed batch is lam x batch + (1 - lam) x the batch shuffled, labels alike, lam ~ Beta(alpha, alpha) per batch (in the loader); None: off"),
    ("MIXUP_SHARE", FRACTION, None, "share of the training batches mixup mixes; None: all of them, or half with CUTMIX_ALPHA also set"),
    ("CUTMIX_ALPHA", Float(0.0, open_low=True), None, "CutMix: each mixed batch gets one box of the batch shuffled pasted in, labels mixed by the box's exact area share, box area ~ Beta(alpha, alpha) per batch (in the loader); None: off"),
    ("CUTMIX_SHARE", FRACTION, None, "share of the training batches CutMix mixes; None: all of them, or half with MIXUP_ALPHA also set"),
    ("EMA_DECAY", Float(0.0, 1.0, open_low=True, open_high=True), None, "keep an exponential moving average of the weights (the optimizer's use_ema, ema_momentum = EMA_DECAY): validation, the best epoch and MODEL_PATH use the averaged weights, checkpoints keep both; None: off"),
    ("GRADIENT_CLIP", Float(0.0, open_low=True), None, "clip each weight's gradient to this L2 norm (the optimizer's clipnorm); None: no clipping"),
    ("DENSE_UNITS", POSITIVE, 4096, "units of AlexNet's fully connected layers"),
    ("DROPOUT", Numbers(2, Float(0.0, 0.99)), (0.25, 0.5), "dropout rates (conv blocks, dense blocks)"),
    ("WORKERS", POSITIVE, None, "loader threads of training; None: min(8, cores)"),
    ("SHUFFLE", Str(("random", "block")), "random", "training's read order each epoch: 'random' (every row anywhere) or 'block' (runs of SHUFFLE_BLOCK consecutive rows in a random order, shuffled again within SHUFFLE_WINDOW blocks: near-sequential reads of a set larger than memory); seeded by RANDOM_SEED and the epoch"),
    ("SHUFFLE_BLOCK", POSITIVE, 256, "rows of one block of SHUFFLE = 'block'"),
    ("SHUFFLE_WINDOW", POSITIVE, 8, "blocks shuffled together with SHUFFLE = 'block' (a batch draws from SHUFFLE_BLOCK x SHUFFLE_WINDOW consecutive rows)"),
    ("BACKEND", Str(("tensorflow", "jax", "torch")), None, "the Keras backend every script runs on (applied before Keras is imported; its package must be installed: README); None: KERAS_BACKEND, else 'tensorflow'"),
    ("STRATEGY", Str(("mirrored", "multi_worker")), None, "distribution: 'mirrored' (every visible GPU of this machine: tf.distribute on TensorFlow, keras.distribution's DataParallel on JAX), 'multi_worker' (several processes or machines, JAX only: keras.distribution, the cluster from DISTRIBUTION_* or KERAS_DISTRIBUTION_*; docs/TRAINING.md); None: one device"),
    ("DISTRIBUTION_JOB_ADDRESSES", Str(), None, "multi_worker: the coordinator's host:port (process 0), as Keras' KERAS_DISTRIBUTION_JOB_ADDRESSES; None: that variable"),
    ("DISTRIBUTION_NUM_PROCESSES", Int(1), None, "multi_worker: the number of processes, as KERAS_DISTRIBUTION_NUM_PROCESSES; None: that variable"),
    ("DISTRIBUTION_PROCESS_ID", Int(0), None, "multi_worker: this process's id (0: the coordinator, which alone writes files), as KERAS_DISTRIBUTION_PROCESS_ID; None: that variable"),
    ("DISTRIBUTION_TIMEOUT", Int(5, 3600), 60, "multi_worker: seconds a process waits for the others to join at start, and after which a lost process ends the others"),
    ("EVAL_BATCH_SIZE", POSITIVE, 256, "network inputs per predict call in evaluate.py"),
    ("EVAL_BACKBONE_BATCH", POSITIVE, None, "most images of one backbone call of a model on features (logistic regression, head) in evaluate.py, diagnose.py and predict.py: a call's memory grows with it (MobileNetV2 at 224 px on a CPU: about 19 MB an image); None: as many as make 4 images of 224x224 (196 at 32 px); on a GPU, larger calls (e.g. 256) use it better"),
    ("MEAN_IN_MODEL", Bool(), True, "subtract the mean inside the model: uint8 batches, the fastest feeding measured (CPU and GPU); False: float32 batches, mean subtracted by the loader"),
)
_group(
    "extract_features.py / train_logreg.py / train_head.py / predict.py",
    ("FEATURES_SOURCE", Str(("splits", "images")), None, "what extract_features.py reads: 'splits' (the builder's train/val/test files, so every model is tested on the same images) or 'images' (IMAGES_PATH); None: the splits when they exist"),
    ("FEATURES_HDF5", Paths(), None, "features file(s) (a list: feature fusion); None: features_<backbone>.hdf5 in OUTPUT_PATH", True),
    ("TEST_FEATURES_HDF5", Paths(), None, "held-out features; None: a seeded stratified split (LOGREG_TEST_SIZE)", True),
    ("BACKBONE", Str(), "ResNet50", "keras.applications backbone name"),
    ("BACKBONES", Names(), None, "backbone names for feature fusion (one features file each)"),
    ("WEIGHTS", Weights(), "imagenet", "'imagenet', None (random), a weights file, or {backbone: weights}"),
    ("FEATURE_IMAGE_SIZE", Int(32), None, "input side for feature extraction and fine-tuning; None: the backbone's own"),
    ("FEATURE_BATCH_SIZE", POSITIVE, 32, "images per batch through the backbone"),
    ("SPLIT_AT", Str(), None, "layer whose output extract_features.py --activations stores (spatial activations, for fine_tune.py --from-activations), or a block prefix (e.g. 'block_16_') to split just before that block; None: just before the backbone's last block"),
    ("ACTIVATIONS_HDF5", PathValue(), "{OUTPUT_PATH}/activations.hdf5", "activations file written by extract_features.py --activations and read by fine_tune.py --from-activations", True),
    ("ACTIVATIONS_DTYPE", Str(("float16", "float32")), "float16", "storage type of the activations (float16: half the disk, within 1e-3 relative)"),
    ("LOGREG_MODEL_PATH", PathValue(), "{OUTPUT_PATH}/logreg.skops", "logistic-regression classifier", True),
    ("LOGREG_REPORT", PathValue(), "{OUTPUT_PATH}/logreg_report.json", "JSON report of train_logreg.py", True),
    ("LOGREG_C_GRID", Numbers(None, Float(0.0, open_low=True)), (0.0001, 0.001, 0.01, 0.1, 1.0, 10.0, 100.0), "values of C searched"),
    ("LOGREG_C", Float(0.0, open_low=True), None, "a fixed C (search.py sets it); None: the best of LOGREG_C_GRID by cross-validation"),
    ("LOGREG_PENALTY", Str(("l2", "l1")), "l2", "penalty of the logistic regression ('l1': sparse weights)"),
    ("LOGREG_TEST_SIZE", Float(0.0, 0.99, open_low=True), 0.25, "held-out fraction when no TEST_FEATURES_HDF5 is given"),
    ("HEAD_MODEL_PATH", PathValue(), "{OUTPUT_PATH}/head.keras", "Keras head trained on features", True),
    ("HEAD_EPOCHS", POSITIVE, 30, "most epochs of the head (early stopping)"),
    ("HEAD_LEARNING_RATE", LEARNING_RATE, 1e-3, "Adam learning rate of the head"),
    ("HEAD_DROPOUT", Float(0.0, 0.99), 0.5, "dropout rate on the features (and on the hidden layer) of the head"),
    ("HEAD_UNITS", Int(0), 0, "units of a hidden ReLU layer of the head; 0: none (dropout, then the output layer)"),
    ("HEAD_BATCH_SIZE", POSITIVE, 64, "feature rows per batch of the head"),
    ("HEAD_VAL_SPLIT", Float(0.0, 0.9, open_low=True), 0.1, "validation fraction of the head's training rows"),
    ("TEST_IMAGES_PATH", PathValue(), None, "unlabeled Kaggle-style test folder (1.jpg ... 12500.jpg)", True),
    ("SUBMISSION_PATH", PathValue(), "{OUTPUT_PATH}/submission.csv", "submission CSV written by predict.py", True),
    ("CLIP_RANGE", Numbers(2, Float(0.0, 1.0)), (0.005, 0.995), "(low, high) clipping of submitted probabilities"),
    ("POSITIVE_CLASS", Str(), "dog", "class whose probability is submitted"),
)
_group(
    "search.py",
    ("SEARCH_MODEL", Str(("head", "logreg", "network")), "head", "what search.py tunes: 'head' (train_head.py's settings on the features), 'logreg' (train_logreg.py's), or 'network' (train.py's training settings, SEARCH_EPOCHS each)"),
    ("SEARCH_SPACE", Dict(), None, "settings searched and their ranges: ('log', low, high) log-uniform, (low, high) or ('float', low, high) uniform, ('int', low, high) integers, [a, b, ...] choices; e.g. {'HEAD_LEARNING_RATE': ('log', 1e-4, 1e-1), 'HEAD_UNITS': [0, 256]}; None: the model's default space (docs/EXPERIMENTS.md)"),
    ("SEARCH_TRIALS", POSITIVE, 30, "trials of search.py (each a run of its own)"),
    ("SEARCH_EPOCHS", POSITIVE, 5, "epochs of each trial of a network search (a short budget; the best settings are then trained for EPOCHS)"),
    ("SEARCH_PRUNING", Bool(), True, "stop a head or network trial after an epoch whose validation loss is worse than the median of earlier trials at that epoch"),
)
_group(
    "fine_tune.py",
    ("FINE_TUNE_MODEL_PATH", PathValue(), "{OUTPUT_PATH}/fine_tuned.keras", "fine-tuned Keras model", True),
    ("FINE_TUNE_LAYERS", Either(POSITIVE, Str()), None, "first backbone layer (name prefix) or count of last layers to train; None: the backbone's last block"),
    ("FINE_TUNE_HEAD_EPOCHS", POSITIVE, 10, "epochs of the head alone, backbone frozen"),
    ("FINE_TUNE_EPOCHS", POSITIVE, 10, "epochs after unfreezing"),
    ("FINE_TUNE_LEARNING_RATE", LEARNING_RATE, 1e-4, "the learning rate after unfreezing (FINE_TUNE_RECIPE = 'recipe' with LR_SCHEDULE = 'cosine': the peak)"),
    ("FINE_TUNE_RECIPE", Str(("book", "recipe")), "book", "fine-tuning's optimizer after unfreezing: 'book' (SGD at FINE_TUNE_LEARNING_RATE, momentum 0.9; the recipe settings are not read), or 'recipe': the training recipe's (OPTIMIZER, MOMENTUM, NESTEROV, WEIGHT_DECAY as AdamW's decay only, LR_SCHEDULE 'cosine' or None with WARMUP_EPOCHS over FINE_TUNE_EPOCHS, GRADIENT_CLIP, EMA_DECAY) at FINE_TUNE_LEARNING_RATE, and LABEL_SMOOTHING in both stages' loss; the head stage keeps RMSprop 1e-3, mixup and CutMix are not applied"),
    ("FINE_TUNE_BATCH_SIZE", POSITIVE, 32, "fine-tuning batch size"),
    ("FINE_TUNE_VAL_SPLIT", Float(0.0, 0.9, open_low=True), 0.2, "validation fraction of the images"),
)
_group(
    "diagnose.py / cam.py / show_batch.py",
    ("DIAGNOSE_SPLIT", Str(("train", "val", "test")), "test", "the builder's split diagnose.py looks at (--split)"),
    ("DIAGNOSE_TOP", POSITIVE, 16, "top-loss images shown by diagnose.py (-n)"),
    ("CAM_IMAGES", POSITIVE, 16, "images of a split in cam.py's grid (-n)"),
    ("CAM_LAYER", Str(), None, "the convolution whose activation map cam.py shows (--layer); None: the last one"),
    ("CAM_SELECT", Str(("errors", "first", "random")), "errors", "which images of a split cam.py shows (--select): 'errors' (the highest losses: the model's mistakes, worst first), 'first' (the split's first rows) or 'random' (seeded by RANDOM_SEED)"),
    ("SHOW_BATCH_SPLIT", Str(("train", "val", "test")), "train", "the builder's split show_batch.py shows (--split)"),
    ("SHOW_BATCH_IMAGES", POSITIVE, 32, "images in show_batch.py's grid (-n)"),
)
_group(
    "export.py",
    ("EXPORT_FORMAT", Str(("saved_model", "onnx", "litert")), "saved_model", "what export.py writes: 'saved_model' (a TensorFlow SavedModel folder with a serving signature), 'onnx' (model.onnx, for onnxruntime), 'litert' (model.tflite, for the LiteRT interpreter); each takes uint8 RGB images of the model's IMAGE_SIZE, its preprocessing inside"),
    ("EXPORT_PATH", PathValue(), None, "folder export.py writes (the artifact, labels.txt, export.json); None: OUTPUT_PATH/export/<model file name>-<format>", True),
    ("EXPORT_TOLERANCE", Float(0.0, 1.0, open_low=True), None, "largest difference of any probability between the export (in its runtime) and the model (load_classifier) that the parity check accepts; beyond it the export fails and nothing is written; None: 1e-4 for every format (all float32; measured: docs/PERFORMANCE.md)"),
    ("EXPORT_IMAGES", PathValue(), None, "real images of the parity check: a builder HDF5 file or a folder of photos; None: the test split (TEST_HDF5 of the config, else of the model's record)", True),
    ("EXPORT_PARITY_IMAGES", POSITIVE, 32, "images of the parity check, spread evenly over EXPORT_IMAGES"),
)
_group(
    "demo.py",
    ("DEMO_IMAGES_PER_CLASS", POSITIVE, 200, "synthetic images per class drawn for the demo"),
    ("DEMO_CLASSES", Names(), ("cat", "dog"), "class names of the synthetic demo dataset"),
)
# fmt: on

SETTINGS: dict[str, Setting] = {s.name: s for s in _TABLE}
# The builder's split files, by split name.
SPLIT_SETTINGS: dict[str, str] = {"train": "TRAIN_HDF5", "val": "VAL_HDF5", "test": "TEST_HDF5"}
# kept for callers that only want the meanings
KNOWN_SETTINGS: dict[str, str] = {s.name: s.help for s in _TABLE}
# What decides the images a build's files hold: the builder's settings but where its files
# go and how it ran. The builder records their values in the files, so that a later run
# shows the data as it was built, not the current config's values.
DATA_SETTINGS: tuple[str, ...] = tuple(
    s.name for s in _TABLE
    if s.group == "build_dataset.py" and s.name not in (
        *SPLIT_SETTINGS.values(), "DATASET_MEAN", "OUTPUT_PATH", "BUILD_WORKERS",
        "SHARDS", "BUFFER_SIZE", "OVERWRITE")
)  # fmt: skip
# Kinds of run (run.json's "script") that read the groups of other scripts, besides the
# groups whose titles name their own script; and those that read the builder's files.
_ALSO_READS = {
    "find_lr": ("train.py",),
    "fine_tune": ("extract_features.py",),
    "search": ("train.py", "train_logreg.py"),
    "search_trial": ("train.py", "train_logreg.py"),
}
_READ_SPLITS = {"train", "train_alexnet", "find_lr", "evaluate", "fine_tune", "diagnose", "cam",
                "show_batch", "search", "search_trial"}  # fmt: skip
_EVERY_RUN = ("OUTPUT_PATH", "RANDOM_SEED")


def run_settings(kind: str) -> list[str]:
    """The settings a kind of run reads (``"train_logreg"``, ``"evaluate"``, ...), in table
    order: the groups whose titles name its script (or that it also reads), the builder's
    files where it reads them, ``OUTPUT_PATH`` and ``RANDOM_SEED``; every setting for a
    kind the table does not know.

    >>> "NETWORK" in run_settings("train"), "NETWORK" in run_settings("train_logreg")
    (True, False)
    >>> "LOGREG_C_GRID" in run_settings("train_logreg"), len(run_settings("?")) == len(SETTINGS)
    (True, True)
    """
    scripts = {f"{kind}.py", *_ALSO_READS.get(kind, ())}
    groups = {s.group for s in _TABLE if scripts & set(s.group.split(" / "))}
    if not groups:
        return list(SETTINGS)
    files = (*SPLIT_SETTINGS.values(), "DATASET_MEAN") if kind in _READ_SPLITS else ()
    return [s.name for s in _TABLE
            if s.group in groups or s.name in (*files, *_EVERY_RUN)]  # fmt: skip


class UnknownSettingError(LookupError):
    """Library code asked for a setting the table does not have: a bug in that code, not a
    user's mistake (a typo in a config file only earns a warning, see
    :func:`check_settings`)."""


def _closest(name: str) -> str | None:
    matches = difflib.get_close_matches(name, SETTINGS, n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_setting(name: str) -> UnknownSettingError:
    hint = _closest(name)
    return UnknownSettingError(
        f"no setting is called {name!r} in the table of pyimagesearch/config.py"
        + (f"; did you mean {hint}?" if hint else "")
    )


def setting(name: str) -> Setting:
    """The table's row for ``name``.

    >>> setting("EPOCHS").default
    75

    Raises:
        UnknownSettingError: a name no script knows (with the closest one).
    """
    if name not in SETTINGS:
        raise unknown_setting(name)
    return SETTINGS[name]


def default(name: str) -> Any:
    """The table's default of a setting (for a function's default argument, so that no
    other module repeats it).

    >>> default("BUFFER_SIZE")
    1000
    """
    return setting(name).default


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(name: str, value: Any, source: str = "the config") -> Any:
    """``value`` checked (and normalized) against the table; None always passes (= default).

    Raises:
        ConfigError: one line naming the setting, the value and what is expected.
    """
    if value is None or name not in SETTINGS:
        return value
    try:
        return SETTINGS[name].check(value)
    except ValueError as exc:
        raise ConfigError(f"{name} = {_shown(value)} in {source}: expected {exc}") from None


# -- the config object -------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """A setting's value in JSON-friendly types (tuples as lists, other objects as text).

    >>> plain({"zoom_range": (0.1, 0.2), "seed": np.int64(3)})
    {'zoom_range': [0.1, 0.2], 'seed': '3'}
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


class Config:
    """Read-only view of a config's settings, falling back to the table's defaults.

    ``cfg.NAME`` is the setting or its default, and a :class:`ConfigError` naming the file
    when it is None (never a bare ``AttributeError``); ``cfg.get(NAME)`` is the setting,
    its default, or None. Values come back as the table types them (an ``Int`` setting
    written ``5`` or ``np.int64(5)`` is the int 5, a ``Float`` written ``1`` is 1.0), so
    callers need no ``int(...)``. A name that is not in the table raises
    :class:`UnknownSettingError`: library code with a typo fails loudly.

    >>> cfg = Config({"EPOCHS": 5, "LEARNING_RATE": 1})
    >>> cfg.EPOCHS, cfg.get("LEARNING_RATE"), cfg.get("BATCH_SIZE")
    (5, 1.0, 128)
    >>> cfg.get("EPOCH")
    Traceback (most recent call last):
    ...
    pyimagesearch.config.UnknownSettingError: no setting is called 'EPOCH' in the table of pyimagesearch/config.py; did you mean EPOCHS?
    """

    def __init__(
        self, settings: Mapping[str, Any], source: Path | None = None, cwd_output: bool = False
    ) -> None:
        checked = {name: validate(name, value) for name, value in settings.items()}
        object.__setattr__(self, "_settings", checked)
        object.__setattr__(self, "source", source)
        # OUTPUT_PATH set by neither the config nor --set: output/ in the working folder
        object.__setattr__(self, "cwd_output", cwd_output)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = self.get(name)
        if value is None:
            where = f" in {self.source}" if self.source else ""
            raise ConfigError(
                f"setting {name} is missing{where}; add `{name} = ...` to the config "
                f"or pass --set {name}=..."
            )
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Config is read-only; use cfg.replace(NAME=value)")

    def __contains__(self, name: str) -> bool:
        """Whether the config itself sets ``name`` to a value (not None)."""
        setting(name)
        return self._settings.get(name) is not None

    def get(self, name: str) -> Any:
        """The setting, or the table's default when the config does not set it. A setting
        written ``= None`` stays None (``WEIGHTS = None``: random weights). Defaults
        inside ``OUTPUT_PATH`` are resolved against it.

        Raises:
            UnknownSettingError: ``name`` is not in the table.
        """
        if name not in SETTINGS:
            raise unknown_setting(name)
        if name in self._settings:
            return self._settings[name]
        output = self._settings.get("OUTPUT_PATH") or DEFAULT_OUTPUT_PATH
        return SETTINGS[name].default_value(str(output))

    def replace(self, **overrides: Any) -> Config:
        """A copy with some settings replaced, each checked against the table. ``None`` is
        a value like any other (``AUGMENTATION=None``: no augmentation); to apply only the
        command-line flags that were given, use :meth:`with_flags`. Paths are taken as
        given (relative to the current folder), as a command-line flag would be."""
        merged = dict(self._settings)
        for name, value in overrides.items():
            merged[name] = validate(name, value, "the command line")
        return Config(merged, self.source, self.cwd_output and "OUTPUT_PATH" not in overrides)

    def with_flags(self, **flags: Any) -> Config:
        """:meth:`replace` with the flags that were given (None: not given, ignored)."""
        return self.replace(**{name: value for name, value in flags.items() if value is not None})

    def require(self, names: Iterable[str]) -> Config:
        """Raise one ConfigError naming every setting of ``names`` that has no value."""
        missing = [name for name in names if self.get(name) is None]
        if missing:
            raise missing_settings_error(missing, str(self.source or "the command line"))
        return self

    def as_dict(self) -> dict[str, Any]:
        return dict(self._settings)

    def snapshot(self) -> dict[str, Any]:
        """The settings as used, in JSON-friendly values, with the config file's path."""
        return {"source": str(self.source) if self.source else None, **plain(self._settings)}

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

    def split_path(self, split: str) -> str:
        """The file of one of the builder's splits (``"train"``, ``"val"``, ``"test"``).

        >>> Config({"TEST_HDF5": "/data/test.hdf5"}).split_path("test")
        '/data/test.hdf5'

        Raises:
            ConfigError: the split's setting is not set.
        """
        name = SPLIT_SETTINGS[split]
        path = self.get(name)
        if path is None:
            where = f" in {self.source}" if self.source else ""
            raise ConfigError(f"the {split} split needs {name}{where} (the builder's file)")
        return path

    def output_path(self, *parts: str) -> Path:
        """``OUTPUT_PATH`` joined with ``parts``; the folder is created."""
        base = Path(self.get("OUTPUT_PATH"))
        base.mkdir(parents=True, exist_ok=True)
        return base.joinpath(*parts)

    def __repr__(self) -> str:
        return f"Config({self.source}, {sorted(self._settings)})"


def missing_settings_error(missing: Sequence[str], source: str) -> ConfigError:
    """One error naming every missing required setting (first line: their names)."""
    lines = [f"  {name}: {KNOWN_SETTINGS.get(name, '')}".rstrip(": ") for name in missing]
    return ConfigError(
        f"{source} is missing {len(missing)} required setting(s): {', '.join(missing)}\n"
        + "\n".join(lines)
    )


def check_settings(
    settings: dict[str, Any], required: Iterable[str] = (), source: str = "the config"
) -> dict[str, Any]:
    """Check every known setting's value, name every missing required one in one error, and
    warn on unknown names; return the settings with their values normalized."""
    checked = {name: validate(name, value, source) for name, value in settings.items()}
    missing = [name for name in required if checked.get(name) is None]
    if missing:
        raise missing_settings_error(missing, source)
    for name in settings:
        if name not in SETTINGS:
            hint = _closest(name)
            suggestion = f"; did you mean {hint}?" if hint else ""
            warnings.warn(
                f"{source}: setting {name} is not used by any script{suggestion}",
                UserWarning,
                stacklevel=3,
            )
    return checked


def parse_override(text: str) -> tuple[str, Any]:
    """``"KEY=VALUE"`` from ``--set`` as ``(KEY, value)``: the value as a Python literal
    (``64``, ``0.1``, ``None``, ``(0.005, 0.995)``), or as a plain string.

    >>> parse_override("EPOCHS=5"), parse_override("BACKBONE=VGG16")
    (('EPOCHS', 5), ('BACKBONE', 'VGG16'))

    Raises:
        ConfigError: no ``=``, or a name that no script knows (with the closest one).
    """
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ConfigError(f"--set {text!r}: expected KEY=VALUE, e.g. --set EPOCHS=5")
    if name not in SETTINGS:
        hint = _closest(name)
        raise ConfigError(
            f"--set {name}: no script knows this" + (f"; did you mean {hint}?" if hint else "")
        )
    return name, command_line_paths(name, parse_value(raw))


def parse_value(raw: str) -> Any:
    """A value typed on the command line: a Python literal, or else the plain string.

    >>> parse_value("3"), parse_value("(0.01, 0.99)"), parse_value("block5_")
    (3, (0.01, 0.99), 'block5_')
    """
    try:
        return ast.literal_eval(raw.strip())
    except (ValueError, SyntaxError):
        return raw.strip()


def _absolute(value: str | os.PathLike[str]) -> str:
    return str(Path(value).expanduser().absolute())


def command_line_paths(name: str, value: Any) -> Any:
    """A value given on the command line (``--set``, a flag) with the file names it holds
    made absolute against the current folder, as a config file's are against its folder:
    a path setting given as one path, or the files of ``WEIGHTS`` (not its words).

    >>> command_line_paths("WEIGHTS", "imagenet"), command_line_paths("EPOCHS", 5)
    ('imagenet', 5)
    """
    row = setting(name)
    if row.path:
        return _absolute(value) if isinstance(value, str) else value
    return row.check.files(value, _absolute)


def _resolve_paths(settings: dict[str, Any], base: Path) -> None:
    """A config file's relative file names, against its folder (``base``)."""

    def resolve(value: str | os.PathLike[str]) -> str:
        return os.path.normpath(base / Path(value).expanduser())

    for name, value in settings.items():
        if name not in SETTINGS:
            continue
        if not SETTINGS[name].path:
            settings[name] = SETTINGS[name].check.files(value, resolve)
        elif isinstance(value, str | os.PathLike):
            settings[name] = resolve(value)
        elif isinstance(value, list | tuple):  # several files, e.g. feature fusion
            settings[name] = [resolve(v) for v in value]


def load_config(
    path: str | os.PathLike[str] | None,
    required: Iterable[str] = (),
    overrides: Mapping[str, Any] | Sequence[str] | None = None,
) -> Config:
    """Load a config module (or none), apply overrides, check everything, resolve paths.

    Args:
        path: the ``.py`` config file; None for scripts whose flags can say everything
            (every setting then has its default).
        required: settings the calling script cannot run without; all missing ones are
            reported in one error.
        overrides: ``{NAME: value}`` or ``--set`` strings ``["NAME=value", ...]``; they
            win over the file.

    Raises:
        ConfigError: the file is missing or fails to run, a value has the wrong type or
            range, or required settings are missing.
    """
    settings: dict[str, Any] = {}
    source = "the command line"
    config_file: Path | None = None
    if path is not None:
        config_file = Path(path).expanduser()
        if not config_file.is_file():
            raise ConfigError(f"config file not found: {config_file}")
        try:
            namespace = runpy.run_path(str(config_file))
        except Exception as exc:  # a broken config is a user error, not a crash
            raise ConfigError(f"config {config_file} failed to load: {exc!r}") from exc
        settings = {k: v for k, v in namespace.items() if k.isupper() and not k.startswith("_")}
        source = str(config_file)
        settings = check_settings(settings, (), source)
        _resolve_paths(settings, config_file.resolve().parent)

    if overrides:
        pairs = (
            overrides.items()
            if isinstance(overrides, Mapping)
            else (parse_override(text) for text in overrides)
        )
        for name, value in pairs:
            settings[name] = validate(name, value, "--set")
    check_settings({k: v for k, v in settings.items() if k in SETTINGS}, required, source)
    cwd_output = settings.get("OUTPUT_PATH") is None
    if cwd_output:
        settings["OUTPUT_PATH"] = str(Path.cwd() / DEFAULT_OUTPUT_PATH)
    return Config(settings, config_file, cwd_output)


def load_optional_config(
    path: str | os.PathLike[str] | None, overrides: Sequence[str] | None = None
) -> Config:
    """``load_config(path)`` for scripts whose ``--config`` is optional."""
    return load_config(path, overrides=overrides)


def settings_markdown() -> str:
    """The table as Markdown (docs/SETTINGS.md is this text)."""
    lines = [
        "# Settings",
        "",
        "Every setting any script reads: its type and range, default and meaning. A config",
        "file sets any of them (`NAME = value`); `--set NAME=VALUE` on any script overrides one",
        "for a single run. A wrong type or range stops the script before it does any work.",
        "Generated from `pyimagesearch/config.py` by `python -m pyimagesearch.config`.",
    ]
    group = None
    for s in _TABLE:
        if s.group != group:
            group = s.group
            lines += ["", f"## {group}", "", "| setting | type | default | meaning |"]
            lines += ["| --- | --- | --- | --- |"]
        kind = s.check.expected + (" (path)" if s.path and "path" not in s.check.expected else "")
        lines.append(
            f"| `{s.name}` | {kind.replace('|', '/')} | `{s.describe_default()}` | {s.help} |"
        )
    return "\n".join(lines) + "\n"


def describe(name: str) -> str:
    """One line for an error message: ``NAME: meaning (default ...)``."""
    s = SETTINGS[name]
    return f"{name}: {s.help} (default {s.describe_default()})"


if __name__ == "__main__":  # pragma: no cover
    print(settings_markdown(), end="")
