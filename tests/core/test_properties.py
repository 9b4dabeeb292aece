"""Property tests (hypothesis): broadcasting gradients, reductions over random axes, slicing."""

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import ember as tf  # noqa: E402

FAST = settings(max_examples=30, deadline=None)


def _unbroadcast_np(g, shape):
    """NumPy reference: sum ``g`` over the axes broadcasting added to ``shape``."""
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def _grads(fn, *arrays, u=None):
    ts = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        for t in ts:
            tape.watch(t)
        y = fn(*ts)
    return y, tape.gradient(y, ts, output_gradients=None if u is None else tf.constant(u))


@FAST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                 max_side=3),
       seed=st.integers(0, 2**16))
def test_add_and_multiply_gradients_sum_over_broadcast_axes(shapes, seed):
    (sx, sy), out_shape = shapes.input_shapes, shapes.result_shape
    rng = np.random.default_rng(seed)
    x, y, u = rng.standard_normal(sx), rng.standard_normal(sy), rng.standard_normal(out_shape)
    z, (gx, gy) = _grads(tf.add, x, y, u=u)
    assert z.shape == out_shape
    np.testing.assert_allclose(gx.numpy(), _unbroadcast_np(u, sx), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gy.numpy(), _unbroadcast_np(u, sy), rtol=1e-12, atol=1e-12)
    z, (gx, gy) = _grads(tf.multiply, x, y, u=u)
    np.testing.assert_allclose(z.numpy(), x * y)
    np.testing.assert_allclose(gx.numpy(), _unbroadcast_np(u * y, sx), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gy.numpy(), _unbroadcast_np(u * x, sy), rtol=1e-12, atol=1e-12)


@FAST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                 max_side=3))
def test_gradient_of_sum_of_add_counts_broadcast_copies(shapes):
    # d/dy Σ(x + y) is, for each y element, the number of output elements it reaches.
    (sx, sy), out_shape = shapes.input_shapes, shapes.result_shape
    _, (gx, gy) = _grads(lambda a, b: tf.reduce_sum(a + b), np.zeros(sx), np.zeros(sy))
    n_out = int(np.prod(out_shape))
    np.testing.assert_array_equal(gy.numpy(), np.full(sy, n_out / max(int(np.prod(sy)), 1)))
    np.testing.assert_array_equal(gx.numpy(), np.full(sx, n_out / max(int(np.prod(sx)), 1)))


@st.composite
def array_and_axis(draw, min_dims=1):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=4, min_side=1, max_side=4))
    n = len(shape)
    axes = draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=n,
                         unique_by=lambda a: a % n))
    axis = draw(st.sampled_from([None, axes[0], axes]))
    keepdims = draw(st.booleans())
    x = draw(hnp.arrays(np.float64, shape, elements=st.floats(-10, 10, width=64)))
    return x, axis, keepdims


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


@FAST
@given(case=array_and_axis())
def test_reductions_match_numpy_over_random_axes(case):
    x, axis, keepdims = case
    a = _np_axis(axis)
    for ours, ref in [(tf.reduce_sum, np.sum), (tf.reduce_mean, np.mean), (tf.reduce_max, np.max),
                      (tf.reduce_min, np.min), (tf.math.reduce_variance, np.var)]:
        got = ours(tf.constant(x), axis=axis, keepdims=keepdims)
        want = ref(x, axis=a, keepdims=keepdims)
        assert got.shape == np.shape(want), (ours.__name__, got.shape, np.shape(want))
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-10)


@FAST
@given(case=array_and_axis())
def test_gradient_of_reduce_sum_is_ones_and_of_mean_is_one_over_n(case):
    x, axis, keepdims = case
    _, (g,) = _grads(lambda t: tf.reduce_sum(t, axis=axis, keepdims=keepdims), x)
    np.testing.assert_array_equal(g.numpy(), np.ones_like(x))
    kept = np.sum(x, axis=_np_axis(axis), keepdims=keepdims)
    n = x.size // max(np.size(kept), 1)
    _, (g,) = _grads(lambda t: tf.reduce_mean(t, axis=axis, keepdims=keepdims), x)
    np.testing.assert_allclose(g.numpy(), np.full(x.shape, 1.0 / n), rtol=1e-12)


@FAST
@given(case=array_and_axis())
def test_reduce_sum_vjp_broadcasts_u_back(case):
    x, axis, keepdims = case
    out = np.sum(x, axis=_np_axis(axis), keepdims=True)
    u_keep = np.random.default_rng(0).standard_normal(out.shape)
    u = u_keep if keepdims else u_keep.reshape(np.sum(x, axis=_np_axis(axis)).shape)
    _, (g,) = _grads(lambda t: tf.reduce_sum(t, axis=axis, keepdims=keepdims), x, u=u)
    np.testing.assert_array_equal(g.numpy(), np.broadcast_to(u_keep, x.shape))


@FAST
@given(case=array_and_axis())
def test_max_gradient_sums_to_one_per_reduced_slice(case):
    x, axis, keepdims = case
    _, (g,) = _grads(lambda t: tf.reduce_max(t, axis=axis, keepdims=keepdims), x)
    # Ties share the gradient, so each reduced slice's gradient always sums to exactly 1.
    sums = np.sum(g.numpy(), axis=_np_axis(axis))
    np.testing.assert_allclose(sums, np.ones_like(sums), rtol=1e-12)
    assert np.all(g.numpy()[x != np.max(x, axis=_np_axis(axis), keepdims=True)] == 0)


@FAST
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                    elements=st.floats(-30, 30, width=64)))
def test_softmax_sums_to_one_and_its_gradient_sums_to_zero(x):
    y, (g,) = _grads(lambda t: tf.reduce_sum(tf.nn.softmax(t) * tf.constant(np.arange(
        x.shape[-1], dtype=np.float64))), x)
    s = tf.nn.softmax(tf.constant(x)).numpy()
    np.testing.assert_allclose(s.sum(-1), 1.0, rtol=1e-12)
    # Shifting every logit by the same amount changes nothing: the gradient sums to 0.
    np.testing.assert_allclose(g.numpy().sum(-1), 0.0, atol=1e-10)


@FAST
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=4),
                    elements=st.floats(-5, 5, width=64)),
       data=st.data())
def test_transpose_gradient_is_the_inverse_permutation(x, data):
    perm = data.draw(st.permutations(list(range(x.ndim))))
    u = np.random.default_rng(1).standard_normal(np.transpose(x, perm).shape)
    _, (g,) = _grads(lambda t: tf.transpose(t, perm), x, u=u)
    np.testing.assert_array_equal(g.numpy(), np.transpose(u, np.argsort(perm)))


@st.composite
def basic_index(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    idx = draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    return shape, idx


@FAST
@given(case=basic_index())
def test_slicing_gradient_scatters_into_zeros(case):
    shape, idx = case
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    out = x[idx]
    u = np.random.default_rng(2).standard_normal(np.shape(out))
    y, (g,) = _grads(lambda t: t[idx], x, u=u)
    np.testing.assert_array_equal(y.numpy(), out)
    want = np.zeros_like(x)
    want[idx] = u
    np.testing.assert_array_equal(g.numpy(), want)


@FAST
@given(m=st.integers(1, 4), k=st.integers(1, 4), n=st.integers(1, 4), b=st.integers(1, 3),
       seed=st.integers(0, 2**16))
def test_matmul_gradient_formula(m, k, n, b, seed):
    rng = np.random.default_rng(seed)
    a, c, u = rng.standard_normal((b, m, k)), rng.standard_normal((k, n)), \
        rng.standard_normal((b, m, n))
    _, (ga, gc) = _grads(tf.matmul, a, c, u=u)
    np.testing.assert_allclose(ga.numpy(), u @ c.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gc.numpy(), np.einsum("bmk,bmn->kn", a, u), rtol=1e-12,
                               atol=1e-12)
