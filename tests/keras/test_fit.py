"""fit / evaluate / predict as a Keras user expects them.

Two kinds of data: the first 3000 Fashion-MNIST training images (flattened, /255; the
tests that need them skip when the data set is not installed), and tiny synthetic sets
where exact numbers matter (SGD with learning rate 0 keeps the weights fixed, so a
reported loss can be compared with a hand computation).

Expected values that are Keras conventions were checked against tensorflow 2.21 /
Keras 3 running the same code.
"""

import math

import numpy as np
import pytest

import ember as tf

keras = tf.keras

# --------------------------------------------------------------------------- data, models


@pytest.fixture(scope="module")
def fashion(fashion_train):
    """(x, y): the first 3000 Fashion-MNIST training images as float32 (N, 784) in [0, 1]."""
    x, y = fashion_train
    x = x[:3000].reshape(-1, 784).astype("float32") / 255.0
    return x, y[:3000].astype("int64")


def mlp(seed=0, dropout=0.0, inputs=784, hidden=32, classes=10, regularizer=None):
    keras.utils.set_random_seed(seed)
    layers = [keras.layers.Dense(hidden, activation="relu", input_shape=(inputs,),
                                 kernel_regularizer=regularizer)]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(classes, activation="softmax"))
    return keras.Sequential(layers)


def compiled_mlp(optimizer="adam", metrics=("accuracy",), **kwargs):
    model = mlp(**kwargs)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=list(metrics))
    return model


def small_set(n=40, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, features)).astype("float32")
    y = rng.integers(0, classes, n)
    return x, y


def sparse_ce(probs, y):
    """The hand computation: mean over the samples of -log p[label]."""
    return float(np.mean(-np.log(probs[np.arange(len(y)), y].astype(np.float64))))


def same_weights(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


class WeightsPerEpoch(keras.callbacks.Callback):
    """Keeps a copy of the model's weights at the end of every epoch."""

    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append([np.array(w, copy=True) for w in self.model.get_weights()])


# ------------------------------------------------------------------------ validation split


class RecordsTrainingInputs(keras.Model):
    """y = w*x + b with w = b = 0; remembers every input it sees while training."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1, kernel_initializer="zeros")
        self.seen = []

    def call(self, x, training=None):
        if training:
            self.seen.append(np.asarray(x)[:, 0].copy())
        return self.dense(x)


def test_validation_split_holds_out_the_last_fraction_before_shuffling():
    n = 100
    x = np.arange(n, dtype="float32").reshape(n, 1)
    y = np.arange(n, dtype="float32")  # y encodes the index of the sample
    model = RecordsTrainingInputs()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mae")
    keras.utils.set_random_seed(0)
    history = model.fit(x, y, batch_size=10, epochs=2, validation_split=0.2, shuffle=True,
                        verbose=0)
    # the prediction is 0, so the MAE of a set of samples is the mean of their indices
    assert history.history["val_loss"] == [pytest.approx(89.5)] * 2  # samples 80..99
    assert history.history["loss"] == [pytest.approx(39.5)] * 2  # samples 0..79
    epochs = [np.concatenate(model.seen[i * 8:(i + 1) * 8]) for i in range(2)]
    assert len(model.seen) == 16  # 80 training samples in batches of 10, twice
    for seen in epochs:
        np.testing.assert_array_equal(np.sort(seen), np.arange(80))  # never a val sample
    assert not np.array_equal(epochs[0], np.arange(80))  # ... and the 80 were shuffled
    assert not np.array_equal(epochs[0], epochs[1])  # afresh each epoch
    assert model.evaluate(x[80:], y[80:], verbose=0) == pytest.approx(89.5)


def test_fit_on_fashion_mnist_history_keys_lengths_and_values(fashion):
    x, y = fashion
    model = compiled_mlp()
    history = model.fit(x, y, batch_size=64, epochs=3, validation_split=0.2, verbose=0)
    h = history.history
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in h.values())
    assert all(isinstance(v, float) for vals in h.values() for v in vals)
    assert history.epoch == [0, 1, 2]
    assert model.history is history
    assert history.params["epochs"] == 3 and history.params["steps"] == math.ceil(2400 / 64)
    assert h["loss"][2] < h["loss"][0]
    assert h["val_accuracy"][-1] > 0.65
    # the last epoch's validation numbers are those of the last 20% under the final weights
    loss, acc = model.evaluate(x[2400:], y[2400:], verbose=0)
    assert h["val_loss"][-1] == pytest.approx(loss, rel=1e-5)
    assert h["val_accuracy"][-1] == pytest.approx(acc, abs=1e-6)


# --------------------------------------------------------------------------- callbacks


def flipped_problem(seed=0):
    """Training labels y = [x0 > 0]; validation labels inverted: learning makes val_loss rise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 2)).astype("float32")
    xv = rng.normal(size=(128, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    yv = (xv[:, 0] <= 0).astype("float32")
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model, (x, y), (xv, yv)


def test_early_stopping_patience_stops_when_val_loss_rises():
    model, (x, y), val = flipped_problem()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)
    history = model.fit(x, y, batch_size=32, epochs=50, validation_data=val, callbacks=[stop],
                        verbose=0)
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert len(val_loss) < 50
    assert len(val_loss) == best + 2 + 1  # stops `patience` epochs after the best one
    assert stop.stopped_epoch == len(val_loss) - 1
    assert all(v > val_loss[best] for v in val_loss[best + 1:])


def test_early_stopping_restore_best_weights_puts_back_the_best_epoch(fashion):
    x, y = fashion
    # 300 training images and a big step overfit within a few epochs
    model = compiled_mlp(optimizer=keras.optimizers.Adam(learning_rate=0.01), hidden=64)
    saved = WeightsPerEpoch()
    stop = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    history = model.fit(x[:300], y[:300], batch_size=32, epochs=40,
                        validation_data=(x[2000:], y[2000:]), callbacks=[saved, stop], verbose=0)
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert len(val_loss) < 40 and len(val_loss) == best + 3 + 1
    assert stop.best_epoch == best
    assert same_weights(model.get_weights(), saved.weights[best])
    assert not same_weights(model.get_weights(), saved.weights[-1])
    loss, _ = model.evaluate(x[2000:], y[2000:], verbose=0)
    assert loss == pytest.approx(val_loss[best], rel=1e-5)


def test_early_stopping_without_restore_keeps_the_last_weights():
    model, (x, y), val = flipped_problem()
    saved = WeightsPerEpoch()
    model.fit(x, y, batch_size=32, epochs=50, validation_data=val, verbose=0,
              callbacks=[saved, keras.callbacks.EarlyStopping(patience=2)])
    assert same_weights(model.get_weights(), saved.weights[-1])
    assert not same_weights(model.get_weights(), saved.weights[0])


def test_reduce_lr_on_plateau_lowers_the_rate_after_patience():
    x, y = small_set()
    model = mlp(inputs=4, classes=3)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy")
    # min_delta=10: no epoch after the first counts as an improvement
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2,
                                                min_delta=10.0)
    history = model.fit(x, y, epochs=6, callbacks=[plateau], verbose=0)
    # logged at each epoch end before any reduction: the rate that epoch trained with
    # (these are Keras 3's numbers for the same run)
    assert history.history["learning_rate"] == pytest.approx(
        [0.1, 0.1, 0.1, 0.05, 0.05, 0.025], rel=1e-6)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025, rel=1e-6)
    assert set(history.history) == {"loss", "learning_rate"}


def test_reduce_lr_on_plateau_on_real_validation_loss_follows_the_keras_rule(fashion):
    x, y = fashion
    model = compiled_mlp(optimizer=keras.optimizers.Adam(learning_rate=0.02), hidden=64)
    plateau = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1)
    history = model.fit(x[:600], y[:600], batch_size=64, epochs=8,
                        validation_data=(x[2000:], y[2000:]), callbacks=[plateau], verbose=0)
    h = history.history
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    # replay Keras's rule on the recorded val_loss: halve after 1 epoch without improving
    rate, best, wait, expected = 0.02, math.inf, 0, []
    for value in h["val_loss"]:
        expected.append(rate)
        if value < best - 1e-4:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= 1:
                rate, wait = rate * 0.5, 0
    assert h["learning_rate"] == pytest.approx(expected, rel=1e-6)
    assert rate < 0.02  # the overfitting run did reach a plateau
    assert float(model.optimizer.learning_rate) == pytest.approx(rate, rel=1e-6)


def test_learning_rate_scheduler_is_recorded_in_history():
    x, y = small_set()
    model = mlp(inputs=4, classes=3)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy")
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    history = model.fit(x, y, epochs=3, callbacks=[schedule], verbose=0)
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3], rel=1e-6)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_terminate_on_nan_stops_training():
    x, y = small_set()
    x[5, 1] = np.nan
    model = mlp(inputs=4, classes=3)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.warns(RuntimeWarning, match="NaN"):
        history = model.fit(x, y, batch_size=8, epochs=5, verbose=0,
                            callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1 < 5
    assert math.isnan(history.history["loss"][0])


# ------------------------------------------------------------------------------- seeds


def test_same_seed_gives_the_same_history_and_weights(fashion):
    x, y = fashion
    x, y = x[:1000], y[:1000]

    def run(seed):
        model = compiled_mlp(seed=seed, dropout=0.3)  # seeds the initial weights ...
        keras.utils.set_random_seed(seed)  # ... and the shuffling and the dropout masks
        history = model.fit(x, y, batch_size=50, epochs=2, validation_split=0.2, verbose=0)
        return history.history, model.get_weights()

    h1, w1 = run(7)
    h2, w2 = run(7)
    assert h1 == h2
    assert same_weights(w1, w2)
    h3, w3 = run(8)
    assert h3 != h1 and not same_weights(w1, w3)


def test_shuffle_false_is_deterministic_whatever_the_global_seed():
    x, y = small_set(n=64)
    start = mlp(inputs=4, classes=3).get_weights()

    def run(seed, shuffle):
        model = mlp(inputs=4, classes=3)
        model.set_weights(start)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        keras.utils.set_random_seed(seed)
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=shuffle, verbose=0)
        return history.history["loss"], model.get_weights()

    loss1, w1 = run(1, False)
    loss2, w2 = run(2, False)
    assert loss1 == loss2 and same_weights(w1, w2)
    loss3, w3 = run(1, True)
    loss4, w4 = run(2, True)
    assert not same_weights(w3, w4)  # with shuffling the global seed matters


# ------------------------------------------------------------------- evaluate and predict


def test_evaluate_return_forms_and_hand_computed_loss(fashion):
    x, y = fashion
    x, y = x[:500], y[:500]
    model = compiled_mlp()
    probs = model.predict(x, verbose=0)
    loss, acc = model.evaluate(x, y, batch_size=64, verbose=0)
    assert loss == pytest.approx(sparse_ce(probs, y), rel=1e-5)
    assert acc == pytest.approx(np.mean(probs.argmax(1) == y), abs=1e-6)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert logs["loss"] == pytest.approx(loss, rel=1e-6)
    assert all(isinstance(v, float) for v in logs.values())

    plain = compiled_mlp(metrics=())
    value = plain.evaluate(x, y, verbose=0)
    assert isinstance(value, float)  # no metrics: the loss alone, not a list
    assert value == pytest.approx(loss, rel=1e-5)  # same seed, same weights


def test_predict_returns_numpy_equal_to_calling_the_model():
    x, _ = small_set(n=50)
    model = mlp(inputs=4, classes=3)
    out = model.predict(x, batch_size=7, verbose=0)  # 7 does not divide 50
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    assert out.shape == (50, 3)
    np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(out, model.predict(x, batch_size=50, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_predict_is_deterministic_with_dropout(fashion):
    x, _ = fashion
    model = mlp(dropout=0.5)
    np.testing.assert_array_equal(model.predict(x[:100], verbose=0),
                                  model.predict(x[:100], verbose=0))


def test_train_test_and_predict_on_batch():
    x, y = small_set(n=16)
    model = compiled_mlp(optimizer=keras.optimizers.SGD(0.5), inputs=4, classes=3)
    before = model.get_weights()
    loss0, acc0 = model.test_on_batch(x, y)
    assert same_weights(model.get_weights(), before)  # testing does not train
    probs = model.predict_on_batch(x)
    assert isinstance(probs, np.ndarray) and probs.shape == (16, 3)
    assert loss0 == pytest.approx(sparse_ce(probs, y), rel=1e-5)
    assert acc0 == pytest.approx(np.mean(probs.argmax(1) == y))

    loss1, acc1 = model.train_on_batch(x, y)
    assert loss1 == pytest.approx(loss0, rel=1e-6)  # the loss before the step's update
    assert not same_weights(model.get_weights(), before)
    logs = model.test_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "accuracy"} and logs["loss"] < loss0

    plain = compiled_mlp(metrics=(), inputs=4, classes=3)
    assert isinstance(plain.train_on_batch(x, y), float)


# ------------------------------------------------------------------- custom training


class Keras3Step(keras.Model):
    """The Keras 3 guide's custom train_step: compute_loss, then every metric in a loop."""

    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(32, activation="relu")
        self.out = keras.layers.Dense(10, activation="softmax")
        self.steps_run = 0

    def call(self, x, training=None):
        return self.out(self.hidden(x))

    def train_step(self, data):
        self.steps_run += 1
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_keras3_style_train_step_override(fashion):
    x, y = fashion
    keras.utils.set_random_seed(0)
    model = Keras3Step()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x[:1000], y[:1000], batch_size=100, epochs=3, verbose=0)
    assert model.steps_run == 30
    h = history.history
    assert set(h) == {"loss", "accuracy"}
    assert h["loss"][-1] < h["loss"][0] and h["accuracy"][-1] > 0.6
    # the running metrics the step returned are the ones evaluate would compute
    assert [m.name for m in model.metrics] == ["loss", "accuracy"]


class Keras2Step(keras.Model):
    """tf.keras 2's custom train_step: compiled_loss and compiled_metrics."""

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def keras2_model(penalty=None):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    hidden = keras.layers.Dense(8, activation="relu", kernel_regularizer=penalty)(inputs)
    outputs = keras.layers.Dense(3, activation="softmax")(hidden)
    return Keras2Step(inputs, outputs)  # a functional model with an overridden step


def test_keras2_style_train_step_with_compiled_loss_and_metrics():
    x, y = small_set(n=64)
    model = keras2_model(keras.regularizers.l2(0.05))
    assert isinstance(model, Keras2Step) and len(model.layers) == 3
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    probs = model.predict(x, verbose=0)
    penalty = 0.05 * float(np.sum(model.layers[1].kernel.numpy().astype(np.float64) ** 2))
    assert set(history.history) == {"loss", "accuracy"}
    # the loss metric records the compiled loss plus the regularization passed in
    assert history.history["loss"][0] == pytest.approx(sparse_ce(probs, y) + penalty, rel=1e-5)
    assert history.history["accuracy"][0] == pytest.approx(np.mean(probs.argmax(1) == y))

    trained = keras2_model()
    trained.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    losses = trained.fit(x, y, batch_size=16, epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]


def test_subclass_called_with_inputs_and_outputs_is_functional_others_are_not():
    inputs = keras.Input((4,))
    outputs = keras.layers.Dense(2)(inputs)
    for model in (Keras2Step(inputs, outputs), Keras2Step(inputs=inputs, outputs=outputs)):
        assert isinstance(model, Keras2Step) and type(model).__name__ == "Keras2Step"
        assert model.output_shape == (None, 2)
    stack = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    assert type(stack) is keras.Sequential and stack.output_shape == (None, 3)
    assert type(Keras3Step()) is Keras3Step


def test_gradient_tape_training_loop_as_in_the_seed(fashion):
    x, y = fashion
    x, y = x[:512], y[:512]
    model = mlp(hidden=64)
    loss_function = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    first = float(loss_function(y, model(x)))
    for _ in range(20):
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            loss = loss_function(y, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        assert all(g is not None for g in gradients)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    last = float(loss_function(y, model(x)))
    assert last < 0.6 * first
    assert optimizer.iterations.numpy() == 20


# ------------------------------------------------------------------------ input forms


def test_numpy_tensors_and_lists_train_the_same():
    x, y = small_set(n=24)
    results = []
    for xs, ys in ((x, y), (tf.constant(x), tf.constant(y)), (x.tolist(), y.tolist())):
        model = compiled_mlp(optimizer=keras.optimizers.SGD(0.1), inputs=4, classes=3)
        history = model.fit(xs, ys, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append((history.history, model.get_weights()))
    for history, weights in results[1:]:
        assert history == results[0][0]
        for a, b in zip(weights, results[0][1]):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_generator_with_steps_per_epoch_trains_an_unbuilt_model():
    x, y = small_set(n=40)
    served = []

    def batches():
        while True:
            for i in range(0, 40, 10):
                served.append(i)
                yield x[i:i + 10], y[i:i + 10]

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])  # no input shape
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(batches(), steps_per_epoch=4, epochs=5, verbose=0)
    assert len(served) == 20  # 4 steps x 5 epochs, none lost to building the model
    assert history.params["steps"] == 4
    losses = history.history["loss"]
    assert len(losses) == 5 and losses[-1] < losses[0]


class Batches(keras.utils.Sequence):
    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_sequence_trains_exactly_like_unshuffled_arrays():
    x, y = small_set(n=30)

    def run(use_sequence):
        model = compiled_mlp(optimizer=keras.optimizers.SGD(0.2), inputs=4, classes=3)
        if use_sequence:
            data = Batches(x, y, 8)
            history = model.fit(data, epochs=3, verbose=0)
            assert data.epochs_ended == 3
            assert history.params["steps"] == 4
        else:
            history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        return history.history, model.get_weights()

    h_seq, w_seq = run(True)
    h_arr, w_arr = run(False)
    assert h_seq["loss"] == pytest.approx(h_arr["loss"], rel=1e-6)
    assert h_seq["accuracy"] == pytest.approx(h_arr["accuracy"])
    for a, b in zip(w_seq, w_arr):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_sample_weight_and_class_weight_weight_the_loss():
    x, y = small_set(n=20)
    model = compiled_mlp(optimizer=keras.optimizers.SGD(0.0), metrics=(), inputs=4, classes=3)
    probs = model.predict(x, verbose=0)
    per_sample = -np.log(probs[np.arange(20), y].astype(np.float64))
    sw = np.linspace(0.0, 2.0, 20).astype("float32")
    loss = model.fit(x, y, sample_weight=sw, batch_size=20, verbose=0).history["loss"][0]
    assert loss == pytest.approx(np.mean(sw * per_sample), rel=1e-5)  # sum(w l) / N, Keras's

    class_weight = {0: 1.0, 1: 3.0, 2: 0.25}
    w = np.array([class_weight[int(c)] for c in y])
    loss = model.fit(x, y, class_weight=class_weight, batch_size=20, verbose=0).history["loss"]
    assert loss[0] == pytest.approx(np.mean(w * per_sample), rel=1e-5)
    assert loss[0] != pytest.approx(np.mean(per_sample), rel=1e-3)

    assert model.evaluate(x, y, sample_weight=sw, batch_size=6, verbose=0) == pytest.approx(
        np.mean(sw * per_sample), rel=1e-5)


def test_validation_data_freq_and_initial_epoch():
    x, y = small_set(n=32)
    xv, yv = small_set(n=16, seed=1)
    model = compiled_mlp(optimizer=keras.optimizers.SGD(0.1), inputs=4, classes=3)
    history = model.fit(x, y, epochs=4, validation_data=(xv, yv), validation_freq=2, verbose=0)
    h = history.history
    assert len(h["loss"]) == 4 and len(h["val_loss"]) == 2 and len(h["val_accuracy"]) == 2
    assert h["val_loss"][-1] == pytest.approx(model.evaluate(xv, yv, verbose=0)[0], rel=1e-6)

    history = model.fit(x, y, epochs=5, validation_data=(xv, yv), validation_freq=[1, 5],
                        verbose=0)
    assert len(history.history["val_loss"]) == 2

    history = model.fit(x, y, epochs=4, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3] and len(history.history["loss"]) == 2


def test_verbose_output_forms(capsys):
    x, y = small_set(n=40)
    model = compiled_mlp(inputs=4, classes=3)
    model.fit(x, y, batch_size=10, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""

    model.fit(x, y, batch_size=10, epochs=2, validation_split=0.25, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    pattern = (r"^3/3 - \d+s - \d+(ms|us|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
               r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}$")
    import re

    for line in (lines[1], lines[3]):
        assert re.match(pattern, line), line

    model.fit(x, y, batch_size=10, epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "4/4" in out and "accuracy:" in out and "loss:" in out


# ------------------------------------------------------------------------ regularization


def test_l2_regularization_adds_exactly_its_penalty_to_the_loss():
    x, y = small_set(n=32)
    plain = compiled_mlp(optimizer=keras.optimizers.SGD(0.0), metrics=(), inputs=4, classes=3)
    regular = compiled_mlp(optimizer=keras.optimizers.SGD(0.0), metrics=(), inputs=4,
                           classes=3, regularizer=keras.regularizers.l2(0.01))
    assert same_weights(plain.get_weights(), regular.get_weights())  # same seed
    assert plain.losses == [] and len(regular.losses) == 1
    kernel = regular.layers[0].kernel.numpy().astype(np.float64)
    penalty = 0.01 * np.sum(kernel ** 2)
    assert float(regular.losses[0]) == pytest.approx(penalty, rel=1e-5)

    loss_plain = plain.fit(x, y, batch_size=32, verbose=0).history["loss"][0]
    loss_regular = regular.fit(x, y, batch_size=32, verbose=0).history["loss"][0]
    assert loss_regular - loss_plain == pytest.approx(penalty, rel=1e-4)
    # evaluate reports the same total (Keras includes the penalty there too)
    assert regular.evaluate(x, y, verbose=0) == pytest.approx(loss_regular, rel=1e-6)

    # with a learning rate the penalty pulls the kernel towards zero faster
    fast = compiled_mlp(optimizer=keras.optimizers.SGD(0.5), metrics=(), inputs=4, classes=3,
                        regularizer=keras.regularizers.l2(0.5))
    slow = compiled_mlp(optimizer=keras.optimizers.SGD(0.5), metrics=(), inputs=4, classes=3)
    fast.fit(x, y, batch_size=32, epochs=5, verbose=0)
    slow.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert np.sum(fast.layers[0].kernel.numpy() ** 2) < np.sum(slow.layers[0].kernel.numpy() ** 2)


# ------------------------------------------------------------- 'accuracy' resolution


def test_accuracy_resolves_from_the_loss_and_the_label_shapes():
    x, y = small_set(n=30)
    sparse = compiled_mlp(inputs=4, classes=3)
    sparse.fit(x, y, verbose=0)
    probs = sparse.predict(x, verbose=0)
    assert type(sparse.metrics[1]).__name__ == "SparseCategoricalAccuracy"
    assert sparse.evaluate(x, y, verbose=0)[1] == pytest.approx(np.mean(probs.argmax(1) == y))

    onehot = np.eye(3, dtype="float32")[y]
    categorical = mlp(inputs=4, classes=3)
    categorical.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    categorical.fit(x, onehot, verbose=0)
    probs = categorical.predict(x, verbose=0)
    assert type(categorical.metrics[1]).__name__ == "CategoricalAccuracy"
    assert categorical.evaluate(x, onehot, verbose=0)[1] == pytest.approx(
        np.mean(probs.argmax(1) == y))

    labels = (y > 0).astype("float32").reshape(-1, 1)
    keras.utils.set_random_seed(0)
    binary = keras.Sequential([keras.layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    binary.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    binary.fit(x, labels, verbose=0)
    p = binary.predict(x, verbose=0)
    assert type(binary.metrics[1]).__name__ == "BinaryAccuracy"
    assert binary.evaluate(x, labels, verbose=0)[1] == pytest.approx(
        np.mean((p > 0.5) == (labels > 0.5)))


# ------------------------------------------------------------------------- bad input


def test_wrong_input_width_names_the_layer_and_both_shapes():
    model = compiled_mlp(inputs=4, classes=3)
    with pytest.raises(ValueError) as e:
        model.fit(np.zeros((6, 5), "float32"), np.zeros(6), verbose=0)
    message = str(e.value)
    assert '"dense' in message and "4" in message and "(6, 5)" in message
    with pytest.raises(ValueError, match=r"\(2, 7\)"):
        model.predict(np.zeros((2, 7), "float32"), verbose=0)


def test_x_and_y_of_different_lengths():
    x, y = small_set(n=20)
    model = compiled_mlp(inputs=4, classes=3)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous") as e:
        model.fit(x, y[:15], verbose=0)
    assert "20" in str(e.value) and "15" in str(e.value)


def test_labels_out_of_range_for_sparse_crossentropy():
    x, y = small_set(n=20, classes=10)
    y[3] = 10
    model = compiled_mlp(inputs=4, classes=10)
    with pytest.raises(Exception, match="10") as e:
        model.fit(x, y, verbose=0)
    message = str(e.value)
    assert "label value of 10" in message and "[0, 10)" in message


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_nan_in_the_data_warns():
    x, y = small_set()
    x[0, 0] = np.inf
    model = compiled_mlp(inputs=4, classes=3)
    with pytest.warns(RuntimeWarning, match="NaN or infinite"):
        model.fit(x, y, verbose=0)


@pytest.mark.parametrize("split", [1.5, -0.1, 1.0])
def test_validation_split_outside_0_1(split):
    x, y = small_set()
    model = compiled_mlp(inputs=4, classes=3)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(x, y, validation_split=split, verbose=0)


def test_unknown_optimizer_name_suggests_the_near_one():
    model = mlp(inputs=4, classes=3)
    with pytest.raises(ValueError, match="adamm") as e:
        model.compile(optimizer="adamm", loss="mse")
    assert "Did you mean 'adam'" in str(e.value)


def test_empty_data_raises():
    model = compiled_mlp(inputs=4, classes=3)
    with pytest.raises(ValueError, match="empty"):
        model.fit(np.zeros((0, 4), "float32"), np.zeros((0,), "int64"), verbose=0)
    with pytest.raises(ValueError, match="empty"):
        model.evaluate(np.zeros((0, 4), "float32"), np.zeros((0,), "int64"), verbose=0)


def test_fit_before_compile_says_to_compile():
    x, y = small_set()
    model = mlp(inputs=4, classes=3)
    for call in (lambda: model.fit(x, y, verbose=0), lambda: model.evaluate(x, y, verbose=0),
                 lambda: model.train_on_batch(x, y)):
        with pytest.raises(RuntimeError, match=r"compile\(\)"):
            call()


def test_strings_as_x_raise_a_clear_error():
    model = compiled_mlp(inputs=2, classes=3)
    words = np.array([["cat", "dog"], ["ant", "bee"]])
    with pytest.raises(TypeError, match="strings") as e:
        model.fit(words, np.array([0, 1]), verbose=0)
    assert "`x`" in str(e.value)
    with pytest.raises(TypeError, match="strings"):
        model.predict([["cat", "dog"]], verbose=0)


def test_missing_x_or_y_says_what_is_missing():
    x, y = small_set()
    model = compiled_mlp(inputs=4, classes=3)
    with pytest.raises(ValueError, match="`x` is None"):
        model.predict(None, verbose=0)
    with pytest.raises(ValueError, match="no targets were given: pass `y`"):
        model.fit(x, verbose=0)


def test_a_list_of_arrays_is_one_target_per_output():
    x, y = small_set(n=20)
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    classes = keras.layers.Dense(3, activation="softmax", name="classes")(inputs)
    value = keras.layers.Dense(1, name="value")(inputs)
    model = keras.Model(inputs, [classes, value])
    model.compile(optimizer=keras.optimizers.SGD(0.0),
                  loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
    targets = [y, x[:, :1]]  # (N,) labels and (N, 1) values: one array per output
    probs, values = model.predict(x, verbose=0)
    expected = sparse_ce(probs, y) + 0.5 * np.mean((values - x[:, :1]) ** 2)
    # (Keras also reports classes_loss / value_loss; only the total is checked here)
    logs = model.evaluate(x, targets, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(expected, rel=1e-5)
    history = model.fit(x, targets, batch_size=20, verbose=0)
    assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)
