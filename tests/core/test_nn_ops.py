"""Activations, softmax, cross-entropies, bias_add, the fused Dense op and linalg."""

import math

import numpy as np
import pytest
from gradcheck import UNARY_SHAPES, check, rand

import ember as tf
from ember.ops.nn import dense

_erf = np.vectorize(math.erf)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    return np.log(_softmax(x, axis))


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805

ACTIVATIONS = {
    "relu": (tf.nn.relu, lambda x: np.maximum(x, 0), {}),
    "relu6": (tf.nn.relu6, lambda x: np.clip(x, 0, 6), {"scale": 8.0}),
    "leaky_relu": (tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), {}),
    "leaky_relu_0.1": (lambda t: tf.nn.leaky_relu(t, alpha=0.1),
                       lambda x: np.where(x > 0, x, 0.1 * x), {}),
    "elu": (tf.nn.elu, lambda x: np.where(x > 0, x, np.expm1(x)), {}),
    "selu": (tf.nn.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)), {}),
    # Ember's erf (Abramowitz-Stegun 7.1.26) is exact to 1.5e-7: enough for float32 only.
    "gelu": (tf.nn.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
             {"rtol": 1e-5, "atol": 1e-6}),
    "gelu_tanh": (lambda t: tf.nn.gelu(t, approximate=True),
                  lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
                  {}),
    "silu": (tf.nn.silu, lambda x: x * _sigmoid(x), {}),
    "swish": (tf.nn.swish, lambda x: x * _sigmoid(x), {}),
    "sigmoid": (tf.nn.sigmoid, _sigmoid, {}),
    "tanh": (tf.nn.tanh, np.tanh, {}),
    "softplus": (tf.nn.softplus, lambda x: np.log1p(np.exp(x)), {}),
    "softsign": (tf.nn.softsign, lambda x: x / (1 + np.abs(x)), {}),
}


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation(name, shape):
    fn, ref, opts = ACTIVATIONS[name]
    scale = opts.get("scale", 2.0)
    x = rand(shape, -scale, scale, away=0.1)
    if name == "relu6":
        x = np.where(np.abs(x - 6) < 0.1, x - 0.5, x)
    check(fn, [x], ref=ref, rtol=opts.get("rtol", 1e-6), atol=opts.get("atol", 1e-8))


@pytest.mark.parametrize("shape,axis", [((3,), None), ((2, 3), None), ((2, 3), 0), ((2, 3, 2), 1),
                                        ((1, 3), -1)], ids=str)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name, shape, axis):
    fn = getattr(tf.nn, name)
    ref = _softmax if name == "softmax" else _log_softmax
    a = -1 if axis is None else axis
    check(lambda t: fn(t, axis=axis), [rand(shape, -3, 3)], ref=lambda x: ref(x, a))


@pytest.mark.parametrize("shape", [(3,), (2, 3), (1, 3)], ids=str)
def test_sigmoid_cross_entropy_with_logits(shape):
    labels = np.random.default_rng(0).random(shape)
    check(lambda y, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z),
          [labels, rand(shape, -4, 4)],
          ref=lambda y, z: -(y * np.log(_sigmoid(z)) + (1 - y) * np.log(1 - _sigmoid(z))))


@pytest.mark.parametrize("shape,axis", [((3,), -1), ((2, 3), -1), ((2, 3), 0), ((2, 2, 3), -1)],
                         ids=str)
def test_softmax_cross_entropy_with_logits(shape, axis):
    y = _softmax(rand(shape, -2, 2), axis)  # soft labels: the gradient wrt labels is checked too
    check(lambda t, z: tf.nn.softmax_cross_entropy_with_logits(labels=t, logits=z, axis=axis),
          [y, rand(shape, -3, 3)], ref=lambda t, z: -np.sum(t * _log_softmax(z, axis), axis=axis))


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 2, 4)], ids=str)
def test_sparse_softmax_cross_entropy_with_logits(shape):
    labels = np.random.default_rng(1).integers(0, shape[-1], shape[:-1])

    def ref(lab, z):
        return -np.take_along_axis(_log_softmax(z), lab[..., None], axis=-1)[..., 0]
    check(lambda lab, z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=z),
          [labels, rand(shape, -3, 3)], ref=ref)


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
def test_l2_loss(shape):
    check(tf.nn.l2_loss, [rand(shape)], ref=lambda a: np.sum(a * a) / 2)


@pytest.mark.parametrize("sv,sb", [((3,), (3,)), ((2, 3), (3,)), ((2, 2, 3), (3,))], ids=str)
def test_bias_add(sv, sb):
    check(tf.nn.bias_add, [rand(sv), rand(sb)], ref=np.add)


def test_bias_add_channels_first():
    check(lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"), [rand((2, 3, 2, 2)), rand((3,))],
          ref=lambda v, b: v + b[:, None, None])


@pytest.mark.parametrize("activation", [None, "linear", "relu", "sigmoid", "tanh", "softmax"])
@pytest.mark.parametrize("with_bias", [True, False])
def test_fused_dense(activation, with_bias):
    acts = {None: lambda z: z, "linear": lambda z: z, "relu": lambda z: np.maximum(z, 0),
            "sigmoid": _sigmoid, "tanh": np.tanh, "softmax": _softmax}
    rng = np.random.default_rng(5)
    x, w, b = rand((4, 3), rng=rng), rand((3, 5), rng=rng), rand((5,), rng=rng)
    if activation == "relu":  # keep pre-activations off the kink at 0
        b = b + np.where(np.abs(x @ w + b) < 0.05, 0.2, 0.0).max(axis=0)
    if with_bias:
        check(lambda x_, w_, b_: dense(x_, w_, b_, activation), [x, w, b],
              ref=lambda x_, w_, b_: acts[activation](x_ @ w_ + b_))
    else:
        check(lambda x_, w_: dense(x_, w_, None, activation), [x, w],
              ref=lambda x_, w_: acts[activation](x_ @ w_))


def test_fused_dense_does_not_change_its_inputs():
    x = tf.constant(rand((2, 3)))
    w = tf.Variable(rand((3, 2)))
    b = tf.Variable(np.zeros(2))
    before = x.numpy().copy(), w.numpy(), b.numpy()
    dense(x, w, b, "relu")
    for a, v in zip(before, (x, w, b)):
        np.testing.assert_array_equal(a, v.numpy())


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (2, 3, 3)], ids=str)
def test_inv(shape):
    a = rand(shape) + 3 * np.eye(shape[-1])  # well conditioned
    check(tf.linalg.inv, [a], ref=np.linalg.inv)


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (2, 3, 3)], ids=str)
def test_det(shape):
    a = rand(shape) + 2 * np.eye(shape[-1])
    check(tf.linalg.det, [a], ref=np.linalg.det)


def test_linalg_helpers():
    check(tf.linalg.trace, [rand((3, 3))], ref=np.trace)
    check(tf.linalg.diag_part, [rand((3, 3))], ref=np.diag)
    check(tf.linalg.diag, [rand((3,))], ref=np.diag)


def test_dropout_scales_kept_units_and_passes_gradient():
    tf.random.set_seed(0)
    x = tf.ones([1000])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, rate=0.25)
    kept = y.numpy() != 0
    assert 0.65 < kept.mean() < 0.85
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75, rtol=1e-6)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), y.numpy())
    with pytest.raises(ValueError, match="rate"):
        tf.nn.dropout(x, rate=1.0)


def test_fused_dense_bad_input():
    x, w = tf.ones([2, 3]), tf.ones([3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\(batch, 3\).*\(2, 5\)"):
        dense(tf.ones([2, 5]), w)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape \(4,\).*\(3,\)"):
        dense(x, w, tf.ones([3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="float64"):
        dense(x, w, tf.ones([4], tf.float64))
    with pytest.raises(ValueError, match="'elu'"):
        dense(x, w, None, "elu")
    # a NumPy bias is converted like every other operand
    out = dense(x, w, np.full(4, 0.5, np.float32), "relu")
    np.testing.assert_array_equal(out.numpy(), np.full((2, 4), 3.5, np.float32))
