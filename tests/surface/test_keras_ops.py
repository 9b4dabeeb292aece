"""keras.ops against NumPy (values and Keras 3's result dtypes, as checked against Keras 3.15
with the TF backend), gradients of the composed ops, and the missing-name error."""

import numpy as np
import pytest

import ember as tf
from ember.keras import ops

M = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], np.float32)
F = np.array([1.0, 2.0, 3.0], np.float32)
I = np.array([1, 2, 3], np.int32)


def T(x):
    return ops.convert_to_tensor(x)


# (name, call, expected value, expected dtype); dtypes are what Keras 3 gives.
CASES = [
    ("mean int", lambda: ops.mean(T(I)), 2.0, "float32"),
    ("add int + 1.5", lambda: ops.add(T(I), 1.5), I + 1.5, "float32"),
    ("add int + float", lambda: ops.add(T(I), T(F)), I + F, "float32"),
    ("arange", lambda: ops.arange(5), np.arange(5), "int32"),
    ("arange float", lambda: ops.arange(0.0, 1.0, 0.25), np.arange(0, 1, 0.25), "float32"),
    ("sum int", lambda: ops.sum(T(I)), 6, "int32"),
    ("sqrt int", lambda: ops.sqrt(T(I)), np.sqrt(I), "float32"),
    ("divide int", lambda: ops.divide(T(I), T(I)), np.ones(3), "float32"),
    ("zeros", lambda: ops.zeros((2,)), np.zeros(2), "float32"),
    ("float64 in", lambda: ops.square(np.array([1.0, 2.0])), [1.0, 4.0], "float64"),
    ("where", lambda: ops.where(T(M) > 0, T(M), 0.0), np.where(M > 0, M, 0), "float32"),
    ("max keepdims", lambda: ops.max(T(M), axis=0, keepdims=True), M.max(0, keepdims=True),
     "float32"),
    ("one_hot", lambda: ops.one_hot(T(I), 4), np.eye(4)[I], "float32"),
    ("argmax", lambda: ops.argmax(T(M), axis=1), M.argmax(1), "int32"),
    ("top_k indices", lambda: ops.top_k(T(F), 2)[1], [2, 1], "int32"),
    ("matmul matrix @ vector", lambda: ops.matmul(T(M), T(F)), M @ F, "float32"),
    ("roll", lambda: ops.roll(T(M), 1, axis=1), np.roll(M, 1, axis=1), "float32"),
    ("flip", lambda: ops.flip(T(M), 1), np.flip(M, 1), "float32"),
    ("tril", lambda: ops.tril(T(M)), np.tril(M), "float32"),
    ("triu", lambda: ops.triu(T(M), 1), np.triu(M, 1), "float32"),
    ("repeat", lambda: ops.repeat(T(F), 2), np.repeat(F, 2), "float32"),
    ("take", lambda: ops.take(T(M), [0, 2], axis=1), np.take(M, [0, 2], axis=1), "float32"),
    ("take_along_axis", lambda: ops.take_along_axis(T(M), ops.argsort(T(M), axis=1), axis=1),
     np.sort(M, axis=1), "float32"),
    ("moveaxis", lambda: ops.shape(ops.moveaxis(ops.ones((2, 3, 4)), 0, -1)), (3, 4, 2), None),
    ("vstack of vectors (as Keras's TF backend)", lambda: ops.vstack([T(F), T(F)]),
     np.concatenate([F, F]), "float32"),
    ("pad", lambda: ops.pad(T(M), ((1, 0), (0, 2))), np.pad(M, ((1, 0), (0, 2))), "float32"),
    ("split", lambda: ops.split(ops.arange(6), 3)[1], [2, 3], "int32"),
    ("einsum", lambda: ops.einsum("ij,j->i", T(M), T(F)), M @ F, "float32"),
    ("average", lambda: ops.average(T(M), axis=1, weights=T(F)), np.average(M, 1, F), "float32"),
    ("count_nonzero", lambda: ops.count_nonzero(T(M) > 0), 4, "int32"),
    ("logsumexp", lambda: ops.logsumexp(T(M), axis=1),
     np.log(np.exp(M).sum(1)), "float32"),
    ("gelu (tanh approximation by default)", lambda: ops.gelu(T(F)),
     0.5 * F * (1 + np.tanh(np.sqrt(2 / np.pi) * (F + 0.044715 * F ** 3))), "float32"),
    ("binary_crossentropy is elementwise", lambda: ops.binary_crossentropy(
        T([[0.0, 1.0]]), T([[0.2, 0.7]])), [[-np.log(0.8), -np.log(0.7)]], "float32"),
    ("categorical_crossentropy", lambda: ops.categorical_crossentropy(
        T([[0.0, 1.0, 0.0]]), T([[0.2, 0.7, 0.1]])), [-np.log(0.7)], "float32"),
    ("sparse_categorical_crossentropy logits", lambda: ops.sparse_categorical_crossentropy(
        T([1, 2]), T(M), from_logits=True),
     [np.log(np.exp(M[0]).sum()) - M[0, 1], np.log(np.exp(M[1]).sum()) - M[1, 2]], "float32"),
    ("nan_to_num", lambda: ops.nan_to_num(T([np.nan, 1.0])), [0.0, 1.0], "float32"),
    ("multi_hot", lambda: ops.multi_hot(T([[0, 2], [1, 1]]), 3), [[1, 0, 1], [0, 1, 0]],
     "float32"),
    ("slice", lambda: ops.slice(T(M), (0, 1), (2, 2)), M[0:2, 1:3], "float32"),
    ("round decimals", lambda: ops.round(T([1.26, 2.5]), 1), [1.3, 2.5], "float32"),
    ("cumprod", lambda: ops.cumprod(T(M), axis=1), np.cumprod(M, axis=1), "float32"),
    ("logaddexp", lambda: ops.logaddexp(T(M), 1.0), np.logaddexp(M, 1.0), "float32"),
    ("cosh", lambda: ops.cosh(T(M)), np.cosh(M), "float32"),
    ("in_top_k", lambda: ops.in_top_k(np.array([2, 0]), T(M), 1), [True, False], "bool"),
    ("bincount", lambda: ops.bincount(np.array([0, 1, 1, 3])), [1, 2, 0, 1], "int32"),
    ("scatter adds repeats", lambda: ops.scatter(np.array([[0, 1], [0, 1], [1, 0]]),
                                                  np.array([1.0, 2.0, 3.0]), (2, 2)),
     [[0, 3], [3, 0]], "float64"),
    ("slice_update", lambda: ops.slice_update(np.zeros((3, 3)), (1, 1), np.ones((2, 2))),
     [[0, 0, 0], [0, 1, 1], [0, 1, 1]], "float64"),
    ("vectorized_map", lambda: ops.vectorized_map(lambda r: ops.sum(r), T(M)), [2.0, 3.0],
     "float32"),
]


@pytest.mark.parametrize("name, call, want, dtype", CASES, ids=[c[0] for c in CASES])
def test_op_value_and_keras_dtype(name, call, want, dtype):
    out = call()
    if dtype is None:
        assert out == want
        return
    assert ops.dtype(out) == dtype
    np.testing.assert_allclose(ops.convert_to_numpy(out), want, rtol=1e-5, atol=1e-6)


def test_shape_is_a_tuple_and_convert_to_numpy_an_ndarray():
    x = tf.Variable(M)
    assert ops.shape(x) == (2, 3) and isinstance(ops.shape(x), tuple)
    a = ops.convert_to_numpy(x)
    assert isinstance(a, np.ndarray)
    x.assign(M * 2)
    np.testing.assert_array_equal(a, M)  # a copy, not the variable's live buffer


@pytest.mark.parametrize("fn", [
    lambda x: ops.roll(x, 1, axis=1), lambda x: ops.flip(x, 0), lambda x: ops.tril(x),
    lambda x: ops.take_along_axis(x, np.array([[2, 0, 1], [1, 1, 0]]), axis=1),
    lambda x: ops.repeat(x, 2, axis=0), lambda x: ops.log2(ops.abs(x) + 1.0),
    lambda x: ops.categorical_crossentropy(ops.softmax(x), ops.softmax(x * 2.0)),
    lambda x: ops.binary_crossentropy(ops.sigmoid(x), ops.sigmoid(x * 0.5)),
    lambda x: ops.diff(x, axis=1), lambda x: ops.moveaxis(x, 0, 1),
    lambda x: ops.cumprod(x, axis=1), lambda x: ops.logaddexp(x, x * 0.5),
])
def test_composed_ops_have_finite_difference_gradients(fn):
    x0 = np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.4]])
    w = np.random.default_rng(0).standard_normal(np.asarray(fn(tf.constant(x0))).shape)
    x = tf.Variable(x0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(fn(x) * w)
    g = tape.gradient(y, x).numpy()
    num = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        d = np.zeros_like(x0)
        d[idx] = 1e-6
        num[idx] = (np.sum(np.asarray(fn(tf.constant(x0 + d))) * w)
                    - np.sum(np.asarray(fn(tf.constant(x0 - d))) * w)) / 2e-6
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)


def test_missing_name_raises_one_clear_error():
    with pytest.raises(AttributeError, match=r"keras.ops.polygamma is not in Ember's keras.ops"):
        ops.polygamma  # noqa: B018
    assert tf.keras.ops is ops


def test_nn_namespace_and_control_flow():
    assert ops.nn.relu is ops.relu
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 0) == 6
    assert ops.while_loop(lambda i: i < 5, lambda i: i + 2, 0) == 6
    assert ops.cond(True, lambda: 1, lambda: 2) == 1


def test_ops_image_resize_wraps_tf_image_or_says_it_is_missing():
    import importlib.util
    if importlib.util.find_spec("ember.image") is None:
        with pytest.raises(AttributeError, match="keras.ops.image needs ember.image"):
            ops.image  # noqa: B018
        return
    images = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    out = ops.image.resize(images, (2, 2))
    assert ops.shape(out) == (2, 2, 2, 3)
    # Bilinear with half-pixel centres: each output pixel averages a 2x2 block.
    np.testing.assert_allclose(ops.convert_to_numpy(out)[0, 0, 0],
                               images[0, :2, :2].mean(axis=(0, 1)), rtol=1e-6)
