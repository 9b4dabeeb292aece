"""Reductions over every shape x axis x keepdims, plus norm, moments, cumsum."""

import numpy as np
import pytest
from gradcheck import check, distinct, rand, reduction_cases

import ember as tf


def _np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _lse(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis) if axis is not None else r.reshape(())


REDUCTIONS = {
    "reduce_sum": (tf.reduce_sum, np.sum, rand),
    "reduce_mean": (tf.reduce_mean, np.mean, rand),
    "reduce_max": (tf.reduce_max, np.max, distinct),
    "reduce_min": (tf.reduce_min, np.min, distinct),
    "reduce_prod": (tf.reduce_prod, np.prod, lambda s: rand(s, 0.5, 1.5)),
    "reduce_variance": (tf.math.reduce_variance, np.var, rand),
    "reduce_std": (tf.math.reduce_std, np.std, rand),
    "reduce_logsumexp": (tf.reduce_logsumexp, _lse, rand),
}


def _reduced_size(shape, axis):
    if axis is None:
        return int(np.prod(shape)) if shape else 1
    axes = [axis] if isinstance(axis, int) else list(axis)
    return int(np.prod([shape[a] for a in axes]))


@pytest.mark.parametrize("shape,axis,keepdims", reduction_cases(), ids=str)
@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_reduction(name, shape, axis, keepdims):
    fn, ref, make = REDUCTIONS[name]
    if name == "reduce_std" and _reduced_size(shape, axis) == 1:
        pytest.skip("std of one element is 0, where sqrt has no derivative")
    x = make(shape)
    check(lambda t: fn(t, axis=axis, keepdims=keepdims), [x],
          ref=lambda a: ref(a, axis=_np_axis(axis), keepdims=keepdims))


def test_reduce_max_ties_share_the_gradient():
    x = tf.constant([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_max(x, axis=1)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[0, 0.5, 0.5], [1, 0, 0]])


def test_reduce_prod_with_a_zero_has_finite_gradient():
    check(lambda t: tf.reduce_prod(t, axis=-1), [np.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0]])],
          ref=lambda a: np.prod(a, axis=-1))


def test_reduce_sum_of_int_tensor_keeps_dtype():
    assert tf.reduce_sum(tf.constant([1, 2, 3])).dtype == tf.int32
    assert tf.reduce_mean(tf.constant([1, 2])).numpy() == 1  # TF's integer mean truncates


@pytest.mark.parametrize("shape,axis,keepdims", [((3,), None, False), ((2, 3), -1, False),
                                                 ((2, 3), 0, True), ((2, 3), None, True)],
                         ids=str)
@pytest.mark.parametrize("ord_", ["euclidean", 1, np.inf])
def test_norm(shape, axis, keepdims, ord_):
    def ref(a):
        if ord_ == "euclidean":
            return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
        if ord_ == 1:
            return np.sum(np.abs(a), axis=axis, keepdims=keepdims)
        return np.max(np.abs(a), axis=axis, keepdims=keepdims)
    signs = np.where(np.arange(int(np.prod(shape))) % 2, 1, -1).reshape(shape)
    x = distinct(shape, 0.2, 2.0) * signs
    check(lambda t: tf.norm(t, ord=ord_, axis=axis, keepdims=keepdims), [x], ref=ref)


@pytest.mark.parametrize("shape,axes,keepdims", [((4, 3), [0], False), ((2, 3, 2), [0, 1], False),
                                                 ((2, 3), [1], True), ((2, 3), [0, 1], True)],
                         ids=str)
def test_moments(shape, axes, keepdims):
    check(lambda t: tf.nn.moments(t, axes=axes, keepdims=keepdims), [rand(shape)],
          ref=lambda a: (np.mean(a, axis=tuple(axes), keepdims=keepdims),
                         np.var(a, axis=tuple(axes), keepdims=keepdims)))


@pytest.mark.parametrize("axis,exclusive,reverse", [(0, False, False), (1, False, False),
                                                    (1, True, False), (1, False, True),
                                                    (0, True, True)], ids=str)
def test_cumsum(axis, exclusive, reverse):
    def ref(a):
        v = np.flip(a, axis) if reverse else a
        c = np.cumsum(v, axis=axis) - (v if exclusive else 0)
        return np.flip(c, axis) if reverse else c
    check(lambda t: tf.math.cumsum(t, axis=axis, exclusive=exclusive, reverse=reverse),
          [rand((2, 3))], ref=ref)


def test_l2_normalize():
    check(lambda t: tf.math.l2_normalize(t, axis=-1), [rand((2, 3), away=0.2)],
          ref=lambda a: a / np.sqrt(np.sum(a * a, axis=-1, keepdims=True)))


def test_argmax_argmin():
    x = tf.constant([[1.0, 5.0, 3.0], [7.0, 0.0, 4.0]])
    np.testing.assert_array_equal(tf.argmax(x, axis=1).numpy(), [1, 0])
    np.testing.assert_array_equal(tf.argmin(x, axis=0).numpy(), [0, 1, 0])
    assert tf.argmax(x, axis=1).dtype == tf.int64


def test_reduction_bad_axis_names_the_op():
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 2 is out of range"):
        tf.reduce_sum(tf.zeros([2, 3]), axis=2)
