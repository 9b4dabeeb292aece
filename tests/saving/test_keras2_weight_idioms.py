"""Keras 2 weight-file idioms that course code still uses: a checkpoint prefix without a
suffix (reloaded through ``tf.train.latest_checkpoint``) and any ``.h5`` name."""

import numpy as np
import pytest

import ember as tf


def _char_model(batch_size):
    return tf.keras.Sequential([
        tf.keras.layers.Embedding(20, 8, batch_input_shape=[batch_size, None]),
        tf.keras.layers.LSTM(16, return_sequences=True, stateful=True),
        tf.keras.layers.Dense(20)])


def test_music_lab_checkpoint_prefix_reloads_into_a_batch_one_model(tmp_path):
    model = _char_model(4)
    model(np.zeros((4, 5), "int32"))
    prefix = str(tmp_path / "training_checkpoints" / "my_ckpt")
    model.save_weights(prefix)
    assert tf.train.latest_checkpoint(str(tmp_path / "training_checkpoints")) == prefix
    single = _char_model(1)
    single.load_weights(tf.train.latest_checkpoint(str(tmp_path / "training_checkpoints")))
    single.build(tf.TensorShape([1, None]))
    for a, b in zip(model.get_weights(), single.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.array([[1, 2, 3]])
    model.reset_states()
    single.reset_states()
    np.testing.assert_allclose(single(x).numpy()[0], model(np.repeat(x, 4, 0)).numpy()[0],
                               rtol=1e-6, atol=1e-6)


def test_plain_h5_name_round_trips(tmp_path):
    pytest.importorskip("h5py")
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    model.save_weights(str(tmp_path / "model.h5"))
    other = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    other.load_weights(str(tmp_path / "model.h5"))
    np.testing.assert_array_equal(other.get_weights()[0], model.get_weights()[0])


def test_missing_prefix_and_unbuilt_model_are_explained(tmp_path):
    model = tf.keras.Sequential([tf.keras.layers.Dense(2)])
    with pytest.raises(FileNotFoundError, match="checkpoint prefix"):
        model.load_weights(str(tmp_path / "nothing"))
    built = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)])
    built.save_weights(str(tmp_path / "ckpt"))
    with pytest.raises(ValueError, match="has no weights yet"):
        model.load_weights(str(tmp_path / "ckpt"))
    with pytest.raises(ValueError, match="use model.save"):
        built.save_weights(str(tmp_path / "m.keras"))
