"""Embedding: lookups, the scatter-add gradient, mask_zero, bad ids, Keras 2 / 3 input shapes."""

import numpy as np
import pytest

import ember as tf
from ember import keras
from ember.errors import InvalidArgumentError

layers = keras.layers


def test_lookup_returns_the_rows_and_keras_defaults():
    emb = layers.Embedding(10, 3)
    ids = np.array([[1, 2, 2], [9, 0, 1]])
    out = emb(ids)
    table = emb.get_weights()[0]
    assert out.shape == (2, 3, 3) and out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), table[ids])
    assert emb.weights[0].name == "embeddings" and np.abs(table).max() <= 0.05  # 'uniform'
    cfg = emb.get_config()
    assert cfg["input_dim"] == 10 and cfg["output_dim"] == 3 and cfg["mask_zero"] is False
    assert layers.Embedding.from_config(cfg).get_config() == cfg


def test_gradient_lands_only_in_the_rows_used():
    emb = layers.Embedding(50, 4)
    ids = np.array([[3, 3, 7]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(emb(ids) * np.arange(1, 13, dtype=np.float32).reshape(1, 3, 4))
    g = tape.gradient(loss, emb.embeddings).numpy()
    np.testing.assert_array_equal(g[3], [1 + 5, 2 + 6, 3 + 7, 4 + 8])
    np.testing.assert_array_equal(g[7], [9, 10, 11, 12])
    assert np.count_nonzero(g.sum(axis=1)) == 2


def test_mask_zero():
    emb = layers.Embedding(5, 2, mask_zero=True)
    ids = np.array([[1, 2, 0, 0], [3, 0, 4, 0]])
    emb(ids)
    np.testing.assert_array_equal(emb.compute_mask(tf.constant(ids)).numpy(), ids != 0)
    assert layers.Embedding(5, 2).compute_mask(tf.constant(ids)) is None


def test_ids_out_of_the_vocabulary_name_the_largest_id_and_the_size():
    emb = layers.Embedding(83, 4, name="chars")
    with pytest.raises(InvalidArgumentError,
                       match=r"Layer 'chars'.*token id 90.*\[0, 83\).*largest id received is 90"):
        emb(np.array([[5, 90, 84]]))


def test_float_ids_are_cast_and_bad_arguments_echo():
    emb = layers.Embedding(4, 2)
    np.testing.assert_array_equal(emb(np.array([[1.0, 3.0]], np.float32)).numpy(),
                                  emb(np.array([[1, 3]])).numpy())
    with pytest.raises(ValueError, match=r"`input_dim` must be a positive integer. "
                                         r"Received: input_dim=0"):
        layers.Embedding(0, 2)


def test_initial_weights():
    table = np.arange(8, dtype=np.float32).reshape(4, 2)
    emb = layers.Embedding(4, 2, weights=[table])
    np.testing.assert_array_equal(emb(np.array([3, 0])).numpy(), table[[3, 0]])


def test_keras2_batch_input_shape_and_keras3_input_batch_shape():
    model = keras.Sequential([layers.Embedding(10, 3, batch_input_shape=[4, None]),
                              layers.GRU(2)])
    assert model.built and model(np.zeros((4, 7), np.int64)).shape == (4, 2)
    inputs = keras.Input(batch_shape=(4, None), dtype="int32")
    functional = keras.Model(inputs, layers.Embedding(10, 3)(inputs))
    assert functional(np.ones((4, 5), np.int32)).shape == (4, 5, 3)
