"""Masks end to end: Embedding(mask_zero) or Masking -> recurrent layers in Sequential and
functional models, through the house's mask plumbing (masks ride on tensors)."""

import numpy as np
import pytest

from ember import keras
from ember.tensor import as_array

layers = keras.layers


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_mask_zero_flows_from_embedding_into_lstm(kind):
    emb = layers.Embedding(10, 4, mask_zero=True)
    lstm = layers.LSTM(3, return_sequences=True)
    if kind == "sequential":
        model = keras.Sequential([keras.Input((None,), dtype="int32"), emb, lstm])
    else:
        inputs = keras.Input((None,), dtype="int32")
        model = keras.Model(inputs, lstm(emb(inputs)))
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 0]])
    out = model(ids)
    seq = out.numpy()
    np.testing.assert_array_equal(seq[0, 2], seq[0, 1])
    np.testing.assert_array_equal(seq[0, 3], seq[0, 1])
    np.testing.assert_array_equal(seq[1, 3], seq[1, 2])
    np.testing.assert_allclose(model(ids[:1, :2]).numpy(), seq[:1, :2], rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(as_array(out._keras_mask)), ids != 0)


def test_last_output_ignores_right_padding_and_masking_layer_works():
    model = keras.Sequential([keras.Input((None, 2)), layers.Masking(0.0), layers.GRU(3)])
    x = np.random.default_rng(0).uniform(1, 2, (2, 4, 2)).astype(np.float32)
    x[0, 2:] = 0.0
    y = model(x).numpy()
    np.testing.assert_allclose(y[0], model(x[:1, :2]).numpy()[0], rtol=1e-6)
    assert getattr(model(x), "_keras_mask", None) is None


def test_padded_batch_trains_with_fit():
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 10, (32, 6))
    ids[:16, 4:] = 0
    model = keras.Sequential([keras.Input((None,), dtype="int32"),
                              layers.Embedding(10, 8, mask_zero=True), layers.LSTM(8),
                              layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(ids, ids.sum(1) % 2, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_bidirectional_in_sequential_with_mask_zero():
    model = keras.Sequential([keras.Input((None,), dtype="int32"),
                              layers.Embedding(10, 4, mask_zero=True),
                              layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
                              layers.LSTM(2)])
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 6]])
    y = model(ids).numpy()
    np.testing.assert_allclose(y[0], model(ids[:1, :2]).numpy()[0], rtol=1e-5, atol=1e-6)
