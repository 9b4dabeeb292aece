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


# ---------------------------------------------------- the softmax family's shared rows

def _plain_rows(v):
    """The textbook arithmetic: each row shifted by its own max, summed row by row."""
    shifted = v - v.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return shifted, e, e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("shape", [(128, 10), (1, 10), (5, 3, 7), (4, 200), (0, 10), (3, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_exp_last_matches_the_row_by_row_arithmetic(shape, dtype):
    from ember.ops.nn import _exp_last
    v = (np.random.default_rng(3).normal(size=shape) * 8).astype(dtype)
    rows = np.prod(shape[:-1], dtype=int)
    v[..., 0] += np.arange(rows).reshape(shape[:-1]) * 40.0  # rows far apart
    shifted, e, total = _exp_last(v)
    want = _plain_rows(v)
    np.testing.assert_array_equal(shifted, want[0])  # the max does not round
    np.testing.assert_array_equal(e, want[1])
    np.testing.assert_allclose(total, want[2], rtol=4 * np.finfo(dtype).eps)
    assert total.shape == shape[:-1] + (1,) and e.dtype == v.dtype


def test_exp_last_keeps_inf_and_nan_in_their_rows():
    from ember.ops.nn import _exp_last
    v = np.array([[0.0, np.inf, 1.0], [np.nan, 0.0, 1.0], [1.0, 2.0, 3.0],
                  [-np.inf, 0.0, 0.0]], np.float32)
    with np.errstate(invalid="ignore"):  # inf - inf, as in any softmax of an inf
        _, e, total = _exp_last(v)
    assert np.isnan(total[0, 0]) and np.isnan(total[1, 0])
    np.testing.assert_allclose(e[2], np.exp([-2.0, -1.0, 0.0]), rtol=1e-6)
    np.testing.assert_array_equal(e[3], [0.0, 1.0, 1.0])
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(tf.nn.softmax(v).numpy()[3], [0.0, 0.5, 0.5])


def test_softmax_of_confident_rows_far_apart_keeps_tiny_losses_exact():
    # A row whose logits sit 1000 below another's: shifting all rows by one max would turn
    # its loss into a difference of two numbers near 1000; each row's own max keeps it.
    z = np.array([[1000.0, 0.0, 0.0], [0.0, 8.0, 0.0]], np.float32)
    want = np.log1p(2 * np.exp(-8.0))  # 6.7e-4
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([0, 1]), z).numpy()
    np.testing.assert_allclose(loss, [0.0, want], rtol=1e-4, atol=1e-30)
    np.testing.assert_allclose(tf.nn.log_softmax(z).numpy()[1, 1], -want, rtol=1e-4)
    fused = tf.nn.softmax(z).numpy()
    np.testing.assert_allclose(fused[1], np.exp([-8.0, 0.0, -8.0]) / (1 + 2 * np.exp(-8.0)),
                               rtol=1e-6)
