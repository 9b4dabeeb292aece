"""tf.custom_gradient: the TF guide's examples give TF 2.21's numbers (computed with TF and
written here), second derivatives go through grad_fn, and misuse raises TF's errors."""

import numpy as np
import pytest
from gradcheck import check, rand

import ember as tf


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))
    return tf.math.log(1 + e), grad


def test_log1pexp_from_the_tf_guide():
    for xv, y_expected, g_expected in [(0.0, 0.6931472, 0.5), (100.0, np.inf, 1.0)]:
        x = tf.constant(xv)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = log1pexp(x)
        np.testing.assert_allclose(y.numpy(), y_expected, rtol=1e-6)
        assert float(tape.gradient(y, x)) == g_expected  # 1.0, not the NaN of autodiff


def test_second_derivative_goes_through_grad_fn():
    x = tf.constant(1.5)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = log1pexp(x)
        g = inner.gradient(y, x)
    np.testing.assert_allclose(g.numpy(), 0.8175745, rtol=1e-6)
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), 0.14914645, rtol=1e-5)


def test_clip_gradients_example():
    @tf.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)
        return y, backward

    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        output = clip_gradients(v * v)
    assert float(tape.gradient(output, v)) == 2.0  # 4 clipped to 0.5, times dv²/dv = 4


weights = tf.Variable(tf.ones([2]))


@tf.custom_gradient
def linear_poly(x):
    poly = weights[1] * x + weights[0]

    def grad_fn(dpoly, variables):
        assert len(variables) == 1 and variables[0] is weights
        dy_dw = dpoly * tf.stack([x ** 1, x ** 0])
        return dpoly * weights[1], [tf.reduce_sum(tf.reshape(dy_dw, [2, -1]), axis=1)]
    return poly, grad_fn


def test_captured_variables_get_their_gradient_from_grad_fn():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        poly = linear_poly(x)
    np.testing.assert_array_equal(poly.numpy(), [2, 3, 4])
    np.testing.assert_array_equal(tape.gradient(poly, x).numpy(), [1, 1, 1])
    np.testing.assert_array_equal(tape.gradient(poly, weights).numpy(), [6, 3])


def test_several_outputs_call_grad_fn_once_with_zeros_for_unused_ones():
    calls = []

    @tf.custom_gradient
    def two(x, y):
        def g(da, db):
            calls.append((da.numpy().tolist(), db.numpy().tolist()))
            return da * 2 + db, da * 3
        return (x * y, x + y), g

    a, b = tf.constant([1.0, 2.0]), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        o1, o2 = two(a, b)
        s = tf.reduce_sum(o1 * tf.constant([1.0, 10.0]))
    ga, gb = tape.gradient(s, [a, b])
    assert calls == [([1.0, 10.0], [0.0, 0.0])]
    np.testing.assert_array_equal(ga.numpy(), [2, 20])
    # TF returns grad_fn's (2,) gradient for the scalar b as is; Ember sums it to b's shape.
    assert float(gb) == 33.0


def test_methods_and_gradient_checks():
    class Scale:
        factor = 3.0

        @tf.custom_gradient
        def __call__(self, x):
            return x * self.factor, lambda dy: dy * self.factor

    check(lambda x: Scale()(tf.sin(x)), [rand((2, 3))])


def test_misuse_raises_tf_errors():
    @tf.custom_gradient
    def reads_variable(x):
        return weights[0] * x, lambda dy: dy

    with pytest.raises(TypeError, match="must accept keyword argument 'variables'"):
        reads_variable(tf.constant(1.0))

    @tf.custom_gradient
    def wrong_count(x, y):
        return x * y, lambda d: d

    a = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(a)
        out = wrong_count(a, tf.constant(3.0))
    with pytest.raises(ValueError, match="expected to return 2 gradients, but returned 1"):
        tape.gradient(out, a)

    @tf.custom_gradient
    def no_pair(x):
        return x

    with pytest.raises(TypeError, match="must return a pair"):
        no_pair(tf.constant(1.0))
