"""tf.cond / case / switch_case / while_loop and map_fn / vectorized_map / scan / foldl /
foldr run eagerly with TF 2.21's results (the values below were computed with TF) and
gradients through the recorded ops."""

import numpy as np
import pytest
from gradcheck import check, rand

import ember as tf

X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)


def test_cond_runs_only_the_chosen_branch_and_returns_it_as_is():
    ran = []
    r = tf.cond(tf.constant(2) < tf.constant(5), lambda: ran.append("t") or tf.constant(17),
                lambda: ran.append("f") or tf.constant(23))
    assert ran == ["t"] and int(r) == 17
    assert tf.cond(True, lambda: 1, lambda: 2) == 1
    assert tf.cond(tf.constant(0), lambda: 1, lambda: 2) == 2
    assert tf.cond(tf.constant([True]), lambda: [1], lambda: 2) == [1]  # strict: not unpacked


def test_cond_bad_input():
    with pytest.raises(TypeError, match="'true_fn' must be callable"):
        tf.cond(True, 1, lambda: 2)
    with pytest.raises(TypeError, match="'false_fn' argument required"):
        tf.cond(True, lambda: 1)
    with pytest.raises(ValueError, match="`pred` must be a scalar"):
        tf.cond(tf.constant([True, False]), lambda: 1, lambda: 2)


def test_cond_gradient_follows_the_branch_taken():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.cond(x > 2.0, lambda: x * x, lambda: -x)
    assert float(tape.gradient(y, x)) == 6.0


def test_case_and_switch_case():
    x = tf.constant(2)
    assert tf.case([(x < 1, lambda: 1), (x > 1, lambda: [2])]) == 2  # singleton unpacked
    assert tf.case([(x < 1, lambda: 1), (x > 5, lambda: 2)], default=lambda: 7) == 7
    with pytest.raises(tf.errors.InvalidArgumentError, match="None of conditions"):
        tf.case([(x < 1, lambda: 1), (x > 5, lambda: 2)])
    with pytest.raises(tf.errors.InvalidArgumentError, match="exclusive"):
        tf.case([(x > 1, lambda: 1), (x > 0, lambda: 2)], exclusive=True)
    with pytest.raises(TypeError, match="pred must be a Tensor"):
        tf.case([(True, lambda: 1)])
    with pytest.raises(TypeError, match="type bool"):
        tf.case([(x, lambda: 1)])
    with pytest.raises(TypeError, match="'pred_fn_pairs' must be a list"):
        tf.case(x > 1)
    assert tf.switch_case(tf.constant(1), [lambda: 10, lambda: 20]) == 20
    assert tf.switch_case(tf.constant(5), [lambda: 10, lambda: 20]) == 20  # max key
    assert tf.switch_case(tf.constant(-1), {0: lambda: 10, 1: lambda: 20},
                          default=lambda: 3) == 3
    assert tf.switch_case(tf.constant(0), [(1, lambda: 10), (0, lambda: 20)]) == 20
    with pytest.raises(TypeError, match="'branch_index' must be a Tensor"):
        tf.switch_case(1, [lambda: 10])
    with pytest.raises(TypeError, match="integer Tensor"):
        tf.switch_case(tf.constant(1.0), [lambda: 10])
    with pytest.raises(ValueError, match="contiguous range"):
        tf.switch_case(tf.constant(0), {0: lambda: 10, 2: lambda: 20})


def test_while_loop_matches_tf():
    i = tf.constant(0)
    r = tf.while_loop(lambda i: i < 10, lambda i: (i + 1,), [i])
    assert isinstance(r, tuple) and int(r[0]) == 10
    r = tf.while_loop(lambda i, j: i < 10, lambda i, j: (i + 1, j * 2), (i, 1.0),
                      maximum_iterations=3)
    assert int(r[0]) == 3 and float(r[1]) == 8.0 and r[1].dtype == tf.float32
    r = tf.while_loop(lambda i: i > 10, lambda i: [i + 1], [5])  # never runs
    assert isinstance(r, list) and isinstance(r[0], tf.Tensor) and int(r[0]) == 5
    # Nested loop variables.
    r = tf.while_loop(lambda s: s["n"] < 4, lambda s: ({"n": s["n"] + 1, "p": s["p"] * 2},),
                      [{"n": tf.constant(0), "p": tf.constant(1)}])
    assert int(r[0]["p"]) == 16


def test_while_loop_bad_input():
    with pytest.raises(TypeError, match="'cond' must be callable"):
        tf.while_loop(1, lambda i: (i,), [1])
    with pytest.raises(ValueError, match="'loop_vars' must be provided"):
        tf.while_loop(lambda i: i < 3, lambda i: (i,), [])
    with pytest.raises(ValueError, match="'maximum_iterations' must be a scalar"):
        tf.while_loop(lambda i: i < 3, lambda i: (i + 1,), [0], maximum_iterations=[3])
    with pytest.raises(ValueError, match="same structure as loop_vars"):
        tf.while_loop(lambda i, j: i < 3, lambda i, j: (i + 1, (j, j)), (0, 1.0))
    with pytest.raises(TypeError, match=r"return `\(value,\)`"):
        tf.while_loop(lambda i: i < 3, lambda i: i + 1, [0])


def test_gradients_through_loops_match_tf():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * v), (0, 1.0))[1]
    assert float(tape.gradient(y, v)) == 12.0
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.map_fn(lambda r: r * v * v, tf.constant(X)))
    assert float(tape.gradient(y, v)) == 84.0
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.scan(lambda a, r: a * v + r, tf.constant(X)))
    assert float(tape.gradient(y, v)) == 22.0


def test_map_fn_matches_tf():
    x = tf.constant(X)
    np.testing.assert_array_equal(tf.map_fn(lambda r: r * 2, x).numpy(), X * 2)
    np.testing.assert_array_equal(tf.map_fn(tf.reduce_sum, x).numpy(), [3, 7, 11])
    r = tf.map_fn(lambda r: tf.cast(tf.reduce_sum(r), tf.int32), x,
                  fn_output_signature=tf.int32)
    assert r.dtype == tf.int32 and r.numpy().tolist() == [3, 7, 11]
    a, b = tf.map_fn(lambda r: (r, r[0]), x, fn_output_signature=(tf.float32, tf.float32))
    assert a.shape == (3, 2) and b.numpy().tolist() == [1, 3, 5]
    r = tf.map_fn(lambda t: t[0] * t[1], (x, x), fn_output_signature=tf.float32)
    np.testing.assert_array_equal(r.numpy(), X * X)
    r = tf.map_fn(lambda t: t["a"] + 1, {"a": x}, fn_output_signature=tf.float32)
    np.testing.assert_array_equal(r.numpy(), X + 1)
    r = tf.map_fn(lambda t: t, x, fn_output_signature=tf.TensorSpec([2], tf.float32))
    np.testing.assert_array_equal(r.numpy(), X)
    assert tf.map_fn(lambda t: t, tf.zeros((0, 3))).shape == (0,)


def test_map_fn_bad_input_names_the_argument():
    x = tf.constant(X)
    with pytest.raises(tf.errors.InvalidArgumentError, match="fn_output_signature=tf.int32"):
        tf.map_fn(lambda r: tf.cast(tf.reduce_sum(r), tf.int32), x)
    with pytest.raises(ValueError, match="does not match"):
        tf.map_fn(lambda r: (r, r[0]), x)
    with pytest.raises(ValueError, match="1\\+ dimensional"):
        tf.map_fn(lambda t: t, tf.constant(1.0))
    with pytest.raises(ValueError, match="same first dimension"):
        tf.map_fn(lambda t: t, (x, x[:2]))
    with pytest.raises(ValueError, match="same shape"):
        tf.map_fn(tf.range, tf.constant([1, 2]))
    with pytest.raises(ValueError, match="fn_output_signature expects"):
        tf.map_fn(lambda t: t, x, fn_output_signature=tf.TensorSpec([3], tf.float32))
    with pytest.raises(TypeError, match="fn must be callable"):
        tf.map_fn(1, x)


def test_vectorized_map_matches_tf():
    x = tf.constant(X)
    np.testing.assert_array_equal(tf.vectorized_map(lambda r: r * 2, x).numpy(), X * 2)
    a, s = tf.vectorized_map(lambda r: (r, tf.reduce_sum(r)), x)
    assert s.numpy().tolist() == [3, 7, 11]
    np.testing.assert_array_equal(tf.vectorized_map(lambda r: r[0] * r[1], (x, x)).numpy(),
                                  X * X)
    assert tf.vectorized_map(lambda r: 3.0, x).numpy().tolist() == [3, 3, 3]


def test_scan_and_folds_match_tf():
    v = tf.constant([1, 2, 3, 4])
    assert tf.scan(lambda a, e: a + e, v).numpy().tolist() == [1, 3, 6, 10]
    assert tf.scan(lambda a, e: a + e, v, initializer=10).numpy().tolist() == [11, 13, 16, 20]
    assert tf.scan(lambda a, e: a + e, v, reverse=True).numpy().tolist() == [10, 9, 7, 4]
    s, p = tf.scan(lambda a, e: (a[0] + e, a[1] * e), v, initializer=(0, 1))
    assert s.numpy().tolist() == [1, 3, 6, 10] and p.numpy().tolist() == [1, 2, 6, 24]
    r = tf.scan(lambda a, e: a + e[0] * e[1], (tf.constant([1, 2, 3]), tf.constant([4, 5, 6])),
                initializer=0)
    assert r.numpy().tolist() == [4, 14, 32]
    assert int(tf.foldl(lambda a, e: a + e, v)) == 10
    assert int(tf.foldl(lambda a, e: a - e, v, initializer=10)) == 0
    assert int(tf.foldr(lambda a, e: a - e, v)) == -2
    assert int(tf.foldr(lambda a, e: a - e, v, initializer=10)) == 0
    with pytest.raises(tf.errors.InvalidArgumentError, match="initializer"):
        tf.foldl(lambda a, e: a + e, tf.constant([], tf.int32))
    with pytest.raises(ValueError, match="does not match elems"):
        tf.scan(lambda a, e: a[0] + e[0], (v, v))


def test_map_fn_and_scan_gradients_by_finite_differences():
    check(lambda x: tf.map_fn(lambda r: tf.tanh(r) * r[0], x), [rand((3, 2))])
    check(lambda x, w: tf.scan(lambda a, r: a * w + tf.sin(r), x), [rand((4, 2)), rand((2,))])
    check(lambda x: tf.foldr(lambda a, r: a * r, x), [rand((3, 2))])
