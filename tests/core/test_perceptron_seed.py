"""The seed's perceptron and gradient-descent examples, written with core ops only."""

import numpy as np

import ember as tf


def test_perceptron_forward_with_matmul():
    # W = [3, -2], w0 = 1, x = (4, 2):  z = 1 + 3·4 - 2·2 = 9,  ŷ = σ(9) ≈ 0.9999
    W = tf.constant([[3.0], [-2.0]])
    w0 = tf.constant([1.0])
    x = tf.constant([[4.0, 2.0]])
    z = tf.matmul(x, W) + w0
    assert z.shape == (1, 1) and z.dtype == tf.float32
    assert float(z[0, 0]) == 9.0
    y = tf.nn.sigmoid(z)
    assert round(float(y[0, 0]), 4) == 0.9999
    np.testing.assert_allclose(float(y[0, 0]), 1 / (1 + np.exp(-9.0)), rtol=1e-6)


def test_perceptron_forward_with_plain_arithmetic():
    W = tf.constant([3.0, -2.0])
    w0 = 1.0
    x = tf.constant([4.0, 2.0])
    z = w0 + tf.reduce_sum(x * W)
    assert float(z) == 9.0
    assert float(tf.sigmoid(z)) > 0.9998


def _bce(y, p):
    return -(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p))


def test_one_gradient_step_lowers_binary_cross_entropy():
    W = tf.Variable([[3.0], [-2.0]])
    w0 = tf.Variable([1.0])
    x = tf.constant([[4.0, 2.0], [1.0, 3.0]])
    y = tf.constant([[0.0], [1.0]])  # the first student actually failed

    def loss():
        p = tf.sigmoid(tf.matmul(x, W) + w0)
        return tf.reduce_mean(_bce(y, p))

    with tf.GradientTape() as tape:
        before = loss()
    gW, gw0 = tape.gradient(before, [W, w0])
    assert gW.shape == W.shape and gw0.shape == w0.shape

    # The analytic gradient of mean BCE through a sigmoid is mean((p - y) x).
    p = 1 / (1 + np.exp(-(x.numpy() @ W.numpy() + w0.numpy())))
    np.testing.assert_allclose(gW.numpy(), x.numpy().T @ (p - y.numpy()) / 2, rtol=1e-5)
    np.testing.assert_allclose(gw0.numpy(), np.mean(p - y.numpy(), axis=0), rtol=1e-5)

    lr = 0.1
    W.assign_sub(lr * gW)
    w0.assign_sub(lr * gw0)
    after = loss()
    assert float(after) < float(before) - 0.1


def test_minimise_quadratic_with_variable_and_assign():
    x = tf.Variable(0.0)
    lr = 1e-2
    for _ in range(500):
        with tf.GradientTape() as tape:
            loss = (x - 4) ** 2
        grad = tape.gradient(loss, x)
        x.assign(x - lr * grad)
    assert abs(float(x) - 4.0) < 1e-3
    assert x.dtype == tf.float32


def test_training_a_perceptron_separates_two_clusters():
    # Plain gradient descent with ops only (no Keras): the loss falls and accuracy reaches 1.
    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.normal(-2, 0.5, (20, 2)), rng.normal(2, 0.5, (20, 2))]).astype("f4")
    ys = np.concatenate([np.zeros((20, 1)), np.ones((20, 1))]).astype("f4")
    W = tf.Variable(tf.zeros([2, 1]))
    b = tf.Variable(tf.zeros([1]))
    losses = []
    for _ in range(50):
        with tf.GradientTape() as tape:
            logits = tf.matmul(xs, W) + b
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=ys, logits=logits))
        gW, gb = tape.gradient(loss, [W, b])
        W.assign_sub(0.5 * gW)
        b.assign_sub(0.5 * gb)
        losses.append(float(loss))
    assert losses[-1] < 0.1 * losses[0]
    pred = (tf.sigmoid(tf.matmul(xs, W) + b) > 0.5).numpy()
    assert (pred == (ys > 0.5)).all()
