"""PReLU, the noise layers, ActivityRegularization, UnitNormalization, SpatialDropout1D/3D,
Conv1DTranspose and the 1-D reshaping layers: values, training-only behaviour, configs."""

import numpy as np
import pytest

import ember as tf
from ember.keras import layers

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 6, 3)).astype("float32")


def roundtrip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


def test_prelu_learns_slopes_per_unit_and_shares_axes():
    layer = layers.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.25),
                         shared_axes=[1])
    y = layer(X).numpy()
    assert [tuple(w.shape) for w in layer.weights] == [(1, 3)]
    np.testing.assert_allclose(y, np.where(X >= 0, X, 0.25 * X), rtol=1e-6)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(layer(X))
    grad = tape.gradient(out, layer.alpha).numpy()
    np.testing.assert_allclose(grad[0], np.minimum(X, 0).sum(axis=(0, 1)), rtol=1e-5)
    assert roundtrip(layer).shared_axes == [1]
    with pytest.raises(ValueError, match="shared_axes"):
        layers.PReLU(shared_axes=[0])


def test_gaussian_noise_and_dropout_only_while_training_and_seeded():
    for cls, arg in ((layers.GaussianNoise, 0.5), (layers.GaussianDropout, 0.3),
                     (layers.AlphaDropout, 0.3)):
        a, b = cls(arg, seed=3), cls(arg, seed=3)
        np.testing.assert_array_equal(a(X).numpy(), X)
        ya, yb = a(X, training=True).numpy(), b(X, training=True).numpy()
        np.testing.assert_array_equal(ya, yb)
        assert not np.allclose(ya, X)
        roundtrip(a)
    big = RNG.normal(size=(200, 500)).astype("float32")
    noisy = layers.GaussianNoise(0.5, seed=1)(big, training=True).numpy() - big
    assert abs(noisy.std() - 0.5) < 0.01
    mult = layers.GaussianDropout(0.2, seed=1)(np.ones((200, 500), "float32"), training=True)
    assert abs(mult.numpy().std() - np.sqrt(0.2 / 0.8)) < 0.01
    # AlphaDropout keeps SELU's fixed point (mean 0, variance 1).
    alpha = layers.AlphaDropout(0.2, seed=2)(big, training=True).numpy()
    assert abs(alpha.mean()) < 0.02 and abs(alpha.var() - 1) < 0.03
    with pytest.raises(ValueError, match="rate"):
        layers.GaussianDropout(1.5)


def test_activity_regularization_adds_loss_and_unit_normalization():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    y = layer(X)
    np.testing.assert_array_equal(y.numpy(), X)
    expected = (0.1 * np.abs(X).sum() + 0.01 * np.square(X).sum()) / len(X)
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-5)
    assert roundtrip(layer).l1 == 0.1
    unit = layers.UnitNormalization(axis=-1)
    np.testing.assert_allclose(np.linalg.norm(unit(X).numpy(), axis=-1), 1.0, rtol=1e-6)
    assert roundtrip(layers.UnitNormalization(axis=[1, 2])).axis == [1, 2]


def test_spatial_dropout_drops_whole_channels():
    y = layers.SpatialDropout1D(0.5, seed=0)(np.ones((8, 5, 6), "float32"), training=True)
    y = y.numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert (y == y[:, :1, :]).all()  # constant along the steps: whole channels dropped
    v = np.ones((2, 3, 3, 3, 4), "float32")
    z = layers.SpatialDropout3D(0.5, seed=0)(v, training=True).numpy()
    assert (z == z[:, :1, :1, :1, :]).all()
    np.testing.assert_array_equal(layers.SpatialDropout1D(0.5)(X).numpy(), X)
    with pytest.raises(ValueError, match="ndim=3"):
        layers.SpatialDropout1D(0.5)(np.ones((2, 3), "float32"), training=True)


def test_conv1d_transpose_matches_torch():
    torch = pytest.importorskip("torch")
    x = RNG.normal(size=(2, 7, 3)).astype("float32")
    for stride in (1, 2):
        layer = layers.Conv1DTranspose(4, 3, strides=stride, padding="valid")
        y = layer(x).numpy()
        kernel, bias = (w.numpy() for w in layer.weights)
        assert kernel.shape == (3, 4, 3)
        ref = torch.nn.functional.conv_transpose1d(
            torch.tensor(x).permute(0, 2, 1), torch.tensor(kernel).permute(2, 1, 0),
            torch.tensor(bias), stride=stride)
        np.testing.assert_allclose(y, ref.permute(0, 2, 1).numpy(), rtol=1e-5, atol=1e-5)
    same = layers.Conv1DTranspose(2, 3, strides=2, padding="same")
    assert same(x).shape == (2, 14, 2) == same.compute_output_shape((2, 7, 3))
    clone = roundtrip(same)
    assert clone.kernel_size == (3,) and clone.strides == (2,)


def test_conv1d_transpose_trains():
    model = tf.keras.Sequential([layers.Input((5, 2)), layers.Conv1DTranspose(1, 2)])
    model.compile("adam", "mse")
    x = RNG.normal(size=(16, 5, 2)).astype("float32")
    history = model.fit(x, np.zeros((16, 6, 1), "float32"), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_1d_reshaping_layers():
    x = np.arange(12, dtype="float32").reshape(1, 4, 3)
    up = layers.UpSampling1D(2)(x).numpy()
    np.testing.assert_array_equal(up, np.repeat(x, 2, axis=1))
    pad = layers.ZeroPadding1D((1, 2))(x).numpy()
    assert pad.shape == (1, 7, 3) and pad[0, 0].sum() == 0 and pad[0, -2:].sum() == 0
    np.testing.assert_array_equal(pad[:, 1:5], x)
    crop = layers.Cropping1D((1, 2))(x).numpy()
    np.testing.assert_array_equal(crop, x[:, 1:2])
    for layer in (layers.UpSampling1D(3), layers.ZeroPadding1D(2), layers.Cropping1D(1)):
        roundtrip(layer)
    with pytest.raises(ValueError, match="leaves nothing"):
        layers.Cropping1D((2, 2))(x)
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding1D(-1)


def test_mixed_precision_policy_is_recorded_and_computation_stays_float32():
    mp = tf.keras.mixed_precision
    assert mp.global_policy().name == "float32"
    try:
        with pytest.warns(UserWarning, match="float32"):
            mp.set_global_policy("mixed_float16")
        policy = mp.global_policy()
        assert (policy.name, policy.compute_dtype, policy.variable_dtype) == (
            "mixed_float16", "float16", "float32")
        assert layers.Dense(2)(np.ones((1, 3), "float32")).dtype == tf.float32
    finally:
        mp.set_global_policy("float32")
    with pytest.raises(ValueError, match="supports the dtype policies"):
        mp.Policy("float64")
    opt = mp.LossScaleOptimizer(tf.keras.optimizers.SGD(0.1), initial_scale=8.0)
    v = tf.Variable([1.0])
    with tf.GradientTape() as tape:
        scaled = opt.get_scaled_loss(tf.reduce_sum(v * 2.0))
    grads = opt.get_unscaled_gradients(tape.gradient(scaled, [v]))
    opt.apply_gradients(zip(grads, [v]))
    np.testing.assert_allclose(v.numpy(), [0.8], rtol=1e-6)
    opt.apply_gradients([(tf.constant([np.inf]), v)])
    assert opt.loss_scale == 4.0 and v.numpy()[0] == pytest.approx(0.8)
