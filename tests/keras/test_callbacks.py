"""Tests of ember.keras.callbacks, driven through CallbackList the way fit drives them."""

import csv
import math
import os
import re
import warnings

import numpy as np
import pytest

from ember.keras import callbacks as cb
from ember.keras.utils import progbar as progbar_module

ANSI = re.compile(r"\x1b\[[0-9;]*m")


# ----------------------------------------------------------------------------- a fake model


class FakeOptimizer:
    def __init__(self, learning_rate=0.1):
        self._lr = float(learning_rate)

    @property
    def learning_rate(self):
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = float(value)


class FakeModel:
    """What callbacks use of a model: weights, optimizer, stop flag, save methods."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros(3), np.zeros((2, 2))]
        self.saved = []

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def train_step(self, epoch, step):
        for w in self.weights:  # in place, as the optimizer does
            w[...] = epoch + step / 10

    def save_weights(self, filepath, overwrite=True):
        self._write(filepath, "weights")

    def save(self, filepath, overwrite=True):
        self._write(filepath, "model")

    def _write(self, filepath, kind):
        with open(filepath, "w") as f:
            f.write(f"{kind} {self.weights[0][0]}")
        self.saved.append(os.path.basename(filepath))


def fit(
    callbacks,
    epoch_logs,
    *,
    model=None,
    steps=3,
    verbose=0,
    batch_logs=None,
    val_steps=2,
):
    """Runs the callback side of Model.fit: ``epoch_logs[e]`` are epoch e's logs.

    ``batch_logs(epoch, step)`` gives the running logs of a batch (default: the
    epoch's train logs). Returns (model, history, number of epochs run).
    """
    model = model or FakeModel()
    model.stop_training = False
    callbacks = cb.CallbackList(
        callbacks,
        add_history=True,
        add_progbar=verbose != 0,
        model=model,
        verbose=verbose,
        epochs=len(epoch_logs),
        steps=steps,
    )
    logs = None
    callbacks.on_train_begin()
    epochs_run = 0
    for epoch, full_logs in enumerate(epoch_logs):
        train = {k: v for k, v in full_logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in full_logs.items() if k.startswith("val_")}
        callbacks.on_epoch_begin(epoch)
        for step in range(steps):
            callbacks.on_train_batch_begin(step)
            model.train_step(epoch, step)
            running = batch_logs(epoch, step) if batch_logs else dict(train)
            callbacks.on_train_batch_end(step, running if callbacks.needs_batch_logs else None)
            if model.stop_training:
                break
        if val:
            callbacks.on_test_begin()
            for step in range(val_steps):
                callbacks.on_test_batch_begin(step)
                callbacks.on_test_batch_end(step, dict(val))
            callbacks.on_test_end(dict(val))
        logs = dict(full_logs)
        callbacks.on_epoch_end(epoch, logs)
        epochs_run += 1
        if model.stop_training:
            break
    callbacks.on_train_end(logs)
    return model, model.history, epochs_run


def val_losses(*values):
    return [{"loss": 1.0, "val_loss": v} for v in values]


# ----------------------------------------------------------------------------- CallbackList


def recording_callback(calls):
    """A callback overriding every hook, the Keras 2 aliases included, that records
    (hook, epoch or batch) or just the hook's name."""

    def make(hook):
        def method(self, *args, **kwargs):
            calls.append((hook, args[0]) if isinstance(args[0], int) else hook)
            getattr(cb.Callback, hook)(self, *args, **kwargs)

        return method

    return type("Recording", (cb.Callback,), {h: make(h) for h in cb._HOOKS})()


def test_hook_order_matches_fit():
    calls = []
    fit([recording_callback(calls)], [{"loss": 1.0, "val_loss": 2.0}], steps=2, val_steps=1)
    assert calls == [
        "on_train_begin",
        ("on_epoch_begin", 0),
        ("on_train_batch_begin", 0),
        ("on_batch_begin", 0),
        ("on_train_batch_end", 0),
        ("on_batch_end", 0),
        ("on_train_batch_begin", 1),
        ("on_batch_begin", 1),
        ("on_train_batch_end", 1),
        ("on_batch_end", 1),
        "on_test_begin",
        ("on_test_batch_begin", 0),
        ("on_test_batch_end", 0),
        "on_test_end",
        ("on_epoch_end", 0),
        "on_train_end",
    ]


def test_predict_hooks():
    calls = []
    lst = cb.CallbackList([recording_callback(calls)], model=FakeModel())
    lst.on_predict_begin()
    lst.on_predict_batch_begin(0)
    lst.on_predict_batch_end(0, {"outputs": np.zeros(2)})
    lst.on_predict_end()
    assert calls == [
        "on_predict_begin",
        ("on_predict_batch_begin", 0),
        ("on_predict_batch_end", 0),
        "on_predict_end",
    ]


def test_keras2_alias_alone_is_called_for_train_batches():
    seen = []

    class Old(cb.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs["loss"]))

    fit([Old()], [{"loss": 0.5}], steps=2)
    assert seen == [(0, 0.5), (1, 0.5)]


def test_only_overriding_callbacks_are_dispatched():
    class EpochOnly(cb.Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    epoch_only = EpochOnly()
    lst = cb.CallbackList([epoch_only], add_history=True, model=FakeModel())
    assert lst._train_batch_begin == () and lst._train_batch_end == ()
    assert lst._test_batch_end == () and lst._predict_batch_end == ()
    assert [h.__self__ for h in lst._hooks["on_epoch_end"]] == [epoch_only, lst._history]
    assert not lst.needs_batch_logs and not lst.needs_test_batch_logs


def test_needs_batch_logs():
    model = FakeModel()
    assert cb.CallbackList([cb.TerminateOnNaN()], model=model).needs_batch_logs
    assert not cb.CallbackList([cb.EarlyStopping()], model=model).needs_batch_logs
    lam = cb.LambdaCallback(on_train_batch_end=lambda batch, logs: None)
    assert cb.CallbackList([lam], model=model).needs_batch_logs
    # ModelCheckpoint listens to batches only when it saves every N batches
    per_epoch = cb.ModelCheckpoint("m.keras")
    assert not cb.CallbackList([per_epoch], model=model).needs_batch_logs
    assert cb.CallbackList(
        [cb.ModelCheckpoint("m.keras", save_freq=5)], model=model
    )._train_batch_end


@pytest.mark.parametrize("interactive, verbose, needs", [(True, 1, True), (False, 1, False),
                                                         (True, 2, False)])  # fmt: skip
def test_progbar_needs_batch_logs_only_to_redraw(monkeypatch, interactive, verbose, needs):
    monkeypatch.setattr(progbar_module, "_stdout_is_interactive", lambda: interactive)
    monkeypatch.setattr(cb, "_stdout_is_interactive", lambda: interactive)
    lst = cb.CallbackList([], add_progbar=True, model=FakeModel(), verbose=verbose, epochs=1,
                          steps=3)  # fmt: skip
    lst.on_train_begin()
    assert lst.needs_batch_logs is needs
    assert lst.needs_test_batch_logs is False  # validation inside fit prints nothing
    lst.on_train_end()
    assert lst.needs_test_batch_logs is needs  # evaluate() shows its own bar


def test_batch_logs_are_sorted_floats():
    seen = []
    lam = cb.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(logs))
    lst = cb.CallbackList([lam], model=FakeModel())
    lst.on_train_batch_end(0, {"loss": np.float32(0.5), "accuracy": np.float64(0.25)})
    assert list(seen[0]) == ["accuracy", "loss"]
    assert all(type(v) is float for v in seen[0].values())


def test_epoch_logs_are_shared_so_later_callbacks_see_additions():
    model, history, _ = fit([cb.ReduceLROnPlateau(patience=5)], val_losses(1.0, 0.9))
    assert history.history["learning_rate"] == [0.1, 0.1]


def test_epoch_logs_put_in_keras_order_in_place():
    seen = []
    lst = cb.CallbackList(
        [cb.ReduceLROnPlateau(), cb.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(logs))],
        add_history=True,
        model=FakeModel(),
    )
    logs = {"val_loss": 0.5, "loss": 0.4, "val_accuracy": 0.7, "accuracy": 0.8}
    lst.on_epoch_end(0, logs)
    order = ["accuracy", "loss", "val_accuracy", "val_loss", "learning_rate"]
    assert seen[0] is logs and list(logs) == order  # the loop's dict, with additions
    assert list(lst._history.history) == order


def test_append_and_rebuild_at_train_begin():
    seen = []
    lst = cb.CallbackList([], model=FakeModel(), epochs=1)
    lst.append(cb.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e)))
    assert lst.callbacks[0].params == {"epochs": 1}
    lst.on_epoch_end(0, {})
    late = cb.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(-e))
    lst.callbacks.append(late)  # direct mutation, picked up at the next on_train_begin
    late.set_model(lst.model)
    lst.on_train_begin()
    lst.on_epoch_end(3, {})
    assert seen == [0, 3, -3]


def test_bad_callbacks_argument():
    with pytest.raises(TypeError, match=r"did you mean EarlyStopping\(\)"):
        cb.CallbackList([cb.EarlyStopping])
    with pytest.raises(TypeError, match="list of keras.callbacks.Callback"):
        cb.CallbackList(["early_stopping"])
    nested = cb.CallbackList([[cb.TerminateOnNaN()], (cb.History(),)])
    assert len(nested.callbacks) == 2


def test_model_params_and_history_attribute():
    model = FakeModel()
    user = cb.Callback()
    lst = cb.CallbackList([user], add_history=True, model=model, verbose=0, epochs=2, steps=5)
    assert user.model is model and user.params == {"verbose": 0, "epochs": 2, "steps": 5}
    assert model.history is lst._history
    # a History of the user's is used, not a second one
    mine = cb.History()
    lst = cb.CallbackList([mine], add_history=True, model=model)
    assert model.history is mine and len(lst.callbacks) == 1


def test_no_op_hooks_are_cheap():
    lst = cb.CallbackList([cb.EarlyStopping(), cb.CSVLogger("unused.csv")], add_history=True,
                          model=FakeModel())  # fmt: skip
    # Neither callback overrides the batch hooks, so no call is made for them per batch.
    assert lst._listeners["on_train_batch_begin"] == []
    assert lst._listeners["on_train_batch_end"] == []
    assert not lst.needs_batch_logs
    lst.on_train_batch_begin(0)
    lst.on_train_batch_end(0, {"loss": 0.5, "accuracy": 0.5})


# ----------------------------------------------------------------------------- History


def test_history_records_epoch_logs():
    logs = [
        {"accuracy": 0.5, "loss": 1.0, "val_accuracy": 0.4, "val_loss": 1.2},
        {"accuracy": 0.7, "loss": 0.6, "val_accuracy": 0.6, "val_loss": 0.9},
    ]
    model, history, _ = fit([], logs, steps=4)
    assert isinstance(history, cb.History)
    assert history.history == {
        "accuracy": [0.5, 0.7],
        "loss": [1.0, 0.6],
        "val_accuracy": [0.4, 0.6],
        "val_loss": [1.2, 0.9],
    }
    assert history.epoch == [0, 1]
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 4}
    assert history.model is model


# ----------------------------------------------------------------------------- EarlyStopping


def test_early_stopping_after_patience_restores_best_weights(capsys):
    es = cb.EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    model, history, epochs = fit([es], val_losses(1.0, 0.9, 0.95, 0.96, 0.97, 0.98))
    assert epochs == 4 and len(history.history["val_loss"]) == 4
    assert es.stopped_epoch == 3 and es.best == 0.9 and es.best_epoch == 1
    # epoch 1 ended with its last step's weights: 1 + 2/10
    np.testing.assert_allclose(model.weights[0], 1.2)
    out = capsys.readouterr().out
    assert out == (
        "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n"
    )


def test_early_stopping_restores_best_weights_even_without_stopping():
    es = cb.EarlyStopping(patience=10, restore_best_weights=True)
    model, _, epochs = fit([es], val_losses(1.0, 0.5, 0.7))
    assert epochs == 3 and es.stopped_epoch == 0
    np.testing.assert_allclose(model.weights[1], 1.2)


def test_early_stopping_keeps_last_weights_by_default():
    model, _, epochs = fit([cb.EarlyStopping(patience=1)], val_losses(1.0, 0.5, 0.7, 0.8))
    assert epochs == 3
    np.testing.assert_allclose(model.weights[0], 2.2)


def test_early_stopping_best_weights_are_copies():
    class ViewModel(FakeModel):
        def get_weights(self):
            return list(self.weights)  # views of the live arrays

    es = cb.EarlyStopping(patience=5, restore_best_weights=True)
    model, _, _ = fit([es], val_losses(0.5, 0.7, 0.8), model=ViewModel())
    np.testing.assert_allclose(model.weights[0], 0.2)


def test_early_stopping_patience_zero_stops_at_first_worse_epoch():
    _, _, epochs = fit([cb.EarlyStopping()], val_losses(1.0, 0.9, 0.95, 0.5))
    assert epochs == 3


def test_early_stopping_baseline():
    # Epochs that improve on the best but not on the baseline do not restart the count.
    es = cb.EarlyStopping(patience=2, baseline=0.5)
    _, _, epochs = fit([es], val_losses(0.9, 0.95, 0.96, 0.97))
    assert epochs == 2 and es.stopped_epoch == 1
    _, _, epochs = fit([cb.EarlyStopping(patience=2)], val_losses(0.9, 0.95, 0.96, 0.97))
    assert epochs == 3
    # beating the baseline restarts it
    es = cb.EarlyStopping(patience=2, baseline=0.5)
    _, _, epochs = fit([es], val_losses(0.4, 0.45, 0.46, 0.47))
    assert epochs == 3


def test_early_stopping_min_delta():
    values = (1.0, 0.99, 0.98, 0.97)
    _, _, epochs = fit([cb.EarlyStopping(patience=1, min_delta=0.05)], val_losses(*values))
    assert epochs == 2
    _, _, epochs = fit([cb.EarlyStopping(patience=1)], val_losses(*values))
    assert epochs == 4
    # the sign of min_delta does not matter
    _, _, epochs = fit([cb.EarlyStopping(patience=1, min_delta=-0.05)], val_losses(*values))
    assert epochs == 2


@pytest.mark.parametrize("monitor", ["val_accuracy", "accuracy", "val_acc", "auc", "precision"])
def test_early_stopping_auto_mode_maximizes_accuracy_like_metrics(monitor):
    logs = [{"loss": 1.0, monitor: v} for v in (0.5, 0.6, 0.55, 0.54, 0.53)]
    es = cb.EarlyStopping(monitor=monitor, patience=2)
    _, _, epochs = fit([es], logs)
    assert epochs == 4 and es.best == 0.6
    assert es.monitor_op is np.greater


@pytest.mark.parametrize("monitor", ["loss", "val_loss", "val_mse", "mean_absolute_error"])
def test_early_stopping_auto_mode_minimizes_losses(monitor):
    es = cb.EarlyStopping(monitor=monitor)
    fit([es], [{"loss": 1.0, monitor: 1.0}])
    assert es.monitor_op is np.less


def test_early_stopping_mode_max_and_min_explicit():
    logs = [{"score": v} for v in (1.0, 2.0, 1.5, 1.4)]
    _, _, epochs = fit([cb.EarlyStopping(monitor="score", mode="max", patience=1)], logs)
    assert epochs == 3
    _, _, epochs = fit([cb.EarlyStopping(monitor="score", mode="min", patience=1)], logs)
    assert epochs == 2


def test_early_stopping_auto_mode_uses_the_models_metric_direction():
    class Metric:
        def __init__(self, name, direction):
            self.name, self._direction = name, direction

    class Compiled:
        metrics = [Metric("score", "up")]

    model = FakeModel()
    model.metrics = [Metric("loss", "down"), Compiled()]
    es = cb.EarlyStopping(monitor="val_score")
    fit([es], [{"val_score": 1.0}], model=model)
    assert es.monitor_op is np.greater


def test_early_stopping_unknown_direction_and_mode():
    with pytest.raises(ValueError, match="monitor=val_score, but Keras isn't able"):
        fit([cb.EarlyStopping(monitor="val_score")], [{"val_score": 1.0}])
    with pytest.warns(UserWarning, match="EarlyStopping mode 'maxx' is unknown"):
        es = cb.EarlyStopping(mode="maxx")
    assert es.mode == "auto"


def test_early_stopping_start_from_epoch():
    values = (0.1, 0.2, 0.3, 0.4, 0.5)
    es = cb.EarlyStopping(patience=1, start_from_epoch=2)
    _, _, epochs = fit([es], val_losses(*values))
    assert epochs == 4 and es.best == 0.3 and es.best_epoch == 2
    _, _, epochs = fit([cb.EarlyStopping(patience=1)], val_losses(*values))
    assert epochs == 2


def test_early_stopping_missing_metric_warns_with_available_keys():
    with pytest.warns(UserWarning) as record:
        _, _, epochs = fit([cb.EarlyStopping(patience=0)], [{"loss": 1.0, "accuracy": 0.5}] * 3)
    assert epochs == 3
    assert str(record[0].message) == (
        "Early stopping conditioned on metric `val_loss` which is not available. "
        "Available metrics are: accuracy,loss"
    )


def test_early_stopping_instance_is_reusable():
    es = cb.EarlyStopping(patience=1)
    _, _, first = fit([es], val_losses(0.1, 0.2, 0.3))
    _, _, second = fit([es], val_losses(0.9, 0.8, 0.7))  # best of the first fit is forgotten
    assert (first, second) == (2, 3)


# ----------------------------------------------------------------------------- ReduceLROnPlateau


def test_reduce_lr_on_plateau_patience_cooldown_min_lr(capsys):
    reduce = cb.ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.02, verbose=1)
    model, history, _ = fit([reduce], val_losses(*[1.0] * 8))
    # each epoch logs the rate it ran with; reductions at epochs 3, 5 and 7 (1-based)
    assert history.history["learning_rate"] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02]
    assert model.optimizer.learning_rate == 0.02
    assert capsys.readouterr().out == (
        "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.05.\n"
        "\nEpoch 5: ReduceLROnPlateau reducing learning rate to 0.025.\n"
        "\nEpoch 7: ReduceLROnPlateau reducing learning rate to 0.02.\n"
    )


def test_reduce_lr_on_plateau_improvement_resets_wait():
    reduce = cb.ReduceLROnPlateau(factor=0.5, patience=2)
    model, history, _ = fit([reduce], val_losses(1.0, 1.0, 0.5, 0.5, 0.5))
    assert history.history["learning_rate"] == [0.1, 0.1, 0.1, 0.1, 0.1]
    assert model.optimizer.learning_rate == 0.05  # reduced at the end of the last epoch


def test_reduce_lr_on_plateau_min_delta_and_max_mode():
    # 1e-4 default: a gain of 5e-5 is no improvement
    reduce = cb.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=1)
    logs = [{"val_accuracy": v} for v in (0.5, 0.50005, 0.6)]
    model, history, _ = fit([reduce], logs)
    assert reduce.monitor_op is np.greater
    assert history.history["learning_rate"] == [0.1, 0.1, 0.05]


def test_reduce_lr_on_plateau_validates_factor_and_kwargs():
    with pytest.raises(ValueError, match="factor >= 1.0. Received factor=1.5"):
        cb.ReduceLROnPlateau(factor=1.5)
    with pytest.raises(TypeError, match="unexpected keyword"):
        cb.ReduceLROnPlateau(patiense=3)
    with pytest.warns(UserWarning, match="epsilon"):
        assert cb.ReduceLROnPlateau(epsilon=0.01).min_delta == 0.01


def test_reduce_lr_on_plateau_missing_metric_warns():
    with pytest.warns(UserWarning, match="Available metrics are: loss,learning_rate."):
        fit([cb.ReduceLROnPlateau()], [{"loss": 1.0}])


def test_seed_callbacks_together():
    # the seed's fit: EarlyStopping(patience=5) and ReduceLROnPlateau(factor=0.5, patience=3)
    losses = [1.0, 0.8, 0.7] + [0.7] * 20
    callbacks = [cb.EarlyStopping(patience=5), cb.ReduceLROnPlateau(factor=0.5, patience=3)]
    model, history, epochs = fit(callbacks, val_losses(*losses))
    assert epochs == 8  # best at epoch 3, five epochs without improvement
    assert history.history["learning_rate"][-1] == 0.05


# ----------------------------------------------------------------------------- TerminateOnNaN


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_terminate_on_nan(capsys, bad):
    losses = [[0.5, bad, 0.4]]
    model, history, epochs = fit(
        [cb.TerminateOnNaN()],
        [{"loss": 0.5}] * 3,
        batch_logs=lambda e, s: {"loss": losses[e][s]},
    )
    assert epochs == 1 and model.stop_training
    np.testing.assert_allclose(model.weights[0], 0.1)  # stopped after batch 1
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"


def test_terminate_on_nan_raise_error():
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        fit([cb.TerminateOnNaN(raise_error=True)], [{"loss": math.nan}])


# ----------------------------------------------------------------------------- CSVLogger


def test_csv_logger_writes_header_and_rows(tmp_path):
    path = tmp_path / "log.csv"
    rows_seen_during_training = []
    peek = cb.LambdaCallback(
        on_epoch_end=lambda e, logs: rows_seen_during_training.append(path.read_text())
    )
    logs = [
        {"loss": 1.0, "accuracy": 0.5, "val_loss": 1.5, "val_accuracy": 0.25},
        {"loss": 0.5, "accuracy": 0.75, "val_loss": 1.25, "val_accuracy": 0.5},
    ]
    fit([cb.CSVLogger(path), peek], logs)
    text = path.read_bytes().decode()
    assert text == (
        "epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.5,1.0,0.25,1.5\r\n1,0.75,0.5,0.5,1.25\r\n"
    )
    assert rows_seen_during_training[0].count("\n") == 2  # flushed at each epoch end


def test_csv_logger_append_and_separator(tmp_path):
    path = tmp_path / "log.csv"
    fit([cb.CSVLogger(path, separator=";")], [{"loss": 1.0}])
    fit([cb.CSVLogger(path, separator=";", append=True)], [{"loss": 0.5}, {"loss": 0.25}])
    rows = list(csv.reader(path.open(newline=""), delimiter=";"))
    assert rows == [["epoch", "loss"], ["0", "1.0"], ["0", "0.5"], ["1", "0.25"]]
    fit([cb.CSVLogger(path)], [{"loss": 2.0}])  # append=False overwrites
    assert path.read_bytes() == b"epoch,loss\r\n0,2.0\r\n"


def test_csv_logger_missing_values_and_lists(tmp_path):
    path = tmp_path / "log.csv"
    fit([cb.CSVLogger(path)], [{"loss": 1.0, "v": [1, 2]}, {"loss": 0.5}])
    assert path.read_text().splitlines()[1:] == ['0,1.0,"""[1, 2]"""', "1,0.5,NA"]


# ----------------------------------------------------------------------------- LR scheduler


def test_learning_rate_scheduler(capsys):
    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    sched = cb.LearningRateScheduler(schedule, verbose=1)
    model, history, _ = fit([sched], [{"loss": 1.0}] * 4)
    assert history.history["learning_rate"] == [0.1, 0.1, 0.05, 0.025]
    assert model.optimizer.learning_rate == 0.025
    out = capsys.readouterr().out
    assert out.startswith("\nEpoch 1: LearningRateScheduler setting learning rate to 0.1.\n")
    assert "\nEpoch 4: LearningRateScheduler setting learning rate to 0.025.\n" in out


def test_learning_rate_scheduler_old_one_argument_api():
    sched = cb.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    model, history, _ = fit([sched], [{"loss": 1.0}] * 3)
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.02, 0.03])


def test_learning_rate_scheduler_accepts_numpy_values_and_rejects_others():
    model, _, _ = fit([cb.LearningRateScheduler(lambda e, lr: np.float32(0.5))], [{"loss": 1}])
    assert model.optimizer.learning_rate == 0.5
    with pytest.raises(ValueError, match="should be a float. Got: fast"):
        fit([cb.LearningRateScheduler(lambda e, lr: "fast")], [{"loss": 1.0}])
    with pytest.raises(TypeError, match="schedule"):
        cb.LearningRateScheduler(0.1)


# ----------------------------------------------------------------------------- ModelCheckpoint


def test_model_checkpoint_formats_filenames(tmp_path):
    path = tmp_path / "ckpt" / "w.{epoch:02d}-{val_loss:.2f}.weights.h5"
    check = cb.ModelCheckpoint(path, save_weights_only=True)
    model, _, _ = fit([check], val_losses(0.9, 0.95, 0.5))
    assert model.saved == ["w.01-0.90.weights.h5", "w.02-0.95.weights.h5", "w.03-0.50.weights.h5"]
    assert (tmp_path / "ckpt" / "w.03-0.50.weights.h5").read_text() == "weights 2.2"


def test_model_checkpoint_save_best_only(tmp_path, capsys):
    path = tmp_path / "best.keras"
    check = cb.ModelCheckpoint(path, save_best_only=True, verbose=1)
    model, _, _ = fit([check], val_losses(0.9, 0.95, 0.5, 0.7))
    assert model.saved == ["best.keras", "best.keras"]
    assert path.read_text() == "model 2.2"  # the whole model, from epoch 3
    assert capsys.readouterr().out == (
        f"\nEpoch 1: val_loss improved from inf to 0.90000, saving model to {path}\n"
        "\nEpoch 2: val_loss did not improve from 0.90000\n"
        f"\nEpoch 3: val_loss improved from 0.90000 to 0.50000, saving model to {path}\n"
        "\nEpoch 4: val_loss did not improve from 0.50000\n"
    )


def test_model_checkpoint_max_mode_and_threshold(tmp_path):
    path = tmp_path / "e{epoch}.keras"
    logs = [{"val_accuracy": v} for v in (0.5, 0.7, 0.6, 0.8)]
    check = cb.ModelCheckpoint(
        path, monitor="val_accuracy", save_best_only=True, initial_value_threshold=0.65
    )
    model, _, _ = fit([check], logs)
    assert model.saved == ["e2.keras", "e4.keras"]


def test_model_checkpoint_every_n_batches(tmp_path):
    path = tmp_path / "e{epoch}b{batch}.keras"
    model, _, _ = fit([cb.ModelCheckpoint(path, save_freq=2)], [{"loss": 1.0}] * 2, steps=3)
    # batches counted across epochs: the 2nd, 4th and 6th
    assert model.saved == ["e1b2.keras", "e2b1.keras", "e2b3.keras"]


def test_model_checkpoint_errors(tmp_path):
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        cb.ModelCheckpoint("w.h5", save_weights_only=True)
    with pytest.raises(ValueError, match="must end in `.keras`"):
        cb.ModelCheckpoint("model.ckpt")
    with pytest.raises(ValueError, match="Unrecognized save_freq: often"):
        cb.ModelCheckpoint("m.keras", save_freq="often")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        fit([cb.ModelCheckpoint(tmp_path / "{val_acc}.keras")], [{"loss": 1.0}])
    (tmp_path / "dir.keras").mkdir()
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        fit([cb.ModelCheckpoint(tmp_path / "dir.keras")], [{"loss": 1.0}])


def test_model_checkpoint_best_only_without_the_metric_saves_and_warns(tmp_path):
    check = cb.ModelCheckpoint(tmp_path / "m.keras", monitor="loss", save_best_only=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit([check], [{"loss": 1.0}])
    check = cb.ModelCheckpoint(tmp_path / "m.keras", save_best_only=True)
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        model, _, _ = fit([check], [{"loss": 1.0}])
    assert model.saved == ["m.keras"]


# ----------------------------------------------------------------------------- LambdaCallback


def test_lambda_callback():
    calls = []
    lam = cb.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, logs["loss"])),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch)),
        on_train_end=lambda logs: calls.append("train_end"),
        on_test_end=lambda logs: calls.append(("test_end", logs["loss"])),
    )
    fit([lam], [{"loss": 0.5, "val_loss": 0.75}], steps=1)
    assert calls == [
        "train_begin",
        ("epoch_begin", 0),
        ("batch_begin", 0),
        ("batch_end", 0),
        ("test_end", 0.75),
        ("epoch_end", 0, 0.5),
        "train_end",
    ]


def test_lambda_callback_keras2_batch_alias():
    seen = []
    lam = cb.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))
    fit([lam], [{"loss": 1.0}], steps=3)
    assert seen == [0, 1, 2]


def test_unsupported_callbacks_say_what_to_use():
    with pytest.raises(AttributeError, match="BackupAndRestore is not supported: .*Checkpoint"):
        cb.BackupAndRestore  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        cb.Nope  # noqa: B018


def test_custom_callback_stops_training_keras2_style():
    class StopAt(cb.Callback):
        def on_epoch_end(self, epoch, logs={}):  # noqa: B006 (as course code writes it)
            if logs.get("accuracy") > 0.6:
                self.model.stop_training = True

    logs = [{"loss": 1.0, "accuracy": a} for a in (0.3, 0.5, 0.7, 0.9)]
    _, history, epochs = fit([StopAt()], logs)
    assert epochs == 3 and history.history["accuracy"] == [0.3, 0.5, 0.7]


# ----------------------------------------------------------------------------- ProgbarLogger


@pytest.fixture
def tty(monkeypatch):
    monkeypatch.setattr(progbar_module, "_stdout_is_interactive", lambda: True)
    monkeypatch.setattr(cb, "_stdout_is_interactive", lambda: True)


@pytest.fixture
def no_tty(monkeypatch):
    monkeypatch.setattr(progbar_module, "_stdout_is_interactive", lambda: False)
    monkeypatch.setattr(cb, "_stdout_is_interactive", lambda: False)


EPOCHS = [
    {"loss": 0.5234, "accuracy": 0.8123, "val_loss": 0.6, "val_accuracy": 0.75},
    {"loss": 0.4, "accuracy": 0.85, "val_loss": 0.55, "val_accuracy": 0.8},
]
STEP_TIME = r"\d+(us|ms|s)/step"


def test_progbar_logger_verbose_1_in_a_terminal(tty, capsys):
    fit([], EPOCHS, verbose=1, steps=3)
    out = ANSI.sub("", capsys.readouterr().out)
    lines = out.split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and lines[4] == ""
    final = lines[1].split("\r")[-1]
    assert re.fullmatch(
        r"3/3 ━{20} \d+s " + STEP_TIME + r" - accuracy: 0.8123 - loss: 0.5234"
        r" - val_accuracy: 0.7500 - val_loss: 0.6000",
        final,
    ), final
    assert lines[1].startswith("\r1/3 ━")  # redrawn per batch, validation silent


def test_progbar_logger_verbose_1_in_a_log_file(no_tty, capsys):
    fit([], EPOCHS, verbose=1, steps=50)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and "\r" not in "".join(lines)
    assert re.fullmatch(r"50/50 ━{20} \d+s " + STEP_TIME + " - accuracy: 0.8500 .*", lines[3])


def test_progbar_logger_verbose_2(tty, capsys):
    fit([], EPOCHS, verbose=2, steps=3)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0] == "Epoch 1/2"
    assert re.fullmatch(
        r"3/3 - \d+s - " + STEP_TIME + r" - accuracy: 0.8123 - loss: 0.5234"
        r" - val_accuracy: 0.7500 - val_loss: 0.6000",
        lines[1],
    ), lines[1]


def test_progbar_logger_one_epoch_has_no_epoch_line_and_shows_learning_rate(no_tty, capsys):
    fit([cb.ReduceLROnPlateau()], EPOCHS[:1], verbose=1)
    (line,) = capsys.readouterr().out.splitlines()
    assert line.endswith(" - val_loss: 0.6000 - learning_rate: 0.1000")


def test_progbar_logger_for_evaluate_and_predict(tty, capsys):
    lst = cb.CallbackList([], add_progbar=True, model=FakeModel(), verbose=1, epochs=1, steps=2)
    lst.on_test_begin()
    lst.on_test_batch_begin(0)
    lst.on_test_batch_end(0, {"loss": 0.5, "accuracy": 1.0})
    lst.on_test_batch_end(1, {"loss": 0.25, "accuracy": 0.5})
    lst.on_test_end({"loss": 0.25, "accuracy": 0.5})
    out = ANSI.sub("", capsys.readouterr().out)
    assert out.startswith("\r1/2 ━") and "\n" not in out[:-1]
    assert out.endswith(" - accuracy: 0.5000 - loss: 0.2500\n")
    lst.on_predict_begin()
    lst.on_predict_batch_end(0, {"outputs": np.zeros(3)})
    lst.on_predict_batch_end(1, {"outputs": np.zeros(3)})
    lst.on_predict_end()
    final = ANSI.sub("", capsys.readouterr().out).split("\r")[-1]
    assert re.fullmatch(r"2/2 ━{20} \d+s " + STEP_TIME + r"\n", final), final  # no outputs


def test_progbar_logger_unknown_steps(no_tty, capsys):
    lst = cb.CallbackList([], add_progbar=True, model=FakeModel(), verbose=2, epochs=1, steps=None)
    lst.on_train_begin()
    lst.on_epoch_begin(0)
    for step in range(5):
        lst.on_train_batch_end(step, {"loss": 1.0})
    lst.on_epoch_end(0, {"loss": 1.0})
    assert capsys.readouterr().out.startswith("5/5 - ")


def test_progbar_logger_verbose_auto_means_1(no_tty, capsys):
    logger = cb.ProgbarLogger()
    logger.set_params({"verbose": "auto", "epochs": 3, "steps": 10})
    assert (logger.verbose, logger.epochs, logger.target) == (1, 3, 10)
