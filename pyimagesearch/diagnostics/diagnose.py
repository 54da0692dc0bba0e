"""What the model gets wrong: confusion matrix, every image's loss, the top losses as pictures.

The engine of ``diagnose.py``. One batched prediction pass over a split (baseline or
10-crop, any kind of model) gives everything: the pictures and tables are drawn from those
probabilities, so a diagnosis costs about what the pass costs.

Outputs (in the chosen folder):

* ``confusion_matrix.png`` (counts and row-normalised; with many classes the most confused
  pairs instead of an unreadable grid) and ``confusion_matrix.csv``;
* ``errors.csv``: one row per image (path, true label, prediction, probability of the true
  class, loss), sorted by loss;
* ``top_losses.png``: the highest-loss images, titled with truth, prediction, probability
  and file name;
* ``diagnosis.json``: the numbers behind each picture.

Example (not run by the tests: needs a trained model and the builder's split files):
    >>> report = run_diagnosis(cfg, "output/alexnet.keras")   # doctest: +SKIP
    >>> report["top_confused_pairs"][0]                                    # doctest: +SKIP
    {'true': 'cat', 'predicted': 'dog', 'count': 31}
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.config import Config, default
from pyimagesearch.io.hdf5_dataset import open_hdf5, read_label_names, read_paths, read_rows
from pyimagesearch.models.classifiers import Classifier, load_classifier, require_same_classes
from pyimagesearch.utils.atomic import atomic_write, check_writable
from pyimagesearch.utils.display import display_path
from pyimagesearch.utils.gallery import image_grid
from pyimagesearch.utils.plots import new_figure, save_figure
from pyimagesearch.utils.reports import write_json

GRID_CLASSES = 30  # more classes: the most confused pairs instead of the full grid
EPSILON = 1e-7


@dataclass
class Diagnosis:
    """Every image's probabilities, with its label, path and the class names."""

    probs: np.ndarray  # (N, K)
    labels: np.ndarray  # (N,)
    paths: list[str]
    label_names: list[str]
    note: str | None = None  # a model on features: whether stored features were used

    @property
    def predicted(self) -> np.ndarray:
        return self.probs.argmax(axis=1)

    @property
    def true_probability(self) -> np.ndarray:
        return self.probs[np.arange(len(self.labels)), self.labels]

    @property
    def losses(self) -> np.ndarray:
        """Each image's cross-entropy: ``-log p(true class)``."""
        return -np.log(np.clip(self.true_probability, EPSILON, 1.0))

    def confusion(self) -> np.ndarray:
        """``[true, predicted]`` counts."""
        k = len(self.label_names)
        return np.bincount(self.labels * k + self.predicted, minlength=k * k).reshape(k, k)

    def order_by_loss(self) -> np.ndarray:
        """Image indices, highest loss first (ties: file order)."""
        return np.argsort(-self.losses, kind="stable")


def top_confused_pairs(confusion: np.ndarray, names: list[str], n: int = 20) -> list[dict]:
    """The ``n`` (true, predicted) pairs with the most mistakes."""
    off = confusion.copy()
    np.fill_diagonal(off, 0)
    flat = np.argsort(-off, axis=None, kind="stable")[:n]
    pairs = []
    for index in flat:
        true, predicted = divmod(int(index), confusion.shape[1])
        if off[true, predicted] == 0:
            break
        pairs.append({"true": names[true], "predicted": names[predicted],
                      "count": int(off[true, predicted])})  # fmt: skip
    return pairs


def predict_split(
    classifier: Classifier, db_path: str, tencrop: bool = False,
    batch_size: int = default("EVAL_BATCH_SIZE"),
    progress: bool = False,
) -> Diagnosis:  # fmt: skip
    """One batched pass of ``classifier`` over a builder split; the baseline of a model on
    features from the stored features of the split's images where they match (``note``
    says whether: :mod:`pyimagesearch.evaluation.stored_features`)."""
    from pyimagesearch.evaluation.stored_features import match_stored_features, predict_stored
    from pyimagesearch.evaluation.tencrop import predict_baseline, predict_tencrop

    with open_hdf5(db_path, "images") as db:
        names = read_label_names(db) or classifier.label_names
        require_same_classes(classifier, names, db_path)
        stored, note = (None, None) if tencrop else match_stored_features(classifier, db)
        if stored is not None:
            probs = predict_stored(classifier, stored, progress)
        else:
            predict = predict_tencrop if tencrop else predict_baseline
            probs = predict(classifier, db["images"], batch_size=batch_size, progress=progress)
        labels = np.asarray(db["labels"][:], dtype=np.int64)
        paths = [str(p) for p in read_paths(db)] or [f"row {i}" for i in range(len(labels))]
    return Diagnosis(probs, labels, paths, names, note)


def write_diagnosis(
    diagnosis: Diagnosis, db_path: str, output: Path, top: int = default("DIAGNOSE_TOP")
) -> dict:
    """Every picture and table of the module doc, and the report (returned)."""
    output.mkdir(parents=True, exist_ok=True)
    names, confusion = diagnosis.label_names, diagnosis.confusion()
    order = diagnosis.order_by_loss()
    pairs = top_confused_pairs(confusion, names)
    _write_confusion_csv(confusion, names, output / "confusion_matrix.csv")
    _plot_confusion(confusion, names, pairs, output / "confusion_matrix.png")
    rows = _write_errors_csv(diagnosis, order, output / "errors.csv")
    shown = order[:top]
    with open_hdf5(db_path, "images") as db:
        images = [read_rows(db["images"], int(i)) for i in shown]
    titles = [
        f"{names[diagnosis.labels[i]]} -> {names[diagnosis.predicted[i]]} "
        f"p={diagnosis.true_probability[i]:.2f} {display_path(Path(diagnosis.paths[i]).name)}"
        for i in shown
    ]
    image_grid(images, titles, output / "top_losses.png",
               title="highest losses: true -> predicted, p(true)")  # fmt: skip
    report = {
        "n_images": len(diagnosis.labels),
        "accuracy": float((diagnosis.predicted == diagnosis.labels).mean()),
        "log_loss": float(diagnosis.losses.mean()),
        "label_names": names,
        "confusion_matrix": confusion.tolist(),
        "top_confused_pairs": pairs,
        "top_losses": rows[:top],
        "files": {name: str(output / name) for name in (
            "confusion_matrix.png", "confusion_matrix.csv", "errors.csv", "top_losses.png")},
    }  # fmt: skip
    report["report_path"] = str(write_json(output / "diagnosis.json", report))
    return report


def _write_confusion_csv(confusion: np.ndarray, names: list[str], path: Path) -> None:
    with atomic_write(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["true \\ predicted", *names])
        for name, row in zip(names, confusion, strict=True):
            writer.writerow([name, *row.tolist()])


def _write_errors_csv(diagnosis: Diagnosis, order: np.ndarray, path: Path) -> list[dict]:
    names = diagnosis.label_names
    rows = [
        {
            "path": display_path(diagnosis.paths[i]),
            "true_label": names[diagnosis.labels[i]],
            "predicted_label": names[diagnosis.predicted[i]],
            "true_probability": round(float(diagnosis.true_probability[i]), 6),
            "loss": round(float(diagnosis.losses[i]), 6),
        }
        for i in order
    ]
    with atomic_write(path) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["path"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _plot_confusion(confusion: np.ndarray, names: list[str], pairs: list[dict], path: Path):
    save_figure(confusion_figure(confusion, names, pairs), path, dpi=100)


def confusion_figure(confusion: np.ndarray, names: list[str], pairs: list[dict] | None = None):
    """The confusion matrix as a figure: counts and the share of each true class (with many
    classes, a bar chart of the most confused ``pairs`` instead).

    >>> confusion_figure(np.array([[5, 1], [2, 4]]), ["cat", "dog"]).axes[1].get_title()
    'share of each true class'
    """
    k = len(names)
    if k > GRID_CLASSES:  # 200 classes: a grid nobody can read; the worst pairs instead
        shown = (pairs if pairs is not None else top_confused_pairs(confusion, names))[:20][::-1]
        fig = new_figure(figsize=(9, 0.35 * len(shown) + 1.5))
        ax = fig.subplots()
        ax.barh([f"{p['true']} -> {p['predicted']}" for p in shown], [p["count"] for p in shown])
        ax.set_xlabel("images")
        ax.set_title(f"the most confused pairs of {k} classes (true -> predicted)")
    else:
        normalised = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
        side = max(5.0, 0.45 * k + 2)
        fig = new_figure(figsize=(2 * side, side))
        axes = fig.subplots(1, 2)
        for ax, data, label in ((axes[0], confusion, "counts"),
                                (axes[1], normalised, "share of each true class")):  # fmt: skip
            ax.imshow(data, cmap="Blues")
            ax.set_xticks(range(k), names, rotation=90 if k > 6 else 0)
            ax.set_yticks(range(k), names)
            ax.set_xlabel("predicted")
            ax.set_ylabel("true")
            ax.set_title(label)
            if k <= 20:
                for (i, j), value in np.ndenumerate(data):
                    text = f"{value:.2f}" if data is normalised else str(int(value))
                    ax.text(j, i, text, ha="center", va="center", fontsize=8,
                            color="white" if data[i, j] > data.max() / 2 else "black")  # fmt: skip
    fig.tight_layout()
    return fig


def run_diagnosis(
    cfg: Config,
    model_path: str | os.PathLike[str] | None = None,
    tencrop: bool = False,
    output: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Diagnose a model on the builder's ``DIAGNOSE_SPLIT`` (its ``DIAGNOSE_TOP`` worst
    images shown); write the outputs, return the report. A split of no images is refused
    before the model loads."""
    from pyimagesearch.evaluation.splits import split_with_images

    split = cfg.get("DIAGNOSE_SPLIT")
    db_path = cfg.split_path(split)
    folder = Path(output or cfg.output_path(f"diagnosis_{split}"))
    check_writable({"--output": folder / "diagnosis.json"})
    split_with_images(split, db_path)
    classifier = load_classifier(model_path or cfg.MODEL_PATH,
                                 backbone_batch=cfg.get("EVAL_BACKBONE_BATCH"))  # fmt: skip
    diagnosis = predict_split(classifier, db_path, tencrop, cfg.get("EVAL_BATCH_SIZE"),
                              progress)  # fmt: skip
    if diagnosis.note:
        print(f"[INFO] {diagnosis.note}")
    report = write_diagnosis(diagnosis, db_path, folder, cfg.get("DIAGNOSE_TOP"))
    report.update(model=str(model_path or cfg.MODEL_PATH), split=split, tencrop=tencrop)
    if diagnosis.note:
        report["notes"] = [diagnosis.note]
    write_json(report["report_path"], {k: v for k, v in report.items() if k != "report_path"})
    return report
