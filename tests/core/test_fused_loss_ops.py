"""The fused mean sparse cross-entropy op (issue 17): forward, gradient, second derivatives,
and PyTorch's ``cross_entropy(reduction='mean')``."""

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
