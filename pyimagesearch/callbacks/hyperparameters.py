"""HyperparameterLog: a run's settings in TensorBoard, beside the curves that Keras'
``TensorBoard`` callback writes: as hyperparameters (the HParams tab, one row per run, to
compare runs by their settings) and as a table of text (the Text tab).

Example (not run by the tests: needs the tensorboard package and trains a model):
    >>> callbacks = [keras.callbacks.TensorBoard("output/runs/x/tensorboard"),
    ...              HyperparameterLog("output/runs/x/tensorboard", cfg.snapshot())]
    ... # doctest: +SKIP
    >>> model.fit(gen, epochs=5, callbacks=callbacks)                    # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keras


def hparam_values(settings: Mapping[str, Any]) -> dict[str, bool | int | float | str]:
    """The settings as HParams accepts them: numbers, booleans and text kept, anything
    else (None, tuples, dicts) written as JSON text.

    >>> hparam_values({"EPOCHS": 5, "LR_SCHEDULE": None, "DROPOUT": (0.25, 0.5)})
    {'EPOCHS': 5, 'LR_SCHEDULE': 'null', 'DROPOUT': '[0.25, 0.5]'}
    """
    plain = (bool, int, float, str)
    return {name: value if isinstance(value, plain) else json.dumps(value, default=str)
            for name, value in settings.items()}  # fmt: skip


def settings_table(settings: Mapping[str, Any]) -> str:
    """The settings as a Markdown table (TensorBoard's Text tab renders it).

    >>> print(settings_table({"EPOCHS": 5}))
    | setting | value |
    | --- | --- |
    | EPOCHS | 5 |
    """
    rows = [f"| {name} | {str(value).replace('|', '/')} |" for name, value in settings.items()]
    return "\n".join(["| setting | value |", "| --- | --- |", *rows])


class HyperparameterLog(keras.callbacks.Callback):
    """Write ``settings`` into ``log_dir`` once, when training begins (TensorFlow's
    summaries; the HParams plugin of the tensorboard package)."""

    def __init__(self, log_dir: str | os.PathLike[str], settings: Mapping[str, Any]) -> None:
        super().__init__()
        self.log_dir = Path(log_dir)
        self.settings = dict(settings)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        import tensorflow as tf
        from tensorboard.plugins.hparams import api as hp

        writer = tf.summary.create_file_writer(str(self.log_dir))
        with writer.as_default():
            hp.hparams(hparam_values(self.settings))
            tf.summary.text("settings", settings_table(self.settings), step=0)
        writer.close()
