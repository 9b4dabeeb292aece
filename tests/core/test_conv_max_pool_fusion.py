"""Conv2D + MaxPooling2D as one op (ops.conv.conv2d_max_pool) gives the two ops' numbers.

The fused op computes each pooling window's positions as separate blocks and pools them as
whole arrays, with bias and relu after the pooling; ``Sequential`` uses it in ``predict``
and in ``fit``'s own step. Every case is compared with ``max_pool_raw(conv2d_raw(...))``.
"""

import numpy as np
import pytest

import ember as tf
from ember.ops import conv as C
from tests.core.gradcheck import check, rand

keras = tf.keras

CASES = [  # (input shape, kernel shape, padding, pool)
    ((3, 12, 12, 1), (3, 3, 1, 4), "valid", (2, 2)),  # few channels: the bias is a column
    ((2, 13, 11, 10), (3, 3, 10, 5), "valid", (2, 2)),  # odd sizes: a border no window sees
    ((2, 9, 9, 10), (2, 3, 10, 3), "same", (3, 3)),
    ((2, 8, 10, 2), (3, 3, 2, 4), "same", (2, 3)),
]


def _unfused(x, w, b, pads, act, pool):
    return C.max_pool_raw(C.conv2d_raw(x, w, b, pads=(pads, pads), activation=act), pool,
                          pool, "VALID")


@pytest.mark.parametrize("xs, ws, padding, pool", CASES)
@pytest.mark.parametrize("act", ["relu", None])
@pytest.mark.parametrize("with_bias", [True, False])
def test_forward_equals_conv_then_pool(xs, ws, padding, pool, act, with_bias):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype("float32")
    w = rng.standard_normal(ws).astype("float32")
    b = rng.standard_normal(ws[-1]).astype("float32") if with_bias else None
    fused = C.conv2d_max_pool(x, w, b, pads=(padding, padding), activation=act, pool=pool)
    expected = _unfused(x, w, b, padding, act, pool)
    assert fused.shape == expected.shape
    np.testing.assert_allclose(fused.numpy(), expected.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs, ws, padding, pool", CASES)
def test_gradients_equal_conv_then_pool(xs, ws, padding, pool):
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal(xs))
    w = tf.constant(rng.standard_normal(ws))
    b = tf.constant(rng.standard_normal(ws[-1]))
    u = rng.standard_normal((1,) * 4)
    grads = []
    for fn in (lambda: C.conv2d_max_pool(x, w, b, pads=(padding, padding), activation="relu",
                                         pool=pool),
               lambda: _unfused(x, w, b, padding, "relu", pool)):
        with tf.GradientTape() as tape:
            tape.watch([x, w, b])
            y = fn()
            loss = tf.reduce_sum(y * y * u)
        grads.append([g.numpy() for g in tape.gradient(loss, [x, w, b])])
    for fused, plain in zip(*grads):
        np.testing.assert_allclose(fused, plain, rtol=1e-10, atol=1e-10)


def test_gradients_against_finite_differences():
    x = rand((2, 7, 6, 3), away=0.05)
    w = rand((3, 2, 3, 4))
    b = rand((4,))

    def ref(x, w, b):
        y = np.zeros((2, 5, 5, 4))
        for i in range(5):
            for j in range(5):
                y[:, i, j] = np.einsum("nabc,abco->no", x[:, i:i + 3, j:j + 2], w)
        y = np.maximum(y + b, 0)
        return y[:, :4, :4].reshape(2, 2, 2, 2, 2, 4).max(axis=(2, 4))
    check(lambda x, w, b: C.conv2d_max_pool(x, w, b, activation="relu"), [x, w, b], ref=ref)


@pytest.fixture(scope="module")
def fashion(fashion_train):
    """256 Fashion-MNIST training images (N, 28, 28, 1) in [0, 1] and their labels."""
    x, y = fashion_train
    return x[:256, :, :, None].astype("float32") / 255.0, y[:256].astype("int64")


def _lab_cnn(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(6, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(8, 3, activation="relu"), keras.layers.MaxPool2D((2, 2)),
        keras.layers.Flatten(), keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _spy(monkeypatch):
    calls = []
    real = C.conv2d_max_pool
    monkeypatch.setattr(C, "conv2d_max_pool",
                        lambda *a, **k: (calls.append(1), real(*a, **k))[1])
    return calls


def _no_fusion(monkeypatch):
    from ember.keras.models import sequential
    monkeypatch.setattr(sequential, "_conv_pool_pair", lambda layer, after, x: False)


def test_sequential_predict_and_fit_use_it_and_match_the_layers(monkeypatch, fashion):
    x, y = fashion
    calls = _spy(monkeypatch)
    model = _lab_cnn()
    history = model.fit(x, y, batch_size=64, epochs=2, verbose=0).history
    assert len(calls) == 2 * 4 * 2  # two pairs, four steps, two epochs
    calls.clear()
    fast = model.predict(x, batch_size=100, verbose=0)
    assert len(calls) == 2 * 3
    with monkeypatch.context() as m:
        _no_fusion(m)
        np.testing.assert_allclose(model.predict(x, batch_size=100, verbose=0), fast,
                                   rtol=1e-5, atol=1e-6)
        plain = _lab_cnn()
        plain_history = plain.fit(x, y, batch_size=64, epochs=2, verbose=0).history
    # The same training up to float32 rounding (the products' row blocks differ).
    np.testing.assert_allclose(history["loss"], plain_history["loss"], rtol=1e-4)


def test_custom_loops_keep_one_op_per_layer_on_the_tape(monkeypatch):
    calls = _spy(monkeypatch)
    model = _lab_cnn()
    x = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    with tf.GradientTape() as tape:
        out = model(x, training=True)
    names = [e[0] for e in tape._entries]
    assert names.count("Conv2D") == 2 and names.count("MaxPool") == 2 and calls == []
    assert all(g is not None for g in tape.gradient(out, model.trainable_variables))


@pytest.mark.parametrize("layers", [
    [keras.layers.Conv2D(4, 3, strides=2, activation="relu"), keras.layers.MaxPooling2D()],
    [keras.layers.Conv2D(4, 3, activation="tanh"), keras.layers.MaxPooling2D()],
    [keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.MaxPooling2D(2, strides=1)],
    [keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.AveragePooling2D()],
    [keras.layers.Conv2D(4, 3, padding="same"), keras.layers.MaxPooling2D(padding="same")],
])
def test_other_pairs_take_the_layers_path(monkeypatch, layers):
    calls = _spy(monkeypatch)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((9, 9, 2))] + layers)
    x = np.random.default_rng(0).random((2, 9, 9, 2)).astype("float32")
    y = model.predict(x, verbose=0)
    assert calls == []
    expected = x
    for layer in layers:
        expected = layer(expected)
    np.testing.assert_allclose(y, expected.numpy(), rtol=1e-6, atol=1e-6)


def test_a_wrong_input_still_gets_the_layers_error():
    model = _lab_cnn()
    with pytest.raises(ValueError, match="channels"):
        model.predict(np.zeros((2, 28, 28, 3), "float32"), verbose=0)


def test_second_derivatives_take_the_conv_ops_path():
    from tests.core.gradcheck import check_second_order
    x = rand((2, 6, 6, 2), away=0.05)
    w = rand((3, 3, 2, 3))
    b = rand((3,))
    check_second_order(lambda x, w, b: C.conv2d_max_pool(x, w, b), [x, w, b])
