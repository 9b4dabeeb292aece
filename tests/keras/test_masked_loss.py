"""Compiled losses skip masked steps, as Keras's do (mask from Embedding(mask_zero=True))."""

import numpy as np

import ember as tf


def test_fit_loss_ignores_padded_steps():
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([
        tf.keras.layers.Embedding(10, 4, mask_zero=True),
        tf.keras.layers.LSTM(5, return_sequences=True),
        tf.keras.layers.Dense(3)])
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    y = np.array([[0, 1, 2, 0, 0], [1, 2, 0, 0, 0]])
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer="sgd", loss=loss)
    logits = model(x)
    assert logits._keras_mask is not None
    per_step = tf.keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
    keep = x != 0
    expected = float(np.sum(per_step.numpy() * keep) / keep.sum())
    np.testing.assert_allclose(float(loss(y, logits)), expected, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)
    # The padded steps' targets do not matter at all.
    y_other = y.copy()
    y_other[~keep] = 2
    np.testing.assert_allclose(model.evaluate(x, y_other, verbose=0), expected, rtol=1e-5)


def test_model_reset_states_zeros_stateful_layers():
    model = tf.keras.Sequential([
        tf.keras.layers.Embedding(10, 4, batch_input_shape=[2, None]),
        tf.keras.layers.SimpleRNN(3, stateful=True, return_sequences=True)])
    x = np.array([[1, 2], [3, 4]])
    first = model(x).numpy()
    assert not np.allclose(model(x).numpy(), first)  # the state carried over
    model.reset_states()
    np.testing.assert_allclose(model(x).numpy(), first, rtol=1e-6)
