"""tf.cond / case / switch_case / while_loop / map_fn and tf.py_function / numpy_function
(results as TF 2.21 gives them eagerly), with gradients through the branch that ran."""

import numpy as np
import pytest

import ember as tf


def test_while_loop_returns_what_body_returns():
    r = tf.while_loop(lambda i: tf.less(i, 10), lambda i: (tf.add(i, 1),), [tf.constant(0)])
    assert isinstance(r, tuple) and [int(v) for v in r] == [10]
    r = tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i),
                      (tf.constant(0), tf.constant(0)))
    assert [int(v) for v in r] == [5, 10]
    r = tf.while_loop(lambda i: i < 50, lambda i: [i + 1], [tf.constant(0)],
                      maximum_iterations=7)
    assert [int(v) for v in r] == [7]
    never = [tf.constant(3)]
    assert [int(v) for v in tf.while_loop(lambda i: i < 0, lambda i: [i + 1], never)] == [3]


def test_cond_case_switch_case_and_map_fn():
    assert float(tf.cond(tf.constant(2.0) > 1.0, lambda: tf.constant(1.0),
                         lambda: tf.constant(0.0))) == 1.0
    pairs = [(tf.constant(False), lambda: tf.constant(1)), (tf.constant(True),
                                                            lambda: tf.constant(2))]
    assert int(tf.case(pairs, default=lambda: tf.constant(3))) == 2
    branches = [lambda: tf.constant(5), lambda: tf.constant(7)]
    assert int(tf.switch_case(tf.constant(1), branches)) == 7
    assert int(tf.switch_case(tf.constant(9), branches)) == 7  # out of range: the last
    assert tf.map_fn(lambda x: x * x, tf.constant([1., 2., 3.])).numpy().tolist() == [1, 4, 9]
    summed = tf.map_fn(lambda t: t[0] + t[1], (tf.constant([1, 2]), tf.constant([10, 20])),
                       fn_output_signature=tf.int32)
    assert summed.numpy().tolist() == [11, 22]
    with pytest.raises(ValueError, match="scalar"):
        tf.cond(tf.constant([True, False]), lambda: 1, lambda: 2)


def test_gradients_flow_through_cond_and_py_function():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.cond(x > 1, lambda: x * x, lambda: x)
    assert float(tape.gradient(y, x)) == 6.0
    with tf.GradientTape() as tape:
        y = tf.py_function(lambda v: v * v, [x], tf.float32)
    assert float(tape.gradient(y, x)) == 6.0


def test_py_function_and_numpy_function_outputs():
    p = tf.py_function(lambda a, b: a * b, [tf.constant(2.0), 3.0], tf.float32)
    assert float(p) == 6.0 and p.dtype == tf.float32
    p = tf.py_function(lambda a: [a, a + 1], [tf.constant(2)], [tf.int32, tf.float32])
    assert [(int(v), v.dtype.name) for v in p] == [(2, "int32"), (3, "float32")]
    n = tf.numpy_function(lambda a: (a * 2).astype(np.float32), [tf.constant([1.0, 2.0])],
                          tf.float32)
    assert n.numpy().tolist() == [2.0, 4.0]
    with pytest.raises(ValueError, match="Tout"):
        tf.py_function(lambda a: (a, a), [1.0], [tf.float32])
