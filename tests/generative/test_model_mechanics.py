"""The model mechanics generative models and RL lean on: several outputs, add_loss,
custom train_step / compile, fit without targets, trainable toggled between steps.

Exact numbers use SGD with learning rate 0 (the weights stay fixed, so a reported loss can
be recomputed by hand). The History keys and add_loss numbers were checked against Keras
3.15 on TensorFlow 2.21 (see the `tensorflow`-marked test at the end).
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember as tf

keras = tf.keras


def data(n=20, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 4)).astype("float32"), rng.integers(0, 3, n)


def two_output_model(seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((4,), name="feats")
    a = keras.layers.Dense(3, activation="softmax", name="out_a")(inputs)
    b = keras.layers.Dense(1, name="out_b")(inputs)
    return keras.Model(inputs, [a, b])


def sparse_ce(probs, y):
    return float(np.mean(-np.log(probs[np.arange(len(y)), y])))


# ------------------------------------------------------------------- several outputs


@pytest.mark.parametrize("style", ["list", "dict"])
def test_per_output_losses_weights_and_metrics_are_reported_as_keras_names_them(style):
    x, y = data()
    model = two_output_model()
    targets = [y, x[:, :1]]
    if style == "list":
        model.compile(keras.optimizers.SGD(0.0), loss=["sparse_categorical_crossentropy", "mse"],
                      loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
    else:
        model.compile(keras.optimizers.SGD(0.0),
                      loss={"out_b": "mse", "out_a": "sparse_categorical_crossentropy"},
                      loss_weights={"out_a": 1.0, "out_b": 0.5},
                      metrics={"out_a": "accuracy", "out_b": ["mae"]})
        targets = {"out_a": y, "out_b": x[:, :1]}
    probs, values = model.predict(x, verbose=0)
    a_loss = sparse_ce(probs, y)
    b_loss = float(np.mean((values - x[:, :1]) ** 2))
    history = model.fit(x, targets, batch_size=20, verbose=0, validation_data=(x, targets))
    h = {k: v[0] for k, v in history.history.items()}
    assert list(h) == ["loss", "out_a_accuracy", "out_a_loss", "out_b_loss", "out_b_mae",
                       "val_loss", "val_out_a_accuracy", "val_out_a_loss", "val_out_b_loss",
                       "val_out_b_mae"]
    # per-output losses are unweighted; the total weighs them
    assert h["out_a_loss"] == pytest.approx(a_loss, rel=1e-5)
    assert h["out_b_loss"] == pytest.approx(b_loss, rel=1e-5)
    assert h["loss"] == pytest.approx(a_loss + 0.5 * b_loss, rel=1e-5)
    assert h["out_a_accuracy"] == pytest.approx(np.mean(probs.argmax(1) == y))
    assert h["out_b_mae"] == pytest.approx(np.mean(np.abs(values - x[:, :1])), rel=1e-5)
    assert h["val_loss"] == pytest.approx(h["loss"], rel=1e-5)
    # evaluate's list: loss, each output's loss, then the output metrics by name (Keras 3)
    listed = model.evaluate(x, targets, verbose=0)
    np.testing.assert_allclose(listed, [h["loss"], h["out_a_loss"], h["out_b_loss"],
                                        h["out_a_accuracy"], h["out_b_mae"]], rtol=1e-5)
    assert [m.name for m in model.metrics] == ["loss", "out_a_accuracy", "out_b_mae",
                                               "out_a_loss", "out_b_loss"]


def test_a_flat_metric_list_applies_to_every_output_as_keras_2_did():
    x, y = data()
    model = two_output_model()
    model.compile("sgd", loss="mse", metrics=["mae"])  # one loss for all outputs, too
    logs = model.evaluate(x, [x[:, :3], x[:, :1]], verbose=0, return_dict=True)
    assert set(logs) == {"loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_b_mae"}
    assert logs["loss"] == pytest.approx(logs["out_a_loss"] + logs["out_b_loss"], rel=1e-6)


def test_dict_outputs_are_named_by_their_keys():
    x, y = data()
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    outputs = {"kind": keras.layers.Dense(3, activation="softmax")(inputs),
               "size": keras.layers.Dense(1)(inputs)}
    model = keras.Model(inputs, outputs)
    model.compile("adam", loss={"kind": "sparse_categorical_crossentropy", "size": "mse"},
                  metrics={"kind": "accuracy"})
    h = model.fit(x, {"kind": y, "size": x[:, :1]}, verbose=0, epochs=2).history
    assert set(h) == {"loss", "kind_accuracy", "kind_loss", "size_loss"}


def test_a_loss_dict_with_unknown_keys_lists_both_sets_of_names():
    x, y = data()
    model = two_output_model()
    model.compile("sgd", loss={"outa": "sparse_categorical_crossentropy", "out_b": "mse"})
    with pytest.raises(ValueError, match=r"keys \['out_b', 'outa'\].*output names "
                                         r"\['out_a', 'out_b'\].*unknown \['outa'\]"):
        model.fit(x, [y, x[:, :1]], verbose=0)
    model.compile("sgd", loss=["mse"])
    with pytest.raises(ValueError, match="1 losses for a model with 2 output"):
        model.fit(x, [y, x[:, :1]], verbose=0)


def test_inputs_as_a_dict_keyed_by_input_name():
    x, _ = data()
    keras.utils.set_random_seed(0)
    left, right = keras.Input((2,), name="left"), keras.Input((2,), name="right")
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([left, right]))
    model = keras.Model([left, right], out)
    model.compile(keras.optimizers.SGD(0.0), "mse")
    as_dict = {"right": x[:, 2:], "left": x[:, :2]}  # order does not matter, names do
    np.testing.assert_allclose(model.predict(as_dict, verbose=0),
                               model.predict([x[:, :2], x[:, 2:]], verbose=0), rtol=1e-6)
    assert model.fit(as_dict, x[:, :1], verbose=0).history["loss"][0] > 0
    with pytest.raises(ValueError, match=r"keys \['left', 'wrong'\].*named \['left', 'right'\]"):
        model.predict({"left": x[:, :2], "wrong": x[:, 2:]}, verbose=0)


class TwoInputs(keras.Model):
    def __init__(self):
        super().__init__()
        self.a = keras.layers.Dense(3)
        self.b = keras.layers.Dense(1)

    def call(self, inputs):
        return self.b(keras.layers.concatenate([self.a(inputs["left"]), inputs["right"]]))


def test_a_subclassed_model_gets_its_dict_of_inputs():
    x, _ = data()
    model = TwoInputs()
    model.compile("adam", "mse")
    losses = model.fit({"left": x[:, :2], "right": x[:, 2:]}, x[:, :1], epochs=5,
                       verbose=0).history["loss"]
    assert losses[-1] < losses[0]
    assert model.predict({"left": x[:, :2], "right": x[:, 2:]}, verbose=0).shape == (20, 1)
    built = TwoInputs()
    built.build({"left": (None, 2), "right": (None, 2)})
    assert [tuple(w.shape) for w in built.weights] == [(2, 3), (3,), (5, 1), (1,)]


# -------------------------------------------------------------------------- add_loss


class Penalty(keras.layers.Layer):
    """Adds 0.1 * mean(x) each call (a tensor loss, cleared by the next call)."""

    def call(self, inputs):
        self.add_loss(0.1 * tf.reduce_mean(inputs))
        return inputs


def penalised_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    h = Penalty()(inputs)
    out = keras.layers.Dense(2, activity_regularizer=keras.regularizers.l2(0.01))(h)
    return keras.Model(inputs, out)


def test_add_loss_terms_are_collected_per_call_and_added_to_the_fit_loss():
    x, _ = data()
    model = penalised_model()
    out = model(x).numpy()
    assert len(model.losses) == 2
    model(x)
    assert len(model.losses) == 2  # a new call replaces the terms, never accumulates them
    penalty = 0.1 * x.mean()
    activity = 0.01 * np.sum(out.astype(np.float64) ** 2) / len(x)  # divided by batch size
    np.testing.assert_allclose([float(t) for t in model.losses], [penalty, activity], rtol=1e-5)
    y = np.zeros((20, 2), "float32")
    model.compile(keras.optimizers.SGD(0.0), "mse")
    mse = float(np.mean(out.astype(np.float64) ** 2))
    loss = model.fit(x, y, batch_size=20, verbose=0).history["loss"][0]
    assert loss == pytest.approx(mse + penalty + activity, rel=1e-5)
    # a zero-argument callable stays, and is evaluated whenever the losses are read
    kernel = model.layers[-1].kernel
    model.add_loss(lambda: tf.reduce_sum(tf.abs(kernel)))
    model(x)
    assert len(model.losses) == 3
    assert float(model.losses[0]) == pytest.approx(np.abs(kernel.numpy()).sum(), rel=1e-6)
    loss = model.fit(x, y, batch_size=20, verbose=0).history["loss"][0]
    assert loss == pytest.approx(mse + penalty + activity + np.abs(kernel.numpy()).sum(),
                                 rel=1e-5)


def test_add_loss_rejects_what_is_not_a_tensor():
    with pytest.raises(ValueError, match="add_loss\\(\\) takes a tensor.*str"):
        Penalty().add_loss("big")


def test_a_model_with_only_added_losses_fits_without_targets():
    """The Keras 2 VAE pattern: no compiled loss, the loss comes from add_loss in call."""
    x, _ = data(n=64)

    class SelfSupervised(keras.Model):
        def __init__(self):
            super().__init__()
            self.code = keras.layers.Dense(2)
            self.back = keras.layers.Dense(4)

        def call(self, inputs):
            out = self.back(self.code(inputs))
            self.add_loss(tf.reduce_mean(tf.square(out - inputs)))
            return out

    keras.utils.set_random_seed(0)
    model = SelfSupervised()
    model.compile(keras.optimizers.Adam(0.01))
    losses = model.fit(x, epochs=20, batch_size=16, verbose=0).history["loss"]
    assert losses[-1] < 0.5 * losses[0]


# ---------------------------------------------------------------- custom steps, bad input


def test_a_train_step_that_returns_no_dict_names_what_it_returned():
    x, _ = data()

    class Bad(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = keras.layers.Dense(1)

        def call(self, inputs):
            return self.d(inputs)

        def train_step(self, data):
            return [1.0, 2.0]

        def test_step(self, data):
            return None

    model = Bad(name="bad")
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match=r"'bad': `train_step` must return a dict.*returned "
                                        r"list: \[1.0, 2.0\]"):
        model.fit(x, x[:, :1], verbose=0)
    with pytest.raises(TypeError, match="`train_step` must return a dict"):
        model.train_on_batch(x, x[:, :1])
    with pytest.raises(TypeError, match="`test_step` must return a dict.*NoneType"):
        model.evaluate(x, x[:, :1], verbose=0)


def test_fit_without_y_on_a_loss_that_needs_targets_says_what_to_do():
    x, _ = data()
    model = two_output_model()
    model.compile("sgd", loss="mse")
    with pytest.raises(ValueError, match="must compute its own loss"):
        model.fit(x, verbose=0)


class Trackers(keras.Model):
    """A custom compile with extra arguments and Mean trackers reset each epoch."""

    def __init__(self):
        super().__init__()
        self.d = keras.layers.Dense(1)
        self.step_tracker = keras.metrics.Mean(name="step")
        self.steps = 0

    def compile(self, optimizer, scale):
        super().compile(optimizer=optimizer)
        self.scale = scale

    @property
    def metrics(self):
        return [self.step_tracker]

    def call(self, inputs):
        return self.d(inputs)

    def train_step(self, data):
        self.steps += 1
        self.step_tracker.update_state(self.steps * self.scale)
        return {m.name: m.result() for m in self.metrics}


def test_trackers_in_the_metrics_property_are_reset_between_epochs():
    x, _ = data(n=40)
    model = Trackers()
    model.compile(keras.optimizers.Adam(), scale=10.0)
    history = model.fit(x, batch_size=10, epochs=2, verbose=0)  # 4 steps an epoch
    # epoch 1 averages steps 1..4, epoch 2 only steps 5..8
    assert history.history == {"step": [25.0, 65.0]}


def test_metric_attributes_count_as_metrics_without_a_metrics_property():
    model = TwoInputs()
    model.extra = keras.metrics.Mean(name="extra")
    model.compile("adam", "mse")
    assert [m.name for m in model.metrics] == ["loss", "extra"]
    model.extra.update_state(3.0)
    model.reset_metrics()
    assert float(model.extra.result()) == 0.0


# --------------------------------------------------- trainable toggled, parts trained twice


def gan_parts(seed=0):
    keras.utils.set_random_seed(seed)
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(4)])
    discriminator = keras.Sequential([keras.Input((4,)),
                                      keras.layers.Dense(8, activation="relu"),
                                      keras.layers.Dense(1, activation="sigmoid")])
    return generator, discriminator


def changed(before, model):
    return any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_the_classic_keras_2_gan_recipe_freezes_the_discriminator_only_in_the_gan():
    """compile(discriminator); trainable = False; compile(gan): each model trains the
    variables that were trainable when *it* was compiled."""
    generator, discriminator = gan_parts()
    discriminator.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
    discriminator.trainable = False
    noise = keras.Input((2,))
    gan = keras.Model(noise, discriminator(generator(noise)))
    gan.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
    rng = np.random.default_rng(0)
    real = rng.normal(size=(16, 4)).astype("float32")
    z = rng.normal(size=(16, 2)).astype("float32")
    for _ in range(3):
        d_before, g_before = discriminator.get_weights(), generator.get_weights()
        fake = generator.predict(z, verbose=0)
        d_loss = discriminator.train_on_batch(np.concatenate([real, fake]),
                                              np.r_[np.ones(16), np.zeros(16)])
        assert changed(d_before, discriminator) and not changed(g_before, generator)
        d_before = discriminator.get_weights()
        g_loss = gan.train_on_batch(z, np.ones(16))
        assert changed(g_before, generator) and not changed(d_before, discriminator)
        assert np.isfinite(d_loss) and np.isfinite(g_loss)
    # the generator trained inside the gan is the one predict uses
    assert not np.allclose(generator.predict(z, verbose=0), fake)


def test_trainable_toggled_between_steps_and_recompiled():
    """The Keras 3 way: toggle and re-compile; the new compile decides."""
    generator, discriminator = gan_parts()
    noise = keras.Input((2,))
    gan = keras.Model(noise, discriminator(generator(noise)))
    discriminator.trainable = False
    gan.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    before = discriminator.get_weights()
    gan.train_on_batch(np.ones((4, 2), "float32"), np.ones(4))
    assert not changed(before, discriminator)
    discriminator.trainable = True
    gan.compile(keras.optimizers.SGD(0.1), "binary_crossentropy")
    gan.train_on_batch(np.ones((4, 2), "float32"), np.ones(4))
    assert changed(before, discriminator)


# ------------------------------------------------------------------ against real Keras

_KERAS_PROBE = textwrap.dedent("""
    import json, sys
    import numpy as np
    import keras
    weights = [np.asarray(w, "float32") for w in json.loads(sys.argv[1])]

    class Penalty(keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(0.1 * keras.ops.mean(inputs))
            return inputs

    rng = np.random.default_rng(0)
    x = rng.random((20, 4)).astype("float32")
    y = rng.integers(0, 3, 20)
    inputs = keras.Input((4,), name="feats")
    h = Penalty()(inputs)
    a = keras.layers.Dense(3, activation="softmax", name="out_a",
                           activity_regularizer=keras.regularizers.l2(0.01))(h)
    b = keras.layers.Dense(1, name="out_b")(h)
    model = keras.Model(inputs, [a, b])
    model.set_weights(weights)
    model.compile(keras.optimizers.SGD(0.0), loss=["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae", "mse"]])
    history = model.fit(x, [y, x[:, :1]], batch_size=10, verbose=0, validation_split=0.5)
    print(json.dumps({k: v[0] for k, v in history.history.items()}))
""")


@pytest.mark.tensorflow
def test_history_keys_and_add_loss_numbers_match_real_keras(tmp_path):
    pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=s).astype("float32") * 0.5 for s in [(4, 3), (3,), (4, 1), (1,)]]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "-c", _KERAS_PROBE,
                           json.dumps([w.tolist() for w in weights])],
                          capture_output=True, text=True, cwd=tmp_path, env=env, check=True)
    expected = json.loads(done.stdout.strip().splitlines()[-1])

    rng = np.random.default_rng(0)
    x = rng.random((20, 4)).astype("float32")
    y = rng.integers(0, 3, 20)
    inputs = keras.Input((4,), name="feats")
    h = Penalty()(inputs)
    a = keras.layers.Dense(3, activation="softmax", name="out_a",
                           activity_regularizer=keras.regularizers.l2(0.01))(h)
    b = keras.layers.Dense(1, name="out_b")(h)
    model = keras.Model(inputs, [a, b])
    model.set_weights(weights)
    model.compile(keras.optimizers.SGD(0.0), loss=["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae", "mse"]])
    history = model.fit(x, [y, x[:, :1]], batch_size=10, verbose=0, validation_split=0.5)
    got = {k: v[0] for k, v in history.history.items()}
    assert list(got) == list(expected)
    for key in expected:
        assert got[key] == pytest.approx(expected[key], rel=1e-4, abs=1e-6), key
