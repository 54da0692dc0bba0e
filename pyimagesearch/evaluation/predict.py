"""Classify a folder of new images with any trained model, and write a Kaggle submission.

The engine of ``predict.py``: images are decoded in threads straight to the size the
model was trained on (aspect-aware, as the builder stores them), batch by batch, while the
model works on the previous batch; baseline or 10-crop probabilities come from the model's
record (:mod:`pyimagesearch.models`), whatever kind it is.

Example (not run by the tests: needs a trained model and Kaggle's test1/ folder):
    >>> clf = load_classifier("output/logreg.skops")                           # doctest: +SKIP
    >>> result = predict_folder(clf, "datasets/kaggle_dogs_vs_cats/test1")     # doctest: +SKIP
    >>> result.probs.shape                                                     # doctest: +SKIP
    (12500, 2)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config, default
from pyimagesearch.data.sources import UNLABELED, open_source
from pyimagesearch.errors import ConfigError, DatasetError, OutputError
from pyimagesearch.evaluation.submission import (
    binary_log_loss,
    check_clip_range,
    clip_probabilities,
    kaggle_id,
    non_numeric_ids,
    write_submission,
)
from pyimagesearch.models.classifiers import Classifier, load_classifier
from pyimagesearch.utils.atomic import atomic_write, check_writable, refuse_existing
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.progress import progress_bar
from pyimagesearch.utils.reports import write_json


@dataclass
class FolderPrediction:
    paths: list[str]
    probs: np.ndarray  # (N, K); rows of unreadable images are NaN
    labels: np.ndarray  # (N,) from file names when they carry one, else -1
    skipped: list[tuple[str, str]] = field(default_factory=list)


def predict_folder(
    classifier: Classifier,
    folder: str | os.PathLike[str],
    batch_size: int = default("FEATURE_BATCH_SIZE"),
    tencrop: bool = False,
    progress: bool = True,
) -> FolderPrediction:
    """Probabilities of every image of ``folder`` (Kaggle's ``test1/``: ``1.jpg ...``);
    labels from the file names where they carry one of the model's classes."""
    source = open_source(folder, require_labels=False)
    lookup = {name: i for i, name in enumerate(classifier.label_names)}
    labels = np.array(
        [lookup.get(source.label_names[y], UNLABELED) if y >= 0 else UNLABELED
         for y in source.labels],
        dtype=np.int64,
    )  # fmt: skip
    probs = np.full((len(source), max(len(classifier.label_names), 2)), np.nan)
    skipped: list[tuple[str, str]] = []
    predict = classifier.predict_proba_tencrop if tencrop else classifier.predict_proba
    side = max(classifier.image_size)
    bar = progress_bar("predicting", len(source), enabled=progress)
    done = 0
    for batch in source.batches(side, batch_size):
        if len(batch.indices):
            probs[batch.indices] = predict(batch.images)
        skipped.extend((source.paths[i], reason) for i, reason in batch.skipped)
        done += len(batch.indices) + len(batch.skipped)
        bar.update(done)
    bar.finish()
    return FolderPrediction(source.paths, probs, labels, skipped)


def positive_column(names: list[str], positive: str) -> int:
    """The column of ``positive`` among a two-class model's ``names`` (a submission's
    ``label``), or a ConfigError.

    >>> positive_column(["cat", "dog"], "dog")
    1
    """
    if len(names) != 2:
        raise ConfigError(f"a Kaggle submission needs two classes; the model has {names}")
    if positive not in names:
        raise ConfigError(f"POSITIVE_CLASS {positive!r} is not one of the classes {names}")
    return names.index(positive)


def run_prediction(
    cfg: Config,
    model_path: str | os.PathLike[str],
    weights: Any = None,
    tencrop: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Predict ``TEST_IMAGES_PATH`` and write the submission (``id,label``: the clipped
    probability of ``POSITIVE_CLASS``) and ``predict_report.json`` beside it. An existing
    ``SUBMISSION_PATH`` is refused before the model loads unless ``OVERWRITE``; it stays
    until the new one is complete."""
    clip_range = check_clip_range(cfg.get("CLIP_RANGE"))
    output = Path(cfg.get("SUBMISSION_PATH"))
    refuse_existing({"SUBMISSION_PATH": output}, cfg.get("OVERWRITE"))
    check_writable({"SUBMISSION_PATH": output})
    if not Path(cfg.TEST_IMAGES_PATH).exists():
        raise ConfigError(
            f"test image folder not found: {cfg.TEST_IMAGES_PATH} (check TEST_IMAGES_PATH, "
            "or pass --images DIR)"
        )
    classifier = load_classifier(
        model_path, weights=weights, backbone_batch=cfg.get("EVAL_BACKBONE_BATCH")
    )
    positive = cfg.get("POSITIVE_CLASS")
    column = positive_column(classifier.label_names, positive)
    result = predict_folder(
        classifier, cfg.TEST_IMAGES_PATH, cfg.get("FEATURE_BATCH_SIZE"), tencrop, progress
    )
    raw = result.probs[:, column]
    unreadable = np.isnan(raw)
    raw = np.where(unreadable, 0.5, raw)  # every id needs a row: the uninformed guess
    clipped = clip_probabilities(raw, clip_range)
    write_submission(output, [kaggle_id(p) for p in result.paths], clipped)
    report: dict[str, Any] = {
        "submission": str(output),
        "images": len(result.paths),
        "model": str(model_path),
        "model_kind": classifier.kind,
        "tencrop": tencrop,
        "unreadable": [{"path": display_path(p), "reason": r} for p, r in result.skipped],
        "non_numeric_ids": [
            {"path": display_path(p), "id": i} for p, i in non_numeric_ids(result.paths)
        ],
        "positive_class": positive,
        "clip_range": list(clip_range),
    }
    known = result.labels >= 0
    if known.any():
        y = (result.labels[known] == column).astype(int)
        report.update(
            labeled_images=int(known.sum()),
            log_loss=binary_log_loss(y, raw[known]),
            log_loss_clipped=binary_log_loss(y, clipped[known]),
            accuracy=float(np.mean((raw[known] >= 0.5) == (y == 1))),
        )
    report["report_path"] = str(write_json(output.with_name("predict_report.json"), report))
    return report


def top_classes(probs: np.ndarray, names: list[str], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` most probable classes of one image, most probable first."""
    order = np.argsort(-probs, kind="stable")[: min(k, len(names))]
    return [(names[i], float(probs[i])) for i in order]


def draw_prediction(image_bgr: np.ndarray, text: str) -> np.ndarray:
    """The image with ``text`` on a dark band at its top, scaled to the image's width."""
    import cv2

    out = image_bgr.copy()
    scale = max(0.4, out.shape[1] / 500)
    thickness = max(1, round(scale * 2))
    (width, height), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    cv2.rectangle(out, (0, 0), (min(out.shape[1], width + 10), height + base + 10), (0, 0, 0), -1)
    cv2.putText(out, text, (5, height + 5), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255),
                thickness, cv2.LINE_AA)  # fmt: skip
    return out


def drawn_names(images: list[str]) -> list[str]:
    """The names of ``images`` drawn with their prediction (``predict.py --image --output``).

    >>> drawn_names(["a/cat.1.jpg", "b/x"])
    ['cat.1_prediction.jpg', 'x_prediction.jpg']
    """
    return [f"{Path(p).stem}_prediction{Path(p).suffix or '.jpg'}" for p in images]


def _refuse_drawn(folder: Path, images: list[str], overwrite: bool) -> None:
    """Refuse, in one line, to replace drawn images already in ``folder``."""
    existing = [p for p in map(folder.joinpath, drawn_names(images)) if p.exists()]
    if existing and not overwrite:
        shown = ", ".join(p.name for p in existing[:3]) + (" ..." if len(existing) > 3 else "")
        raise OutputError(
            f"--output {folder} already holds {shown}; pass --overwrite to replace "
            f"{'them' if len(existing) > 1 else 'it'}"
        )


def predict_images(
    model_path: str | os.PathLike[str],
    images: list[str],
    tencrop: bool = False,
    output: str | os.PathLike[str] | None = None,
    weights: Any = None,
    overwrite: bool = False,
) -> list[dict[str, Any]]:
    """Each image's top classes (top-5 with many classes); with ``output`` each image is
    also written there with its label and probability drawn on it (``NAME_prediction.jpg``;
    one already there is replaced only with ``overwrite``). An unreadable image is listed
    with its reason.

    Raises:
        ConfigError: a file that does not exist (before the model is loaded).
        OutputError: a drawn image already there without ``overwrite`` (before the model
            is loaded).
        DatasetError: no image could be read.
    """
    import cv2

    from pyimagesearch.data.image_loading import UnreadableImageError, read_image

    missing = [str(p) for p in images if not Path(p).is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ConfigError(f"--image: no such file: {shown}")
    folder = Path(output) if output else None
    if folder is not None:
        _refuse_drawn(folder, images, overwrite)
        check_writable({"--output": folder / "probe.jpg"})
    results, readable, pictures = [], [], []
    for path in images:
        try:
            pictures.append(read_image(path))
            readable.append(path)
        except UnreadableImageError as exc:
            results.append({"path": display_path(path), "error": str(exc)})
    if not readable:
        reasons = "; ".join(f"{r['path']}: {r['error']}" for r in results[:3])
        raise DatasetError(f"no image could be read ({reasons})")
    classifier = load_classifier(model_path, weights=weights)
    rgb = [cv2.cvtColor(p, cv2.COLOR_BGR2RGB) for p in pictures]
    probs = (classifier.predict_proba_tencrop if tencrop else classifier.predict_proba)(rgb)
    for path, picture, row in zip(readable, pictures, probs, strict=True):
        top = top_classes(row, classifier.label_names)
        result = {"path": display_path(path), "top": top}
        if folder is not None:
            written = folder / drawn_names([path])[0]
            with atomic_write(written) as tmp:
                ok, data = cv2.imencode(written.suffix, draw_prediction(
                    picture, f"{top[0][0]} {top[0][1]:.1%}"))  # fmt: skip
                tmp.write_bytes(data.tobytes())
            result["written"] = str(written)
        results.append(result)
    return results
