"""tf.clip_by_norm / clip_by_global_norm, tf.math.divide_no_nan, tf.roll, tf.repeat and
tf.meshgrid: values as NumPy (and TF 2.21) give them, gradients by central differences."""

import numpy as np
from gradcheck import check, rand

import ember as tf


def test_clip_by_norm_and_global_norm_values_and_gradients():
    np.testing.assert_allclose(tf.clip_by_norm(tf.constant([3., 4.]), 1.0).numpy(), [.6, .8])
    np.testing.assert_allclose(tf.clip_by_norm(tf.constant([.3, .4]), 1.0).numpy(), [.3, .4])
    grads = [tf.constant([3., 4.]), None, tf.constant([[12.]])]
    clipped, norm = tf.clip_by_global_norm(grads, 6.5)
    assert float(norm) == 13.0 and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [1.5, 2.0])
    np.testing.assert_allclose(clipped[2].numpy(), [[6.0]])
    check(lambda x: tf.clip_by_norm(x, 0.5), [rand((2, 3))],
          ref=lambda x: x * 0.5 / max(np.linalg.norm(x), 0.5))
    check(lambda a, b: tf.clip_by_global_norm([a, b], 0.5)[0], [rand((3,)), rand((2, 2))])


def test_divide_no_nan_is_zero_where_the_divisor_is_zero():
    out = tf.math.divide_no_nan(tf.constant([1., 2., 3.]), tf.constant([0., 2., 0.]))
    assert out.numpy().tolist() == [0.0, 1.0, 0.0]
    x, y = tf.Variable([1., 2.]), tf.Variable([0., 4.])
    with tf.GradientTape() as tape:
        z = tf.reduce_sum(tf.math.divide_no_nan(x, y))
    gx, gy = tape.gradient(z, [x, y])
    assert np.isfinite(gx.numpy()).all() and gx.numpy().tolist() == [0.0, 0.25]
    assert gy.numpy().tolist() == [0.0, -0.125]


def test_roll_repeat_meshgrid_match_numpy():
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(tf.roll(a, 1, 0).numpy(), np.roll(a, 1, 0))
    np.testing.assert_array_equal(tf.roll(a, [1, -2], [0, 1]).numpy(),
                                  np.roll(a, [1, -2], [0, 1]))
    np.testing.assert_array_equal(tf.repeat(a, 2, axis=1).numpy(), np.repeat(a, 2, axis=1))
    np.testing.assert_array_equal(tf.repeat(a, [1, 0, 2], axis=0).numpy(),
                                  np.repeat(a, [1, 0, 2], axis=0))
    np.testing.assert_array_equal(tf.repeat(tf.constant([1, 2]), 2).numpy(), [1, 1, 2, 2])
    for indexing in ("xy", "ij"):
        got = tf.meshgrid(tf.range(3), tf.range(2), indexing=indexing)
        want = np.meshgrid(np.arange(3), np.arange(2), indexing=indexing)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.numpy(), w)
    check(lambda x: tf.roll(x, 2, 1), [rand((2, 3))], ref=lambda x: np.roll(x, 2, 1))
    check(lambda x: tf.repeat(x, 3, axis=0), [rand((2, 3))],
          ref=lambda x: np.repeat(x, 3, axis=0))
