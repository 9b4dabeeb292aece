"""A Sequential first built inside a subclassed model's shape probe keeps an unknown batch
axis in its summary (not the probe's made-up batch size)."""

import numpy as np

import ember as tf
from ember.keras import layers


class _AutoEncoder(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.encoder = tf.keras.Sequential([layers.Input(shape=(6,)), layers.Dense(3)])
        self.decoder = tf.keras.Sequential([layers.Dense(6)])

    def call(self, x):
        return self.decoder(self.encoder(x))


def test_decoder_built_during_fit_reports_none_batch(capsys):
    model = _AutoEncoder()
    model.compile("adam", "mse")
    x = np.random.default_rng(0).random((64, 6)).astype("float32")
    model.fit(x, x, batch_size=32, epochs=1, verbose=0)
    assert model.decoder.layers[0].output_shape == (None, 6)
    model.decoder.summary()
    out = capsys.readouterr().out
    assert "(None, 6)" in out and "(2, 6)" not in out


def test_direct_call_keeps_the_real_batch_size():
    seq = tf.keras.Sequential([layers.Dense(4)])
    seq(np.zeros((32, 5), "float32"))
    assert seq.layers[0].output_shape == (32, 4)
