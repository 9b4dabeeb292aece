"""Fused ops of issue 17: the mean sparse cross-entropy and Dense + Dropout, checked for
forward, gradient (float64 central differences), second derivatives and against PyTorch."""

import numpy as np
import pytest

import ember as tf
from ember.ops import nn as nn_ops
from tests.core.gradcheck import check, check_second_order, rand


def _log_softmax(z):
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def _ref(lab, z):
    return -np.take_along_axis(_log_softmax(z), lab[:, None], axis=-1)[:, 0].mean()


@pytest.mark.parametrize("shape", [(1, 3), (4, 3), (5, 7)], ids=str)
def test_sparse_softmax_cross_entropy_mean_gradient(shape):
    labels = np.random.default_rng(2).integers(0, shape[-1], shape[:1])
    check(lambda lab, z: nn_ops.sparse_softmax_cross_entropy_mean(lab, z),
          [labels, rand(shape, -3, 3)], ref=_ref)


def test_sparse_softmax_cross_entropy_mean_second_derivatives():
    labels = np.array([0, 2, 1, 2])
    check_second_order(lambda lab, z: nn_ops.sparse_softmax_cross_entropy_mean(lab, z),
                       [labels, rand((4, 3), -2, 2)])


def test_equals_reduce_mean_of_the_per_sample_op():
    rng = np.random.default_rng(5)
    z = tf.Variable(rng.normal(size=(16, 10)).astype("float32") * 3)
    labels = rng.integers(0, 10, 16)
    with tf.GradientTape() as tape:
        fused = nn_ops.sparse_softmax_cross_entropy_mean(labels, z)
    g_fused = tape.gradient(fused, z).numpy()
    with tf.GradientTape() as tape:
        plain = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z))
    g_plain = tape.gradient(plain, z).numpy()
    assert fused.numpy() == plain.numpy()
    np.testing.assert_array_equal(g_fused, g_plain)


def test_bad_labels_are_named():
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range"):
        nn_ops.sparse_softmax_cross_entropy_mean(np.array([0, 3]), tf.zeros([2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"labels of shape \(batch,\)"):
        nn_ops.sparse_softmax_cross_entropy_mean(np.array([[0, 1]]), tf.zeros([2, 3]))


def test_matches_torch_cross_entropy_mean():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    z = rng.normal(size=(6, 4)) * 2
    labels = rng.integers(0, 4, 6)
    zt = torch.tensor(z, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(zt, torch.tensor(labels))
    lt.backward()
    ze = tf.Variable(z)
    with tf.GradientTape() as tape:
        le = nn_ops.sparse_softmax_cross_entropy_mean(labels, ze)
    np.testing.assert_allclose(le.numpy(), lt.item(), rtol=1e-12)
    np.testing.assert_allclose(tape.gradient(le, ze).numpy(), zt.grad.numpy(), rtol=1e-10,
                               atol=1e-15)


# ----------------------------------------------------------------- Dense + Dropout

def _seeded_dense_dropout(act, rate=0.5):
    def fn(x, w, b):
        tf.random.set_seed(11)  # the same mask on every call the checker makes
        return nn_ops.dense(x, w, b, act, dropout=rate)
    return fn


def _mask(shape, rate=0.5):
    tf.random.set_seed(11)
    from ember import random as ember_random
    return ember_random.keep_mask(shape, rate)


@pytest.mark.parametrize("act", [None, "relu"])
def test_dense_dropout_gradient(act):
    x, w, b = rand((4, 3)), rand((3, 5)), rand((5,), away=0.2)
    keep = _mask((4, 5))

    def ref(x, w, b):
        z = x @ w + b
        return (np.maximum(z, 0) if act else z) * keep * 2.0
    check(_seeded_dense_dropout(act), [x, w, b], ref=ref)


def test_dense_dropout_second_derivatives():
    check_second_order(lambda x, w, b: tf.reduce_sum(_seeded_dense_dropout(None)(x, w, b) ** 2),
                       [rand((3, 2)), rand((2, 4)), rand((4,))])


def test_dense_dropout_rejects_what_it_cannot_fuse():
    with pytest.raises(ValueError, match="dropout needs activation"):
        nn_ops.dense(tf.ones([2, 3]), tf.ones([3, 4]), None, "tanh", dropout=0.5)
    with pytest.raises(ValueError, match="dropout needs activation"):
        nn_ops.dense(tf.ones([2, 3]), tf.ones([3, 4]), None, "relu", dropout=1.0)


def test_dense_dropout_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x, w, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 5)), rng.normal(size=(5,))
    u = rng.normal(size=(6, 5))
    keep = _mask((6, 5), 0.3)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out_t = torch.relu(tx @ tw + tb) * torch.tensor(keep) / 0.7
    (out_t * torch.tensor(u)).sum().backward()
    ex, ew, eb = tf.Variable(x), tf.Variable(w), tf.Variable(b)
    with tf.GradientTape() as tape:
        tf.random.set_seed(11)
        out_e = nn_ops.dense(ex, ew, eb, "relu", dropout=0.3)
        total = tf.reduce_sum(out_e * u)
    grads = tape.gradient(total, [ex, ew, eb])
    np.testing.assert_allclose(out_e.numpy(), out_t.detach().numpy(), rtol=1e-12)
    for g, t in zip(grads, (tx, tw, tb)):
        np.testing.assert_allclose(g.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_negative_labels_and_an_empty_batch():
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of -1"):
        nn_ops.sparse_softmax_cross_entropy_mean(np.array([0, -1], np.int8), tf.zeros([2, 3]))
    empty = nn_ops.sparse_softmax_cross_entropy_mean(np.zeros(0, np.int64), tf.zeros([0, 3]))
    assert np.isnan(empty.numpy()) and empty.dtype == tf.float32
