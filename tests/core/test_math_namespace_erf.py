"""tf.math.erf / tf.math.erfc and keras.ops.erf are exported (the ops live in
ember/ops/special.py, whose own tests check their values and gradients)."""

import math

import numpy as np

import ember as tf
from ember import keras


def test_erf_and_erfc_in_tf_math_and_keras_ops():
    x = tf.constant([-1.5, 0.0, 0.5, 2.0])
    want = np.array([math.erf(v) for v in (-1.5, 0.0, 0.5, 2.0)], np.float32)
    np.testing.assert_allclose(tf.math.erf(x).numpy(), want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tf.math.erfc(x).numpy(), 1 - want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(keras.ops.erf(np.array([0, 1])).numpy(),
                               [0.0, math.erf(1.0)], rtol=1e-6)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.math.erf(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(),
                               2 / np.sqrt(np.pi) * np.exp(-x.numpy() ** 2), rtol=1e-5)
