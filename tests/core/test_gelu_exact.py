"""erf/erfc to float64 precision, and GELU(approximate=False) built on them (was 1.5e-7 off)."""

import math

import numpy as np
import pytest
from gradcheck import check, check_second_order, rand

import ember as tf
from ember.ops.special import erf, erf_array, erfc, erfc_array

_rng = np.random.default_rng(7)
_X = np.concatenate([
    _rng.uniform(-7.0, 7.0, 20000), _rng.normal(0.0, 1.0, 20000),
    np.linspace(-1e-3, 1e-3, 201), _rng.uniform(-40.0, 40.0, 200),
    [0.0, -0.0, 1.0, -1.0, np.nextafter(1.0, 0.0), 5.9, 6.0, 8.0, 1e-300, 5e-324, -3.5],
])


def _rel(got, ref):
    return np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)


def test_erf_matches_math_erf_to_float64_precision():
    ref = np.array([math.erf(v) for v in _X])
    assert _rel(erf_array(_X), ref).max() < 1e-15


def test_erfc_matches_math_erfc_including_its_tiny_tail():
    ref = np.array([math.erfc(v) for v in _X])
    keep = ref > 1e-300  # below that math.erfc is subnormal, as are we
    assert _rel(erfc_array(_X)[keep], ref[keep]).max() < 3e-15


def test_erf_float32_is_within_a_few_ulp_and_stays_float32():
    x = _X.astype(np.float32)
    got = erf_array(x)
    assert got.dtype == np.float32
    ref = np.array([math.erf(float(v)) for v in x])
    ulp = np.spacing(np.abs(ref).astype(np.float32) + np.float32(1e-30)).astype(np.float64)
    assert (np.abs(got - ref) / ulp).max() <= 4


def test_erf_special_values():
    got = erf_array(np.array([np.nan, np.inf, -np.inf, 1e308, -1e308]))
    assert np.isnan(got[0])
    np.testing.assert_array_equal(got[1:], [1.0, -1.0, 1.0, -1.0])
    np.testing.assert_array_equal(erfc_array(np.array([np.inf, -np.inf])), [0.0, 2.0])
    assert erf_array(np.zeros((2, 0, 3))).shape == (2, 0, 3)


def test_erf_and_erfc_gradients():
    x = rand((3, 4), low=-2.5, high=2.5)
    check(erf, [x], ref=erf_array)
    check(erfc, [x], ref=erfc_array)
    check_second_order(erf, [x])


def test_erf_refuses_integers():
    with pytest.raises(tf.errors.InvalidArgumentError, match="floating-point"):
        erf(tf.constant([1, 2]))


def _gelu_exact(x):
    return np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in x.ravel()]
                    ).reshape(x.shape)


def test_gelu_exact_to_float64_precision():
    x = np.concatenate([_rng.normal(0.0, 3.0, 5000), np.linspace(-9.0, 9.0, 1001)])
    got = tf.nn.gelu(tf.constant(x), approximate=False).numpy()
    # Absolute error relative to |x|: 1 + erf(x/√2) cancels for x << 0, in every library.
    assert (np.abs(got - _gelu_exact(x)) / np.maximum(np.abs(x), 1.0)).max() < 1e-15


def test_gelu_default_is_exact_and_approximate_differs():
    x = np.linspace(-3.0, 3.0, 61)
    exact = tf.nn.gelu(tf.constant(x)).numpy()
    np.testing.assert_allclose(exact, _gelu_exact(x), rtol=0, atol=1e-15)
    approx = tf.nn.gelu(tf.constant(x), approximate=True).numpy()
    assert np.abs(approx - exact).max() > 1e-5


def test_gelu_gradients_float64():
    x = rand((4, 5), low=-3.0, high=3.0)
    check(lambda t: tf.nn.gelu(t), [x], ref=_gelu_exact)
    check_second_order(lambda t: tf.nn.gelu(t), [x])


def test_gelu_against_torch_float64_forward_and_backward():
    torch = pytest.importorskip("torch")
    x = _rng.normal(0.0, 2.0, (6, 7))
    u = _rng.normal(size=(6, 7))
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.gelu(xt)
    (yt * torch.tensor(u)).sum().backward()
    xe = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.nn.gelu(xe)
        loss = tf.reduce_sum(y * u)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(tape.gradient(loss, xe).numpy(), xt.grad.numpy(), rtol=1e-13,
                               atol=1e-15)
