"""The audit of a dataset, start to finish: the engine of ``audit_dataset.py``.

Reads the builder's split files (or a folder of images), never writes to them, and writes:

* ``duplicates.csv`` / ``duplicates.png``: groups of exact and near-duplicate images
  (perceptual hashes within ``AUDIT_HAMMING`` bits; with features, cosine similarity of at
  least ``AUDIT_COSINE`` too), groups with different labels and groups across splits first;
* ``suspicious_labels.csv`` / ``.png`` (with features): images whose label a
  cross-validated logistic regression on pretrained features contradicts, out-of-fold (no
  image judges itself), most confident first;
* ``outliers.csv`` / ``.png`` (with features): images unusually far from every class's
  centre (a modified z-score of at least ``AUDIT_OUTLIER_Z`` among all the distances; none
  when nothing is unusual, and a note says so);
* ``uniform.csv`` / ``.png``: near-uniform images (placeholders, text on a flat background);
* ``reading_problems.csv``: unreadable files, tiny and extreme-aspect sources, grayscale
  sources (from the build report);
* ``audit.json`` (counts and every finding) and ``exclusions.txt`` (one path a line with
  the reason as a comment) for ``EXCLUDE_LIST``.

Example (not run by the tests: needs the builder's split files):
    >>> summary = run_audit(load_config("config/dogs_vs_cats_config.py"))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.audit.duplicates import duplicate_groups, near_pairs, similar_features
from pyimagesearch.audit.hashing import hash_hdf5, phash
from pyimagesearch.config import Config, default
from pyimagesearch.errors import ConfigError, DatasetError, OutputError
from pyimagesearch.utils.atomic import atomic_write, check_writable
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.gallery import image_grid
from pyimagesearch.utils.progress import progress_bar
from pyimagesearch.utils.reports import read_json, write_json

SPLITS = {"train": "TRAIN_HDF5", "val": "VAL_HDF5", "test": "TEST_HDF5"}
# Every file an audit writes (a folder holding any of them holds an earlier audit).
AUDIT_FILES = ("audit.json", "duplicates.csv", "duplicates.png", "suspicious_labels.csv",
               "suspicious_labels.png", "outliers.csv", "outliers.png", "uniform.csv",
               "uniform.png", "reading_problems.csv", "exclusions.txt")  # fmt: skip
UNIFORM_SHARE = 0.9  # of the pixels within 6 gray levels of the median: a flat image
# (Kaggle photos: at most 0.54 of 2,000; a flat placeholder with a line of text: 0.91)
SUSPICIOUS = 0.9  # labels the cross-validated classifier contradicts this surely
LEFT_OUT = "suspicious labels, outliers and feature duplicates are left out"


@dataclass
class AuditData:
    """Every image of the dataset: where it is, its split and label, its hash."""

    paths: list[str]
    splits: list[str]
    labels: np.ndarray
    label_names: list[str]
    hashes: np.ndarray
    flatness: np.ndarray  # share of the 32x32 gray pixels near the median (1: flat)
    locations: list[tuple[str, int]]  # (file, row) to read the image again
    features: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    unreadable: list[dict] = field(default_factory=list)  # files left out: path, problem

    def member(self, i: int) -> dict[str, Any]:
        return {
            "path": display_path(self.paths[i]),
            "split": self.splits[i],
            "label": self.label_names[self.labels[i]],
        }

    def images(self, rows) -> list[np.ndarray]:
        """The images of ``rows`` (read again, a few at a time)."""
        from pyimagesearch.data.image_loading import ImageLoader
        from pyimagesearch.io.hdf5_dataset import open_hdf5, read_rows

        out = []
        for i in rows:
            where, row = self.locations[i]
            if row < 0:
                out.append(ImageLoader(128, 128)(where))
            else:
                with open_hdf5(where, "images") as db:
                    out.append(read_rows(db["images"], row))
        return out


def read_splits(cfg: Config, progress: bool = False) -> AuditData:
    """Hashes of every image of the builder's split files (a progress bar per file)."""
    from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_paths

    paths, splits, labels, hashes, flat, locations = [], [], [], [], [], []
    names: list[str] = []
    for split, setting in SPLITS.items():
        path = cfg.get(setting)
        if path is None or not Path(path).exists():
            continue
        with open_hdf5(path, "images") as db:
            names = names or read_label_names(db)
            file_paths = [str(p) for p in read_paths(db)]
            file_labels = db["labels"][:]
        bar = progress_bar(f"hashing {split}", len(file_paths), enabled=progress)
        for rows, h, s in hash_hdf5(path):
            hashes.append(h)
            flat.append(s)
            bar.update(int(rows[-1]) + 1 if len(rows) else 0)
        bar.finish()
        paths += file_paths
        splits += [split] * len(file_paths)
        labels.append(file_labels)
        locations += [(str(path), row) for row in range(len(file_paths))]
    if not paths:
        raise ConfigError("no split file to audit: build the dataset or pass --folder DIR")
    return AuditData(
        paths,
        splits,
        np.concatenate(labels).astype(np.int64),
        names,
        np.concatenate(hashes),
        np.concatenate(flat),
        locations,
    )


def read_folder(folder: str, label_source: str | None = None, progress: bool = False) -> AuditData:
    """Hashes of every image of a folder (decoded at 64x64); files that cannot be decoded
    are left out, each listed (``unreadable``: a reading problem) and counted in a note.

    Raises:
        DatasetError: not one image of the folder could be decoded.
    """
    from pyimagesearch.audit.hashing import flatness, small_gray
    from pyimagesearch.data.sources import open_source

    source = open_source(folder, label_source=label_source)
    hashes = np.zeros(len(source), np.uint64)
    flat = np.zeros(len(source), np.float32)
    read = np.zeros(len(source), bool)
    skipped: list[tuple[int, str]] = []
    bar, done = progress_bar("hashing", len(source), enabled=progress), 0
    for batch in source.batches(64, 256):
        if len(batch.indices):
            hashes[batch.indices] = phash(batch.images)
            flat[batch.indices] = flatness(small_gray(batch.images))
            read[batch.indices] = True
        skipped += batch.skipped
        done += len(batch.indices) + len(batch.skipped)
        bar.update(done)
    bar.finish()
    if not read.any():
        raise DatasetError(f"no image of {folder} could be decoded ({len(source)} file(s))")
    rows = np.flatnonzero(read)
    data = AuditData([source.paths[i] for i in rows], ["folder"] * len(rows),
                     source.labels[rows], source.label_names, hashes[rows], flat[rows],
                     [(source.paths[i], -1) for i in rows])  # fmt: skip
    data.unreadable = [{"path": display_path(source.paths[i]), "problem": f"unreadable: {why}"}
                       for i, why in sorted(skipped)]  # fmt: skip
    if skipped:
        data.notes.append(f"{len(skipped)} file(s) could not be decoded and were left out "
                          "(listed in reading_problems.csv)")  # fmt: skip
    return data


def audit_features(cfg: Config) -> tuple[list[str] | None, str]:
    """The features the audit judges by, or None and why not: ``FEATURES_HDF5`` when it is
    set (the files must be there), else the files ``extract_features.py`` writes by default
    (``features_<backbone>.hdf5`` in OUTPUT_PATH) when they are there: without them the
    audit runs on the hashes alone."""
    from pyimagesearch.features.extract_features import features_files

    if cfg.get("FEATURES_HDF5"):
        return cfg.path_list("FEATURES_HDF5"), ""
    files = features_files(cfg)
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        return None, f"no features at {display_path(missing[0])} (the default of FEATURES_HDF5)"
    return files, ""


def attach_features(
    data: AuditData, files: list[str] | None, absent: str = "no features (FEATURES_HDF5)"
) -> None:
    """Match the features file(s) to the images by path (rows without features: none);
    ``absent``: the note when there are no ``files``."""
    if not files:
        data.notes.append(f"{absent}: {LEFT_OUT}; run extract_features.py")
        return
    from pyimagesearch.features.fusion import load_features

    found = load_features(files)
    lookup = {p: i for i, p in enumerate(found.paths)}
    missing = [p for p in data.paths if p not in lookup]
    if missing:
        data.notes.append(
            f"{len(missing)} image(s) have no features (e.g. "
            f"{display_path(missing[0])}); features are left out"
        )
        return
    data.features = found.features[[lookup[p] for p in data.paths]]


def out_of_fold_probabilities(
    features: np.ndarray, labels: np.ndarray, folds: int, seed: int, progress: bool = False
) -> np.ndarray:
    """Each image's class probabilities from a logistic regression that never saw it (the
    numbers of ``cross_val_predict``, a progress bar per fold)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    folds = max(2, min(folds, int(np.bincount(labels).min())))
    split = StratifiedKFold(folds, shuffle=True, random_state=seed)
    x = features.astype(np.float64)
    probs = np.zeros((len(labels), int(labels.max()) + 1))
    bar = progress_bar("judging labels (folds)", folds, enabled=progress)
    for done, (train, held_out) in enumerate(split.split(x, labels), start=1):
        model = LogisticRegression(max_iter=2000, C=1.0).fit(x[train], labels[train])
        probs[np.ix_(held_out, model.classes_)] = model.predict_proba(x[held_out])
        bar.update(done)
    bar.finish()
    return probs


def find_duplicates(data: AuditData, hamming: int, cosine: float) -> list[dict]:
    i, j, _ = near_pairs(data.hashes, hamming)
    if data.features is not None:
        fi, fj, _ = similar_features(data.features, cosine)
        i, j = np.concatenate([i, fi]), np.concatenate([j, fj])
    groups = []
    for members in duplicate_groups(i, j, len(data.paths)):
        labels = {int(data.labels[m]) for m in members}
        splits = {data.splits[m] for m in members}
        groups.append(
            {
                "members": [data.member(m) for m in members],
                "rows": members.tolist(),
                "conflicting_labels": len(labels) > 1,
                "across_splits": len(splits) > 1,
            }
        )
    groups.sort(
        key=lambda g: (not g["conflicting_labels"], not g["across_splits"], -len(g["members"]))
    )
    return groups


def check_audit_output(out: Path, overwrite: bool) -> None:
    """Refuse, in one line, a folder that holds files of an earlier audit (unless
    ``overwrite``: they stay until the new audit is complete); check it takes files."""
    existing = [name for name in AUDIT_FILES if (out / name).exists()]
    if existing and not overwrite:
        raise OutputError(
            f"--output {out} already holds an audit's files ({', '.join(existing)}); pass "
            "--overwrite to replace them (the old files stay until the new audit is complete)"
        )
    check_writable({"--output": out / "audit.json"})


def read_data(cfg: Config, folder: str | None, progress: bool) -> AuditData:
    """The images to audit (``folder``, or the builder's splits) with their features."""
    if folder:
        data = read_folder(folder, cfg.get("LABEL_SOURCE"), progress)
        attach_features(data, None)
    else:
        files, absent = audit_features(cfg)
        data = read_splits(cfg, progress)
        attach_features(data, files, absent)
    return data


def run_audit(
    cfg: Config,
    folder: str | None = None,
    output: str | os.PathLike[str] | None = None,
    progress: bool = True,
    overwrite: bool | None = None,
) -> dict[str, Any]:
    """Audit, write every output, return the summary (also ``audit.json``). A folder that
    holds an earlier audit's files is refused before any image is read unless
    ``overwrite`` (None: ``OVERWRITE``); the files are written together, when all are made
    (a failure leaves the folder as it was)."""
    out = Path(output or cfg.output_path("audit"))
    check_audit_output(out, cfg.get("OVERWRITE") if overwrite is None else overwrite)
    data = read_data(cfg, folder, progress)
    top = cfg.get("AUDIT_TOP")
    groups = find_duplicates(data, cfg.get("AUDIT_HAMMING"), cfg.get("AUDIT_COSINE"))
    suspicious, outliers = [], []
    if data.features is not None and len(data.label_names) > 1:
        probs = out_of_fold_probabilities(data.features, data.labels, cfg.get("AUDIT_FOLDS"),
                                          cfg.get("RANDOM_SEED"), progress)  # fmt: skip
        suspicious = _suspicious(data, probs)
        outliers = _outliers(data, cfg.get("AUDIT_OUTLIER_Z"))
    uniform = [
        dict(data.member(i), row=int(i), flatness=round(float(data.flatness[i]), 3))
        for i in np.argsort(-data.flatness, kind="stable")
        if data.flatness[i] >= UNIFORM_SHARE
    ]
    problems = data.unreadable + _reading_problems(cfg)
    summary = {
        "images": len(data.paths),
        "duplicate_groups": len(groups),
        "duplicate_groups_with_conflicting_labels": sum(g["conflicting_labels"] for g in groups),
        "duplicate_groups_across_splits": sum(g["across_splits"] for g in groups),
        "suspicious_labels": len(suspicious),
        "outliers": len(outliers),
        "uniform_images": len(uniform),
        "reading_problems": len(problems),
        "notes": data.notes,
    }
    findings = {"duplicates": groups, "suspicious_labels": suspicious, "outliers": outliers,
                "uniform": uniform, "reading_problems": problems}  # fmt: skip
    with staged_files(out) as stage:
        _write_findings(stage, data, groups, suspicious, outliers, uniform, problems, top)
        write_json(stage / "audit.json", {"summary": summary, **findings})
    return {**summary, "output": str(out)}


@contextlib.contextmanager
def staged_files(out: Path) -> Iterator[Path]:
    """A hidden folder in ``out`` to write the audit's files into; when the block ends
    they replace those in ``out`` (any of :data:`AUDIT_FILES` not made this time is
    removed: nothing of an earlier audit stays behind), on any failure they are deleted
    and ``out`` is left as it was."""
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".audit-partial-", dir=out))
    try:
        yield stage
        for name in AUDIT_FILES:
            if (stage / name).exists():
                os.replace(stage / name, out / name)
            else:
                (out / name).unlink(missing_ok=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _suspicious(data: AuditData, probs: np.ndarray) -> list[dict]:
    predicted = probs.argmax(axis=1)
    confidence = probs[np.arange(len(probs)), predicted]
    flagged = np.flatnonzero((predicted != data.labels) & (confidence >= SUSPICIOUS))
    order = flagged[np.argsort(-confidence[flagged], kind="stable")]
    return [
        dict(
            data.member(i),
            row=int(i),
            predicted=data.label_names[predicted[i]],
            confidence=round(float(confidence[i]), 4),
        )
        for i in order
    ]


def centre_distances(features: np.ndarray, labels: np.ndarray, classes: int) -> np.ndarray:
    """Each image's cosine distance to the nearest class centre (the mean unit feature of
    a class; a class without images has none)."""
    unit = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)
    present = [k for k in range(classes) if np.any(labels == k)]
    centres = np.stack([unit[labels == k].mean(axis=0) for k in present])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    return 1.0 - (unit @ centres.T).max(axis=1)


def outlier_scores(distance: np.ndarray) -> np.ndarray:
    """The modified z-score (Iglewicz and Hoaglin: ``0.6745 (x - median) / MAD``, robust to
    the outliers it looks for) of each distance's logarithm: distances to a centre are
    skewed (bounded by 0, a long tail), their logarithms much less, so that the ordinary
    tail of many images does not score as unusual. 3.5 and more is unusual.

    >>> outlier_scores(np.array([0.30, 0.33, 0.35, 0.38, 0.60, 0.90])).round(1).tolist()
    [-0.9, -0.5, -0.2, 0.2, 2.3, 4.1]
    """
    x = np.log(np.maximum(distance, 1e-12))
    median = np.median(x)
    mad = np.median(np.abs(x - median))
    return 0.6745 * (x - median) / max(float(mad), 1e-12)


def _outliers(data: AuditData, least_score: float = default("AUDIT_OUTLIER_Z")) -> list[dict]:
    """The images whose distance to the nearest class centre scores ``least_score`` or
    more, farthest first (none when nothing is unusual: a note names the farthest)."""
    distance = centre_distances(data.features, data.labels, len(data.label_names))
    score = outlier_scores(distance)
    order = np.argsort(-distance, kind="stable")
    found = [
        dict(data.member(i), row=int(i), distance=round(float(distance[i]), 4),
             score=round(float(score[i]), 2))
        for i in order if score[i] >= least_score
    ]  # fmt: skip
    if not found and len(order):
        far = order[0]
        data.notes.append(
            f"no outliers: no image is unusually far from the nearest class centre (a "
            f"modified z-score of {least_score:g} or more, AUDIT_OUTLIER_Z); the farthest, "
            f"{Path(data.paths[far]).name}, scores {score[far]:.1f}"
        )
    return found


def _reading_problems(cfg: Config) -> list[dict]:
    report_path = cfg.output_path("build_report.json")
    if not report_path.exists():
        return []
    report = read_json(report_path)
    found = [
        {"path": s["path"], "problem": f"unreadable: {s['reason']}"}
        for split in report.get("splits", {}).values()
        for s in split["skipped_files"]
    ]
    for note in report.get("source_notes", []):
        kinds = [
            kind
            for kind, hit in (
                ("grayscale source", note["grayscale"]),
                ("tiny source", min(note["height"], note["width"]) < 64),
                (
                    "extreme aspect ratio",
                    max(note["height"], note["width"])
                    > 3 * max(1, min(note["height"], note["width"])),
                ),
            )
            if hit
        ]
        found.append(
            {
                "path": note["path"],
                "problem": ", ".join(kinds),
                "size": f"{note['width']}x{note['height']}",
            }
        )
    return found


def _csv(path: Path, rows: list[dict]) -> None:
    fields = list(dict.fromkeys(k for row in rows for k in row)) or ["path"]
    with atomic_write(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _write_findings(out, data, groups, suspicious, outliers, uniform, problems, top) -> None:
    rows = [
        dict(
            m,
            group=g + 1,
            conflicting_labels=group["conflicting_labels"],
            across_splits=group["across_splits"],
        )
        for g, group in enumerate(groups)
        for m in group["members"]
    ]
    _csv(out / "duplicates.csv", rows)
    _csv(out / "suspicious_labels.csv", suspicious)
    _csv(out / "outliers.csv", outliers)
    _csv(out / "uniform.csv", uniform)
    _csv(out / "reading_problems.csv", problems)
    shown = [(g + 1, i) for g, group in enumerate(groups[: top // 2]) for i in group["rows"][:4]]
    if shown:
        image_grid(
            data.images([i for _, i in shown]),
            [
                f"group {g} {data.splits[i]} {data.label_names[data.labels[i]]} "
                f"{Path(data.paths[i]).name}"
                for g, i in shown
            ],
            out / "duplicates.png",
            title="near-duplicate groups",
        )
    for name, found, text in (
        (
            "suspicious_labels",
            suspicious,
            lambda f: f"{f['label']} -> {f['predicted']} {f['confidence']:.2f}",
        ),
        (
            "outliers",
            outliers,
            lambda f: f"{f['label']} far {f['distance']:.2f} z {f['score']:.0f}",
        ),
        ("uniform", uniform, lambda f: f"{f['label']} flat {f['flatness']:.2f}"),
    ):
        if found:
            first = found[:top]
            image_grid(
                data.images([f["row"] for f in first]),
                [f"{text(f)} {Path(f['path']).name}" for f in first],
                out / f"{name}.png",
                title=name.replace("_", " "),
            )
    _write_exclusions(out / "exclusions.txt", data, groups, suspicious, uniform)


def _write_exclusions(path: Path, data: AuditData, groups, suspicious, uniform) -> None:
    """Every image a finding would leave out, once, with all its reasons."""
    reasons: dict[int, list[str]] = {}
    for g, group in enumerate(groups, start=1):
        keep = [] if group["conflicting_labels"] else group["rows"][:1]
        for i in group["rows"]:
            if i not in keep:
                first = Path(data.paths[group["rows"][0]]).name
                why = (
                    "a duplicate with another label"
                    if group["conflicting_labels"]
                    else f"a duplicate of {first}"
                )
                reasons.setdefault(i, []).append(f"group {g}: {why}")
    for f in suspicious:
        reasons.setdefault(f["row"], []).append(
            f"label {f['label']!r} contradicted: {f['predicted']} at {f['confidence']:.2f}"
        )
    for f in uniform:
        reasons.setdefault(f["row"], []).append(f"near-uniform image (flatness {f['flatness']})")
    lines = [
        "# audit_dataset.py: images to leave out of a rebuild (EXCLUDE_LIST = this file)",
        "# review them first: delete a line to keep its image",
        *(f"{data.paths[i]}  # {'; '.join(why)}" for i, why in reasons.items()),
    ]
    with atomic_write(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
