"""Shape, joining, indexing and sorting ops: forward and gradient via ``gradcheck.check``."""

import numpy as np
import pytest
from gradcheck import check, distinct, rand

import ember as tf


@pytest.mark.parametrize("shape,new", [((2, 3), (3, 2)), ((2, 3), (-1,)), ((6,), (2, -1)),
                                       ((), (1, 1)), ((1, 3), (3,)), ((2, 3, 2), (4, 3))],
                         ids=str)
def test_reshape(shape, new):
    check(lambda x: tf.reshape(x, new), [rand(shape)], ref=lambda a: np.reshape(a, new))


@pytest.mark.parametrize("shape,perm", [((2, 3), None), ((2, 3), [1, 0]), ((2, 3, 4), [2, 0, 1]),
                                        ((2, 3, 4), None), ((3,), [0])], ids=str)
def test_transpose(shape, perm):
    check(lambda x: tf.transpose(x, perm), [rand(shape)], ref=lambda a: np.transpose(a, perm))


def test_transpose_property_T():
    check(lambda x: x.T, [rand((2, 3))], ref=lambda a: a.T)


@pytest.mark.parametrize("shapes,axis", [([(2, 3), (1, 3)], 0), ([(2, 3), (2, 1), (2, 2)], 1),
                                         ([(3,), (2,)], 0), ([(2, 3), (2, 3)], -1)], ids=str)
def test_concat(shapes, axis):
    check(lambda *ts: tf.concat(list(ts), axis), [rand(s) for s in shapes],
          ref=lambda *arrs: np.concatenate(arrs, axis))


@pytest.mark.parametrize("shape,axis", [((), 0), ((3,), 0), ((3,), 1), ((2, 3), 1), ((2, 3), -1)],
                         ids=str)
def test_stack(shape, axis):
    check(lambda a, b: tf.stack([a, b], axis=axis), [rand(shape), rand(shape)],
          ref=lambda a, b: np.stack([a, b], axis=axis))


@pytest.mark.parametrize("shape,axis", [((3,), 0), ((2, 3), 0), ((2, 3), 1), ((2, 3), -1)],
                         ids=str)
def test_unstack(shape, axis):
    check(lambda x: tf.unstack(x, axis=axis), [rand(shape)],
          ref=lambda a: [np.take(a, i, axis=axis) for i in range(a.shape[axis])])


@pytest.mark.parametrize("shape,splits,axis", [((4, 3), 2, 0), ((2, 6), 3, 1),
                                               ((2, 6), [1, 2, 3], 1), ((2, 5), [2, -1], -1)],
                         ids=str)
def test_split(shape, splits, axis):
    def ref(a):
        n = a.shape[axis]
        if isinstance(splits, int):
            return np.split(a, splits, axis=axis)
        sizes = [n - sum(s for s in splits if s != -1) if s == -1 else s for s in splits]
        return np.split(a, np.cumsum(sizes)[:-1], axis=axis)
    check(lambda x: tf.split(x, splits, axis=axis), [rand(shape)], ref=ref)


@pytest.mark.parametrize("shape,axis", [((1, 3), None), ((1, 3), 0), ((2, 1, 3, 1), None),
                                        ((2, 1, 3, 1), [1, 3]), ((2, 1), -1)], ids=str)
def test_squeeze(shape, axis):
    ref_axis = tuple(axis) if isinstance(axis, list) else axis
    check(lambda x: tf.squeeze(x, axis), [rand(shape)], ref=lambda a: np.squeeze(a, ref_axis))


@pytest.mark.parametrize("shape,axis", [((), 0), ((3,), 0), ((3,), -1), ((2, 3), 1), ((2, 3), -2)],
                         ids=str)
def test_expand_dims(shape, axis):
    check(lambda x: tf.expand_dims(x, axis), [rand(shape)], ref=lambda a: np.expand_dims(a, axis))


@pytest.mark.parametrize("shape,reps", [((3,), [2]), ((2, 3), [1, 2]), ((2, 3), [3, 1]),
                                        ((1, 3), [2, 2])], ids=str)
def test_tile(shape, reps):
    check(lambda x: tf.tile(x, reps), [rand(shape)], ref=lambda a: np.tile(a, reps))


@pytest.mark.parametrize("shape,target", [((3,), (2, 3)), ((1, 3), (2, 3)), ((), (2, 2)),
                                          ((2, 1), (2, 3))], ids=str)
def test_broadcast_to(shape, target):
    check(lambda x: tf.broadcast_to(x, target), [rand(shape)],
          ref=lambda a: np.broadcast_to(a, target))


@pytest.mark.parametrize("shape,idx,axis", [((4,), [0, 2, 2], 0), ((3, 2), [2, 0], 0),
                                            ((2, 3), [[0, 2], [1, 1]], 1), ((3, 2), [1], -2),
                                            ((4,), 3, 0)], ids=str)
def test_gather(shape, idx, axis):
    idx = np.array(idx)
    check(lambda x, i: tf.gather(x, i, axis=axis), [rand(shape), idx],
          ref=lambda a, i: np.take(a, i, axis=axis))


def test_gather_repeated_indices_sum_their_gradients():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.gather(x, [0, 2, 2, 2])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 0.0, 3.0])


KEYS = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, None),
    "slice with step": (slice(None), slice(None, None, 2)),
    "negative step": (slice(None), slice(None, None, -1)),
    "negative step range": (slice(None, None, -1), slice(2, 0, -1)),
    "int and slice": (0, slice(1, 3)),
    "ellipsis": (Ellipsis, 1),
    "ellipsis first": (Ellipsis, slice(0, 2)),
    "newaxis": (None, slice(None), 1),
    "newaxis middle": (slice(None), None, slice(None)),
    "index array": [0, 0, 1],
    "two ints": (1, 2),
    "bool mask": np.array([True, False]),
}


@pytest.mark.parametrize("name", list(KEYS))
def test_getitem(name):
    key = KEYS[name]
    check(lambda x: x[key], [rand((2, 3))], ref=lambda a: a[key])


def test_getitem_with_tensor_index_and_tf_newaxis():
    i = tf.constant(1)
    check(lambda x: x[i, tf.newaxis], [rand((2, 3))], ref=lambda a: a[1, None])


def test_slice_of_3d():
    key = (slice(None, None, -2), Ellipsis, slice(1, None))
    check(lambda x: x[key], [rand((3, 2, 3))], ref=lambda a: a[key])


@pytest.mark.parametrize("shape,axis,direction", [((5,), -1, "ASCENDING"),
                                                  ((2, 4), -1, "DESCENDING"),
                                                  ((3, 2), 0, "ASCENDING")], ids=str)
def test_sort(shape, axis, direction):
    def ref(a):
        s = np.sort(a, axis=axis)
        return np.flip(s, axis=axis) if direction == "DESCENDING" else s
    check(lambda x: tf.sort(x, axis=axis, direction=direction), [distinct(shape)], ref=ref)


@pytest.mark.parametrize("shape,k", [((5,), 2), ((2, 4), 3), ((3,), 3), ((2, 3), 1)], ids=str)
def test_top_k_values(shape, k):
    def ref(a):
        return -np.sort(-a, axis=-1)[..., :k]
    check(lambda x: tf.math.top_k(x, k=k).values, [distinct(shape)], ref=ref)


def test_top_k_indices():
    v, i = tf.math.top_k(tf.constant([[1.0, 5.0, 3.0], [9.0, 0.0, 4.0]]), k=2)
    np.testing.assert_array_equal(i.numpy(), [[1, 2], [0, 2]])
    np.testing.assert_array_equal(v.numpy(), [[5.0, 3.0], [9.0, 4.0]])
    assert i.dtype == tf.int32


def test_pad_and_reverse():
    p = [[1, 0], [2, 1]]
    check(lambda x: tf.pad(x, p), [rand((2, 3))], ref=lambda a: np.pad(a, p))
    check(lambda x: tf.reverse(x, [1]), [rand((2, 3))], ref=lambda a: a[:, ::-1])


def test_boolean_mask():
    m = np.array([[True, False, True], [False, True, True]])
    check(lambda x: tf.boolean_mask(x, m), [rand((2, 3))], ref=lambda a: a[m])


def test_stop_gradient_blocks():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stop_gradient(x) * x
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 2.0])


def test_slices_of_variable_do_not_alias_it():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    row = v[0]
    flat = tf.reshape(v, [-1])
    v.assign_add([[10.0, 10.0], [10.0, 10.0]])
    np.testing.assert_array_equal(row.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(flat.numpy(), [1.0, 2.0, 3.0, 4.0])


def test_constant_makers():
    assert tf.zeros([2, 3]).dtype == tf.float32 and tf.zeros([2, 3]).shape == (2, 3)
    assert tf.ones((2,), tf.int32).numpy().tolist() == [1, 1]
    np.testing.assert_array_equal(tf.eye(2).numpy(), np.eye(2))
    assert tf.range(5).dtype == tf.int32 and tf.range(0.0, 1.0, 0.5).dtype == tf.float32
    np.testing.assert_array_equal(tf.one_hot([0, 2], 3).numpy(), [[1, 0, 0], [0, 0, 1]])
    assert tf.fill([2], 7).numpy().tolist() == [7, 7]
    np.testing.assert_array_equal(tf.shape(tf.zeros([4, 5])).numpy(), [4, 5])
