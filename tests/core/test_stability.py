"""Numerical stability: no NaN or inf in values or gradients for logits up to ±1e4."""

import warnings

import numpy as np
import pytest

import ember as tf

BIG = np.array([-1e4, -500.0, -88.0, -30.0, 0.0, 30.0, 88.0, 500.0, 1e4], np.float32)


def _value_and_grad(fn, x, dtype=tf.float32):
    t = tf.constant(x, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a NumPy overflow warning is a failure too
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        g = tape.gradient(y, t)
    return y.numpy(), g.numpy()


def _finite(*arrays):
    return all(np.all(np.isfinite(a)) for a in arrays)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_sigmoid_extremes(dtype):
    y, g = _value_and_grad(tf.sigmoid, BIG, dtype)
    assert _finite(y, g)
    assert y[0] == 0.0 and y[-1] == 1.0 and y[4] == 0.5
    assert np.all((y >= 0) & (y <= 1)) and np.all(g >= 0)


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_softplus_extremes(dtype):
    y, g = _value_and_grad(tf.math.softplus, BIG, dtype)
    assert _finite(y, g)
    np.testing.assert_allclose(y[-1], 1e4, rtol=1e-6)  # softplus(z) -> z
    assert y[0] == 0.0 and g[0] == 0.0 and g[-1] == 1.0


def test_log_sigmoid_extremes():
    y, g = _value_and_grad(tf.math.log_sigmoid, BIG)
    assert _finite(y, g)
    np.testing.assert_allclose(y[0], -1e4, rtol=1e-6)
    assert y[-1] == 0.0 and g[0] == 1.0


@pytest.mark.parametrize("fn", [tf.nn.log_softmax, tf.nn.softmax,
                                lambda z: tf.reduce_logsumexp(z, axis=-1)], ids=["log_softmax",
                                                                                 "softmax",
                                                                                 "logsumexp"])
def test_softmax_family_extremes(fn):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, 5.0]], np.float32)
    y, g = _value_and_grad(fn, z)
    assert _finite(y, g)


def test_logsumexp_values_at_extremes():
    z = tf.constant([[1e4, 1e4], [-1e4, -1e4]])
    np.testing.assert_allclose(tf.reduce_logsumexp(z, axis=1).numpy(),
                               [1e4 + np.log(2), -1e4 + np.log(2)], rtol=1e-6)
    inf = tf.constant([-np.inf, 0.0])
    assert float(tf.reduce_logsumexp(inf)) == 0.0


def test_log_softmax_value_at_extremes():
    y = tf.nn.log_softmax(tf.constant([1e4, -1e4, 0.0])).numpy()
    np.testing.assert_allclose(y, [0.0, -2e4, -1e4], rtol=1e-6)


def test_sigmoid_cross_entropy_with_logits_extremes():
    labels = np.tile([0.0, 1.0, 0.5], 3).astype(np.float32)
    logits = np.repeat([-1e4, 0.0, 1e4], 3).astype(np.float32)
    y, g = _value_and_grad(lambda z: tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.constant(labels), logits=z), logits)
    assert _finite(y, g)
    np.testing.assert_allclose(y[:2], [0.0, 1e4], rtol=1e-6)  # right answer, wrong answer


def test_softmax_cross_entropy_with_logits_extremes():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], np.float32)
    labels = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]], np.float32)
    y, g = _value_and_grad(lambda z: tf.nn.softmax_cross_entropy_with_logits(
        labels=tf.constant(labels), logits=z), logits)
    assert _finite(y, g)
    np.testing.assert_allclose(y, [2e4, 0.0], rtol=1e-6)
    np.testing.assert_allclose(g, [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)


def test_sparse_softmax_cross_entropy_with_logits_extremes():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], np.float32)
    y, g = _value_and_grad(lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=[1, 1], logits=z), logits)
    assert _finite(y, g)
    np.testing.assert_allclose(y, [2e4, 0.0], rtol=1e-6)


def test_binary_crossentropy_written_with_ops_is_finite_with_clipping():
    # Written as the seed does, BCE needs p clipped away from 0 and 1 (what Keras does).
    p = tf.clip_by_value(tf.sigmoid(tf.constant(BIG)), 1e-7, 1 - 1e-7)
    loss = -(1.0 * tf.math.log(p) + 0.0 * tf.math.log(1 - p))
    assert _finite(loss.numpy())
