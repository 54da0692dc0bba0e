"""export.py: every kind of trained model out of the framework, in every format that
installs here, agreeing with load_classifier on real photos; the refusals before any
work; nothing overwritten.

The models are the smallest of each kind, written with their records directly (no
training script): ShallowNet-size networks on 40x40 images (mean subtracted outside, or
inside by the ``mean_subtraction`` layer), a fine-tuned network with MobileNetV2's
preprocessing, and (slow) a logistic regression and a head on real MobileNetV2 features
at 32 px.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import export
from pyimagesearch.models import load_classifier, write_record
from pyimagesearch.models.record import file_sha256
from tests.helpers import file_hashes, output_in

keras = pytest.importorskip("keras")

SIDE = 40  # the stored image size of every model here: the artifacts take 40x40 images
NAMES = ["cat", "dog"]
FILES = {"saved_model": "saved_model", "onnx": "model.onnx", "litert": "model.tflite"}


def photos(folder: Path, count: int = 6, side: int = SIDE) -> tuple[np.ndarray, np.ndarray]:
    """``count`` real photos (cats and dogs) at ``side``, as the builder stores them."""
    from pyimagesearch.data.image_loading import ImageLoader

    paths = [folder / f"{name}.{i}.jpg" for i in range(1, count // 2 + 1) for name in NAMES]
    images = np.stack([ImageLoader(side, side)(str(p)) for p in paths])
    return images, np.arange(len(paths)) % 2


def _save(path: Path, model, record: dict) -> Path:
    model.save(path)
    write_record(path, {"label_names": NAMES, "image_size": [SIDE, SIDE], **record})
    return path


def _small_cnn(inputs, start=None, outputs: int = 2):
    """A convolution, global pooling and a dense layer on ``start`` (default: ``inputs``)."""
    keras.utils.set_random_seed(0)
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs if start is None else start)
    x = keras.layers.GlobalAveragePooling2D()(x)
    activation = "sigmoid" if outputs == 1 else "softmax"
    return keras.Model(inputs, keras.layers.Dense(outputs, activation=activation)(x))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fast kinds: a network with the mean subtracted before it (resized 40 -> 32), one
    subtracting it itself, a fine-tuned network (sigmoid output, no resize)."""
    from pyimagesearch.nn.conv.registry import MEAN_LAYER_NAME
    from pyimagesearch.nn.conv.shallownet import ShallowNet

    folder = tmp_path_factory.mktemp("models")
    mean = {"R": 124.0, "G": 116.0, "B": 104.0}
    keras.utils.set_random_seed(0)
    network = _save(
        folder / "shallownet.keras",
        ShallowNet.build(32, 32, 3, 2),
        {
            "kind": "network",
            "network": "ShallowNet",
            "input_size": [32, 32],
            "preprocessing": {"mean": mean, "mean_in_model": False},
        },
    )
    inputs = keras.Input((32, 32, 3))
    normalized = keras.layers.Normalization(
        mean=list(mean.values()), variance=[1.0] * 3, name=MEAN_LAYER_NAME
    )(inputs)
    inside = _save(
        folder / "mean_inside.keras",
        _small_cnn(inputs, normalized),
        {
            "kind": "network",
            "network": "tiny",
            "input_size": [32, 32],
            "preprocessing": {"mean": mean, "mean_in_model": True},
        },
    )
    fine_tuned = _save(
        folder / "fine_tuned.keras",
        _small_cnn(keras.Input((SIDE, SIDE, 3)), outputs=1),
        {
            "kind": "fine_tuned",
            "input_size": [SIDE, SIDE],
            "backbone": "MobileNetV2",
            "preprocessing": {"backbone": "MobileNetV2"},
        },
    )
    return {"network": network, "network_mean_inside": inside, "fine_tuned": fine_tuned}


@pytest.fixture(scope="module")
def feature_models(
    tmp_path_factory: pytest.TempPathFactory, kaggle_sample_dir: Path, mobilenet_weights: Path
) -> dict[str, Path]:
    """A logistic regression and a head on MobileNetV2's pooled features of 32x32 inputs
    (real weights), fitted on 24 real photos: the 99.4% classifier's kind, small."""
    import skops.io

    from pyimagesearch.data.sources import resize_batch
    from pyimagesearch.features.classifiers import logistic_regression
    from pyimagesearch.features.extraction import FeatureExtractor

    folder = tmp_path_factory.mktemp("feature_models")
    images, labels = photos(kaggle_sample_dir, 24)
    features = FeatureExtractor("MobileNetV2", mobilenet_weights, 32).features(
        resize_batch(images, 32)
    )
    record = {
        "label_names": NAMES,
        "image_size": [SIDE, SIDE],
        "input_size": [32, 32],
        "backbones": [
            {"backbone": "MobileNetV2", "weights": str(mobilenet_weights), "image_size": 32}
        ],
    }
    logreg = folder / "logreg.skops"
    skops.io.dump(logistic_regression("l2", 2, C=1.0).fit(features, labels), logreg)
    write_record(logreg, {**record, "kind": "logreg"})
    keras.utils.set_random_seed(0)
    head = keras.Sequential([keras.Input((features.shape[1],)), keras.layers.Dense(2, "softmax")])
    head.compile("adam", "sparse_categorical_crossentropy")
    head.fit(features, labels, epochs=5, verbose=0)
    head_path = folder / "head.keras"
    head.save(head_path)
    write_record(head_path, {**record, "kind": "head"})
    return {"logreg": logreg, "head": head_path}


def plain_runtime(fmt: str, folder: Path):
    """The artifact loaded as docs/MODELS.md shows, with none of this package."""
    if fmt == "saved_model":
        import tensorflow as tf

        serve = tf.saved_model.load(str(folder / "saved_model")).signatures["serving_default"]
        return lambda x: serve(images=tf.constant(x))["probabilities"].numpy()
    if fmt == "onnx":
        import onnxruntime as ort

        session = ort.InferenceSession(str(folder / "model.onnx"))
        return lambda x: session.run(["probabilities"], {"images": x})[0]
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=str(folder / "model.tflite")).get_signature_runner()
    return lambda x: runner(images=x)["probabilities"]


def runtime_installed(fmt: str) -> None:
    for module in {"onnx": ("tf2onnx", "onnxruntime"), "litert": ("ai_edge_litert",)}.get(fmt, ()):
        pytest.importorskip(module)


def run_export(model: Path, fmt: str, out: Path, images: Path, *extra: str) -> int:
    return export.main(
        [
            "--model",
            str(model),
            "--format",
            fmt,
            "--output",
            str(out),
            "--images",
            str(images),
            "-n",
            "8",
            *output_in(out.parent / "o"),
            *extra,
        ]
    )


_CLASSIFIERS: dict[Path, object] = {}


def _classifier(model: Path):
    """The model as the framework loads it (once a module: a backbone takes a second)."""
    if model not in _CLASSIFIERS:
        _CLASSIFIERS[model] = load_classifier(model)
    return _CLASSIFIERS[model]


def check_export(model: Path, fmt: str, out: Path, kaggle: Path) -> None:
    """The export folder, its record, the parity it states, and an independent parity
    check of the artifact in its plain runtime on other photos."""
    record = json.loads((out / "export.json").read_text())
    assert (out / "labels.txt").read_text() == "cat\ndog\n"
    assert record["source_model"]["sha256"] == file_sha256(model)
    assert record["input"]["shape"] == [None, SIDE, SIDE, 3] and record["input"]["dtype"] == "uint8"
    parity = record["parity"]
    assert parity["passed"] and parity["images"] == 8 and parity["agreement"] == 1.0
    assert parity["max_abs_difference"] <= parity["tolerance"] == 1e-4
    images, _ = photos(kaggle, 10)
    images = images[4:]  # photos the export's check did not see first
    run = plain_runtime(fmt, out)
    expected = _classifier(model).predict_proba(images)
    assert np.abs(run(images) - expected).max() <= 1e-4  # any batch size
    assert np.abs(run(images[:1]) - expected[:1]).max() <= 1e-4
    with pytest.raises(Exception):  # noqa: B017 (each runtime's own error): another size
        run(np.zeros((1, SIDE + 8, SIDE + 8, 3), np.uint8))


@pytest.mark.parametrize("fmt", list(FILES))
@pytest.mark.parametrize("kind", ["network", "network_mean_inside", "fine_tuned"])
def test_every_network_kind_exports_within_tolerance(
    models: dict, kind: str, fmt: str, tmp_path: Path, kaggle_sample_dir: Path
) -> None:
    runtime_installed(fmt)
    out = tmp_path / "export"
    assert run_export(models[kind], fmt, out, kaggle_sample_dir) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [FILES[fmt], "export.json", "labels.txt"]
    )
    check_export(models[kind], fmt, out, kaggle_sample_dir)


@pytest.mark.long  # make test-long (CI); see README
@pytest.mark.slow
@pytest.mark.parametrize(
    "kind, fmt", [("logreg", "onnx"), ("logreg", "litert"), ("head", "saved_model")]
)
def test_models_on_features_export_as_one_network(
    feature_models: dict, kind: str, fmt: str, tmp_path: Path, kaggle_sample_dir: Path
) -> None:
    """The logistic regression becomes one network (the backbone, its pooling, the
    coefficients as a dense layer) with the probabilities of predict_proba; a head too.
    (The formats' conversions are each checked on every network kind above; here, the
    backbone and the classifier on its features, in the two converters besides
    TensorFlow's own, and the head in a SavedModel.)"""
    runtime_installed(fmt)
    out = tmp_path / "export"
    assert run_export(feature_models[kind], fmt, out, kaggle_sample_dir) == 0
    check_export(feature_models[kind], fmt, out, kaggle_sample_dir)
    inside = json.loads((out / "export.json").read_text())["inside"]
    assert any("MobileNetV2 (32 px" in step for step in inside)
    assert any("resize 40x40 -> 32x32" in step for step in inside)
    if kind == "logreg":
        assert "the logistic regression as a dense layer (2 outputs)" in inside


def _first_error_line(capsys: pytest.CaptureFixture) -> str:
    return capsys.readouterr().err.strip().splitlines()[0]


@pytest.mark.parametrize("cause", ["package", "backend", "keras"])
def test_a_format_that_cannot_be_written_is_refused_before_any_work(
    cause: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """One line naming what would work, before the model is even read (here it does not
    exist), and nothing written."""
    import dataclasses

    from pyimagesearch.export import formats

    if cause == "package":
        onnx = formats.FORMATS["onnx"]
        monkeypatch.setitem(
            formats.FORMATS,
            "onnx",
            dataclasses.replace(
                onnx, packages=(*onnx.packages[:1], ("no_such_module_here", "tf2onnx"))
            ),
        )
    elif cause == "backend":
        monkeypatch.setattr(formats, "keras_backend", lambda: "jax")
    else:
        monkeypatch.setattr(formats, "keras_formats", lambda: ["saved_model", "litert"])
    before = file_hashes(tmp_path)
    code = export.main(
        [
            "--model",
            str(tmp_path / "missing.keras"),
            "--format",
            "onnx",
            *output_in(tmp_path / "out"),
        ]
    )
    assert code == 2
    expected = {
        "package": "error: EXPORT_FORMAT = 'onnx' needs tf2onnx, which is not installed: "
        "pip install tf2onnx (every format's packages: pip install -e '.[export]')",
        "backend": "error: EXPORT_FORMAT = 'onnx' is written from Keras' TensorFlow backend, "
        "and this Keras runs on jax: run export.py with KERAS_BACKEND=tensorflow",
        "keras": f"error: Keras {keras.__version__} cannot write onnx (model.export has no "
        "format 'onnx'); it writes saved_model, litert: choose one of them with "
        "--format, or upgrade Keras (pip install -U keras)",
    }[cause]
    assert _first_error_line(capsys) == expected
    assert file_hashes(tmp_path) == before and not (tmp_path / "out").exists()


def _shifted_runtime(monkeypatch: pytest.MonkeyPatch, shift: float) -> None:
    """The parity check's runtime, off by ``shift`` (a broken converter)."""
    from pyimagesearch.export import export as engine
    from pyimagesearch.export.parity import Runtime, load_runtime

    def shifted(fmt, path):
        real = load_runtime(fmt, path)
        return Runtime(real.name, lambda x: real.predict(x) + shift)

    monkeypatch.setattr(engine, "load_runtime", shifted)


def test_an_export_is_never_replaced_unasked_nor_by_a_failed_one(
    models: dict,
    tmp_path: Path,
    kaggle_sample_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    out = tmp_path / "export"
    assert run_export(models["network"], "onnx", out, kaggle_sample_dir) == 0
    before = file_hashes(out)
    capsys.readouterr()
    assert run_export(models["network"], "onnx", out, kaggle_sample_dir) == 2
    assert _first_error_line(capsys) == (
        f"error: EXPORT_PATH {out} already exists; pass --overwrite to replace it (the old "
        "file stays until the new one is complete)"
    )
    _shifted_runtime(monkeypatch, 0.01)
    assert run_export(models["network"], "onnx", out, kaggle_sample_dir, "--overwrite") == 2
    line = _first_error_line(capsys)
    assert line.startswith(
        "error: the onnx export disagrees with the model: largest "
        "probability difference 0.01 > EXPORT_TOLERANCE 0.0001 on 8 images"
    )
    assert line.endswith(": nothing written; the earlier export is kept")
    assert file_hashes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "o"]  # no .partial left
    monkeypatch.undo()
    assert (
        run_export(models["network"], "onnx", out, kaggle_sample_dir, "--overwrite", "-n", "4") == 0
    )
    assert json.loads((out / "export.json").read_text())["parity"]["images"] == 4


def _test_split(path: Path, kaggle: Path, side: int) -> Path:
    from pyimagesearch.io import HDF5DatasetWriter

    images, labels = photos(kaggle, 6, side)
    writer = HDF5DatasetWriter(images.shape, path, data_key="images", overwrite=True)
    writer.store_class_labels(NAMES)
    writer.add(images, labels)
    writer.close()
    return path


def test_the_parity_images_are_the_test_split_of_the_models_build(
    models: dict, tmp_path: Path, kaggle_sample_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    """Without --images: the record's TEST_HDF5; a split of another image size than the
    network was trained on is refused (before anything is written), as evaluate.py does;
    no split at all: one line saying what to pass."""
    import shutil

    model = tmp_path / "net.keras"
    shutil.copyfile(models["network"], model)
    record = json.loads(Path(f"{models['network']}.json").read_text())
    split = _test_split(tmp_path / "test.hdf5", kaggle_sample_dir, SIDE)
    write_record(model, {**record, "config": {"TEST_HDF5": str(split)}})
    args = ["--model", str(model), "--format", "saved_model", *output_in(tmp_path / "o")]
    assert export.main(args) == 0
    parity = json.loads(
        (tmp_path / "o" / "export" / "net-saved_model" / "export.json").read_text()
    )["parity"]
    assert parity["source"]["path"] == str(split) and parity["images"] == 6
    assert parity["images_from"] == "TEST_HDF5 of the model's record"
    other = _test_split(tmp_path / "other.hdf5", kaggle_sample_dir, SIDE + 8)
    capsys.readouterr()
    assert export.main([*args, "--format", "onnx", "--images", str(other)]) == 2
    assert _first_error_line(capsys).startswith(
        "error: the model record says it was trained on 40x40 images but TEST_HDF5 holds "
        "48x48 images"
    )
    write_record(model, record)  # a record without TEST_HDF5
    assert export.main([*args, "--format", "onnx"]) == 2
    assert _first_error_line(capsys).startswith(
        "error: the parity check needs real images and the model's record names no TEST_HDF5"
    )
    assert sorted(p.name for p in (tmp_path / "o" / "export").iterdir()) == ["net-saved_model"]
