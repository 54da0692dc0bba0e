"""report.py: one self-contained HTML page per run (and per comparison) that renders in a
browser, embeds every picture, stays small, and carries no markup from the data."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import audit_dataset
import cam
import diagnose
import evaluate
import report
import train
from pyimagesearch.config import load_config
from pyimagesearch.data.build_dataset import build_dataset
from pyimagesearch.demo.synthetic_dataset import generate_synthetic_dataset
from pyimagesearch.experiments.report import (
    comparison_report,
    training_curves_figure,
    write_run_report,
)
from pyimagesearch.experiments.runs import find_run, list_runs, recorded_run
from tests.helpers import split_settings, write_config

HOSTILE_CLASS = 'a"b&<c>'
# A file name with a slash cannot exist: its first part is a folder, as a user's tools
# would make it; the path below the class folder reads "<script>alert(1)</script>.jpg".
HOSTILE_FILE = "<script>alert(1)</script>.jpg"
HOSTILE_ATTRIBUTE = "<img src=x onerror=alert(2)>.jpg"
HEADINGS = ("Summary", "Configuration", "Build report", "Training curves", "Baseline vs 10-crop",
            "Classification report", "Confusion matrix", "Top losses",
            "Class activation maps", "Dataset audit", "Environment")  # fmt: skip


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build, audit, train (ShallowNet, 2 epochs), evaluate, diagnose and map a set whose
    class and file names are HTML; return the training run and the config."""
    folder = tmp_path_factory.mktemp("hostile")
    images = folder / "images"
    generate_synthetic_dataset(images, per_class=16, classes=(HOSTILE_CLASS, "dog"), seed=3,
                               folders=True)  # fmt: skip
    klass = images / HOSTILE_CLASS
    script = klass / HOSTILE_FILE  # a folder "<script>alert(1)<" holding "script>.jpg"
    script.parent.mkdir()
    shutil.copy(klass / "2.jpg", script)  # exact copies: the audit lists them by name
    shutil.copy(klass / "3.jpg", klass / HOSTILE_ATTRIBUTE)
    (klass / "0.jpg").unlink()
    (klass / "1.jpg").unlink()
    settings = split_settings(folder, images, IMAGE_SIZE=40, NUM_VAL_IMAGES=6,
                              NUM_TEST_IMAGES=6, LABEL_SOURCE="folder")  # fmt: skip
    config = write_config(folder / "hostile.py", **settings, NETWORK="ShallowNet", INPUT_SIZE=32,
                          EPOCHS=2, BATCH_SIZE=8, MODEL_PATH=str(folder / "out" / "shallow.keras"),
                          AUGMENTATION={"horizontal_flip": True})  # fmt: skip
    base = ["--config", str(config)]
    build_dataset(load_config(config), progress=False)
    assert audit_dataset.main(base) == 0
    assert train.main([*base, "--quiet", "--name", "shallow"]) == 0
    trained = find_run(folder / "out", "shallow")
    assert evaluate.main([*base, "--run", "--quiet"]) == 0
    for split in ("train", "val", "test"):  # the hostile files are in one of them
        assert diagnose.main([*base, "--run", "shallow", "--split", split, "-n", "40",
                              "--quiet", "--output", str(folder / f"d_{split}")]) == 0  # fmt: skip
    assert cam.main([*base, "--run", "--split", "test", "-n", "4"]) == 0
    assert report.main([*base, "--run", trained.name]) == 0
    return {"run": trained, "config": config, "out": folder / "out"}


@pytest.mark.slow
def test_a_run_report_gathers_the_runs_of_its_model(hostile_run: dict) -> None:
    page = (hostile_run["run"] / "report.html").read_text()
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in page, heading
    assert page.count("<img ") == 8  # curves, 3 confusion matrices, 3 top-loss grids, CAM
    for split in ("test", "val", "train"):  # the newest diagnosis of each split
        assert page.count(f"<h3>{split} split</h3>") == 2
    assert all(src.startswith("data:image/") for src in re.findall(r'src="([^"]*)"', page))
    assert "http://" not in page and "https://" not in page  # nothing to fetch
    runs = [
        json.loads((r / "run.json").read_text()) for r in list_runs(hostile_run["out"] / "runs")
    ]
    scripts = [r["script"] for r in runs]
    assert scripts == ["train", "evaluate", "diagnose", "diagnose", "diagnose", "cam"]
    assert {r.get("parent") for r in runs[1:]} == {hostile_run["run"].name}
    for run in runs[1:]:  # named after whose model they used
        assert re.search(rf"-shallow-{run['script']}(-\d+)?$", run["name"]), run["name"]


@pytest.mark.slow
def test_names_from_the_data_are_escaped_never_markup(hostile_run: dict) -> None:
    page = (hostile_run["run"] / "report.html").read_text()
    assert "<script" not in page.lower()  # the page has no script of its own either
    assert "onerror=" not in page.replace(html.escape("onerror="), "")
    assert HOSTILE_CLASS not in page
    assert html.escape(HOSTILE_CLASS) in page  # shown, as text
    assert html.escape(HOSTILE_FILE) in page and html.escape(HOSTILE_ATTRIBUTE) in page


def test_a_200_image_top_loss_grid_keeps_the_report_under_5_mb(tmp_path: Path) -> None:
    from pyimagesearch.config import Config
    from pyimagesearch.utils.gallery import image_grid

    rng = np.random.default_rng(0)  # noise: the worst case for any image codec
    tiles = rng.integers(0, 256, (200, 192, 192, 3), dtype=np.uint8)
    with recorded_run(Config({"OUTPUT_PATH": str(tmp_path)}), "diagnose") as run:
        image_grid(tiles, [f"cat.{i}.jpg dog p=0.01" for i in range(200)],
                   run.path / "top_losses.png", title="highest losses")  # fmt: skip
        rows = [{"path": f"/data/cat.{i}.jpg", "true_label": "cat", "predicted_label": "dog",
                 "true_probability": 0.01, "loss": 4.6} for i in range(200)]  # fmt: skip
        (run.path / "diagnosis.json").write_text(json.dumps({"top_losses": rows}))
        run.info["outputs"].append("top_losses.png")
    grid_bytes = (run.path / "top_losses.png").stat().st_size
    path = write_run_report(run.path)
    assert grid_bytes > 5e6  # the grid itself would not fit
    assert path.stat().st_size < 5e6
    page = path.read_text()
    assert page.count("data:image/jpeg;base64,") == 1 and page.count("/data/cat.") == 200


def test_a_comparison_report_tables_every_run(tmp_path: Path) -> None:
    from pyimagesearch.config import Config

    folders = []
    for rate, losses in ((0.1, [0.9, 0.7]), (0.01, [0.8, 0.5])):
        cfg = Config({"OUTPUT_PATH": str(tmp_path), "LEARNING_RATE": rate})
        with recorded_run(cfg, "train", f"lr-{rate}") as run:
            run.collect({"history": {"loss": losses, "val_loss": losses}})
        folders.append(run.path)
    page = comparison_report(folders)
    assert "<h2>Runs</h2>" in page and "<h2>Validation curves</h2>" in page
    assert "<th>LEARNING_RATE</th>" in page and '<tr class="best">' in page
    best_row = page.split('<tr class="best">')[1].split("</tr>")[0]
    assert "lr-0.01" in best_row  # the lower validation loss


def chromium_driver(download_dir: Path):
    """A headless Chromium through Selenium, or a skip that says why there is none."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        pytest.skip("headless-browser check: Debian's chromium and chromium-driver are not "
                    "installed (.ci/run installs them with apt-get)")  # fmt: skip
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1280,1600",
                 f"--user-data-dir={download_dir}"):  # fmt: skip
        options.add_argument(flag)
    try:
        return webdriver.Chrome(service=Service(driver), options=options)
    except Exception as exc:  # noqa: BLE001 - any failure to start is a reason to skip
        pytest.skip(f"headless Chromium did not start: {str(exc).splitlines()[0]}")


@pytest.mark.slow
def test_the_report_renders_in_a_headless_browser_and_runs_no_script(
    hostile_run: dict, tmp_path: Path
) -> None:
    import cv2

    driver = chromium_driver(tmp_path / "profile")
    try:
        driver.get((hostile_run["run"] / "report.html").as_uri())
        from selenium.common.exceptions import NoAlertPresentException
        from selenium.webdriver.common.by import By

        with pytest.raises(NoAlertPresentException):  # alert(1) or alert(2) never ran
            driver.switch_to.alert.text  # noqa: B018
        text = driver.find_element(By.TAG_NAME, "body").text
        for heading in HEADINGS:
            assert heading in text
        assert HOSTILE_CLASS in text and HOSTILE_FILE in text  # shown as text
        widths = driver.execute_script(
            "return Array.from(document.images, i => i.complete ? i.naturalWidth : -1)"
        )
        assert len(widths) == 8 and all(w > 0 for w in widths), widths
        assert driver.execute_script("return document.scripts.length") == 0
        shot = cv2.imdecode(np.frombuffer(driver.get_screenshot_as_png(), np.uint8),
                            cv2.IMREAD_COLOR)  # fmt: skip
    finally:
        driver.quit()
    assert shot is not None and shot.shape[0] > 100 and shot.shape[1] > 100
    assert shot.std() > 10  # not a blank page: text, tables and a dark title bar
    assert (shot.reshape(-1, 3).min(axis=1) < 100).mean() > 0.01  # dark pixels of text


@pytest.mark.slow
def test_report_without_a_name_shows_the_run_whose_model_was_used_last(
    hostile_run: dict, tmp_path: Path
) -> None:
    page = tmp_path / "page.html"
    assert report.main(["--config", str(hostile_run["config"]), "--output", str(page)]) == 0
    assert f"<h1>Run {hostile_run['run'].name}</h1>" in page.read_text()  # not the cam run
    page.write_text("my notes")  # a file of the user's is replaced only with --overwrite
    assert report.main(["--config", str(hostile_run["config"]), "--output", str(page)]) == 2
    assert page.read_text() == "my notes"
    command = ["--config", str(hostile_run["config"]), "--output", str(page), "--overwrite"]
    assert report.main(command) == 0 and "<h1>Run " in page.read_text()


def test_runs_of_different_weight_decay_are_ranked_by_cross_entropy(tmp_path: Path) -> None:
    from pyimagesearch.config import Config

    folders = []
    # the strong penalty inflates the first run's loss; its cross-entropy is the lower
    for decay, loss, crossentropy in (
        (1e-2, [0.9, 0.8], [0.5, 0.4]),
        (1e-5, [0.7, 0.6], [0.7, 0.6]),
    ):
        cfg = Config({"OUTPUT_PATH": str(tmp_path), "WEIGHT_DECAY": decay})
        with recorded_run(cfg, "train", f"wd-{decay}") as run:
            run.collect(
                {"history": {"loss": loss, "val_loss": loss, "val_crossentropy": crossentropy}}
            )
        folders.append(run.path)
    page = comparison_report(folders)
    assert "wd-0.01" in page.split('<tr class="best">')[1].split("</tr>")[0]
    assert "Highlighted: the lowest val cross-entropy." in page


def test_the_report_shows_the_rate_reductions_and_the_early_stop(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    from pyimagesearch.config import Config

    history = {"loss": [0.9, 0.7, 0.72], "val_loss": [1.0, 0.8, 0.81],
               "accuracy": [0.5, 0.6, 0.6], "learning_rate": [0.01, 0.01, 0.001]}  # fmt: skip
    stop = {
        "epochs": 10,
        "stopped_epoch": 3,
        "early_stopping": "val_loss did not improve for 1 epoch",
    }
    with recorded_run(Config({"OUTPUT_PATH": str(tmp_path)}), "train") as run:
        run.collect({"history": history}, stop)
    page = write_run_report(run.path).read_text()
    assert ("<h2>Training curves</h2>" in page and "Early stopping stopped the run after epoch "
            "3 of 10: val_loss did not improve for 1 epoch." in page)  # fmt: skip
    figure = training_curves_figure(history, "run", 3)
    assert [axis.get_ylabel() for axis in figure.axes] == ["loss", "metric", "learning rate"]
    constant = training_curves_figure({**history, "learning_rate": [0.01] * 3}, "run")
    assert [axis.get_ylabel() for axis in constant.axes] == ["loss", "metric"]
    plt.close("all")
