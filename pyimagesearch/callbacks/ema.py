"""The moving average of the weights (an optimizer's ``use_ema``) where it is judged and
kept: validation and the best epoch's model see the averaged weights, the checkpoints the
trained ones (with the average among the optimizer's variables, so a resumed run continues
both exactly).

:func:`ema_callbacks` gives three callbacks sharing one :class:`EmaWeights`: the first
swaps the averaged weights into the model for each validation (Keras'
``SwapEMAWeights``, whose swap this is), the second swaps them in at the epoch's end just
before the best epoch is saved, the third swaps the trained ones back just after, before
the epoch's checkpoint. After the last epoch Keras' ``fit`` itself writes the average into
the model (``finalize_variable_values``).

Example (not run by the tests: needs a compiled model with ``use_ema=True``):
    >>> swap_for_validation, average_in, trained_in = ema_callbacks()  # doctest: +SKIP
    >>> model.fit(..., callbacks=[swap_for_validation, average_in, BestModelCheckpoint(...),
    ...                           trained_in, EpochCheckpoint(...)])  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import keras


class EmaWeights:
    """Swaps a model's weights and its optimizer's moving average, knowing which is in."""

    def __init__(self) -> None:
        self.average_in_model = False

    def swap(self, model: keras.Model, average: bool) -> None:
        """Put the average (``average``) or the trained weights into ``model``."""
        if self.average_in_model == average:
            return
        optimizer = getattr(model.optimizer, "inner_optimizer", model.optimizer)
        averages = optimizer._model_variables_moving_average
        pairs = zip(optimizer._trainable_variables, averages, strict=True)
        for variable, averaged in pairs:
            held = keras.ops.convert_to_numpy(variable)
            variable.assign(averaged)
            averaged.assign(held)
        self.average_in_model = average


class _ValidationSwap(keras.callbacks.Callback):
    def __init__(self, weights: EmaWeights) -> None:
        super().__init__()
        self.weights = weights

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.weights.swap(self.model, True)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        self.weights.swap(self.model, False)


class _EpochEndSwap(keras.callbacks.Callback):
    def __init__(self, weights: EmaWeights, average: bool) -> None:
        super().__init__()
        self.weights, self.average = weights, average

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.weights.swap(self.model, self.average)


def ema_callbacks() -> tuple[keras.callbacks.Callback, ...]:
    """``(validation swap, average in, trained weights back)``: see the module's text."""
    weights = EmaWeights()
    return _ValidationSwap(weights), _EpochEndSwap(weights, True), _EpochEndSwap(weights, False)
