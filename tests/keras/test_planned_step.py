"""fit's planned step (ember/keras/models/planned_step.py) trains as the general step does.

Each test runs the same seeded fit twice, once with planning switched off (monkeypatch makes
``plan`` return None), and compares: the planned step runs the same functions in the same
order, so weights, optimizer slots and logs are the same bits. Other tests check which
models and batches it covers, and that everything else still takes the general step.
"""

import numpy as np
import pytest

import ember as tf
from ember.errors import InvalidArgumentError
from ember.keras.models import data as data_mod
from ember.keras.models import planned_step

keras = tf.keras


def _data(n=300, features=20, classes=5, seed=1, label_dtype="int64"):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    y = (x[:, :classes].argmax(axis=1) + (rng.random(n) < 0.2)) % classes
    return x, y.astype(label_dtype)


def _mlp(seed=0, features=20, classes=5, dropout=0.3, last="softmax", use_bias=True,
         loss="sparse_categorical_crossentropy", metrics=("accuracy",), optimizer="adam",
         **dense_kwargs):
    keras.utils.set_random_seed(seed)
    layers = [keras.layers.Dense(16, activation="relu", input_shape=(features,),
                                 use_bias=use_bias, **dense_kwargs)]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(8, activation="relu", use_bias=use_bias))
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(classes, activation=last))
    model = keras.Sequential(layers)
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


class _Count:
    """Wraps ``planned_step.plan`` to count the steps the planned step ran."""

    def __init__(self, monkeypatch):
        self.runs = 0
        self.plans = 0
        original = planned_step.plan

        def counting(model, variables, run):
            step = original(model, variables, run)
            if step is not None:
                self.plans += 1
                run = step.run

                def counted(x, y, sample_weight=None):
                    ran = run(x, y, sample_weight)
                    self.runs += ran
                    return ran
                step.run = counted
            return step
        monkeypatch.setattr(planned_step, "plan", counting)


def _fit(model_fn, x, y, *, epochs=3, batch_size=32, **kwargs):
    model = model_fn()
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, **kwargs)
    return model, history.history


def _both(monkeypatch, model_fn, x, y, **kwargs):
    """(planned run count, planned result, general result) of the same seeded fit."""
    count = _Count(monkeypatch)
    planned = _fit(model_fn, x, y, **kwargs)
    runs = count.runs
    monkeypatch.setattr(planned_step, "plan", lambda model, variables, run: None)
    general = _fit(model_fn, x, y, **kwargs)
    return runs, planned, general


def _assert_same_bits(planned, general):
    (m1, h1), (m2, h2) = planned, general
    assert h1 == h2
    for a, b in zip(m1.get_weights(), m2.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(m1.optimizer.variables, m2.optimizer.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("config", [
    {},  # the seed's MLP: relu, dropout, softmax, sparse cross-entropy, accuracy
    {"dropout": 0.0},
    {"use_bias": False},
    {"last": None, "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True)},
    {"optimizer": "sgd"},
    {"metrics": ("accuracy", "sparse_top_k_categorical_accuracy")},
    {"metrics": ()},
])
def test_planned_fit_gives_the_general_steps_bits(monkeypatch, config):
    x, y = _data()
    runs, planned, general = _both(monkeypatch, lambda: _mlp(**config), x, y)
    # 300 samples at batch 32: 10 steps an epoch; the first of the fit runs the general step.
    assert runs == 3 * 10 - 1
    _assert_same_bits(planned, general)


def test_a_last_partial_batch_validation_and_uint8_labels(monkeypatch):
    x, y = _data(n=250, label_dtype="uint8")
    runs, planned, general = _both(monkeypatch, _mlp, x, y, batch_size=64,
                                   validation_split=0.2)
    assert runs == 3 * 4 - 1  # 200 training samples: 3 batches of 64 and one of 8
    _assert_same_bits(planned, general)
    assert "val_loss" in planned[1] and "val_accuracy" in planned[1]


def test_integer_images_are_cast_as_the_models_call_casts_them(monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, size=(300, 20)).astype("uint8")
    y = rng.integers(0, 5, size=300)
    runs, planned, general = _both(monkeypatch, _mlp, x, y)
    assert runs == 29
    _assert_same_bits(planned, general)


def test_labels_of_shape_batch_by_one(monkeypatch):
    x, y = _data()
    runs, planned, general = _both(monkeypatch, _mlp, x, y.reshape(-1, 1))
    assert runs == 29
    _assert_same_bits(planned, general)


def test_per_batch_logs_reach_callbacks(monkeypatch):
    seen = {"planned": [], "general": []}

    def fit(key, model_fn):
        model = model_fn()
        logger = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: seen[key].append(dict(logs)))
        x, y = _data()
        model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[logger])
        return model

    count = _Count(monkeypatch)
    fit("planned", _mlp)
    assert count.runs == 19
    monkeypatch.setattr(planned_step, "plan", lambda model, variables, run: None)
    fit("general", _mlp)
    assert seen["planned"] == seen["general"]
    assert set(seen["planned"][-1]) == {"loss", "accuracy"}


def test_callbacks_that_change_the_model_mid_fit(monkeypatch):
    """The plan reads the dropout rates and the learning rate every step."""

    class Change(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.layers[1].rate = 0.5
            self.model.optimizer.learning_rate = 0.01

    def model_fn():
        return _mlp()

    x, y = _data()
    count = _Count(monkeypatch)
    planned = _fit(model_fn, x, y, callbacks=[Change()])
    assert count.runs == 29
    monkeypatch.setattr(planned_step, "plan", lambda model, variables, run: None)
    general = _fit(model_fn, x, y, callbacks=[Change()])
    _assert_same_bits(planned, general)


def test_the_seed_mlp_on_fashion_mnist_learns_through_it(monkeypatch, fashion_train):
    x, y = fashion_train
    x, y = x[:12000].reshape(-1, 784) / 255.0, y[:12000]  # the seed's normalization
    count = _Count(monkeypatch)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.layers.Dense(128, activation="relu", input_shape=(784,)),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=128, epochs=2, verbose=0)
    assert count.runs == 2 * 94 - 1
    assert history.history["accuracy"][-1] > 0.7
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_a_label_out_of_range_in_a_planned_batch_is_the_general_error(monkeypatch):
    x, y = _data()
    y[200] = 7  # 5 classes: batch 6 of the first epoch, a planned step
    with pytest.raises(InvalidArgumentError, match="label value of 7.*valid range of \\[0, 5\\)"):
        _fit(lambda: _mlp(), x, y, epochs=1)


@pytest.mark.parametrize("case", [
    "kernel_regularizer", "categorical_loss", "sigmoid_output", "run_eagerly",
    "frozen_layer", "subclass", "loss_weights_style_list_of_two",
])
def test_models_the_plan_does_not_cover_take_the_general_step(monkeypatch, case):
    x, y = _data()
    if case == "kernel_regularizer":
        def model_fn():
            return _mlp(kernel_regularizer=keras.regularizers.l2(1e-3))
    elif case == "categorical_loss":
        y = keras.utils.to_categorical(y, 5)

        def model_fn():
            return _mlp(loss="categorical_crossentropy")
    elif case == "sigmoid_output":
        y = (y > 2).astype("float32")

        def model_fn():
            keras.utils.set_random_seed(0)
            model = keras.Sequential([keras.layers.Dense(8, activation="relu",
                                                         input_shape=(20,)),
                                      keras.layers.Dense(1, activation="sigmoid")])
            model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
            return model
    elif case == "run_eagerly":
        def model_fn():
            model = _mlp()
            model.compile("adam", "sparse_categorical_crossentropy", run_eagerly=True)
            return model
    elif case == "frozen_layer":
        def model_fn():
            model = _mlp()
            model.layers[0].trainable = False
            model.compile("adam", "sparse_categorical_crossentropy")
            return model
    elif case == "subclass":
        class MySequential(keras.Sequential):
            pass

        def model_fn():
            keras.utils.set_random_seed(0)
            model = MySequential([keras.layers.Dense(8, activation="relu", input_shape=(20,)),
                                  keras.layers.Dense(5, activation="softmax")])
            model.compile("adam", "sparse_categorical_crossentropy")
            return model
    else:
        def model_fn():
            model = _mlp()
            model.compile("adam", ["sparse_categorical_crossentropy"], loss_weights=[0.5])
            return model
    count = _Count(monkeypatch)
    model, history = _fit(model_fn, x, y)
    assert count.plans == 0 and count.runs == 0
    assert np.isfinite(history["loss"]).all()


@pytest.mark.parametrize("kind", ["sample_weight", "class_weight", "float_labels"])
def test_batches_the_plan_does_not_fit_take_the_general_step(monkeypatch, kind):
    x, y = _data()
    kwargs = {}
    if kind == "sample_weight":
        kwargs["sample_weight"] = np.linspace(0.5, 1.5, len(x)).astype("float32")
    elif kind == "class_weight":
        kwargs["class_weight"] = {0: 1.0, 1: 2.0, 2: 1.0, 3: 1.0, 4: 0.5}
    else:
        y = y.astype("float32")
    runs, planned, general = _both(monkeypatch, _mlp, x, y, **kwargs)
    assert runs == 0
    _assert_same_bits(planned, general)


def test_the_plan_follows_a_new_optimizer(monkeypatch):
    """A callback that swaps the optimizer mid-fit: the stale plan steps aside."""

    class Swap(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                self.model.optimizer = keras.optimizers.SGD(0.01)

    x, y = _data()
    count = _Count(monkeypatch)
    model, history = _fit(_mlp, x, y, callbacks=[Swap()])
    assert count.runs == 9  # epoch 0 only
    assert np.isfinite(history["loss"]).all()


def test_array_batches_reuse_their_buffer_and_give_the_same_batches():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(70, 3)).astype("float32")
    y = np.arange(70)

    def batches(reuse):
        keras.utils.set_random_seed(5)
        source = data_mod.ArrayBatches(x, y, None, 32, True)
        source.reuse_buffers = reuse
        return [(bx.copy(), by, bx) for bx, by, _ in source]

    fresh, reused = batches(False), batches(True)
    for (a, ya, _), (b, yb, _) in zip(fresh, reused, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(ya, yb)
        np.testing.assert_array_equal(a, x[ya])
    assert reused[0][2] is not fresh[0][2]
    assert reused[0][2] is reused[1][2]  # the same buffer for each batch of 32
    assert reused[2][2].shape == (6, 3)


def test_a_tf_data_pipeline_trains_through_it(monkeypatch):
    x, y = _data()

    def fit_dataset(model_fn):
        model = model_fn()
        keras.utils.set_random_seed(7)
        ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(300).batch(32)
        history = model.fit(ds, epochs=3, verbose=0)
        return model, history.history

    count = _Count(monkeypatch)
    planned = fit_dataset(_mlp)
    assert count.runs == 29
    monkeypatch.setattr(planned_step, "plan", lambda model, variables, run: None)
    general = fit_dataset(_mlp)
    _assert_same_bits(planned, general)


def test_a_dropout_rate_set_to_zero_mid_fit_takes_the_general_step(monkeypatch):
    """Rate 0 draws nothing in the layers' path; the plan steps aside to keep the draws."""

    class Off(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.layers[1].rate = 0.0

    x, y = _data()
    count = _Count(monkeypatch)
    planned = _fit(_mlp, x, y, callbacks=[Off()])
    assert count.runs == 9  # the first epoch only
    monkeypatch.setattr(planned_step, "plan", lambda model, variables, run: None)
    general = _fit(_mlp, x, y, callbacks=[Off()])
    _assert_same_bits(planned, general)


def test_a_model_that_starts_with_an_input_plans_too(monkeypatch):
    def model_fn():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input(shape=(20,)),
                                  keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dropout(0.2),
                                  keras.layers.Dense(5, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    x, y = _data()
    runs, planned, general = _both(monkeypatch, model_fn, x, y)
    assert runs == 29
    _assert_same_bits(planned, general)
