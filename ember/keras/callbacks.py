"""Callbacks: code that ``fit``, ``evaluate`` and ``predict`` call at each stage.

A callback overrides the hooks it needs (``on_epoch_end``, ``on_train_batch_end``, ...)
and reaches the model through ``self.model``; ``CallbackList`` calls them all. The
training loop's side of the contract, in Keras 3's order::

    callbacks = CallbackList(user_callbacks, add_history=True, add_progbar=verbose != 0,
                             model=model, verbose=verbose, epochs=epochs, steps=steps)
    callbacks.on_train_begin()
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        for step in range(steps):
            callbacks.on_train_batch_begin(step)
            ...                                   # one optimizer step
            callbacks.on_train_batch_end(step, running_logs)  # {'accuracy': .., 'loss': ..}
            if model.stop_training: break
        ...                                       # validation: on_test_* hooks
        callbacks.on_epoch_end(epoch, epoch_logs)  # with 'val_loss', 'val_accuracy', ...
        if model.stop_training: break
    callbacks.on_train_end(epoch_logs)
    return model.history

Keras 2's ``on_batch_begin`` / ``on_batch_end`` are aliases: the base class's
``on_train_batch_*`` calls them, so a loop calls only ``on_train_batch_*``.

``CallbackList`` calls only the callbacks that override a hook, so a hook nobody
overrides costs one attribute read per batch. ``needs_batch_logs`` tells the loop
whether anybody reads per-batch logs at all.
"""

from __future__ import annotations

import collections.abc
import contextlib
import csv
import math
import os
import sys
import warnings

import numpy as np

from ember import nest
from ember.keras.utils.progbar import Progbar, _stdout_is_interactive

__all__ = [
    "Callback",
    "CallbackList",
    "CSVLogger",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]


# Keras callbacks Ember does not have, and what to use instead.
_NOT_SUPPORTED = {
    "TensorBoard": "Ember writes no TensorBoard logs; use CSVLogger('log.csv') or the "
    "History that fit() returns",
    "BackupAndRestore": "save with ModelCheckpoint and resume with fit(initial_epoch=...)",
    "RemoteMonitor": "send the logs from a LambdaCallback(on_epoch_end=...)",
    "SwapEMAWeights": "Ember's optimizers keep no moving average of the weights",
}


def __getattr__(name):
    if name in _NOT_SUPPORTED:
        raise AttributeError(
            f"ember.keras.callbacks.{name} is not supported: {_NOT_SUPPORTED[name]}. "
            f"Available callbacks: {', '.join(__all__)}."
        )
    raise AttributeError(f"module 'ember.keras.callbacks' has no attribute {name!r}")


def _print(message: str) -> None:
    # sys.stdout is looked up at each call, so a redirected or captured stdout gets it.
    stream = sys.stdout
    stream.write(message + "\n")
    stream.flush()


# ============================================================================ base class


class Callback:
    """Base class of callbacks: every hook is here and does nothing.

    Subclass it and override the hooks you need. ``self.model`` is the model being
    trained, evaluated or run; ``self.params`` holds ``verbose``, ``epochs`` and
    ``steps``. The ``logs`` dicts hold floats: running metric values at batch ends
    (``{'accuracy': 0.81, 'loss': 0.52}``), and at epoch ends also the validation
    ones prefixed ``val_``.
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    @model.setter
    def model(self, model):  # Keras 2 allowed `self.model = ...`
        self._model = model

    def on_batch_begin(self, batch, logs=None):
        """Keras 2 alias of ``on_train_batch_begin``."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2 alias of ``on_train_batch_end``."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch ``epoch`` (0-based) of ``fit``."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch of ``fit`` with its metrics, ``val_*`` included."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before training batch ``batch`` (0-based within the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch with the epoch's running metric values."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of ``evaluate`` or of validation in ``fit``."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of ``evaluate`` or of validation with running metrics."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of ``predict``."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of ``predict``."""

    def on_train_begin(self, logs=None):
        """Called at the start of ``fit``."""

    def on_train_end(self, logs=None):
        """Called at the end of ``fit`` with the last epoch's logs."""

    def on_test_begin(self, logs=None):
        """Called at the start of ``evaluate`` or of validation in ``fit``."""

    def on_test_end(self, logs=None):
        """Called at the end of ``evaluate`` or of validation with its metrics."""

    def on_predict_begin(self, logs=None):
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs=None):
        """Called at the end of ``predict``."""


_HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
    "on_batch_begin",
    "on_batch_end",
)
# The base on_train_batch_* calls the Keras 2 alias, so overriding either makes a listener.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}
_BASE_HOOKS = {name: getattr(Callback, name) for name in _HOOKS}


def _overrides(callback, name: str) -> bool:
    hook = getattr(callback, name)
    # A bound method's __func__; a plain function set on the instance (LambdaCallback) is itself.
    return getattr(hook, "__func__", hook) is not _BASE_HOOKS[name]


def _listens(callback, name: str) -> bool:
    alias = _ALIASES.get(name)
    return _overrides(callback, name) or (alias is not None and _overrides(callback, alias))


def _flatten(callbacks) -> list:
    """The callbacks of a (nested) list, each checked to be a Callback instance."""
    if callbacks is None:
        return []
    flat = nest.flatten(callbacks)
    for item in flat:
        if not isinstance(item, Callback):
            if isinstance(item, type) and issubclass(item, Callback):
                hint = f"; did you mean {item.__name__}()?"
            else:
                hint = ""
            raise TypeError(
                "Expected `callbacks` to be a list of keras.callbacks.Callback instances. "
                f"Received: {callbacks!r}{hint}"
            )
    return flat


def _pythonify_logs(logs) -> dict:
    """Sorted by name, values as floats, nested dicts flattened: what Keras 3 gives hooks."""
    result = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
            continue
        with contextlib.suppress(TypeError, ValueError):
            value = float(value)
        result[key] = value
    return result


def _order_epoch_logs(logs: dict) -> dict:
    """Puts ``logs`` in Keras 3's order, in place: training metrics by name, then ``val_*``
    by name. It decides the order of the progress bar's metrics and of History's keys."""
    keys = list(logs)
    ordered = sorted(k for k in keys if not k.startswith("val_"))
    ordered += sorted(k for k in keys if k.startswith("val_"))
    if ordered != keys:
        items = [(k, logs[k]) for k in ordered]
        logs.clear()
        logs.update(items)
    return logs


class CallbackList(Callback):
    """Calls a list of callbacks together, in order, each only for the hooks it overrides.

    Args:
        callbacks: List of ``Callback`` instances (nested lists are flattened).
        add_history: Whether to append a ``History`` unless the list has one.
        add_progbar: Whether to append a ``ProgbarLogger`` unless the list has one.
        model: The model the callbacks work with; its ``history`` attribute is set to
            the ``History`` callback.
        **params: Passed to every callback's ``set_params`` (``verbose``, ``epochs``,
            ``steps``).

    Batch-end hooks get a copy of their logs sorted by name with values as floats, as in
    Keras 3. Epoch-end and test-end logs are put in Keras 3's order in place (training
    metrics by name, then ``val_*`` by name) and passed on as the same dict, so what one
    callback adds (ReduceLROnPlateau's ``learning_rate``) the next one and the loop see.
    A callback added later goes through ``append``; the hook tables are also rebuilt at
    each ``on_train_begin``, ``on_test_begin`` and ``on_predict_begin``.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        self._model = None
        self.params = None
        self.callbacks = _flatten(callbacks)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.set_model(model)
        self.set_params(params)
        self._build_dispatch()

    def append(self, callback):
        """Adds a callback at the end and gives it the list's model and params."""
        self.callbacks.extend(_flatten(callback))
        if self._model is not None:
            self.set_model(self._model)
        if self.params:
            self.set_params(self.params)
        self._build_dispatch()

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        self._model = model
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _build_dispatch(self):
        """For each hook, the bound methods of the callbacks that override it."""
        self._listeners = {
            name: [c for c in self.callbacks if _listens(c, name)] for name in _HOOKS
        }
        self._hooks = {
            name: tuple(getattr(c, name) for c in listeners)
            for name, listeners in self._listeners.items()
        }
        h = self._hooks
        self._train_batch_begin = h["on_train_batch_begin"]
        self._train_batch_end = h["on_train_batch_end"]
        self._test_batch_begin = h["on_test_batch_begin"]
        self._test_batch_end = h["on_test_batch_end"]
        self._predict_batch_begin = h["on_predict_batch_begin"]
        self._predict_batch_end = h["on_predict_batch_end"]

    @property
    def needs_batch_logs(self) -> bool:
        """Whether any callback reads the logs of ``on_train_batch_end``.

        When False the loop may pass ``None`` there. It can change at
        ``on_train_begin``, so read it after that, before the batch loop.
        """
        return any(
            getattr(c, "_wants_train_batch_logs", True)
            for c in self._listeners["on_train_batch_end"]
        )

    @property
    def needs_test_batch_logs(self) -> bool:
        """Whether any callback reads the logs of ``on_test_batch_end`` (read it after
        ``on_test_begin``)."""
        return any(
            getattr(c, "_wants_test_batch_logs", True) for c in self._listeners["on_test_batch_end"]
        )

    def _call(self, name, *args):
        for hook in self._hooks[name]:
            hook(*args)

    # --- begin / end of fit, evaluate, predict: the same logs dict goes to every callback.

    def on_train_begin(self, logs=None):
        self._build_dispatch()
        self._call("on_train_begin", {} if logs is None else logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", {} if logs is None else logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, {} if logs is None else logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, {} if logs is None else _order_epoch_logs(logs))

    def on_test_begin(self, logs=None):
        self._build_dispatch()
        self._call("on_test_begin", {} if logs is None else logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", {} if logs is None else _order_epoch_logs(logs))

    def on_predict_begin(self, logs=None):
        self._build_dispatch()
        self._call("on_predict_begin", {} if logs is None else logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", {} if logs is None else logs)

    # --- per batch: written out, as they run thousands of times an epoch.

    def on_train_batch_begin(self, batch, logs=None):
        if self._train_batch_begin:
            logs = {} if logs is None else logs
            for hook in self._train_batch_begin:
                hook(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        if self._train_batch_end:
            logs = _pythonify_logs(logs) if logs else {}
            for hook in self._train_batch_end:
                hook(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        if self._test_batch_begin:
            logs = {} if logs is None else logs
            for hook in self._test_batch_begin:
                hook(batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        if self._test_batch_end:
            logs = _pythonify_logs(logs) if logs else {}
            for hook in self._test_batch_end:
                hook(batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        if self._predict_batch_begin:
            logs = {} if logs is None else logs
            for hook in self._predict_batch_begin:
                hook(batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        if self._predict_batch_end:
            logs = {} if logs is None else logs
            for hook in self._predict_batch_end:
                hook(batch, logs=logs)

    # A custom loop written for Keras 2 calls these instead of on_train_batch_*.

    def on_batch_begin(self, batch, logs=None):
        logs = {} if logs is None else logs
        for hook in self._hooks["on_batch_begin"]:
            hook(batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        logs = _pythonify_logs(logs) if logs else {}
        for hook in self._hooks["on_batch_end"]:
            hook(batch, logs=logs)


# ============================================================================ History


class History(Callback):
    """Records the epoch logs; ``fit`` returns it and sets it as ``model.history``.

    Attributes:
        history: Dict from metric name to the list of its values, one per epoch:
            ``{'accuracy': [...], 'loss': [...], 'val_accuracy': [...], ...}``.
        epoch: List of the epoch indices seen (0-based).
        params: ``{'verbose': .., 'epochs': .., 'steps': ..}`` of the ``fit`` call.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self


# ============================================================================ progress bar


class ProgbarLogger(Callback):
    """Prints the progress bar and metrics of ``fit``, ``evaluate`` and ``predict``.

    Takes ``verbose`` (``"auto"`` means 1), ``epochs`` and ``steps`` from the params.
    ``fit`` prints ``Epoch i/n`` before each epoch when ``epochs > 1``; its validation
    prints nothing (the val_ metrics appear on the epoch's line).
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    @property
    def _wants_train_batch_logs(self) -> bool:
        # Per-batch values show only on a bar redrawn in place; the other displays
        # print the epoch's logs once, at its end.
        return self.verbose == 1 and _stdout_is_interactive()

    @property
    def _wants_test_batch_logs(self) -> bool:
        return not self._called_in_fit and self._wants_train_batch_logs

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        # So that a later evaluate() with this same logger shows its bar.
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            _print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # predictions are not metrics

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step")

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1  # one-based
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)


# ============================================================================ monitoring

# Mode 'auto': as in Keras 3 the model's metric is asked first for its direction; for a
# metric that does not say, the name decides: a loss is better lower, then these words.
_HIGHER_IS_BETTER = (
    "acc", "auc", "precision", "recall", "f1", "fbeta", "iou", "r2",
    "cosine_similarity", "specificity", "sensitivity",
)  # fmt: skip
_LOWER_IS_BETTER = (
    "loss", "error", "mse", "mae", "mape", "msle", "crossentropy", "hinge",
    "divergence", "poisson", "logcosh", "huber",
)  # fmt: skip


def _model_metric_direction(model, name: str):
    """'up' or 'down' from the model's metric named ``name`` when it has ``_direction``."""
    pending = list(getattr(model, "metrics", None) or ())
    while pending:
        metric = pending.pop()
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            pending.extend(inner)
        if getattr(metric, "name", None) == name and hasattr(metric, "_direction"):
            return metric._direction
    return None


def _monitor_mode(owner: str, monitor: str, mode: str, model) -> str:
    """'min' or 'max' for ``mode`` (``'auto'`` is resolved from the metric and its name)."""
    if mode in ("min", "max"):
        return mode
    name = monitor.removeprefix("val_")
    direction = _model_metric_direction(model, name)
    if direction is not None:
        return "max" if direction == "up" else "min"
    if "loss" in name:
        return "min"
    if any(word in name for word in _HIGHER_IS_BETTER):
        return "max"
    if any(word in name for word in _LOWER_IS_BETTER):
        return "min"
    raise ValueError(
        f"{owner} callback received monitor={monitor}, but Keras isn't able to "
        "automatically determine whether that metric should be maximized or minimized. "
        "Pass `mode='max'` in order to monitor based on the highest metric value, or pass "
        "`mode='min'` in order to use the lowest value."
    )


def _check_mode(owner: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=4)
        return "auto"
    return mode


class _MonitorCallback(Callback):
    """Shared by callbacks that watch one metric: which direction is better, and by how much.

    ``_is_improvement(value, reference)`` is ``value < reference - min_delta`` in min
    mode and ``value > reference + min_delta`` in max mode; any value improves on None.
    The mode is resolved at the first epoch end, once the model's metrics exist.
    """

    _best_starts_infinite = True  # else the first watched value is the first best

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        self.monitor = monitor
        self.mode = _check_mode(type(self).__name__, mode)
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None  # np.less or np.greater, once resolved

    def _set_monitor_op(self):
        mode = _monitor_mode(type(self).__name__, self.monitor, self.mode, self.model)
        self.monitor_op = np.less if mode == "min" else np.greater
        if self.monitor_op is np.less:
            self.min_delta *= -1
        if self.best is None and self._best_starts_infinite:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def _is_improvement(self, monitor_value, reference_value) -> bool:
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


# ============================================================================ EarlyStopping


class EarlyStopping(_MonitorCallback):
    """Stops training when a monitored metric has stopped improving.

    At each epoch end (from epoch ``start_from_epoch`` on) the monitored value is
    compared with the best so far; after ``patience`` epochs without an improvement of
    more than ``min_delta``, ``model.stop_training`` is set.

    Args:
        monitor: Quantity to watch. Defaults to ``"val_loss"``.
        min_delta: Smallest change that counts as an improvement. Defaults to 0.
        patience: Epochs without improvement before stopping. Defaults to 0.
        verbose: 1 prints when stopping and when restoring weights. Defaults to 0.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (from the metric: ``loss`` min,
            ``accuracy``/``acc``/``auc`` max, ...). Defaults to ``"auto"``.
        baseline: Value to beat: the patience count restarts only on epochs that beat
            both the best so far and the baseline. Defaults to None.
        restore_best_weights: Whether to put back, at the end of training, the weights
            of the best epoch, whether or not training stopped early. Defaults to False.
        start_from_epoch: Epochs of warm-up before watching starts. Defaults to 0.
    """

    _best_starts_infinite = False  # as in Keras: even a NaN first value becomes the best

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, None, min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        # An instance may be reused for another fit.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until an epoch improves, the first watched epoch's weights are the best.
            self.best_weights = self._copy_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self._copy_weights()
            # The count restarts only on beating both the best so far and the baseline.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return

        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            _print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                _print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(logs.keys())}",
                stacklevel=2,
            )
        return value

    def _copy_weights(self):
        # Copies, not views: the optimizer updates the weights in place.
        return [np.array(w, copy=True) for w in self.model.get_weights()]


# ============================================================================ learning rate


def _learning_rate(optimizer) -> float:
    value = optimizer.learning_rate
    if hasattr(value, "numpy"):
        value = value.numpy()
    return float(value)


class ReduceLROnPlateau(_MonitorCallback):
    """Reduces the learning rate when a metric has stopped improving.

    After ``patience`` epochs without an improvement of more than ``min_delta`` the
    rate becomes ``max(lr * factor, min_lr)``; then ``cooldown`` epochs pass before
    epochs without improvement count again. Each epoch's logs get the rate used in it
    as ``learning_rate``, so ``History`` records it.

    Args:
        monitor: Quantity to watch. Defaults to ``"val_loss"``.
        factor: ``new_lr = lr * factor``, below 1. Defaults to 0.1.
        patience: Epochs without improvement before reducing. Defaults to 10.
        verbose: 1 prints each reduction. Defaults to 0.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (from the metric). Defaults to ``"auto"``.
        min_delta: Smallest change that counts as an improvement. Defaults to 1e-4.
        cooldown: Epochs to wait after a reduction. Defaults to 0.
        min_lr: Lower bound of the rate. Defaults to 0.
        epsilon: Old name of ``min_delta`` (tf.keras 2), accepted with a warning.
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn(
                "ReduceLROnPlateau argument `epsilon` is deprecated; use `min_delta`.",
                stacklevel=2,
            )
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected keyword arguments: {sorted(kwargs)}")
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        super().__init__(monitor, mode, None, min_delta)
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.cooldown_counter = 0
        self.wait = 0
        if self.monitor_op is not None:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = {} if logs is None else logs
        logs["learning_rate"] = _learning_rate(self.model.optimizer)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(logs.keys())}.",
                stacklevel=2,
            )
            return

        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = _learning_rate(self.model.optimizer)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        _print(
                            f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                            f"to {new_lr}."
                        )
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Sets the learning rate at each epoch start to ``schedule(epoch, lr)``.

    ``schedule`` takes the epoch index (from 0) and the current rate and returns the
    new rate; a one-argument ``schedule(epoch)`` (the old API) works too. Each epoch's
    logs get the rate as ``learning_rate``.

    Args:
        schedule: The function giving the rate.
        verbose: 1 prints the rate set at each epoch. Defaults to 0.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                "LearningRateScheduler expects `schedule` to be a function "
                f"schedule(epoch, lr) -> float. Received: schedule={schedule!r}"
            )
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, _learning_rate(optimizer))
        except TypeError:  # the old API: schedule(epoch)
            learning_rate = self.schedule(epoch)
        learning_rate = _as_float_rate(learning_rate)
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            _print(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                f"{learning_rate}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _learning_rate(self.model.optimizer)


def _as_float_rate(value) -> float:
    """The schedule's result as a float. Keras 3 takes only floats; here any real number,
    0-d array or one-element Ember tensor (``lr * tf.math.exp(-0.1)``) will do."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    array = np.asarray(value) if not isinstance(value, (bool, str)) else None
    if array is None or array.size != 1 or array.dtype.kind not in "iuf":
        raise ValueError(f"The output of the `schedule` function should be a float. Got: {value}")
    return float(array.reshape(()))


# ============================================================================ the rest


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite.

    Args:
        raise_error: Raise ``RuntimeError`` at once instead of stopping gracefully
            (``model.stop_training``, then the usual ``on_train_end`` calls).
            Defaults to False.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                "Terminating training immediately."
            )
        _print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback made of functions given on the spot.

    ``on_epoch_begin`` / ``on_epoch_end`` are called as ``f(epoch, logs)``,
    ``on_train_begin`` / ``on_train_end`` as ``f(logs)``, and the batch hooks as
    ``f(batch, logs=logs)``. Any other hook goes in as a keyword, e.g.
    ``LambdaCallback(on_test_end=f)``.
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file, flushed at once.

    The header is ``epoch`` then the log names sorted; epochs count from 0; a missing
    value is written ``NA``. Rows end in ``\\r\\n`` (Python's csv ``excel`` dialect),
    as Keras writes them.

    Args:
        filename: Path of the CSV file, e.g. ``'run/log.csv'``.
        separator: Separator of the fields. Defaults to ``","``.
        append: Whether to add to an existing file (no second header) rather than
            overwrite it. Defaults to False.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not f.readline()
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")  # noqa: SIM115 - open across epochs
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
        if self.writer is None:

            class Dialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch"] + self.keys, dialect=Dialect
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _csv_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class ModelCheckpoint(_MonitorCallback):
    """Saves the model or its weights during training.

    ``filepath`` may name log values and the epoch (counted from 1) in ``str.format``
    fields: ``'w.{epoch:02d}-{val_loss:.2f}.weights.h5'``. With ``save_best_only`` a
    file is written only when the monitored value improves on the best so far.

    Args:
        filepath: Path to save to; must end in ``.weights.h5`` when
            ``save_weights_only``, else in ``.keras`` or ``.h5`` (Keras's rule; Ember's own
            ``Model.save`` writes only weights files so far and raises on those names, so
            use ``save_weights_only=True`` with Ember models).
        monitor: Quantity watched by ``save_best_only``. Defaults to ``"val_loss"``.
        verbose: 1 prints each save or skip. Defaults to 0.
        save_best_only: Whether to save only on an improvement. Defaults to False.
        save_weights_only: ``model.save_weights`` instead of ``model.save``.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (from the metric). Defaults to ``"auto"``.
        save_freq: ``"epoch"`` to save at each epoch end, or an integer: every that
            many batches. Defaults to ``"epoch"``.
        initial_value_threshold: Best value to beat at the start. Defaults to None.
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int)):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or "
                "integer values"
            )
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format). Received: "
                    f"filepath={self.filepath}"
                )
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). "
                f"Received: filepath={self.filepath}"
            )
        if save_freq != "epoch":
            # Only then does this callback listen to batches: saving per epoch leaves the
            # batch hook to the base class, and CallbackList skips it.
            self.on_train_batch_end = self._save_on_batch

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _save_on_batch(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            if self.monitor_op is None and self.save_best_only:
                self._set_monitor_op()
            self._save_model(epoch=self._current_epoch, batch=batch, logs=logs)

    def _should_save_on_batch(self, batch) -> bool:
        if batch <= self._last_batch_seen:  # a new epoch
            add_batches = batch + 1
        else:
            add_batches = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                _print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=3)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. "
                f"Received: {current}. Falling back to `save_best_only=False`.",
                stacklevel=3,
            )
            return True
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                _print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            _print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                "Please specify a non-directory filepath for ModelCheckpoint. "
                f"Filepath used is an existing directory: {filepath}"
            )
        if not self._should_save_model(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _get_file_path(self, epoch, batch, logs) -> str:
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}. '
                f"Available names: epoch, {', '.join(logs)}"
            ) from None
