"""Masking gradient rules select, never multiply: an infinite incoming gradient stays out of
the places the mask closes (``0 * inf`` would be NaN), as TF's rules do. And float16
cross-entropies from logits give TF's finite values."""

import warnings

import numpy as np
import pytest

import ember as tf
from ember.ops.nn import dense

INF = np.inf


def _grad(fn, x, upstream, dtype=tf.float32):
    """d fn(x)/dx with ``upstream`` as the incoming gradient, no NumPy warning allowed."""
    t = tf.constant(x, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.GradientTape() as tape:
            tape.watch(t)
            y = fn(t)
        g = tape.gradient(y, t, output_gradients=tf.constant(upstream, y.dtype))
    return g.numpy()


X = [-2.0, -0.5, 0.5, 2.0]
UP = [INF, -INF, INF, 1.0]


@pytest.mark.parametrize("fn, expected", [
    (lambda x: tf.clip_by_value(x, -1.0, 1.0), [0, -INF, INF, 0]),
    (lambda x: tf.maximum(x, 0.0), [0, 0, INF, 1]),
    (lambda x: tf.minimum(x, 0.0), [INF, -INF, 0, 0]),
    (tf.nn.relu, [0, 0, INF, 1]),
    (tf.nn.relu6, [0, 0, INF, 1]),
    (lambda x: tf.nn.leaky_relu(x, alpha=0.0), [0, 0, INF, 1]),
])
def test_mask_rules_keep_infinity_out(fn, expected):
    np.testing.assert_array_equal(_grad(fn, X, UP), np.array(expected, np.float32))


def test_abs_at_zero_gets_zero_even_from_infinity():
    np.testing.assert_array_equal(_grad(tf.abs, [-1.0, 0.0, 2.0], [INF, INF, INF]),
                                  [-INF, 0, INF])


@pytest.mark.parametrize("reduce", [tf.reduce_max, tf.reduce_min])
def test_reduce_max_min_send_infinity_only_to_the_extreme(reduce):
    x = [3.0, -1.0, 3.0, 0.5]
    g = _grad(lambda t: reduce(t), x, INF)
    extreme = np.array(x) == (max(x) if reduce is tf.reduce_max else min(x))
    assert np.all(g[~extreme] == 0) and np.all(np.isinf(g[extreme]))


def test_relu_grad_op_selects_in_every_float_dtype():
    for dtype in (tf.float16, tf.float32, tf.float64):
        g = _grad(tf.nn.relu, X, UP, dtype)
        np.testing.assert_array_equal(g, np.array([0, 0, INF, 1], dtype.as_numpy_dtype))
        assert g.dtype == dtype.as_numpy_dtype


def test_relu_grad_second_order_still_exact():
    x = tf.constant([-1.0, 2.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.nn.relu(x) * x)
        g = inner.gradient(y, x)  # 2x where x > 0
    np.testing.assert_allclose(g.numpy(), [0.0, 4.0])
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), [0.0, 2.0])


def test_fused_dense_relu_selects():
    x = tf.constant([[1.0, -1.0]])
    w = tf.Variable([[1.0, 0.0], [0.0, 1.0]])
    with tf.GradientTape() as tape:
        y = dense(x, w, activation="relu")  # [[1, 0]]: the second unit is off
    gw = tape.gradient(y, w, output_gradients=tf.constant([[1.0, INF]]))
    assert np.all(np.isfinite(gw.numpy()))
    np.testing.assert_array_equal(gw.numpy(), [[1.0, 0.0], [-1.0, 0.0]])


def test_sqrt_of_maximum_at_negative_input_has_zero_gradient():
    x = tf.Variable([-1.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sqrt's own 0.5 / 0 = inf is expected
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.sqrt(tf.maximum(x, 0.0)))
        g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g, [0.0, 0.25])  # TF: [0, 0.25]


def test_log_of_clipped_float16_probability_has_finite_gradient():
    # The path of a float16 cross-entropy on probabilities: log(clip(p, eps, 1 - eps)).
    p = tf.constant([0.0, 0.5, 1.0], tf.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with tf.GradientTape() as tape:
            tape.watch(p)
            y = tf.reduce_sum(tf.math.log(tf.clip_by_value(p, 0.0, 1.0)))
        g = tape.gradient(y, p).numpy()
    assert not np.any(np.isnan(g))


# -- float16 cross-entropies from logits (values and gradients from TF 2.21) --------------

Z16 = [[6e4, -6e4, 0.0], [-6e4, 6e4, 6e4]]


def _loss_and_grad(fn):
    z = tf.constant(Z16, tf.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with tf.GradientTape() as tape:
            tape.watch(z)
            loss = fn(z)
        g = tape.gradient(loss, z)
    return loss.numpy(), g.numpy()


def test_float16_softmax_cross_entropy_from_huge_logits_matches_tf():
    y = tf.constant([[1, 0, 0], [0, 0.5, 0.5]], tf.float16)
    loss, g = _loss_and_grad(lambda z: tf.nn.softmax_cross_entropy_with_logits(y, z))
    assert loss.dtype == np.float16
    np.testing.assert_allclose(loss, [0.0, 0.6934], rtol=1e-3)
    np.testing.assert_array_equal(g, np.zeros((2, 3)))


def test_float16_sparse_softmax_cross_entropy_from_huge_logits_matches_tf():
    loss, g = _loss_and_grad(lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.constant([0, 1]), logits=z))
    np.testing.assert_allclose(loss, [0.0, 0.6934], rtol=1e-3)
    np.testing.assert_array_equal(g, [[0, 0, 0], [0, -0.5, 0.5]])


def test_float16_far_label_gives_inf_loss_and_finite_gradient_as_tf():
    y = tf.constant([[0, 1, 0], [1, 0, 0]], tf.float16)
    loss, g = _loss_and_grad(lambda z: tf.nn.softmax_cross_entropy_with_logits(y, z))
    np.testing.assert_array_equal(loss, [INF, INF])  # 1.2e5 is past float16's 65504
    np.testing.assert_array_equal(g, [[1, -1, 0], [-1, 0.5, 0.5]])


def test_float16_sigmoid_cross_entropy_matches_tf():
    y = tf.constant([[1, 0, 0], [0, 0.5, 0.5]], tf.float16)
    loss, g = _loss_and_grad(lambda z: tf.nn.sigmoid_cross_entropy_with_logits(y, z))
    np.testing.assert_allclose(loss, [[0, 0, 0.6934], [0, 3e4, 3e4]], rtol=1e-3)
    np.testing.assert_array_equal(g, [[0, 0, 0.5], [0, 0.5, 0.5]])


def test_sigmoid_cross_entropy_gradient_at_zero_logit_is_half_minus_label():
    z = tf.constant([0.0, 0.0])
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = tf.nn.sigmoid_cross_entropy_with_logits(tf.constant([0.0, 1.0]), z)
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), [0.5, -0.5])
