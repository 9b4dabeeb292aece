"""gather_nd (now with a gradient), scatter_nd, tensor_scatter_nd_add/update and
tf.unique's named result: values as NumPy/TF give them, gradients by central differences."""

import numpy as np
from gradcheck import check, rand

import ember as tf

IDX = np.array([[0, 1], [2, 0], [0, 1]])


def test_values():
    assert tf.scatter_nd([[1], [3]], [9, 10], [5]).numpy().tolist() == [0, 9, 0, 10, 0]
    out = tf.scatter_nd(IDX, tf.constant([1., 2., 3.]), [3, 2]).numpy()
    assert out.tolist() == [[0, 4], [0, 0], [2, 0]]  # repeated indices add up
    t = tf.zeros([4])
    assert tf.tensor_scatter_nd_update(t, [[1]], [5.]).numpy().tolist() == [0, 5, 0, 0]
    assert tf.tensor_scatter_nd_add(tf.ones([4]), [[1], [1]], [2., 3.]).numpy().tolist() == \
        [1, 6, 1, 1]
    q = tf.constant([[1., 2.], [3., 4.]])
    updated = tf.tensor_scatter_nd_update(q, [[0, 1], [1, 0]], [9., 8.])
    assert updated.numpy().tolist() == [[1, 9], [8, 4]]
    assert tf.gather_nd(tf.constant([[1, 2], [3, 4]]), [[1, 0]]).numpy().tolist() == [3]
    result = tf.unique(tf.constant([1, 1, 2, 1, 3]))
    y, idx = result
    assert result.y.numpy().tolist() == [1, 2, 3] == y.numpy().tolist()
    assert result.idx.numpy().tolist() == [0, 0, 1, 0, 2] == idx.numpy().tolist()


def test_gradients():
    def ref_gather(x):
        return x[tuple(IDX.T)]

    check(lambda x: tf.gather_nd(x, IDX), [rand((3, 2))], ref=ref_gather)
    check(lambda u: tf.scatter_nd(IDX, u, [3, 2]), [rand((3,))])
    check(lambda t, u: tf.tensor_scatter_nd_update(t, [[0, 1], [2, 0]], u),
          [rand((3, 2)), rand((2,))])
    check(lambda t, u: tf.tensor_scatter_nd_add(t, IDX, u), [rand((3, 2)), rand((3,))])
