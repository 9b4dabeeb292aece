"""GradientTape._gradient_into: gradients written into given buffers, the numbers of gradient."""

import numpy as np

import ember as tf
from ember.ops import nn as nn_ops
from ember.tensor import as_array


def _dense_net(seed=0):
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.normal(size=(8, 6)).astype("float32"))
    w1 = tf.Variable(rng.normal(size=(6, 4)).astype("float32"))
    b1 = tf.Variable(rng.normal(size=(4,)).astype("float32"))
    w2 = tf.Variable(rng.normal(size=(4, 3)).astype("float32"))
    return x, [w1, b1, w2]


def _loss(x, w1, b1, w2):
    h = nn_ops.dense(x, w1, b1, "relu")
    return tf.reduce_sum(nn_ops.dense(h, w2, None, "tanh"))


def test_gradient_into_fills_the_buffers_with_the_gradient():
    x, vs = _dense_net()
    with tf.GradientTape() as tape:
        loss = _loss(x, *vs)
    expected = [g.numpy() for g in tape.gradient(loss, vs)]
    buffers = [np.full(v.shape, np.nan, np.float32) for v in vs]
    with tf.GradientTape() as tape:
        loss = _loss(x, *vs)
    grads = tape._gradient_into(loss, vs, buffers)
    for g, b, e in zip(grads, buffers, expected):
        assert as_array(g) is b
        np.testing.assert_array_equal(b, e)


def test_gradient_into_a_variable_used_twice_adds_both_uses():
    x, (w1, b1, w2) = _dense_net(1)
    w = tf.Variable(np.eye(6, dtype="float32") * 0.5)

    def loss_fn():
        return tf.reduce_sum(nn_ops.dense(nn_ops.dense(x, w, None, "relu"), w, None, "relu"))

    with tf.GradientTape() as tape:
        loss = loss_fn()
    expected = tape.gradient(loss, w).numpy()
    buffer = np.zeros((6, 6), np.float32)
    with tf.GradientTape() as tape:
        loss = loss_fn()
    (g,) = tape._gradient_into(loss, [w], [buffer])
    np.testing.assert_allclose(g.numpy(), expected, rtol=1e-6)


def test_no_buffer_is_written_while_another_tape_records():
    """Second derivatives read the first gradient later: it must not live in a buffer."""
    x, vs = _dense_net(2)
    buffers = [np.zeros(v.shape, np.float32) for v in vs]
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss = _loss(x, *vs)
        grads = inner._gradient_into(loss, vs, buffers)
        assert all(as_array(g) is not b for g, b in zip(grads, buffers))
        penalty = tf.add_n([tf.reduce_sum(g * g) for g in grads])
    assert all(not b.any() for b in buffers)
    assert all(g is not None for g in outer.gradient(penalty, vs))


def test_gradient_into_uses_up_a_non_persistent_tape():
    x, vs = _dense_net(3)
    with tf.GradientTape() as tape:
        loss = _loss(x, *vs)
    tape._gradient_into(loss, vs, [None] * len(vs))
    try:
        tape.gradient(loss, vs)
    except RuntimeError as e:
        assert "non-persistent" in str(e)
    else:
        raise AssertionError("a used non-persistent tape must refuse a second gradient")
