"""The audit: hashes like imagehash's, every near pair and no other, groups; on the real
Kaggle sample it finds a planted cross-split duplicate, a re-encoded and resized copy and a
planted label flip, EXCLUDE_LIST removes exactly what it lists, and nothing changes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from pyimagesearch.audit.duplicates import duplicate_groups, near_pairs, similar_features
from pyimagesearch.audit.hashing import hamming, phash
from tests.helpers import RecordedBars, split_settings, write_config


def test_hashes_agree_with_imagehash(kaggle_sample_dir: Path) -> None:
    imagehash = pytest.importorskip("imagehash")
    from PIL import Image

    images = [cv2.cvtColor(cv2.imread(str(kaggle_sample_dir / f"cat.{i}.jpg")),
                           cv2.COLOR_BGR2RGB) for i in range(1, 21)]  # fmt: skip
    ours = [phash(image[None])[0] for image in images]
    theirs = [int(str(imagehash.phash(Image.fromarray(image))), 16) for image in images]
    distances = [int(hamming(a, b)) for a, b in zip(ours, theirs, strict=True)]
    assert np.median(distances) <= 6  # the same algorithm; only the resampling differs
    between = [int(hamming(ours[0], h)) for h in ours[1:]]
    assert min(between) > 12  # different photos stay far apart


def test_near_pairs_are_all_the_close_pairs_and_no_other() -> None:
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**63, 3000, dtype=np.uint64)
    hashes[2500] = hashes[7] ^ np.uint64(0b101)  # 2 bits from hash 7
    hashes[2999] = hashes[7]  # an exact copy
    i, j, d = near_pairs(hashes, threshold=3, block=256)
    found = sorted(zip(i.tolist(), j.tolist(), d.tolist(), strict=True))
    brute = [(a, b, int(hamming(hashes[a], hashes[b]))) for a in (7, 2500) for b in
             range(a + 1, 3000) if hamming(hashes[a], hashes[b]) <= 3]  # fmt: skip
    assert found == sorted(brute) == [(7, 2500, 2), (7, 2999, 0), (2500, 2999, 2)]
    groups = duplicate_groups(i, j, len(hashes))
    assert [g.tolist() for g in groups] == [[7, 2500, 2999]]


def test_similar_features_by_cosine() -> None:
    rng = np.random.default_rng(1)
    features = rng.normal(size=(50, 16)).astype(np.float32)
    features[30] = features[4] * 3 + 0.01  # the same direction
    i, j, s = similar_features(features, threshold=0.99, block=16)
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(4, 30)] and s[0] > 0.99


def _digests(*roots: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for root in roots
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.mark.slow
def test_audit_of_the_kaggle_sample(kaggle_sample_dir, mobilenet_weights, tmp_path) -> None:
    import audit_dataset
    import build_dataset
    import extract_features
    from pyimagesearch.config import load_config
    from pyimagesearch.data.build_dataset import build_dataset as run_build
    from pyimagesearch.io import open_hdf5, read_paths
    from pyimagesearch.utils.reports import read_json

    images, held_out = tmp_path / "images", tmp_path / "test_images"
    images.mkdir()
    held_out.mkdir()
    for i in range(1, 121):
        for name in ("cat", "dog"):
            shutil.copy(kaggle_sample_dir / f"{name}.{i}.jpg", images)
    for i in range(121, 141):  # the test split, given as a folder
        for name in ("cat", "dog"):
            shutil.copy(kaggle_sample_dir / f"{name}.{i}.jpg", held_out)
    shutil.copy(kaggle_sample_dir / "dog.3.jpg", held_out / "dog.9001.jpg")  # across splits
    photo = cv2.imread(str(kaggle_sample_dir / "cat.7.jpg"))
    smaller = cv2.resize(photo, (photo.shape[1] * 2 // 3, photo.shape[0] * 2 // 3))
    cv2.imwrite(str(images / "cat.9002.jpg"), smaller, [cv2.IMWRITE_JPEG_QUALITY, 60])
    flips = {f"dog.{9003 + k}.jpg": f"cat.{150 + k}.jpg" for k in range(3)}  # label flips
    for flipped, source in flips.items():
        shutil.copy(kaggle_sample_dir / source, images / flipped)
    settings = split_settings(tmp_path, images, IMAGE_SIZE=128, NUM_VAL_IMAGES=20,
                              NUM_TEST_IMAGES=None, TEST_FOLDER=str(held_out))  # fmt: skip
    config = write_config(tmp_path / "c.py", **settings, BACKBONE="MobileNetV2",
                          WEIGHTS=str(mobilenet_weights), FEATURE_IMAGE_SIZE=160,
                          FEATURES_HDF5=str(tmp_path / "out" / "features.hdf5"))  # fmt: skip
    run_build(load_config(config), progress=False)
    assert extract_features.main(["--config", str(config), "--quiet"]) == 0
    before = _digests(images, held_out, tmp_path / "hdf5")
    assert audit_dataset.main(["--config", str(config)]) == 0
    assert _digests(images, held_out, tmp_path / "hdf5") == before  # the audit only reads

    audit = read_json(tmp_path / "out" / "audit" / "audit.json")
    groups = [{Path(m["path"]).name for m in g["members"]} for g in audit["duplicates"]]
    pair = {"dog.3.jpg", "dog.9001.jpg"}
    across = next(g for g, names in zip(audit["duplicates"], groups, strict=True) if names == pair)
    assert across["across_splits"] and {m["split"] for m in across["members"]} >= {"test"}
    assert {"cat.7.jpg", "cat.9002.jpg"} in groups  # re-encoded at quality 60 and resized
    ranked = [Path(f["path"]).name for f in audit["suspicious_labels"][:10]]
    assert len(set(flips) & set(ranked)) >= 2, ranked  # the planted flips rank near the top
    order = [g["conflicting_labels"] or g["across_splits"] for g in audit["duplicates"]]
    assert order == sorted(order, reverse=True)  # flagged groups listed first
    for name in ("duplicates.csv", "suspicious_labels.csv", "outliers.csv", "uniform.csv",
                 "reading_problems.csv", "duplicates.png", "suspicious_labels.png"):  # fmt: skip
        assert (tmp_path / "out" / "audit" / name).is_file()

    exclusions = tmp_path / "out" / "audit" / "exclusions.txt"
    listed = {line.split("#")[0].strip() for line in exclusions.read_text().splitlines()
              if line.split("#")[0].strip()}  # fmt: skip
    assert any(str(images / flipped) in listed for flipped in flips)
    outputs = {"TRAIN_HDF5": "t.hdf5", "VAL_HDF5": "v.hdf5", "TEST_HDF5": "s.hdf5",
               "DATASET_MEAN": "m.json"}  # fmt: skip
    rebuild_settings = {**settings, "EXCLUDE_LIST": str(exclusions),
                        **{k: str(tmp_path / "r" / v) for k, v in outputs.items()}}  # fmt: skip
    rebuild = write_config(tmp_path / "r.py", **rebuild_settings)
    assert build_dataset.main(["--config", str(rebuild), "--quiet"]) == 0
    kept = set()
    for name in ("t", "v", "s"):
        with open_hdf5(tmp_path / "r" / f"{name}.hdf5", "images") as db:
            kept |= {str(p) for p in read_paths(db)}
    everything = {str(p) for p in images.iterdir()} | {str(p) for p in held_out.iterdir()}
    assert kept == everything - listed  # exactly the listed files are gone
    assert read_json(tmp_path / "out" / "build_report.json")["totals"]["excluded"] == len(listed)


def test_audit_of_a_folder_without_features(synthetic_images, tmp_path) -> None:
    import audit_dataset
    from pyimagesearch.utils.reports import read_json

    images = tmp_path / "images"
    shutil.copytree(synthetic_images, images)
    shutil.copy(images / "dog.4.jpg", images / "cat.999.jpg")  # a copy with the other label
    flat = np.full((80, 90, 3), 200, np.uint8)  # a placeholder: flat, a line of text
    cv2.putText(flat, "PHOTO UNAVAILABLE", (2, 45), cv2.FONT_HERSHEY_SIMPLEX, 0.3, (0, 0, 0))
    cv2.imwrite(str(images / "dog.998.jpg"), flat)
    config = write_config(tmp_path / "c.py", OUTPUT_PATH=str(tmp_path / "out"))
    before = _digests(images)
    assert audit_dataset.main(["--config", str(config), "--folder", str(images)]) == 0
    assert _digests(images) == before
    audit = read_json(tmp_path / "out" / "audit" / "audit.json")
    first = audit["duplicates"][0]
    assert first["conflicting_labels"]
    assert {Path(m["path"]).name for m in first["members"]} == {"dog.4.jpg", "cat.999.jpg"}
    assert "dog.998.jpg" in {Path(u["path"]).name for u in audit["uniform"]}
    assert audit["summary"]["notes"][0].startswith("no features")


def _tiny_split(path: Path, n: int = 12) -> None:
    import h5py

    rng = np.random.default_rng(3)
    with h5py.File(path, "w") as db:
        db.create_dataset("images", data=rng.integers(0, 255, (n, 16, 16, 3), dtype=np.uint8))
        db.create_dataset("labels", data=np.arange(n) % 2)
        db.create_dataset("label_names", data=["cat", "dog"])
        db.create_dataset("paths", data=[f"/photos/{'cd'[i % 2]}.{i}.jpg" for i in range(n)])
        db.attrs["complete"] = True


def test_the_shipped_config_audits_without_features(tmp_path, capsys, monkeypatch) -> None:
    import audit_dataset
    from pyimagesearch.audit import audit_dataset as engine
    from pyimagesearch.config import load_config
    from pyimagesearch.features.extract_features import features_files
    from pyimagesearch.utils.reports import read_json
    from tests.conftest import REPO_ROOT

    shipped = REPO_ROOT / "config" / "dogs_vs_cats_config.py"
    mobilenet = load_config(shipped, overrides=["BACKBONE=MobileNetV2"])
    assert [Path(f).name for f in features_files(mobilenet)] == ["features_mobilenetv2.hdf5"]
    _tiny_split(tmp_path / "train.hdf5")
    paths = {"TRAIN_HDF5": tmp_path / "train.hdf5", "VAL_HDF5": tmp_path / "none.hdf5",
             "TEST_HDF5": tmp_path / "none.hdf5", "OUTPUT_PATH": tmp_path / "out"}  # fmt: skip
    sets = [a for name, value in paths.items() for a in ("--set", f"{name}={value}")]
    monkeypatch.setattr(engine, "progress_bar", bars := RecordedBars())
    assert audit_dataset.main(["--config", str(shipped), *sets]) == 0
    captured = capsys.readouterr()
    assert bars.labels() == ["hashing train"] and bars.bars[0].updates[-1] == 12  # progress
    audit = read_json(tmp_path / "out" / "audit" / "audit.json")
    assert audit["summary"]["images"] == 12 and audit["suspicious_labels"] == []
    note = audit["summary"]["notes"][0]
    assert note.startswith("no features at") and "features_resnet50.hdf5" in note
    assert "[AUDIT] note: no features at" in captured.out


def test_outliers_need_an_unusual_distance(tmp_path) -> None:
    from pyimagesearch.audit.audit_dataset import AuditData, _outliers

    rng = np.random.default_rng(0)
    centres = np.repeat(np.eye(2), 16, axis=1) * 3  # two classes, 32 non-negative features
    labels = np.repeat([0, 1], 40)
    features = np.abs(centres[labels] + rng.normal(0, 1, (80, 32)))

    def data(rows: np.ndarray) -> AuditData:
        n = len(rows)
        return AuditData([f"{i}.jpg" for i in range(n)], ["train"] * n, labels, ["a", "b"],
                         np.zeros(n, np.uint64), np.zeros(n), [("f", i) for i in range(n)],
                         features=rows)  # fmt: skip

    plain = data(features)
    assert _outliers(plain) == []  # the farthest of ordinary images are no outliers
    assert plain.notes[0].startswith("no outliers: no image is unusually far")
    odd = features.copy()
    odd[7] = np.abs(rng.normal(0, 1, 32))
    odd[7, :4] += 6  # like neither class
    found = _outliers(data(odd))
    assert [f["row"] for f in found] == [7] and found[0]["score"] >= 3.5


def _folder_with_unreadable_files(root: Path) -> Path:
    """Eight small images, two of them cat/dog look-alikes, and three files that are not
    images under image names (as in a half-downloaded Kaggle folder)."""
    images = root / "images"
    images.mkdir()
    rng = np.random.default_rng(4)
    for i in range(4):
        for name in ("cat", "dog"):
            cv2.imwrite(str(images / f"{name}.{i}.png"), rng.integers(0, 255, (24, 24, 3),
                                                                      dtype=np.uint8))  # fmt: skip
    (images / "cat.90.jpg").write_bytes(b"not a jpeg")
    (images / "dog.91.jpg").write_bytes(b"")
    (images / "cat.92.png").write_bytes(b"\x89PNG cut off")
    return images


def test_a_folder_with_unreadable_files_lists_them_and_writes_every_file(tmp_path) -> None:
    import audit_dataset
    from pyimagesearch.utils.reports import read_json

    images = _folder_with_unreadable_files(tmp_path)
    config = write_config(tmp_path / "c.py", OUTPUT_PATH=str(tmp_path / "out"))
    out = tmp_path / "out" / "audit"
    assert audit_dataset.main(["--config", str(config), "--folder", str(images), "--quiet"]) == 0
    audit = read_json(out / "audit.json")
    assert audit["summary"]["images"] == 8
    problems = sorted((Path(p["path"]).name, p["problem"][:11]) for p in audit["reading_problems"])
    assert problems == [("cat.90.jpg", "unreadable:"), ("cat.92.png", "unreadable:"),
                        ("dog.91.jpg", "unreadable:")]  # fmt: skip
    assert audit["summary"]["notes"][0].startswith("3 file(s) could not be decoded")
    written = {p.name for p in out.iterdir()}
    assert {"audit.json", "reading_problems.csv", "duplicates.csv", "exclusions.txt"} <= written
    assert written <= {
        "audit.json",
        "duplicates.csv",
        "duplicates.png",
        "outliers.csv",
        "reading_problems.csv",
        "suspicious_labels.csv",
        "uniform.csv",
        "uniform.png",
        "exclusions.txt",
    }  # fmt: skip (nothing half-made)


def test_an_earlier_audit_is_kept_unless_overwrite_and_until_the_new_one_is_made(
    tmp_path, capsys, monkeypatch
) -> None:
    import audit_dataset
    from pyimagesearch.audit import audit_dataset as engine
    from tests.helpers import file_hashes

    _tiny_split(tmp_path / "train.hdf5")
    config = write_config(tmp_path / "c.py", TRAIN_HDF5=str(tmp_path / "train.hdf5"),
                          OUTPUT_PATH=str(tmp_path / "out"))  # fmt: skip
    out = tmp_path / "findings"
    args = ["--config", str(config), "--output", str(out), "--quiet"]
    assert audit_dataset.main(args) == 0
    before = file_hashes(tmp_path)
    capsys.readouterr()
    assert audit_dataset.main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        err.strip()
        .splitlines()[0]
        .startswith(
            f"error: --output {out} already holds an audit's files (audit.json, duplicates.csv, "
        )
    )
    assert "pass --overwrite to replace them" in err
    assert file_hashes(tmp_path) == before

    def fails(*args, **kwargs):
        raise OSError(28, "No space left on device", str(out / "exclusions.txt"))

    monkeypatch.setattr(engine, "_write_exclusions", fails)  # after the CSVs: a full disk
    (tmp_path / "train.hdf5").unlink()
    _tiny_split(tmp_path / "train.hdf5", n=10)  # a new build: other findings
    before = {k: v for k, v in file_hashes(tmp_path).items() if k.startswith("findings")}
    assert audit_dataset.main([*args, "--overwrite"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert {k: v for k, v in file_hashes(tmp_path).items() if k.startswith("findings")} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(k).name for k in before)
    monkeypatch.undo()
    assert audit_dataset.main([*args, "--overwrite"]) == 0
    assert engine.read_json(out / "audit.json")["summary"]["images"] == 10
