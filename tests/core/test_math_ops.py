"""Elementwise math, matmul, tensordot and einsum: forward and gradient via ``gradcheck.check``."""

import numpy as np
import pytest
from gradcheck import BINARY_SHAPES, UNARY_SHAPES, check, rand

import ember as tf


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _apart(sx, sy, gap=0.05, low=-1.0, high=1.0):
    """Two random arrays whose broadcast difference is never within ``gap`` (no max ties)."""
    rng = np.random.default_rng(7)
    while True:
        x, y = rand(sx, low, high, rng=rng), rand(sy, low, high, rng=rng)
        if np.min(np.abs(x - y), initial=1.0) > gap:
            return x, y


# -- binary ops over every shape pair (equal and broadcast both ways) -------------------

BINARY = {
    "add": (tf.add, np.add, {}),
    "subtract": (tf.subtract, np.subtract, {}),
    "multiply": (tf.multiply, np.multiply, {}),
    "divide": (tf.divide, np.divide, {"y_away": 0.3}),
    "pow": (tf.pow, np.power, {"x_low": 0.5, "x_high": 2.0}),
    "squared_difference": (tf.math.squared_difference, lambda x, y: (x - y) ** 2, {}),
    "op+": (lambda x, y: x + y, np.add, {}),
    "op-": (lambda x, y: x - y, np.subtract, {}),
    "op*": (lambda x, y: x * y, np.multiply, {}),
    "op/": (lambda x, y: x / y, np.divide, {"y_away": 0.3}),
    "op**": (lambda x, y: x ** y, np.power, {"x_low": 0.5, "x_high": 2.0}),
}


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary(name, shapes):
    fn, ref, opts = BINARY[name]
    x = rand(shapes[0], opts.get("x_low", -1.0), opts.get("x_high", 1.0))
    y = rand(shapes[1], away=opts.get("y_away", 0.0))
    check(fn, [x, y], ref=ref)


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum(name, shapes):
    x, y = _apart(*shapes)
    check(getattr(tf, name), [x, y], ref=getattr(np, name))


def test_maximum_tie_gives_gradient_to_x_only():
    x, y = tf.constant([1.0, 2.0]), tf.constant([1.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        z = tf.maximum(x, y)
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(gy.numpy(), [0.0, 1.0])


def test_pow_with_python_exponent_and_zero_base():
    # d/dx x**2 at 0 is 0 (not NaN from the log term of the exponent's gradient).
    x = tf.constant([0.0, 1.5, -2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x ** 2
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.0, 3.0, -4.0])
    check(lambda a: a ** 3, [rand((2, 3))], ref=lambda a: a ** 3)
    check(lambda a: 2.0 ** a, [rand((2, 3))], ref=lambda a: 2.0 ** a)


# -- unary ops over every shape ---------------------------------------------------------

UNARY = {
    "square": (tf.square, np.square, {}),
    "sqrt": (tf.sqrt, np.sqrt, {"low": 0.5, "high": 2.0}),
    "rsqrt": (tf.math.rsqrt, lambda x: 1 / np.sqrt(x), {"low": 0.5, "high": 2.0}),
    "exp": (tf.exp, np.exp, {}),
    "expm1": (tf.math.expm1, np.expm1, {}),
    "log": (tf.math.log, np.log, {"low": 0.5, "high": 2.0}),
    "log1p": (tf.math.log1p, np.log1p, {"low": -0.5, "high": 2.0}),
    "abs": (tf.abs, np.abs, {"away": 0.1}),
    "op_abs": (abs, np.abs, {"away": 0.1}),
    "negative": (tf.negative, np.negative, {}),
    "op_neg": (lambda x: -x, np.negative, {}),
    "sin": (tf.sin, np.sin, {}),
    "cos": (tf.cos, np.cos, {}),
    "tan": (tf.math.tan, np.tan, {}),
    "reciprocal": (tf.math.reciprocal, lambda x: 1 / x, {"away": 0.3}),
    "sigmoid": (tf.sigmoid, _sigmoid, {"low": -4, "high": 4}),
    "tanh": (tf.tanh, np.tanh, {}),
    "softplus": (tf.math.softplus, lambda x: np.log1p(np.exp(x)), {"low": -4, "high": 4}),
    "log_sigmoid": (tf.math.log_sigmoid, lambda x: np.log(_sigmoid(x)), {"low": -4, "high": 4}),
    "identity": (tf.identity, lambda x: x, {}),
}


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, shape):
    fn, ref, opts = UNARY[name]
    x = rand(shape, opts.get("low", -1.0), opts.get("high", 1.0), away=opts.get("away", 0.0))
    check(fn, [x], ref=ref)


def test_abs_gradient_at_zero_is_zero():
    x = tf.constant([0.0, -2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.abs(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, -1.0, 1.0])


# -- selection and casting ----------------------------------------------------------------

@pytest.mark.parametrize("shapes", [((2, 3), (2, 3), (2, 3)), ((3,), (2, 3), (1, 3)),
                                    ((2, 3), (), (2, 3)), ((2, 1), (1, 3), (2, 3))], ids=str)
def test_where(shapes):
    sc, sx, sy = shapes
    cond = np.random.default_rng(3).random(sc) > 0.5
    check(tf.where, [cond, rand(sx), rand(sy)], ref=np.where)


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
def test_clip_by_value(shape):
    x = rand(shape, -2.0, 2.0)
    x = np.where(np.abs(np.abs(x) - 1.0) < 0.1, x * 0.5, x)  # stay off the clip edges
    check(lambda t: tf.clip_by_value(t, -1.0, 1.0), [x], ref=lambda a: np.clip(a, -1, 1))


def test_clip_by_value_gradient_is_zero_outside():
    x = tf.constant([-3.0, 0.5, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.clip_by_value(x, -1.0, 1.0)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 1.0, 0.0])


@pytest.mark.parametrize("src,dst", [(tf.float32, tf.float64), (tf.float64, tf.float32),
                                     (tf.float32, tf.float16)])
def test_cast_float_gradient(src, dst):
    x = tf.constant([1.5, -2.0, 3.25], dtype=src)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, dst) * 3.0
    assert y.dtype == dst
    g = tape.gradient(y, x)
    assert g.dtype == src
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0, 3.0])


def test_cast_through_float64_gradcheck():
    check(lambda t: tf.cast(tf.cast(t, tf.float64) * 2.0, tf.float64), [rand((2, 3))],
          ref=lambda a: 2 * a)


def test_cast_to_int_truncates_and_stops_gradient():
    x = tf.constant([1.7, -1.7])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.int32)
    np.testing.assert_array_equal(y.numpy(), [1, -1])
    assert y.dtype == tf.int32
    assert tape.gradient(y, x) is None


# -- matrix products ------------------------------------------------------------------------

MATMUL = [
    ((2, 3), (3, 4), False, False),
    ((1, 3), (3, 1), False, False),
    ((3, 2), (3, 4), True, False),
    ((2, 3), (4, 3), False, True),
    ((3, 2), (4, 3), True, True),
    ((2, 2, 3), (2, 3, 4), False, False),   # batched
    ((2, 3, 2), (2, 4, 3), True, True),     # batched, both transposed
    ((2, 2, 3), (3, 4), False, False),      # batch broadcast of b
    ((2, 3), (2, 3, 4), False, False),      # batch broadcast of a
    ((2, 1, 2, 3), (3, 4, 3), False, True),  # batch dims broadcast both ways
]


@pytest.mark.parametrize("sa,sb,ta,tb", MATMUL, ids=str)
def test_matmul(sa, sb, ta, tb):
    def ref(a, b):
        return np.matmul(np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b)
    check(lambda a, b: tf.matmul(a, b, transpose_a=ta, transpose_b=tb), [rand(sa), rand(sb)],
          ref=ref)


def test_matmul_operator():
    check(lambda a, b: a @ b, [rand((2, 3)), rand((3, 2))], ref=np.matmul)


@pytest.mark.parametrize("sa,sb,axes", [
    ((2, 3), (3, 4), 1),
    ((2, 3, 4), (3, 4, 2), 2),
    ((2, 3), (2, 3), 0),
    ((3, 2), (3, 4), ([0], [0])),
    ((2, 3, 4), (4, 2, 5), [[0, 2], [1, 0]]),
    ((2, 3), (4, 3), (1, -1)),
], ids=str)
def test_tensordot(sa, sb, axes):
    check(lambda a, b: tf.tensordot(a, b, axes=axes), [rand(sa), rand(sb)],
          ref=lambda a, b: np.tensordot(a, b, axes=axes))


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ij->j", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,j->i", [(2, 3), (3,)]),
    ("ij,k->ik", [(2, 3), (4,)]),          # j summed inside one operand only
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("ij,jk", [(2, 3), (3, 4)]),            # implicit output
    ("bi,bi->b", [(3, 2), (3, 2)]),
], ids=str)
def test_einsum(eq, shapes):
    check(lambda *ts: tf.einsum(eq, *ts), [rand(s) for s in shapes],
          ref=lambda *arrs: np.einsum(eq, *arrs))


def test_add_n():
    check(lambda a, b, c: tf.add_n([a, b, c]), [rand((2, 3)), rand((2, 3)), rand((2, 3))],
          ref=lambda a, b, c: a + b + c)


SECOND_DERIVATIVES = {
    "sigmoid": (tf.sigmoid, lambda v: _sigmoid(v) * (1 - _sigmoid(v)) * (1 - 2 * _sigmoid(v))),
    "tanh": (tf.tanh, lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
    "exp": (tf.exp, np.exp),
    "log": (tf.math.log, lambda v: -1 / v ** 2),
    "sqrt": (tf.sqrt, lambda v: -0.25 * v ** -1.5),
    "rsqrt": (tf.math.rsqrt, lambda v: 0.75 * v ** -2.5),
    "cube": (lambda t: t ** 3, lambda v: 6 * v),
    "softplus": (tf.math.softplus, lambda v: _sigmoid(v) * (1 - _sigmoid(v))),
}


@pytest.mark.parametrize("name", list(SECOND_DERIVATIVES))
def test_second_derivative_closed_form(name):
    # The rules are written in Ember ops, so a tape around the backward pass differentiates again.
    fn, d2 = SECOND_DERIVATIVES[name]
    v = np.array([0.3, 1.2, 2.0])
    x = tf.constant(v)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = fn(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    np.testing.assert_allclose(d2y.numpy(), d2(v), rtol=1e-10)


def test_floormod_gradient():
    x = rand((2, 3), 0.1, 3.0)
    y = rand((3,), 0.7, 1.3)
    x = np.where(np.abs(np.mod(x, y) - y / 2) > y / 2 - 0.05, x + 0.1, x)  # off the jumps
    check(tf.math.floormod, [x, y], ref=np.mod)


@pytest.mark.parametrize("op", [tf.sigmoid, tf.exp, tf.math.log, tf.sqrt, tf.tanh, tf.sin,
                                tf.math.softplus, tf.math.log1p, tf.math.rsqrt])
def test_float_only_ops_refuse_integers(op):
    # NumPy would silently return float64 (or, for sigmoid, truncate to 0); TF refuses.
    with pytest.raises(tf.errors.InvalidArgumentError, match="floating-point.*tf.cast"):
        op(tf.constant([1, 2]))
    assert op(tf.constant([1.0, 2.0])).dtype == tf.float32
    assert op(tf.constant([1.0, 2.0], tf.float16)).dtype == tf.float16


def test_cast_of_variable_is_a_snapshot():
    v = tf.Variable([1.0, 2.0])
    same, other = tf.cast(v, tf.float32), tf.cast(v, tf.float64)
    v.assign([7.0, 7.0])
    assert same.numpy().tolist() == [1.0, 2.0] and other.numpy().tolist() == [1.0, 2.0]
    assert not isinstance(same, tf.Variable)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.cast(v, tf.float32) * 3.0)
    assert tape.gradient(y, v).numpy().tolist() == [3.0, 3.0]
