"""tf.math segment reductions and bincount: TF 2.21's values (computed with TF and written
here) and gradients against TF and central differences."""

import numpy as np
import pytest
from gradcheck import check, distinct, rand

import ember as tf

D = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
LOW, HIGH = np.finfo(np.float32).min, np.finfo(np.float32).max


def test_bincount_matches_tf():
    assert tf.math.bincount([1, 1, 2, 5]).numpy().tolist() == [0, 2, 1, 0, 0, 1]
    assert tf.math.bincount([1, 1, 2, 5], minlength=8).numpy().tolist() == [0, 2, 1, 0, 0, 1,
                                                                            0, 0]
    assert tf.math.bincount([1, 1, 2, 5], maxlength=3).numpy().tolist() == [0, 2, 1]
    r = tf.math.bincount([1, 1, 2], weights=[0.5, 1.0, 2.0])
    assert r.dtype == tf.float32 and r.numpy().tolist() == [0, 1.5, 2]
    assert tf.math.bincount([[1, 1], [2, 0]], axis=-1).numpy().tolist() == [[0, 2, 0],
                                                                            [1, 0, 1]]
    assert tf.math.bincount([[1, 1], [2, 0]], axis=-1,
                            binary_output=True).numpy().tolist() == [[0, 1, 0], [1, 0, 1]]
    empty = tf.math.bincount(tf.constant([], tf.int32))
    assert empty.shape == (0,) and empty.dtype == tf.int32
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        tf.math.bincount([-1, 2])


def test_segment_reductions_match_tf():
    d = tf.constant(D)
    np.testing.assert_array_equal(tf.math.segment_sum(d, [0, 0, 2]).numpy(),
                                  [[4, 6], [0, 0], [5, 6]])
    np.testing.assert_array_equal(tf.math.segment_mean(d, [0, 0, 2]).numpy(),
                                  [[2, 3], [0, 0], [5, 6]])
    np.testing.assert_array_equal(tf.math.segment_max(d, [0, 0, 2]).numpy(),
                                  [[3, 4], [0, 0], [5, 6]])
    assert tf.math.segment_min(tf.constant([1, 5, 3]), [0, 0, 1]).numpy().tolist() == [1, 3]
    ids = [2, 0, 2]
    np.testing.assert_array_equal(tf.math.unsorted_segment_sum(d, ids, 4).numpy(),
                                  [[3, 4], [0, 0], [6, 8], [0, 0]])
    np.testing.assert_array_equal(tf.math.unsorted_segment_mean(d, ids, 4).numpy(),
                                  [[3, 4], [0, 0], [3, 4], [0, 0]])
    np.testing.assert_array_equal(tf.math.unsorted_segment_max(d, ids, 3).numpy(),
                                  [[3, 4], [LOW, LOW], [5, 6]])
    np.testing.assert_array_equal(tf.math.unsorted_segment_min(d, ids, 3).numpy(),
                                  [[3, 4], [HIGH, HIGH], [1, 2]])
    np.testing.assert_array_equal(tf.math.unsorted_segment_prod(d, ids, 3).numpy(),
                                  [[3, 4], [1, 1], [5, 12]])
    np.testing.assert_allclose(tf.math.unsorted_segment_sqrt_n(d, ids, 3).numpy(),
                               [[3, 4], [0, 0], [4.242641, 5.656854]], rtol=1e-6)
    # Negative ids are dropped; ids with several axes address a prefix of data's shape.
    np.testing.assert_array_equal(tf.math.unsorted_segment_sum(d, [2, 0, -1], 3).numpy(),
                                  [[3, 4], [0, 0], [1, 2]])
    assert tf.math.unsorted_segment_sum(d, [[0, 1], [1, 0], [0, 0]], 2).numpy().tolist() == [
        16, 5]


def test_segment_gradients_match_tf():
    d = tf.constant(D)
    with tf.GradientTape(persistent=True) as tape, np.errstate(over="ignore"):
        tape.watch(d)
        z1 = tf.reduce_sum(tf.math.unsorted_segment_max(d, [2, 0, 2], 3) * D)
        z2 = tf.reduce_sum(tf.math.segment_mean(d, [0, 0, 1]) * D[:2])
        z3 = tf.reduce_sum(tf.math.unsorted_segment_prod(d, [1, 0, 1], 2) * D[:2])
    np.testing.assert_array_equal(tape.gradient(z1, d).numpy(), [[0, 0], [1, 2], [5, 6]])
    np.testing.assert_array_equal(tape.gradient(z2, d).numpy(), [[0.5, 1], [0.5, 1], [3, 4]])
    np.testing.assert_array_equal(tape.gradient(z3, d).numpy(), [[15, 24], [1, 2], [3, 8]])


def test_segment_gradients_by_finite_differences():
    ids = np.array([2, 0, 2, -1])
    for fn in (tf.math.unsorted_segment_sum, tf.math.unsorted_segment_mean,
               tf.math.unsorted_segment_sqrt_n, tf.math.unsorted_segment_prod):
        check(lambda x, fn=fn: fn(x, ids, 3), [rand((4, 2))])
    for fn in (tf.math.unsorted_segment_max, tf.math.unsorted_segment_min):
        # No empty segment: its fill (the dtype's lowest/highest) swamps finite differences.
        check(lambda x, fn=fn: fn(x, np.array([1, 0, 1, -1]), 2), [distinct((4, 2))])
    sorted_ids = np.array([0, 0, 2])
    for fn in (tf.math.segment_sum, tf.math.segment_mean, tf.math.segment_prod):
        check(lambda x, fn=fn: fn(x, sorted_ids), [rand((3, 2))])
    for fn in (tf.math.segment_max, tf.math.segment_min):
        check(lambda x, fn=fn: fn(x, sorted_ids), [distinct((3, 2))])


def test_prod_gradient_at_zeros_matches_tf_rule():
    x = tf.constant([[0.0, 2.0], [3.0, 0.0], [5.0, 0.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.math.unsorted_segment_prod(x, [0, 0, 1], 2))
    # Column 0 of segment 0 has one zero: it gets 3 (the other row), the 3 gets 0.
    # Column 1: segment 0 has one zero (gets 2); segment 1's only row is 0 (gets 1).
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[3, 0], [0, 2], [1, 1]])


def test_bad_segment_ids_name_the_argument():
    d = tf.constant(D)
    with pytest.raises(tf.errors.InvalidArgumentError, match="segment ids are not increasing"):
        tf.math.segment_sum(d, [1, 0, 2])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"segment_ids\[2\] = 5 is out of range \[0, 3\)"):
        tf.math.unsorted_segment_sum(d, [2, 0, 5], 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="same size as dimension 0"):
        tf.math.segment_sum(d, [0, 0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="segment_ids must be an integer"):
        tf.math.unsorted_segment_sum(d, [0.0, 1.0, 1.0], 2)
