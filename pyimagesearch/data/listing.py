"""Find the images under a folder and derive their labels.

Two layouts are understood:

* Kaggle's flat layout, label from the file name's prefix: ``train/cat.0.jpg`` -> ``cat``;
* one folder per class (flowers17), label from the parent folder: ``jpg/daisy/1.jpg``.

Links are followed, but every real file is listed once and no folder twice, so a link
loop cannot duplicate images or leak them from one split into another.

Example (not run by the tests: needs the Kaggle photos):
    >>> listing = list_images("datasets/kaggle_dogs_vs_cats/train")   # doctest: +SKIP
    >>> listing.class_names                                           # doctest: +SKIP
    ['cat', 'dog']
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pyimagesearch.data.label_files import label_of, missing_files
from pyimagesearch.errors import DatasetError
from pyimagesearch.utils.display import display_path

# Everything OpenCV decodes that photo collections hold (GIF: its first frame).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif")
LABEL_SOURCES = ("filename", "folder", "mapping")
_DIGITS = re.compile(r"([0-9]+)")


def natural_key(name: str) -> tuple:
    """Sort key of natural order: runs of digits compare as numbers (``c2`` before
    ``c10``), the rest as text; names that tie (``c01``, ``c1``) by the name itself.

    >>> sorted(["c10", "c2", "c1", "b"], key=natural_key)
    ['b', 'c1', 'c2', 'c10']
    >>> sorted(["n01443537", "n01629819", "n01443536"], key=natural_key)
    ['n01443536', 'n01443537', 'n01629819']
    """
    parts = _DIGITS.split(name)  # text, number, text, ...: numbers at the odd places
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), name


def natural_sorted(names) -> list[str]:
    """``names`` in natural order (:func:`natural_key`)."""
    return sorted(names, key=natural_key)


@dataclass
class FolderWalk:
    """The files under a folder, each real file once, and what the walk passed over."""

    files: list[str]
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, first path)
    loops: list[str] = field(default_factory=list)  # links back to a folder already walked
    broken_links: list[str] = field(default_factory=list)


@dataclass
class ImageListing:
    """Images found under a folder, their labels, and what was passed over."""

    paths: list[str]
    labels: list[str]
    label_source: str
    unlabeled: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    ignored: list[str] = field(default_factory=list)  # files without an image extension
    walk: FolderWalk | None = None  # duplicates, loops and broken links dropped
    missing: list[str] = field(default_factory=list)  # mapping entries without a file
    root: str = ""

    @property
    def walk_root(self) -> str:
        """The folder the images were listed from."""
        return self.root

    @property
    def class_names(self) -> list[str]:
        """The classes in natural order (``c1, c2, ..., c10``): the label encoding of a new
        build (a file already built keeps the names, in the order, it stores)."""
        return natural_sorted(set(self.labels))

    def encoded_labels(self) -> np.ndarray:
        """Integer labels in class-name order (``class_names[i]`` is label ``i``)."""
        lookup = {name: i for i, name in enumerate(self.class_names)}
        return np.array([lookup[label] for label in self.labels], dtype=np.int64)

    def examples(self, label: str, n: int = 3) -> list[str]:
        """The first ``n`` file names of a class, for error messages."""
        names = [os.path.basename(p) for p, y in zip(self.paths, self.labels, strict=True)
                 if y == label]  # fmt: skip
        return [display_path(name) for name in names[:n]]


def walk_folder(root: str | os.PathLike[str]) -> FolderWalk:
    """Every file under ``root`` (hidden files and folders skipped), sorted, as strings.

    Links are followed, but no real file (device, inode) is listed twice and no folder is
    entered twice, so a link back up the tree cannot loop. Plain strings and
    ``os.scandir``: listing 25,000 files stays a fraction of a second.
    """
    root = os.fspath(root)
    walk = FolderWalk([])
    first_file: dict[tuple[int, int], str] = {}
    top = os.stat(root)
    seen_folders = {(top.st_dev, top.st_ino)}
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            device = os.stat(folder).st_dev
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue  # an unreadable folder: nothing to list
        subfolders = []
        for entry in entries:
            if entry.name[:1] == ".":
                continue
            try:
                if entry.is_symlink():
                    stat = os.stat(entry.path)  # the target's identity
                    key = (stat.st_dev, stat.st_ino)
                    is_dir = os.path.isdir(entry.path)
                else:
                    key = (device, entry.inode())
                    is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:  # a link to nothing
                walk.broken_links.append(entry.path)
                continue
            if is_dir:
                if key in seen_folders:
                    walk.loops.append(entry.path)
                else:
                    seen_folders.add(key)
                    subfolders.append(entry.path)
            elif key in first_file:
                walk.duplicates.append((entry.path, first_file[key]))
            else:
                first_file[key] = entry.path
                walk.files.append(entry.path)
        pending.extend(reversed(subfolders))
    walk.files.sort()
    return walk


def walk_files(root: str | os.PathLike[str]) -> list[str]:
    """The files of :func:`walk_folder`: each real file once, sorted."""
    return walk_folder(root).files


def is_image_file(path: str | os.PathLike[str]) -> bool:
    return os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS


def label_from_filename(path: str | os.PathLike[str]) -> str | None:
    """``cat.0.jpg`` -> ``cat``; ``1.jpg`` (no prefix) -> None."""
    stem = os.path.splitext(os.path.basename(path))[0]
    prefix, dot, _ = stem.partition(".")
    return prefix if dot and prefix else None


def label_from_folder(path: str | os.PathLike[str], root: str | None = None) -> str:
    """The class folder: the first folder under ``root`` (``train/n014/images/x.JPEG`` ->
    ``n014``, Tiny ImageNet's layout), or the parent folder without ``root``."""
    if root is None:
        return os.path.basename(os.path.dirname(path))
    return os.path.relpath(path, root).split(os.sep)[0]


def list_images(
    root: str | os.PathLike[str],
    label_source: str | None = None,
    allow_unlabeled: bool = False,
    mapping: dict[str, str] | None = None,
) -> ImageListing:
    """List every image under ``root`` (``IMAGE_EXTENSIONS``, any case) with its label.

    Args:
        root: the image folder.
        label_source: ``"filename"``, ``"folder"``, ``"mapping"`` or None: the mapping when
            one is given, else the file-name prefix when the images sit directly in
            ``root``, the class folder when they sit in subfolders.
        allow_unlabeled: a folder whose images carry no label at all (Kaggle's ``test1/``)
            is accepted; they are all in ``unlabeled``.
        mapping: ``{file name: label}`` (:func:`read_label_file`); images it does not name
            are left out as unlabeled, names without a file are listed in ``missing``.

    Raises:
        DatasetError: ``root`` is missing or holds no images, or the layout is mixed.
    """
    root = Path(root)
    _check_request(root, label_source)
    top = str(root)
    walk = walk_folder(top)
    images = [p for p in walk.files if is_image_file(p)]
    ignored = [p for p in walk.files if not is_image_file(p)]
    if not images:
        raise DatasetError(
            f"no images ({', '.join(e[1:] for e in IMAGE_EXTENSIONS)}) found under {root}"
            + (f"; {len(ignored)} other file(s) ignored" if ignored else "")
        )
    label_source = _resolve_label_source(label_source, mapping, images, top)
    paths, labels, unlabeled = _label_images(images, label_source, top, mapping)
    if not paths and not allow_unlabeled:
        raise DatasetError(
            f"none of the {len(images)} images under {root} has a {label_source} label "
            "(Kaggle's test1/ folder is unlabeled: build from train/)"
        )
    missing = missing_files(images, mapping) if mapping is not None else []
    return ImageListing(paths, labels, label_source, unlabeled, ignored, walk, missing, top)


def _check_request(root: Path, label_source: str | None) -> None:
    """The folder exists and is one; ``label_source`` is one of ``LABEL_SOURCES`` or None."""
    if not root.exists():
        raise DatasetError(f"image folder not found: {root} (check IMAGES_PATH)")
    if not root.is_dir():
        raise DatasetError(f"IMAGES_PATH is not a folder: {root}")
    if label_source is not None and label_source not in LABEL_SOURCES:
        raise DatasetError(
            f"LABEL_SOURCE must be one of {LABEL_SOURCES} or None, got {label_source!r}"
        )


def _resolve_label_source(
    label_source: str | None, mapping: dict[str, str] | None, images: list[str], top: str
) -> str:
    """``"mapping"`` with a mapping; else ``label_source``, or for None the layout's:
    ``"filename"`` for images directly in ``top``, ``"folder"`` for images in subfolders
    (a mix of both is refused)."""
    if mapping is not None:
        return "mapping"
    if label_source == "mapping":
        raise DatasetError("LABEL_SOURCE = 'mapping' needs LABELS_FILE")
    if label_source is not None:
        return label_source
    in_root = sum(1 for p in images if os.path.dirname(p) == top)
    if in_root and in_root != len(images):
        raise DatasetError(
            f"{top} mixes images directly in the folder ({in_root}) and in subfolders "
            f"({len(images) - in_root}); set LABEL_SOURCE = 'filename' or 'folder'"
        )
    return "filename" if in_root else "folder"


# Why an image has no label, by label source.
UNLABELED_REASONS = {
    "mapping": "not named in the label file",
    "filename": "no label prefix in file name (expected cat.0.jpg)",
    "folder": "not inside a class folder",
}


def _label_images(
    images: list[str], label_source: str, top: str, mapping: dict[str, str] | None
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """``(paths, labels, unlabeled)``: the images that have a label, their labels, and
    ``(path, reason)`` for those that have none."""
    paths: list[str] = []
    labels: list[str] = []
    unlabeled: list[tuple[str, str]] = []
    for path in images:
        label = _label_of(path, label_source, top, mapping)
        if label is None:
            unlabeled.append((path, UNLABELED_REASONS[label_source]))
        else:
            paths.append(path)
            labels.append(label)
    return paths, labels, unlabeled


def _label_of(path: str, label_source: str, top: str, mapping: dict[str, str] | None) -> str | None:
    """The label of one image by ``label_source``, or None."""
    if label_source == "mapping":
        return label_of(path, mapping)
    if label_source == "filename":
        return label_from_filename(path)
    return None if os.path.dirname(path) == top else label_from_folder(path, top)
