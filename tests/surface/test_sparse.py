"""tf.SparseTensor and tf.sparse.to_dense / from_dense / reorder (dense values as TF's)."""

import numpy as np
import pytest

import ember as tf


def test_sparse_mask_as_the_text_generation_tutorial_builds_it():
    skip_ids = tf.constant([[0]], dtype=tf.int64)
    sparse_mask = tf.SparseTensor(values=[-float('inf')] * len(skip_ids), indices=skip_ids,
                                  dense_shape=[5])
    mask = tf.sparse.to_dense(sparse_mask)
    assert mask.dtype == tf.float32
    assert mask.numpy().tolist() == [-np.inf, 0.0, 0.0, 0.0, 0.0]
    logits = tf.constant([[1.0, 2.0, 3.0, 4.0, 5.0]]) + mask
    assert np.isneginf(logits.numpy()[0, 0])


def test_from_dense_reorder_and_checks():
    sp = tf.sparse.from_dense(np.array([[0, 3], [4, 0]]))
    assert sp.indices.numpy().tolist() == [[0, 1], [1, 0]] and sp.values.numpy().tolist() == [3, 4]
    shuffled = tf.SparseTensor([[1, 0], [0, 1]], [4, 3], [2, 2])
    assert tf.sparse.reorder(shuffled).values.numpy().tolist() == [3, 4]
    assert tf.sparse.to_dense(shuffled, default_value=-1).numpy().tolist() == [[-1, 3], [4, -1]]
    with pytest.raises(ValueError, match="outside"):
        tf.SparseTensor([[2, 0]], [1.0], [2, 2])
    with pytest.raises(AttributeError, match="not supported"):
        tf.sparse.sparse_dense_matmul  # noqa: B018
