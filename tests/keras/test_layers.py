"""Layers: building, weights, tracking, configs and bad input, as a Keras user meets them."""

import numpy as np
import pytest

import ember as tf
from ember.keras import layers


@pytest.fixture(autouse=True)
def _fresh_names():
    from ember.keras import naming
    naming.reset()
    yield


def test_dense_builds_on_first_call_with_keras_defaults():
    layer = layers.Dense(3)
    assert not layer.built and layer.weights == []
    y = layer(np.ones((4, 5), np.float32))
    assert layer.built
    assert y.shape == (4, 3) and y.dtype == tf.float32
    kernel, bias = layer.weights
    assert kernel.shape == (5, 3) and bias.shape == (3,)
    assert np.all(bias.numpy() == 0)
    limit = np.sqrt(6 / (5 + 3))  # glorot_uniform
    assert np.abs(kernel.numpy()).max() <= limit
    np.testing.assert_allclose(y.numpy(), np.ones((4, 5)) @ kernel.numpy(), rtol=1e-6)


def test_auto_names_are_unique_like_keras():
    a, b, c = layers.Dense(1), layers.Dense(1), layers.Dropout(0.1)
    assert (a.name, b.name, c.name) == ("dense", "dense_1", "dropout")


def test_dense_rejects_bad_units_echoing_the_value():
    with pytest.raises(ValueError, match="units=-3"):
        layers.Dense(-3)


def test_wrong_input_width_names_layer_and_both_shapes():
    layer = layers.Dense(4, name="hidden")
    layer(np.zeros((2, 8), np.float32))
    with pytest.raises(ValueError) as e:
        layer(np.zeros((2, 5), np.float32))
    msg = str(e.value)
    assert "hidden" in msg and "8" in msg and "(2, 5)" in msg


def test_string_input_to_numeric_layer_is_a_clear_error():
    with pytest.raises(TypeError, match="numeric"):
        layers.Dense(2)(np.array([["a", "b"]]))


def test_unknown_keyword_argument_is_rejected():
    with pytest.raises(TypeError, match="unitz"):
        layers.Dense(3, unitz=4)


def test_seed_custom_perceptron_with_add_weight_and_build():
    class CustomPerceptron(tf.keras.layers.Layer):
        def __init__(self, output_dim):
            super().__init__()
            self.output_dim = output_dim

        def build(self, input_shape):
            self.W = self.add_weight(shape=(input_shape[-1], self.output_dim),
                                     initializer="random_normal", trainable=True)
            self.b = self.add_weight(shape=(self.output_dim,), initializer="zeros",
                                     trainable=True)

        def call(self, inputs):
            return tf.nn.sigmoid(tf.matmul(inputs, self.W) + self.b)

    p = CustomPerceptron(1)
    x = tf.constant([[4.0, 2.0]])
    y = p(x)
    assert y.shape == (1, 1)
    assert len(p.trainable_weights) == 2 and p.name == "custom_perceptron"
    # The seed's worked example, by setting the weights: W = [3, -2], w0 = 1 -> z = 9.
    p.set_weights([np.array([[3.0], [-2.0]]), np.array([1.0])])
    np.testing.assert_allclose(p(x).numpy(), [[1 / (1 + np.exp(-9))]], rtol=1e-6)


def test_add_weight_accepts_keras2_positional_name():
    class L(layers.Layer):
        def build(self, input_shape):
            self.k = self.add_weight("kernel", shape=(input_shape[-1], 2),
                                     initializer="ones")

        def call(self, x):
            return tf.matmul(x, self.k)

    lay = L()
    out = lay(np.ones((1, 3), np.float32))
    np.testing.assert_allclose(out.numpy(), [[3.0, 3.0]])
    assert lay.k.path.endswith("/kernel")


def test_tracking_of_sublayers_and_variables_in_lists_and_dicts():
    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.stack = [layers.Dense(4), layers.Dense(3)]
            self.heads = {"a": layers.Dense(2)}
            self.scale = tf.Variable(2.0)
            self.frozen = tf.Variable(1.0, trainable=False)

        def call(self, x):
            for lay in self.stack:
                x = lay(x)
            return self.heads["a"](x) * self.scale * self.frozen

    b = Block()
    b(np.ones((1, 5), np.float32))
    assert len(b.weights) == 2 + 6
    assert len(b.trainable_weights) == 7
    assert len(b.non_trainable_weights) == 1
    assert b.count_params() == 2 + (5 * 4 + 4) + (4 * 3 + 3) + (3 * 2 + 2)


def test_trainable_false_freezes_and_tape_skips_frozen_weights():
    model = tf.keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == 2
    before = model.layers[0].get_weights()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 2)), np.zeros((8, 1)), epochs=1, verbose=0)
    for a, b in zip(before, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)


def test_get_config_from_config_round_trip():
    d = layers.Dense(7, activation="relu", use_bias=False, kernel_regularizer="l2",
                     name="d7")
    cfg = d.get_config()
    assert cfg["units"] == 7 and cfg["activation"] == "relu" and cfg["use_bias"] is False
    d2 = layers.Dense.from_config(cfg)
    assert d2.units == 7 and d2.name == "d7" and d2.use_bias is False
    assert d2.kernel_regularizer.l2 == pytest.approx(0.01)


def test_set_weights_mismatch_names_the_layer():
    d = layers.Dense(2, name="out")
    d.build((None, 3))
    with pytest.raises(ValueError, match="out"):
        d.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        d.set_weights([np.zeros((4, 2)), np.zeros(2)])


def test_dropout_is_inverted_only_in_training_and_seeded():
    x = np.ones((200, 50), np.float32)
    drop = layers.Dropout(0.3, seed=7)
    np.testing.assert_array_equal(drop(x).numpy(), x)
    np.testing.assert_array_equal(drop(x, training=False).numpy(), x)
    y = drop(x, training=True).numpy()
    kept = y != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    y2 = layers.Dropout(0.3, seed=7)(x, training=True).numpy()
    np.testing.assert_array_equal(y, y2)
    tf.keras.utils.set_random_seed(3)
    a = layers.Dropout(0.5)(x, training=True).numpy()
    tf.keras.utils.set_random_seed(3)
    b = layers.Dropout(0.5)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)


def test_training_flag_propagates_from_model_to_sublayers():
    model = tf.keras.Sequential([layers.Dropout(0.5, input_shape=(100,))])
    x = np.ones((10, 100), np.float32)
    np.testing.assert_array_equal(model(x).numpy(), x)
    assert (model(x, training=True).numpy() == 0).any()


@pytest.mark.parametrize("layer, shape, expected", [
    (lambda: layers.Flatten(), (2, 3, 4), (2, 12)),
    (lambda: layers.Reshape((3, 4)), (2, 12), (2, 3, 4)),
    (lambda: layers.Reshape((-1, 2)), (2, 12), (2, 6, 2)),
    (lambda: layers.Activation("tanh"), (2, 3), (2, 3)),
    (lambda: layers.Softmax(), (2, 3), (2, 3)),
    (lambda: layers.ReLU(max_value=1.0), (2, 3), (2, 3)),
    (lambda: layers.LeakyReLU(), (2, 3), (2, 3)),
    (lambda: layers.Lambda(lambda t: t * 2), (2, 3), (2, 3)),
])
def test_shape_layers(layer, shape, expected):
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    assert layer()(x).shape == expected


def test_activation_layers_compute_the_right_values():
    x = np.array([[-2.0, -0.5, 0.5, 3.0]], np.float32)
    np.testing.assert_allclose(layers.ReLU(max_value=1.0)(x).numpy(), [[0, 0, 0.5, 1]])
    np.testing.assert_allclose(layers.LeakyReLU(negative_slope=0.1)(x).numpy(),
                               [[-0.2, -0.05, 0.5, 3]], rtol=1e-6)
    s = layers.Softmax()(x).numpy()
    np.testing.assert_allclose(s, np.exp(x) / np.exp(x).sum(), rtol=1e-6)
    np.testing.assert_allclose(layers.Activation("sigmoid")(x).numpy(), 1 / (1 + np.exp(-x)),
                               rtol=1e-6)


def test_dense_accepts_tf_nn_relu_as_activation_and_3d_inputs():
    d = layers.Dense(2, activation=tf.nn.relu, kernel_initializer="ones")
    y = d(-np.ones((3, 4, 5), np.float32))
    assert y.shape == (3, 4, 2)
    assert np.all(y.numpy() == 0)


def test_l2_regularizer_appears_in_losses():
    d = layers.Dense(4, kernel_regularizer=tf.keras.regularizers.l2(0.001))
    d.build((None, 3))
    (penalty,) = d.losses
    np.testing.assert_allclose(float(penalty), 0.001 * np.sum(d.kernel.numpy() ** 2),
                               rtol=1e-6)
    assert tf.keras.regularizers.get("l2").l2 == pytest.approx(0.01)


def test_set_random_seed_gives_bit_identical_weights():
    def weights():
        tf.keras.utils.set_random_seed(123)
        m = tf.keras.Sequential([layers.Dense(8, input_shape=(4,)),
                                 layers.Dense(2, kernel_initializer="he_normal")])
        return m.get_weights()
    for a, b in zip(weights(), weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name, check", [
    ("glorot_uniform", lambda w: np.abs(w).max() <= np.sqrt(6 / 600)),
    ("he_uniform", lambda w: np.abs(w).max() <= np.sqrt(6 / 300)),
    ("lecun_uniform", lambda w: np.abs(w).max() <= np.sqrt(3 / 300)),
    ("he_normal", lambda w: abs(w.std() - np.sqrt(2 / 300)) < 0.01),
    ("glorot_normal", lambda w: abs(w.std() - np.sqrt(2 / 600)) < 0.01),
    ("lecun_normal", lambda w: abs(w.std() - np.sqrt(1 / 300)) < 0.01),
    ("zeros", lambda w: np.all(w == 0)),
    ("ones", lambda w: np.all(w == 1)),
    ("random_normal", lambda w: abs(w.std() - 0.05) < 0.005),
    ("random_uniform", lambda w: np.abs(w).max() <= 0.05),
    ("truncated_normal", lambda w: np.abs(w).max() <= 0.1),
    ("orthogonal", lambda w: np.allclose(w.T @ w, np.eye(300), atol=1e-4)),
])
def test_initializers_follow_keras_formulas(name, check):
    w = tf.keras.initializers.get(name)((300, 300))
    assert check(np.asarray(w))


def test_identity_and_constant_initializers():
    np.testing.assert_array_equal(tf.keras.initializers.Identity()((3, 3)), np.eye(3))
    np.testing.assert_array_equal(tf.keras.initializers.Constant(2.5)((2,)), [2.5, 2.5])


def test_unknown_activation_suggests_the_name():
    with pytest.raises(ValueError, match="relu"):
        layers.Dense(2, activation="rellu")


@pytest.mark.parametrize("name", ["linear", "sigmoid", "relu", "tanh", "softmax", "elu", "selu",
                                  "softplus", "softsign", "swish", "silu", "gelu",
                                  "leaky_relu", "exponential", "hard_sigmoid"])
def test_every_named_activation_runs_and_has_gradients(name):
    x = tf.Variable(np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4))
    fn = tf.keras.activations.get(name)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(fn(x) * np.arange(8, dtype=np.float32).reshape(2, 4))
    g = tape.gradient(y, x)
    assert g is not None and np.all(np.isfinite(g.numpy()))


def test_weights_follow_lists_and_dicts_changed_after_first_use():
    class Stack(layers.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = []
            self.named = {}

        def call(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    s = Stack()
    assert s.weights == []  # the (cached) walk of the attributes sees nothing yet
    s.blocks.append(layers.Dense(3))
    s.named["head"] = layers.Dense(2)
    s(np.ones((1, 4), np.float32))
    s.named["head"](np.ones((1, 3), np.float32))
    assert len(s.weights) == 4 and len(s.trainable_variables) == 4
    s.blocks.pop()
    assert len(s.weights) == 2


def test_dense_given_a_dict_says_what_it_expects():
    with pytest.raises(TypeError, match="expects one tensor"):
        layers.Dense(2)({"a": np.ones((1, 3), np.float32)})


def test_one_dimensional_upsampling_padding_and_cropping_match_keras():
    from ember.keras import layers as L
    x = np.arange(24, dtype="float32").reshape(2, 4, 3)
    np.testing.assert_array_equal(L.UpSampling1D(2)(x).numpy(), np.repeat(x, 2, axis=1))
    np.testing.assert_array_equal(L.ZeroPadding1D((1, 2))(x).numpy(),
                                  np.pad(x, [(0, 0), (1, 2), (0, 0)]))
    np.testing.assert_array_equal(L.Cropping1D(1)(x).numpy(), x[:, 1:3])
    assert L.Cropping1D((1, 2)).compute_output_shape((None, None, 3)) == (None, None, 3)
    assert L.ZeroPadding1D(1).compute_output_shape((None, 4, 3)) == (None, 6, 3)
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding1D((1, -1))


def test_prelu_matches_keras_and_learns_its_slope():
    from ember import keras
    from ember.keras import layers as L
    x = np.array([[[-2., 1.], [3., -4.]]], "float32")
    layer = L.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1])
    np.testing.assert_allclose(layer(x).numpy(), [[[-0.5, 1.0], [3.0, -1.0]]])
    assert [tuple(w.shape) for w in layer.weights] == [(1, 2)]
    assert L.PReLU()(x).numpy().tolist() == [[[0.0, 1.0], [3.0, 0.0]]]
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x))
    np.testing.assert_allclose(tape.gradient(y, layer.alpha).numpy(), [[-2.0, -4.0]])
    assert layer.get_config()["shared_axes"] == [1]
