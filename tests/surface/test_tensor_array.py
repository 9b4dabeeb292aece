"""tf.TensorArray: write/read/stack/gather/concat/unstack as TF loops use it, a fixed size
that refuses out-of-range writes, and gradients from the stacked result."""

import numpy as np
import pytest

import ember as tf


def test_write_stack_gather_concat():
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    for i in range(3):
        ta = ta.write(i, tf.constant([float(i), 1.0]))
    assert ta.stack().numpy().tolist() == [[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]
    assert int(ta.size()) == 3 and ta.read(1).numpy().tolist() == [1.0, 1.0]
    assert ta.gather([2, 0]).numpy().tolist() == [[2.0, 1.0], [0.0, 1.0]]
    assert ta.concat().numpy().tolist() == [0.0, 1.0, 1.0, 1.0, 2.0, 1.0]
    ta2 = tf.TensorArray(tf.int32, size=3).unstack(tf.constant([[1, 2], [3, 4], [5, 6]]))
    assert ta2.read(2).numpy().tolist() == [5, 6]


def test_in_a_tf_function_loop_and_errors():
    @tf.function
    def double(x):
        ta = tf.TensorArray(tf.float32, size=x.shape[0])
        for i in tf.range(x.shape[0]):
            ta = ta.write(i, x[i] * 2)
        return ta.stack()

    assert double(tf.constant([1., 2., 3.])).numpy().tolist() == [2.0, 4.0, 6.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        tf.TensorArray(tf.float32, size=1).write(3, 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="int32"):
        tf.TensorArray(tf.float32, size=1).write(0, tf.constant(1))
    empty = tf.TensorArray(tf.float32, size=0, element_shape=(2,))
    assert empty.stack().shape == (0, 2)


def test_gradients_flow_through_stack():
    v = tf.Variable([1., 2.])
    with tf.GradientTape() as tape:
        ta = tf.TensorArray(tf.float32, size=2)
        ta = ta.write(0, v * 3.0).write(1, v * v)
        y = tf.reduce_sum(ta.stack())
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [5.0, 7.0])
