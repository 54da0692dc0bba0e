"""Feature extraction: backbones, weights, HDF5 output and path tracing."""

from __future__ import annotations

import urllib.error
from pathlib import Path

import h5py
import numpy as np
import pytest

import extract_features
from pyimagesearch.data.image_loading import ImageLoader
from pyimagesearch.data.sources import open_source
from pyimagesearch.errors import ConfigError, WeightsError
from pyimagesearch.features.backbones import get_backbone_spec
from pyimagesearch.features.extraction import FeatureExtractor, open_sources, write_features
from pyimagesearch.features.weights import resolve_weights
from pyimagesearch.io import HDF5DatasetWriter, read_paths
from tests.helpers import output_in

TINY = 32  # the smallest input most backbones take


@pytest.fixture(scope="module")
def tiny_extractor() -> FeatureExtractor:
    """Random-weight MobileNetV2 at 32x32: fast, and enough to test the plumbing."""
    return FeatureExtractor("MobileNetV2", weights=None, image_size=TINY)


@pytest.fixture
def small_folder(synthetic_images: Path, tmp_path: Path) -> Path:
    """10 cats, 10 dogs, one corrupt JPEG and one empty file."""
    folder = tmp_path / "images"
    folder.mkdir()
    for name in ("cat", "dog"):
        for i in range(10):
            src = synthetic_images / f"{name}.{i}.jpg"
            (folder / src.name).write_bytes(src.read_bytes())
    (folder / "cat.900.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (folder / "dog.901.jpg").write_bytes(b"")
    return folder


@pytest.mark.parametrize(
    ("name", "size", "dim"),
    [
        ("VGG16", 32, 512),
        ("ResNet50", 32, 2048),
        pytest.param("InceptionV3", 75, 2048, marks=pytest.mark.slow),
        pytest.param("Xception", 71, 2048, marks=pytest.mark.slow),
        pytest.param("InceptionResNetV2", 75, 1536, marks=pytest.mark.slow),
        ("MobileNetV2", 32, 1280),
        pytest.param("EfficientNetB0", 32, 1280, marks=pytest.mark.slow),
    ],
)
def test_feature_shape_per_backbone(name: str, size: int, dim: int) -> None:
    extractor = FeatureExtractor(name, weights=None, image_size=size)
    images = np.random.default_rng(0).integers(0, 256, (2, size, size, 3), dtype=np.uint8)
    features = extractor.features(images)
    assert features.shape == (2, dim)
    assert features.dtype == np.float32
    assert np.isfinite(features).all()
    assert get_backbone_spec(name).feature_dim == dim


def test_backbone_names_and_sizes() -> None:
    assert get_backbone_spec("resnet50").name == "ResNet50"
    assert get_backbone_spec("ConvNeXtTiny").name == "ConvNeXtTiny"  # any keras.applications
    with pytest.raises(ConfigError, match="unknown backbone"):
        get_backbone_spec("ResNet51")
    with pytest.raises(ConfigError, match="at least 75"):
        FeatureExtractor("InceptionV3", weights=None, image_size=64)


def test_weights_resolution(tmp_path: Path) -> None:
    assert resolve_weights("ImageNet") == "imagenet"
    assert resolve_weights("none") is None
    assert resolve_weights(None) is None
    with pytest.raises(WeightsError, match="not found"):
        resolve_weights(str(tmp_path / "missing.weights.h5"))


@pytest.mark.slow
def test_weights_from_a_path(tiny_extractor: FeatureExtractor, tmp_path: Path) -> None:
    path = tmp_path / "mobilenet.weights.h5"
    tiny_extractor.model.save_weights(path)
    images = np.random.default_rng(1).integers(0, 256, (3, TINY, TINY, 3), dtype=np.uint8)
    loaded = FeatureExtractor("MobileNetV2", weights=str(path), image_size=TINY)
    assert loaded.weights_source == str(path.resolve())
    np.testing.assert_allclose(loaded.features(images), tiny_extractor.features(images), atol=1e-5)


@pytest.mark.filterwarnings("ignore:Skipping nested container")
def test_weights_file_of_another_network(tiny_extractor: FeatureExtractor, tmp_path: Path) -> None:
    path = tmp_path / "mobilenet.weights.h5"
    tiny_extractor.model.save_weights(path)
    with pytest.raises(WeightsError, match="does not fit VGG16"):
        FeatureExtractor("VGG16", weights=str(path), image_size=TINY)


@pytest.mark.parametrize("where", [0.05, 0.5])
def test_a_weights_file_damaged_inside_is_one_line(
    tiny_extractor: FeatureExtractor, tmp_path: Path, where: float
) -> None:
    """Zeros written into the file: its object headers (h5py's RuntimeError) or its data
    (Keras finds no layers) are one WeightsError naming the file, not a traceback."""
    path = tmp_path / "mobilenet.weights.h5"
    tiny_extractor.model.save_weights(path)
    data = bytearray(path.read_bytes())
    start = int(len(data) * where)
    data[start : start + len(data) // 10] = bytes(len(data) // 10)
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=f"weights file {path}") as info:
        FeatureExtractor("MobileNetV2", weights=str(path), image_size=TINY)
    assert "\n" not in str(info.value)


@pytest.mark.slow
def test_shared_pretrained_weights_load(mobilenet_weights: Path) -> None:
    images = np.random.default_rng(2).integers(0, 256, (2, 96, 96, 3), dtype=np.uint8)
    pretrained = FeatureExtractor("MobileNetV2", weights=str(mobilenet_weights), image_size=96)
    random = FeatureExtractor("MobileNetV2", weights=None, image_size=96)
    assert not np.allclose(pretrained.features(images), random.features(images))


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No internet and an empty Keras cache, without touching the network."""
    from keras.src.backend import config
    from keras.src.utils import file_utils

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(file_utils, "urlretrieve", no_network)
    monkeypatch.setattr(config, "_KERAS_DIR", str(tmp_path / "keras_home"))
    return tmp_path / "keras_home"


def test_offline_imagenet_message(offline: Path) -> None:
    with pytest.raises(WeightsError) as info:
        FeatureExtractor("MobileNetV2", weights="imagenet", image_size=96)
    message = str(info.value)
    assert "cannot download the ImageNet weights for MobileNetV2" in message
    assert "https://storage.googleapis.com/" in message  # the file to fetch elsewhere
    assert str(offline / "models") in message  # where to put it
    assert "--weights PATH" in message
    assert "\n" not in message


def test_offline_imagenet_script_prints_one_line(
    offline: Path, small_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = extract_features.main(
        ["--dataset", str(small_folder), "--output", str(tmp_path / "f.hdf5"),
         "--backbone", "MobileNetV2", "--image-size", "96", "--quiet"]
    )  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("error: cannot download the ImageNet weights")
    assert "Traceback" not in "\n".join(err)
    assert not (tmp_path / "f.hdf5").exists()


def test_hdf5_output_attributes_and_path_tracing(
    tiny_extractor: FeatureExtractor, small_folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "features.hdf5"
    report = write_features(
        tiny_extractor,
        open_sources(small_folder),
        out,
        batch_size=6,
        buffer_size=7,
        progress=False,
    )
    assert report["written"] == 20 and report["skipped"] == 2
    assert {Path(s["path"]).name for s in report["skipped_files"]} == {"cat.900.jpg", "dog.901.jpg"}
    with h5py.File(out, "r") as db:
        features = db["features"][:]
        labels = db["labels"][:]
        paths = list(read_paths(db))
        assert features.shape == (20, 1280) and features.dtype == np.float32
        assert [n.decode() for n in db["label_names"][:]] == ["cat", "dog"]
        assert db.attrs["backbone"] == "MobileNetV2"
        assert db.attrs["image_size"] == TINY
        assert db.attrs["weights"] == "none"
        assert db.attrs["feature_dim"] == 1280
        assert db.attrs["source"] == str(small_folder)
        assert db.attrs["skipped"] == 2
        assert bool(db.attrs["complete"])
    assert sorted(Path(p).name for p in paths) == sorted(
        f"{c}.{i}.jpg" for c in ("cat", "dog") for i in range(10)
    )
    # Every row traces back to its file: its features are that file's features.
    loader = ImageLoader(TINY, TINY)
    for row in (0, 7, 19):
        expected = tiny_extractor.features(loader(paths[row])[None])
        np.testing.assert_allclose(features[row], expected[0], rtol=1e-4, atol=1e-4)
        assert labels[row] == (0 if Path(paths[row]).name.startswith("cat") else 1)


def test_extract_from_builder_hdf5(tiny_extractor: FeatureExtractor, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (9, 64, 64, 3), dtype=np.uint8)
    source = tmp_path / "train.hdf5"
    built = {"channel_order": "RGB", "build_id": "b7", "build_settings": '{"NUM_TEST_IMAGES": 9}'}
    writer = HDF5DatasetWriter((9, 64, 64, 3), source, attrs=built)
    writer.store_class_labels(["cat", "dog"])
    writer.add(images, [0, 1, 0, 1, 0, 1, 0, 1, 0], paths=[f"img{i}.jpg" for i in range(9)])
    writer.close()
    out = tmp_path / "features.hdf5"
    report = write_features(tiny_extractor, open_sources(source), out, batch_size=4, progress=False)
    assert report["written"] == 9
    with h5py.File(out, "r") as db:
        assert list(read_paths(db)) == [f"img{i}.jpg" for i in range(9)]
        assert list(db["labels"][:]) == [0, 1, 0, 1, 0, 1, 0, 1, 0]
        assert db.attrs["source_kind"] == "hdf5"
        # the build the features come from, as its files recorded it (for the runs on them)
        assert db.attrs["build_id"] == "b7"
        assert db.attrs["build_settings"] == '{"NUM_TEST_IMAGES": 9}'
        first = db["features"][0]
    import cv2

    resized = cv2.resize(images[0], (TINY, TINY), interpolation=cv2.INTER_AREA)
    np.testing.assert_allclose(first, tiny_extractor.features(resized[None])[0], atol=1e-4)


def test_unlabeled_folder_source(small_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "test1"
    folder.mkdir()
    for i in (1, 2, 10):
        (folder / f"{i}.jpg").write_bytes((small_folder / f"cat.{i % 10}.jpg").read_bytes())
    source = open_source(folder, require_labels=False)
    assert len(source) == 3 and list(source.labels) == [-1, -1, -1]


@pytest.mark.slow
def test_script_with_flags_only(small_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "f.hdf5"
    code = extract_features.main(
        ["--dataset", str(small_folder), "--output", str(out), "--backbone", "mobilenetv2",
         "--weights", "none", "--image-size", "32", "--batch-size", "8", "--quiet"]
    )  # fmt: skip
    assert code == 0
    with h5py.File(out, "r") as db:
        assert db["features"].shape == (20, 1280)
    assert (tmp_path / "f_report.json").is_file()


def test_script_config_and_errors(
    small_folder: Path, make_config, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert extract_features.main(["--output", str(tmp_path / "x.hdf5")]) == 2
    assert "no dataset" in capsys.readouterr().err
    config = make_config(
        IMAGES_PATH=str(small_folder),
        FEATURES_HDF5="out/f.hdf5",
        BACKBONE="MobileNetV2",
        WEIGHTS=None,
        FEATURE_IMAGE_SIZE=20,
        OUTPUT_PATH="out",
    )
    assert extract_features.main(["--config", str(config), "--quiet"]) == 2
    assert "FEATURE_IMAGE_SIZE = 20" in capsys.readouterr().err


@pytest.mark.slow
def test_several_backbones_then_fusion(
    small_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import train_logreg

    a, b = tmp_path / "a.hdf5", tmp_path / "b.hdf5"
    common = ["--dataset", str(small_folder), "--weights", "none", "--image-size", "32", "--quiet"]
    assert extract_features.main([*common, "--backbone", "MobileNetV2,ResNet50", "--output",
                                  str(a)]) == 2  # fmt: skip
    assert "2 backbone(s)" in capsys.readouterr().err
    code = extract_features.main(
        [*common, "--backbone", "MobileNetV2,ResNet50", "--output", str(a), str(b)]
    )
    assert code == 0
    assert f"train_logreg.py --db {a} {b}" in capsys.readouterr().out
    with h5py.File(a, "r") as db_a, h5py.File(b, "r") as db_b:
        assert db_a.attrs["backbone"] == "MobileNetV2" and db_b.attrs["backbone"] == "ResNet50"
    report = tmp_path / "r.json"
    args = ["--db", str(a), str(b), "--report", str(report), "--model", str(tmp_path / "m.skops"),
            *output_in(tmp_path / "out")]  # fmt: skip
    assert train_logreg.main(args) == 0
    import json

    assert json.loads(report.read_text())["feature_dim"] == 1280 + 2048

    import predict  # the fused classifier re-extracts both backbones' features

    out = tmp_path / "submission.csv"
    args = ["--images", str(small_folder), "--model", str(tmp_path / "m.skops"), "--quiet",
            *output_in(tmp_path / "out")]  # fmt: skip
    assert predict.main([*args, "--output", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 1 + 22  # every file has a row, unreadable too
    assert json.loads((tmp_path / "predict_report.json").read_text())["labeled_images"] == 22
