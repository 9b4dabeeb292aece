"""float16 cross-entropy on probabilities stays finite (TF's gives NaN/inf), and agrees with
float32 within float16's precision wherever the probabilities are not clipped."""

import numpy as np
import pytest

import ember as tf
from ember.keras import backend as K
from ember.keras import losses
from ember.keras.losses.convert import clip_epsilon


def value_and_grad(fn, y_true, y_pred):
    p = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(p)
        loss = fn(y_true, p)
    return loss.numpy(), tape.gradient(loss, p).numpy()


def test_clip_epsilon_is_keras_epsilon_where_representable():
    assert clip_epsilon(np.float32) == K.epsilon() == 1e-7
    assert clip_epsilon(np.float64) == 1e-7
    eps16 = clip_epsilon(np.float16)
    assert eps16 == float(np.finfo(np.float16).eps)
    assert np.float16(eps16) > 0 and np.float16(1.0 - eps16) < 1


def test_float16_binary_crossentropy_on_probabilities_is_finite():
    y = np.array([[0, 1, 1, 0], [1, 0, 1, 0]], np.float16)
    p = np.array([[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0]], np.float16)  # the extremes
    loss, grad = value_and_grad(losses.binary_crossentropy, y, p)
    assert loss.dtype == np.float16 and np.all(np.isfinite(loss)) and np.all(np.isfinite(grad))
    # Every wrong extreme costs -log(ε16) = 10·log 2, every right one -log(1 - ε16) ≈ 0.
    right = -np.log1p(-np.finfo(np.float16).eps)
    np.testing.assert_allclose(loss, [(2 * 10 * np.log(2) + 2 * right) / 4, right], rtol=2e-3)
    elementwise = K.binary_crossentropy(y, tf.constant(p)).numpy()
    assert np.all(np.isfinite(elementwise))


def test_float16_binary_crossentropy_matches_float32():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, (16, 5)).astype(np.float32)
    p = rng.uniform(0.01, 0.99, (16, 5)).astype(np.float16)
    l16, g16 = value_and_grad(losses.binary_crossentropy, y, p)
    l32, g32 = value_and_grad(losses.binary_crossentropy, y, p.astype(np.float32))
    np.testing.assert_allclose(l16.astype(np.float32), l32, rtol=1e-2, atol=1e-3)
    np.testing.assert_allclose(g16.astype(np.float32), g32, rtol=1e-2, atol=1e-2)
    bce16 = losses.BinaryCrossentropy()(y, tf.constant(p)).numpy()
    bce32 = losses.BinaryCrossentropy()(y, tf.constant(p.astype(np.float32))).numpy()
    np.testing.assert_allclose(float(bce16), float(bce32), rtol=1e-2)


@pytest.mark.parametrize("fn", [losses.sparse_categorical_crossentropy,
                                losses.categorical_crossentropy])
def test_float16_categorical_crossentropies_on_probabilities(fn):
    labels = np.array([0, 2, 1, 1])
    y = labels if fn is losses.sparse_categorical_crossentropy else np.eye(3)[labels]
    # Exact zeros and ones (a confident softmax in float16) and ordinary rows.
    p = np.array([[1, 0, 0], [0.2, 0, 0.8], [0, 0, 1], [0.3, 0.5, 0.2]], np.float16)
    l16, g16 = value_and_grad(fn, y, p)
    assert np.all(np.isfinite(l16)) and np.all(np.isfinite(g16))
    l32, g32 = value_and_grad(fn, y, p.astype(np.float32))
    # Rows whose labelled probability is not clipped agree with float32.
    ok = [0, 1, 3]
    np.testing.assert_allclose(l16[ok].astype(np.float32), l32[ok], rtol=1e-2, atol=2e-3)
    np.testing.assert_allclose(g16[ok].astype(np.float32), g32[ok], rtol=1e-2, atol=1e-2)
    # The clipped row costs -log(ε16) in float16 (float32: -log(1e-7)), finite in both.
    np.testing.assert_allclose(float(l16[2]), 10 * np.log(2), rtol=2e-3)
