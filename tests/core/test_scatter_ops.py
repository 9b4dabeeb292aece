"""gather_nd / scatter_nd / tensor_scatter_nd_* and meshgrid: TF 2.21's values (computed with
TF and written here), gradients against TF and central differences."""

import numpy as np
import pytest
from gradcheck import check, check_second_order, rand

import ember as tf

T = [1.0, 2.0, 3.0, 4.0]


def test_meshgrid_matches_tf():
    x, y = tf.meshgrid([1, 2, 3], [4, 5])
    assert x.numpy().tolist() == [[1, 2, 3], [1, 2, 3]]
    assert y.numpy().tolist() == [[4, 4, 4], [5, 5, 5]]
    x, y = tf.meshgrid([1, 2, 3], [4, 5], indexing="ij")
    assert x.numpy().tolist() == [[1, 1], [2, 2], [3, 3]]
    assert y.numpy().tolist() == [[4, 5], [4, 5], [4, 5]]
    a, b, c = tf.meshgrid([1, 2], [3, 4, 5], [6, 7, 8, 9])
    assert a.shape == b.shape == c.shape == (3, 2, 4)
    assert [t.numpy().tolist() for t in tf.meshgrid([[1, 2]], [3])] == [[[1, 2]], [[3, 3]]]
    with pytest.raises(ValueError, match="must be either 'xy' or 'ij', got 'zz'"):
        tf.meshgrid([1, 2], [3], indexing="zz")
    with pytest.raises(tf.errors.InvalidArgumentError, match="same dtype"):
        tf.meshgrid(tf.constant([1.0]), tf.constant([4]))
    check(lambda a, b: tf.meshgrid(a, b), [rand((3,)), rand((2,))])


def test_scatter_nd_matches_tf():
    r = tf.scatter_nd([[4], [3], [1], [7]], [9, 10, 11, 12], [8])
    assert r.numpy().tolist() == [0, 11, 0, 10, 9, 0, 0, 12] and r.dtype == tf.int32
    assert tf.scatter_nd([[1], [1]], [1.0, 2.0], [3]).numpy().tolist() == [0, 3, 0]
    assert tf.scatter_nd([[0, 1], [1, 0]], [5.0, 6.0], [2, 2]).numpy().tolist() == [[0, 5],
                                                                                     [6, 0]]
    assert tf.scatter_nd([[1]], [[1.0, 2.0]], [3, 2]).numpy().tolist() == [[0, 0], [1, 2],
                                                                           [0, 0]]


def test_tensor_scatter_nd_family_matches_tf():
    t = tf.constant(T)
    idx, upd = [[1], [1], [3]], [9.0, 10.0, 11.0]
    assert tf.tensor_scatter_nd_update(t, idx, upd).numpy().tolist() == [1, 10, 3, 11]
    assert tf.tensor_scatter_nd_add(t, idx, upd).numpy().tolist() == [1, 21, 3, 15]
    assert tf.tensor_scatter_nd_sub(t, idx, upd).numpy().tolist() == [1, -17, 3, -7]
    assert tf.tensor_scatter_nd_max(t, [[1], [3]], [0.0, 11.0]).numpy().tolist() == [1, 2, 3, 11]
    assert tf.tensor_scatter_nd_min(t, [[1], [3]], [0.0, 11.0]).numpy().tolist() == [1, 0, 3, 4]
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert tf.tensor_scatter_nd_update(m, [[1]], [[7.0, 8.0]]).numpy().tolist() == [[1, 2],
                                                                                    [7, 8]]
    assert tf.tensor_scatter_nd_update(m, [[1, 0]], [7.0]).numpy().tolist() == [[1, 2], [7, 4]]
    assert tf.gather_nd(m, [[1, 0], [0, 1]]).numpy().tolist() == [3, 2]
    assert tf.gather_nd(m, [[1]]).numpy().tolist() == [[3, 4]]


def test_scatter_gradients_match_tf():
    x, u = tf.Variable(T), tf.Variable([5.0, 6.0, 7.0])
    w = tf.constant(T)
    with tf.GradientTape(persistent=True) as tape:
        z1 = tf.reduce_sum(tf.tensor_scatter_nd_update(x, [[1], [1], [3]], u) * w)
        z2 = tf.reduce_sum(tf.tensor_scatter_nd_max(x, [[1], [3]], u[:2]) * w)
        z3 = tf.reduce_sum(tf.scatter_nd([[1], [1], [3]], u, [5]) * tf.constant(T + [5.0]))
    gx, gu = tape.gradient(z1, [x, u])
    assert gx.numpy().tolist() == [1, 0, 3, 0] and gu.numpy().tolist() == [2, 2, 4]
    gx, gu = tape.gradient(z2, [x, u])
    assert gx.numpy().tolist() == [1, 0, 3, 0] and gu.numpy().tolist() == [2, 4, 0]
    assert tape.gradient(z3, u).numpy().tolist() == [2, 2, 4]


def test_scatter_gradients_by_finite_differences():
    idx = np.array([[0, 1], [2, 0], [0, 1]])
    check(lambda p: tf.gather_nd(p, idx), [rand((3, 2))])
    check(lambda u: tf.scatter_nd(idx, u, [3, 2]), [rand((3,))])
    check(lambda t, u: tf.tensor_scatter_nd_add(t, idx[:, :1], u), [rand((3, 2)), rand((3, 2))])
    check(lambda t, u: tf.tensor_scatter_nd_sub(t, idx, u), [rand((3, 2)), rand((3,))])
    check(lambda t, u: tf.tensor_scatter_nd_update(t, idx[:2], u), [rand((3, 2)), rand((2,))])
    check(lambda t, u: tf.tensor_scatter_nd_min(t, idx[:2], u), [rand((3, 2)), rand((2,))])
    check_second_order(lambda p: tf.gather_nd(p, idx) ** 2, [rand((3, 2))])


def test_bad_indices_and_updates_name_the_argument():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0\] = \[5\] does not "
                                                             r"index into shape \[3\]"):
        tf.scatter_nd([[5]], [1.0], [3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="indices must be an integer"):
        tf.scatter_nd([[1.0]], [1.0], [3])
    with pytest.raises(tf.errors.InvalidArgumentError, match="updates must have shape"):
        tf.tensor_scatter_nd_update(tf.constant([[1.0, 2.0]]), [[0]], [7.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="updates must have the tensor's"):
        tf.tensor_scatter_nd_update(tf.constant(T), [[1]], [9])
    with pytest.raises(tf.errors.InvalidArgumentError, match="does not index"):
        tf.gather_nd(tf.constant(T), [[-1]])


def test_unique_result_reads_by_position_and_by_name():
    # (sweep) tf.unique's result is a named pair, as course code reads `.y` and `.idx`.
    result = tf.unique(tf.constant([1, 1, 2, 1, 3]))
    y, idx = result
    assert result.y.numpy().tolist() == [1, 2, 3] == y.numpy().tolist()
    assert result.idx.numpy().tolist() == [0, 0, 1, 0, 2] == idx.numpy().tolist()
