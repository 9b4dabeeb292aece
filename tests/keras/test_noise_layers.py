"""SpatialDropout1D, GaussianNoise, GaussianDropout (active only while training, seeded)
and ActivityRegularization (its loss as Keras 3 adds it: divided by the batch size)."""

import numpy as np
import pytest

from ember import keras
from ember.keras import layers

X = np.ones((64, 5, 8), "float32")


def test_spatial_dropout_1d_drops_whole_channels():
    layer = layers.SpatialDropout1D(0.5, seed=1)
    np.testing.assert_array_equal(layer(X).numpy(), X)
    out = layer(X, training=True).numpy()
    assert set(np.unique(out)) == {0.0, 2.0}
    assert (out == out[:, :1, :]).all()  # the same along the steps
    assert 0.35 < (out == 0).mean() < 0.65
    with pytest.raises(ValueError, match="rate"):
        layers.SpatialDropout1D(1.5)


def test_gaussian_noise_and_dropout_statistics():
    noise = layers.GaussianNoise(0.5, seed=0)
    np.testing.assert_array_equal(noise(X).numpy(), X)
    d = noise(X, training=True).numpy() - X
    assert abs(d.mean()) < 0.05 and abs(d.std() - 0.5) < 0.05
    drop = layers.GaussianDropout(0.2, seed=0)
    m = drop(X, training=True).numpy()
    assert abs(m.mean() - 1) < 0.05 and abs(m.std() - np.sqrt(0.25)) < 0.05
    a, b = layers.GaussianNoise(1.0, seed=3), layers.GaussianNoise(1.0, seed=3)
    np.testing.assert_array_equal(a(X, training=True).numpy(), b(X, training=True).numpy())


def test_activity_regularization_adds_its_loss():
    inputs = keras.Input((3,))
    outputs = layers.ActivityRegularization(l1=0.1, l2=0.01)(inputs)
    model = keras.Model(inputs, outputs)
    x = np.array([[1.0, -2.0, 3.0], [0.0, 1.0, -1.0]], "float32")
    np.testing.assert_array_equal(model(x).numpy(), x)
    want = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 2
    assert float(model.losses[0]) == pytest.approx(want, rel=1e-6)
    config = layers.ActivityRegularization(l1=0.1).get_config()
    assert config["l1"] == 0.1 and "activity_regularizer" not in config
