"""keras.layers.Normalization: adapt on arrays, data sets and generators, fixed mean and
variance, invert, and its weights (TensorFlow's basic regression tutorial)."""

import numpy as np
import pytest

import ember as tf
from ember.keras import layers

rng = np.random.default_rng(3)


def test_adapt_per_feature_matches_numpy():
    x = rng.normal(5, [1, 10, 100], size=(64, 3)).astype("float32")
    layer = layers.Normalization(axis=-1)
    layer.adapt(x)
    out = layer(x).numpy()
    np.testing.assert_allclose(out, (x - x.mean(0)) / x.std(0), rtol=1e-4, atol=1e-5)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert layer.weights[0].shape == (3,) and not layer.trainable_weights


def test_axis_none_and_a_one_feature_model():
    h = rng.uniform(50, 200, 100)
    norm = layers.Normalization(input_shape=[1, ], axis=None)
    norm.adapt(h)
    model = tf.keras.Sequential([norm, layers.Dense(1)])
    # A (batch,) array given to a (batch, 1) input gains its last axis, as in Keras 3.
    assert model.predict(h[:10], verbose=0).shape == (10, 1)
    np.testing.assert_allclose(norm(h[:4]).numpy(), (h[:4] - h.mean()) / h.std(), rtol=1e-4)


def test_adapt_on_batches_pools_mean_and_variance():
    x = rng.normal(size=(300, 2)).astype("float32") * [1, 4] + [3, -1]
    ds = tf.data.Dataset.from_tensor_slices((x, np.zeros(300))).batch(64)
    layer = layers.Normalization()
    layer.adapt(ds)
    np.testing.assert_allclose(layer.mean.numpy().ravel(), x.mean(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.variance.numpy().ravel(), x.var(0), rtol=1e-4)
    unbatched = layers.Normalization()
    unbatched.adapt(tf.data.Dataset.from_tensor_slices(x))
    np.testing.assert_allclose(unbatched.variance.numpy().ravel(), x.var(0), rtol=1e-4)


def test_given_mean_variance_and_invert():
    x = np.array([[1.0, 2.0, 3.0]], "float32")
    layer = layers.Normalization(mean=[1.0, 2.0, 0.0], variance=[4.0, 1.0, 9.0])
    np.testing.assert_allclose(layer(x).numpy(), [[0.0, 0.0, 1.0]])
    inv = layers.Normalization(axis=-1, invert=True)
    inv.adapt(np.array([[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]], "float32"))
    np.testing.assert_allclose(inv(x).numpy(), [[2.0, 10.0, 8.0]], rtol=1e-6)
    assert layer.get_config()["mean"] == [1.0, 2.0, 0.0]


def test_bad_arguments_are_echoed():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    layer = layers.Normalization(axis=2)
    with pytest.raises(ValueError, match="axis"):
        layer.adapt(np.zeros((4, 3)))
    layer = layers.Normalization()
    layer.adapt(np.ones((4, 3)))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(np.ones((4, 5)))


def test_set_weights_and_load_take_effect(tmp_path):
    layer = layers.Normalization()
    layer.adapt(rng.normal(size=(20, 2)))
    other = layers.Normalization()
    other.build((None, 2))
    other.set_weights(layer.get_weights())
    x = rng.normal(size=(3, 2)).astype("float32")
    np.testing.assert_allclose(other(x).numpy(), layer(x).numpy())
